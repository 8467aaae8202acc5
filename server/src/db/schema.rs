// @generated automatically by Diesel CLI.

diesel::table! {
    chat_events (chat_id, event_seq) {
        chat_id -> Uuid,
        event_seq -> Int8,
        kind -> Text,
        actor_id -> Uuid,
        message_id -> Nullable<Uuid>,
        emoji -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    chat_bans (chat_id, user_id) {
        chat_id -> Uuid,
        user_id -> Uuid,
        actor_id -> Uuid,
        banned_at -> Timestamptz,
    }
}

diesel::table! {
    chat_departures (chat_id, user_id) {
        chat_id -> Uuid,
        user_id -> Uuid,
        reason -> Text,
        actor_id -> Uuid,
        last_seq -> Int8,
        last_event_seq -> Int8,
        departed_at -> Timestamptz,
    }
}

diesel::table! {
    chat_invites (id) {
        id -> Uuid,
        chat_id -> Uuid,
        invitee_id -> Uuid,
        inviter_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    chat_links (token) {
        token -> Text,
        chat_id -> Uuid,
        created_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        max_uses -> Nullable<Int4>,
        uses -> Int4,
        needs_approval -> Bool,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    chat_list_stale (user_id) {
        user_id -> Uuid,
        noted_at -> Timestamptz,
    }
}

diesel::table! {
    chat_members (chat_id, user_id) {
        chat_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        read_seq -> Int8,
        joined_at -> Timestamptz,
        muted -> Bool,
    }
}

diesel::table! {
    chats (id) {
        id -> Uuid,
        kind -> Text,
        title -> Nullable<Text>,
        created_by -> Uuid,
        direct_key -> Nullable<Text>,
        last_seq -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_event_seq -> Int8,
        description -> Text,
        invite_policy -> Text,
        pin_policy -> Text,
        members_version -> Int8,
        request_from -> Nullable<Uuid>,
        blocked -> Bool,
        photo_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    files (id) {
        id -> Uuid,
        uploader_id -> Uuid,
        name -> Text,
        length -> Int8,
        received -> Int8,
        state -> Text,
        problem -> Nullable<Text>,
        mime -> Nullable<Text>,
        sha256 -> Nullable<Text>,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        has_thumbnail -> Bool,
        scanned -> Bool,
        busy_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    hidden_messages (user_id, message_id) {
        user_id -> Uuid,
        message_id -> Uuid,
        chat_id -> Uuid,
    }
}

diesel::table! {
    join_requests (chat_id, user_id) {
        chat_id -> Uuid,
        user_id -> Uuid,
        token -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_tickets (ticket_hash) {
        ticket_hash -> Bytea,
        user_id -> Uuid,
        device_name -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        failed_attempts -> Int4,
    }
}

diesel::table! {
    message_edits (message_id, request_id) {
        message_id -> Uuid,
        request_id -> Uuid,
        edited_at -> Timestamptz,
    }
}

diesel::table! {
    message_reactions (message_id, emoji, user_id) {
        message_id -> Uuid,
        emoji -> Text,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    messages (id) {
        id -> Uuid,
        chat_id -> Uuid,
        seq -> Int8,
        sender_id -> Uuid,
        text -> Text,
        reply_to -> Nullable<Uuid>,
        request_id -> Uuid,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        event_seq -> Nullable<Int8>,
        deleted_at -> Nullable<Timestamptz>,
        forwarded_sender -> Nullable<Uuid>,
        forwarded_at -> Nullable<Timestamptz>,
        pinned_at -> Nullable<Timestamptz>,
        pinned_by -> Nullable<Uuid>,
        service -> Nullable<Text>,
        mentions -> Array<Uuid>,
        attachments -> Nullable<Text>,
        file_ids -> Array<Uuid>,
    }
}

diesel::table! {
    recovery_codes (user_id, code_hash) {
        user_id -> Uuid,
        code_hash -> Bytea,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        device_name -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    two_factor (user_id) {
        user_id -> Uuid,
        secret_encrypted -> Bytea,
        enabled_at -> Nullable<Timestamptz>,
        last_step -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    user_blocks (blocker_id, blocked_id) {
        blocker_id -> Uuid,
        blocked_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Nullable<Text>,
        bio -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_seen_at -> Nullable<Timestamptz>,
        avatar_id -> Nullable<Uuid>,
        deleted_at -> Nullable<Timestamptz>,
        presence_visibility -> Text,
    }
}

diesel::joinable!(chat_events -> chats (chat_id));
diesel::joinable!(chat_events -> messages (message_id));
diesel::joinable!(chat_events -> users (actor_id));
diesel::joinable!(chat_bans -> chats (chat_id));
diesel::joinable!(chat_departures -> chats (chat_id));
diesel::joinable!(chat_invites -> chats (chat_id));
diesel::joinable!(chat_links -> chats (chat_id));
diesel::joinable!(chat_members -> chats (chat_id));
diesel::joinable!(join_requests -> chat_links (token));
diesel::joinable!(chat_members -> users (user_id));
diesel::joinable!(chats -> users (created_by));
diesel::joinable!(hidden_messages -> chats (chat_id));
diesel::joinable!(hidden_messages -> messages (message_id));
diesel::joinable!(hidden_messages -> users (user_id));
diesel::joinable!(login_tickets -> users (user_id));
diesel::joinable!(message_edits -> messages (message_id));
diesel::joinable!(message_reactions -> messages (message_id));
diesel::joinable!(message_reactions -> users (user_id));
diesel::joinable!(messages -> chats (chat_id));
diesel::joinable!(messages -> users (sender_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(two_factor -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    chat_bans,
    chat_departures,
    chat_events,
    chat_invites,
    chat_links,
    chat_list_stale,
    chat_members,
    chats,
    files,
    hidden_messages,
    join_requests,
    login_tickets,
    message_edits,
    message_reactions,
    messages,
    recovery_codes,
    refresh_tokens,
    sessions,
    two_factor,
    user_blocks,
    users,
);
