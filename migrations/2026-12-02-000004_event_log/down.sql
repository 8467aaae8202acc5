DROP TABLE hidden_messages;
DROP TABLE message_edits;
DROP TABLE message_reactions;
DROP TABLE chat_events;
DROP INDEX messages_pinned_idx;
ALTER TABLE messages
    DROP COLUMN event_seq,
    DROP COLUMN deleted_at,
    DROP COLUMN forwarded_sender,
    DROP COLUMN forwarded_at,
    DROP COLUMN pinned_at,
    DROP COLUMN pinned_by;
ALTER TABLE chats DROP COLUMN last_event_seq;
