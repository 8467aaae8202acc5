//! The cache after a group's members changed: the chat's entry gets its new members (and
//! title) with the service message as its newest, a newcomer's list is rebuilt on their next
//! read, and a former member's list loses the chat at once.

use natter_shared::api::Message;
use natter_shared::{ChatId, UserId};

use super::keys::{self, ChatMeta, ENTRY_TTL, SET_CHAT, us};
use super::marks::Mark;
use super::update::redis_failed;
use crate::db::chats::ChatRow;
use crate::state::AppState;

/// After a membership change of `chat` committed: `members` are those after it, `last` the
/// newest service message it added (with its event seq), `joined` and `departed` whose lists
/// change; then the mark goes.
pub async fn on_members_changed(
    state: &AppState,
    chat: &ChatRow,
    members: &[UserId],
    last: Option<(&Message, i64)>,
    joined: Option<UserId>,
    departed: Option<UserId>,
    mark: &Mark,
) {
    let id = ChatId(chat.id);
    let meta = ChatMeta::of(chat, members.to_vec());
    let Ok(meta) = serde_json::to_string(&meta) else {
        return;
    };
    let (seq, at, last_json, event_seq) = match last {
        Some((m, e)) => (
            m.seq,
            us(m.created_at).to_string(),
            serde_json::to_string(m).unwrap_or_default(),
            e,
        ),
        // no new message: a seq below any (even a missing entry's -1) never replaces the
        // newest one; only the meta changes
        None => (i64::MIN, String::new(), String::new(), chat.last_event_seq),
    };
    let mut pipe = redis::pipe();
    keys::evalsha(&mut pipe, &SET_CHAT, 1)
        .arg(keys::chat(&state.redis, id))
        .arg(seq)
        .arg(&at)
        .arg(last_json)
        .arg(meta)
        .arg(ENTRY_TTL.as_millis() as i64)
        .arg(event_seq)
        .arg(chat.members_version)
        .ignore();
    if !at.is_empty() {
        for m in members {
            pipe.cmd("ZADD")
                .arg(keys::list(&state.redis, *m))
                .arg("XX")
                .arg("GT")
                .arg(&at)
                .arg(id.to_string())
                .ignore();
        }
    }
    if let Some(u) = joined {
        pipe.del(keys::complete(&state.redis, u)).ignore();
        pipe.del(keys::rebuilding(&state.redis, u)).ignore();
    }
    if let Some(u) = departed {
        // a rebuild under way may have read the chat before it went: it must not complete
        pipe.del(keys::rebuilding(&state.redis, u)).ignore();
        pipe.zrem(keys::list(&state.redis, u), id.to_string())
            .ignore();
        pipe.hdel(keys::reads(&state.redis, u), id.to_string())
            .ignore();
        pipe.hdel(keys::mentions(&state.redis, u), id.to_string())
            .ignore();
    }
    let mut conn = state.redis.conn();
    if let Err(e) = keys::run(&pipe, &mut conn).await {
        mark.keep();
        let mut users = members.to_vec();
        users.extend(joined.into_iter().chain(departed));
        redis_failed(state, "chat_list members", &e, &users, Some(id));
    }
}
