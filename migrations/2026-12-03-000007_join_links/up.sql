-- Join links: made by a group's admins, with an optional expiry and use limit; a group
-- may ask for approval of who comes by link.

CREATE TABLE chat_links (
    token          text        PRIMARY KEY,
    chat_id        uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    created_by     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz,
    max_uses       integer     CHECK (max_uses IS NULL OR max_uses > 0),
    uses           integer     NOT NULL DEFAULT 0,
    needs_approval boolean     NOT NULL DEFAULT false,
    revoked_at     timestamptz
);

CREATE INDEX chat_links_by_chat_idx ON chat_links (chat_id, created_at);

-- people who came by a link that needs approval, until an admin answers
CREATE TABLE join_requests (
    chat_id    uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token      text        NOT NULL REFERENCES chat_links (token) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id)
);
