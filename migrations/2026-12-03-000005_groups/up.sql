-- Groups that people run: roles, muting, group info and rules, departures, bans,
-- invitations, service messages and mentions.

ALTER TABLE chat_members DROP CONSTRAINT chat_members_role_check;
-- a group's creator becomes its owner; other admins stay admins
UPDATE chat_members cm SET role = 'owner'
  FROM chats c
  WHERE c.id = cm.chat_id AND c.kind = 'group' AND cm.user_id = c.created_by;
ALTER TABLE chat_members
    ADD CONSTRAINT chat_members_role_check
        CHECK (role IN ('owner', 'admin', 'moderator', 'member')),
    -- a muted member reads but cannot send, react or pin
    ADD COLUMN muted boolean NOT NULL DEFAULT false;

-- one owner per group
CREATE UNIQUE INDEX chat_members_one_owner_idx ON chat_members (chat_id) WHERE role = 'owner';

ALTER TABLE chats
    ADD COLUMN description   text   NOT NULL DEFAULT '',
    ADD COLUMN invite_policy text   NOT NULL DEFAULT 'members'
        CHECK (invite_policy IN ('members', 'admins')),
    ADD COLUMN pin_policy    text   NOT NULL DEFAULT 'admins'
        CHECK (pin_policy IN ('admins', 'everyone')),
    -- raised by every change of who is a member or what they may do: a writer that finds
    -- it moved since a room read its members checks the sender again
    ADD COLUMN members_version bigint NOT NULL DEFAULT 0;

-- a service message ("Alice added Bob"): the action as JSON; its text is empty
ALTER TABLE messages
    ADD COLUMN service  text,
    ADD COLUMN mentions uuid[] NOT NULL DEFAULT '{}';

-- "messages that mention me", for the @ badge
CREATE INDEX messages_mentions_idx ON messages USING gin (mentions)
    WHERE mentions <> '{}';

-- former members: what they had seen stays readable, nothing newer
CREATE TABLE chat_departures (
    chat_id        uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason         text        NOT NULL CHECK (reason IN ('left', 'removed', 'banned')),
    actor_id       uuid        NOT NULL REFERENCES users (id),
    -- the chat's last_seq and last_event_seq when they went
    last_seq       bigint      NOT NULL,
    last_event_seq bigint      NOT NULL,
    departed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE chat_bans (
    chat_id   uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id  uuid        NOT NULL REFERENCES users (id),
    banned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE chat_invites (
    id          uuid        PRIMARY KEY,
    chat_id     uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    invitee_id  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    inviter_id  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

-- one open invitation per person and group; "my invitations"
CREATE UNIQUE INDEX chat_invites_one_per_person_idx ON chat_invites (chat_id, invitee_id);
CREATE INDEX chat_invites_by_invitee_idx ON chat_invites (invitee_id, created_at);
