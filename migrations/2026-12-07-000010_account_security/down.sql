ALTER TABLE users DROP COLUMN deleted_at;
DROP TABLE login_tickets;
DROP TABLE recovery_codes;
DROP TABLE two_factor;
