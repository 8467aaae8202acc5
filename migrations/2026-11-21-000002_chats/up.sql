-- Chats, their members, and messages with a gap-free per-chat sequence.

CREATE TABLE chats (
    id         uuid        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('direct', 'group')),
    title      text,
    created_by uuid        NOT NULL REFERENCES users (id),
    -- "lo:hi" of the two member ids of a direct chat: one direct chat per pair
    direct_key text        UNIQUE,
    -- the seq of the newest message; a send locks this row, so seqs are gap-free and in
    -- commit order
    last_seq   bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- last activity: creation or the newest message
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);

CREATE TABLE chat_members (
    chat_id   uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      text        NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    -- the member's read cursor; unread = chats.last_seq - read_seq
    read_seq  bigint      NOT NULL DEFAULT 0,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id)
);

-- "my chats"
CREATE INDEX chat_members_by_user_idx ON chat_members (user_id, chat_id);

CREATE TABLE messages (
    id         uuid        PRIMARY KEY,
    chat_id    uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    sender_id  uuid        NOT NULL REFERENCES users (id),
    text       text        NOT NULL,
    reply_to   uuid        REFERENCES messages (id) ON DELETE SET NULL,
    -- the sender's idempotency key: the same key again returns the original message
    request_id uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at  timestamptz,
    UNIQUE (chat_id, seq),
    UNIQUE (sender_id, request_id)
);
