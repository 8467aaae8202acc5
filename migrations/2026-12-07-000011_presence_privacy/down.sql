ALTER TABLE users DROP COLUMN presence_visibility;
