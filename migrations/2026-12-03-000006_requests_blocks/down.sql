ALTER TABLE chats DROP COLUMN request_from, DROP COLUMN blocked;
DROP TABLE user_blocks;
