-- Account security (issue 14): two-factor authentication, recovery codes, sign-in tickets,
-- and deleted accounts.

-- One row per user who has begun setting up two-factor authentication. The TOTP secret is
-- stored encrypted (AES-256-GCM, `nonce || ciphertext`) with the server's NATTER_TOTP_KEY.
-- `enabled_at` stays NULL until a correct code confirms the set-up; `last_step` is the last
-- accepted RFC 6238 time step, so one code cannot be used twice.
CREATE TABLE two_factor (
    user_id          uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_encrypted bytea       NOT NULL,
    enabled_at       timestamptz,
    last_step        bigint,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Single-use recovery codes (sha256 of the code: they are random, 50 bits and more).
CREATE TABLE recovery_codes (
    user_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- What a correct password answers when two-factor authentication is on: a short-lived,
-- one-use ticket (stored as its sha256) that a code turns into a session.
CREATE TABLE login_tickets (
    ticket_hash bytea       PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name text        NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    -- wrong codes given with it; past five the ticket is spent
    failed_attempts integer NOT NULL DEFAULT 0
);

CREATE INDEX login_tickets_by_user_idx ON login_tickets (user_id);

-- A deleted account keeps its row (its messages still name it) with the profile erased.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
