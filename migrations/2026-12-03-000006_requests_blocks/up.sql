-- Message requests and blocking.

CREATE TABLE user_blocks (
    blocker_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);

-- "who blocks me"
CREATE INDEX user_blocks_by_blocked_idx ON user_blocks (blocked_id);

ALTER TABLE chats
    -- a direct chat opened by someone the other shared no chat with: a request from them
    -- until the other accepts it
    ADD COLUMN request_from uuid REFERENCES users (id) ON DELETE SET NULL,
    -- a direct chat between two people one of whom blocks the other delivers nothing
    ADD COLUMN blocked boolean NOT NULL DEFAULT false;
