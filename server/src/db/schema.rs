// @generated automatically by Diesel CLI.

diesel::table! {
    chat_members (chat_id, user_id) {
        chat_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        read_seq -> Int8,
        joined_at -> Timestamptz,
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
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Nullable<Text>,
        bio -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        last_seen_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(chat_members -> chats (chat_id));
diesel::joinable!(chat_members -> users (user_id));
diesel::joinable!(chats -> users (created_by));
diesel::joinable!(messages -> chats (chat_id));
diesel::joinable!(messages -> users (sender_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    chat_members,
    chats,
    messages,
    refresh_tokens,
    sessions,
    users,
);
