-- When the user's first connection opened or last one closed: "last seen" for offline users.
ALTER TABLE users ADD COLUMN last_seen_at timestamptz;
