ALTER TABLE chats DROP COLUMN photo_id;
ALTER TABLE users DROP COLUMN avatar_id;
DROP INDEX messages_file_ids_idx;
ALTER TABLE messages DROP COLUMN file_ids, DROP COLUMN attachments;
DROP TABLE files;
