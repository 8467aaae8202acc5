-- Accounts: users, their signed-in devices (sessions) and one-use refresh tokens.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    -- stored case-folded (see natter_shared::Username), so plain UNIQUE is case-insensitive
    username      text        NOT NULL UNIQUE,
    display_name  text,
    bio           text        NOT NULL DEFAULT '',
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- prefix search (`LIKE 'abc%'`) on username and on the case-folded display name
CREATE INDEX users_username_prefix_idx ON users (username text_pattern_ops);
CREATE INDEX users_display_name_prefix_idx ON users (lower(display_name) text_pattern_ops);

CREATE TABLE sessions (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE INDEX sessions_active_by_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Every refresh token ever issued, by hash. A token is good for one use: `used_at` marks it
-- spent, and presenting a spent one again revokes its whole session (token theft).
CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
