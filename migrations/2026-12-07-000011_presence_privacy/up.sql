-- Who sees a user's last seen and online state (issue 14, finding 11).
ALTER TABLE users ADD COLUMN presence_visibility text NOT NULL DEFAULT 'everyone'
    CHECK (presence_visibility IN ('everyone', 'contacts', 'nobody'));
