-- Files: each tus upload is a row from its creation; once all its bytes are in, it is
-- checked (type, size, pixels), scanned and stored, and becomes a file messages can carry.

CREATE TABLE files (
    id            uuid        PRIMARY KEY,
    uploader_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- the sanitised name from Upload-Metadata
    name          text        NOT NULL,
    length        bigint      NOT NULL CHECK (length >= 0),
    received      bigint      NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= length),
    state         text        NOT NULL DEFAULT 'uploading' CHECK (state IN
                    ('uploading', 'processing', 'pending_scan', 'ready', 'blocked', 'rejected')),
    problem       text,
    mime          text,
    sha256        text,
    width         integer,
    height        integer,
    has_thumbnail boolean     NOT NULL DEFAULT false,
    -- whether the malware scanner looked at it (false: scanning is not configured)
    scanned       boolean     NOT NULL DEFAULT false,
    -- a PATCH is appending until then (a lease, so a crashed process's lapses)
    busy_until    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    -- to be removed from storage (its last message was deleted, or it was never used)
    erased_at     timestamptz
);

-- the daily quota: what a user uploaded since a time
CREATE INDEX files_by_uploader_idx ON files (uploader_id, created_at);
-- the sweeper: unfinished, waiting for the scanner, or to be erased
CREATE INDEX files_unsettled_idx ON files (created_at)
    WHERE state IN ('uploading', 'processing', 'pending_scan') OR erased_at IS NOT NULL;

-- a message's files: their metadata as the message shows it (JSON), and their ids for who
-- may read a file and whether another message still carries it
ALTER TABLE messages
    ADD COLUMN attachments text,
    ADD COLUMN file_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX messages_file_ids_idx ON messages USING gin (file_ids) WHERE file_ids <> '{}';

ALTER TABLE users ADD COLUMN avatar_id uuid REFERENCES files (id) ON DELETE SET NULL;
ALTER TABLE chats ADD COLUMN photo_id uuid REFERENCES files (id) ON DELETE SET NULL;
