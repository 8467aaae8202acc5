-- The chat event log: every change of a chat gets the chat's next gap-free event_seq in the
-- transaction that makes the change. Edits, deletes for everyone, reactions and pins.

ALTER TABLE chats
    -- the event_seq of the newest event; a change locks this row, so event seqs are gap-free
    ADD COLUMN last_event_seq bigint NOT NULL DEFAULT 0;

ALTER TABLE messages
    -- the event that created the message
    ADD COLUMN event_seq        bigint,
    -- deleted for everyone: a tombstone (text erased, seq kept)
    ADD COLUMN deleted_at       timestamptz,
    -- a forwarded copy: who wrote the original, and when
    ADD COLUMN forwarded_sender uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN forwarded_at     timestamptz,
    ADD COLUMN pinned_at        timestamptz,
    ADD COLUMN pinned_by        uuid REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE chat_events (
    chat_id    uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    event_seq  bigint      NOT NULL,
    kind       text        NOT NULL CHECK (kind IN (
        'message_created', 'message_edited', 'message_deleted', 'reaction_added',
        'reaction_removed', 'message_pinned', 'message_unpinned')),
    actor_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the message the event is about; events keep no text of their own (a delete erases it)
    message_id uuid        REFERENCES messages (id) ON DELETE CASCADE,
    emoji      text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, event_seq)
);

CREATE TABLE message_reactions (
    message_id uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      text        NOT NULL,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, emoji, user_id)
);

-- the request ids of applied edits: a retried edit changes nothing
CREATE TABLE message_edits (
    message_id uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    request_id uuid        NOT NULL,
    edited_at  timestamptz NOT NULL,
    PRIMARY KEY (message_id, request_id)
);

-- "delete for me"
CREATE TABLE hidden_messages (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    chat_id    uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, message_id)
);

CREATE INDEX messages_pinned_idx ON messages (chat_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;

-- the history so far: each message is its chat's message_created event, in seq order
UPDATE messages SET event_seq = seq;
INSERT INTO chat_events (chat_id, event_seq, kind, actor_id, message_id, created_at)
    SELECT chat_id, seq, 'message_created', sender_id, id, created_at FROM messages;
UPDATE chats SET last_event_seq = last_seq;
