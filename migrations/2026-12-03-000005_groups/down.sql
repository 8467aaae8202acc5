DROP TABLE chat_invites;
DROP TABLE chat_bans;
DROP TABLE chat_departures;
DROP INDEX messages_mentions_idx;
ALTER TABLE messages DROP COLUMN service, DROP COLUMN mentions;
ALTER TABLE chats
    DROP COLUMN description,
    DROP COLUMN invite_policy,
    DROP COLUMN pin_policy,
    DROP COLUMN members_version;
DROP INDEX chat_members_one_owner_idx;
ALTER TABLE chat_members DROP CONSTRAINT chat_members_role_check, DROP COLUMN muted;
UPDATE chat_members SET role = 'admin' WHERE role IN ('owner', 'moderator') ;
ALTER TABLE chat_members
    ADD CONSTRAINT chat_members_role_check CHECK (role IN ('admin', 'member'));
