-- Users whose cached chat list must be dropped (issue 16): a change of one of their chats
-- went ahead without its in-flight mark because Redis was slow or down. The row is written
-- before the change, so it survives a crash of the process with it; whichever process next
-- reaches Redis drops the lists and, once no change it stood for can still commit, the row
-- (chat_list::invalidations). A row per user, not per change: a new note moves noted_at.
CREATE TABLE chat_list_stale (
    user_id uuid PRIMARY KEY,
    noted_at timestamptz NOT NULL DEFAULT now()
);
