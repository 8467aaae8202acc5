//! One batch of stored messages' cache updates, coalesced: per chat, per member and chat,
//! per user and chat, the one call that leaves Redis as all of them one by one would
//! (`update::start_message_updater` sends it).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use natter_shared::api::Message;
use natter_shared::{ChatId, UserId};

use super::keys::us;

/// A stored message whose cache update is due.
pub(super) struct Stored<'a> {
    pub(super) members: &'a [UserId],
    pub(super) message: &'a Message,
    pub(super) event_seq: i64,
}

/// What a batch of stored messages changes in the cache, each script called once per key
/// and field where the batch would call it several times.
#[derive(Debug)]
pub(super) struct Coalesced<'a> {
    /// `SET_CHAT` calls, in order: (message, event seq).
    pub(super) chats: Vec<(&'a Message, i64)>,
    /// The list order: per (member, chat) the latest activity (µs); `ZADD GT` keeps the
    /// greatest score whatever the order.
    pub(super) lists: Greatest,
    /// Per (mentioned user, chat) the greatest seq; `SET_MAX` keeps the greatest.
    pub(super) mentions: Greatest,
    /// Per (sender, chat) the greatest seq: one's own message is read.
    pub(super) reads: Greatest,
}

/// Coalesces updates. `SET_CHAT` raises `last_event_seq` to its event seq and replaces the
/// last message when it has a greater (seq, event seq), or an equal one (the later wins), so
/// calls one by one end with the greatest (seq, event seq) of them, the later of equals, and
/// the greatest event seq: one call with that update does the same when it also carries the
/// greatest event seq — always, for messages, whose event seqs follow their seqs. A chat for
/// which that does not hold keeps every call, in order. The batch's order does not matter.
pub(super) fn coalesce<'a>(stored: &[Stored<'a>]) -> Coalesced<'a> {
    struct Newest<'a> {
        chat: ChatId,
        message: &'a Message,
        event_seq: i64,
        greatest_event_seq: i64,
    }
    let mut c = Coalesced {
        chats: Vec::new(),
        lists: Greatest::with_capacity(stored.len() * 2),
        mentions: Greatest::default(),
        reads: Greatest::with_capacity(stored.len()),
    };
    let mut chats: Vec<Newest<'a>> = Vec::with_capacity(stored.len());
    let mut chat_index: HashMap<ChatId, usize> = HashMap::with_capacity(stored.len());
    for u in stored {
        let m = u.message;
        match chat_index.entry(m.chat_id) {
            Entry::Occupied(i) => {
                let n = &mut chats[*i.get()];
                if (m.seq, u.event_seq) >= (n.message.seq, n.event_seq) {
                    n.message = m;
                    n.event_seq = u.event_seq;
                }
                n.greatest_event_seq = n.greatest_event_seq.max(u.event_seq);
            }
            Entry::Vacant(v) => {
                v.insert(chats.len());
                chats.push(Newest {
                    chat: m.chat_id,
                    message: m,
                    event_seq: u.event_seq,
                    greatest_event_seq: u.event_seq,
                });
            }
        }
        let at = us(m.created_at);
        for member in u.members {
            c.lists.raise(*member, m.chat_id, at);
        }
        for mentioned in &m.mentions {
            c.mentions.raise(*mentioned, m.chat_id, m.seq);
        }
        c.reads.raise(m.sender_id, m.chat_id, m.seq);
    }
    for n in chats {
        if n.greatest_event_seq == n.event_seq {
            c.chats.push((n.message, n.event_seq));
        } else {
            c.chats.extend(
                stored
                    .iter()
                    .filter(|u| u.message.chat_id == n.chat)
                    .map(|u| (u.message, u.event_seq)),
            );
        }
    }
    c
}

/// The greatest value per (user, chat), in the order first seen.
#[derive(Debug, Default)]
pub(super) struct Greatest {
    index: HashMap<(UserId, ChatId), usize>,
    pub(super) values: Vec<(UserId, ChatId, i64)>,
}

impl Greatest {
    fn with_capacity(n: usize) -> Self {
        Self {
            index: HashMap::with_capacity(n),
            values: Vec::with_capacity(n),
        }
    }

    fn raise(&mut self, user: UserId, chat: ChatId, value: i64) {
        match self.index.entry((user, chat)) {
            Entry::Occupied(i) => {
                let v = &mut self.values[*i.get()].2;
                *v = (*v).max(value);
            }
            Entry::Vacant(e) => {
                e.insert(self.values.len());
                self.values.push((user, chat, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(chat: ChatId, seq: i64, sender: UserId, at_us: i64, mentions: &[UserId]) -> Message {
        let created_at = chrono::DateTime::from_timestamp_micros(at_us).expect("a time");
        // from JSON, so a field added to the contract does not break these tests
        serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::new_v4(),
            "chat_id": chat,
            "seq": seq,
            "sender_id": sender,
            "text": format!("message {seq}"),
            "created_at": created_at,
            "mentions": mentions,
        }))
        .expect("a message")
    }

    fn calls<'a>(c: &Coalesced<'a>) -> Vec<(ChatId, i64, i64)> {
        c.chats
            .iter()
            .map(|(m, ev)| (m.chat_id, m.seq, *ev))
            .collect()
    }

    #[test]
    fn a_chat_gets_one_set_chat_with_its_newest_message_whatever_the_order() {
        let (chat, other) = (ChatId::new_random(), ChatId::new_random());
        let (a, b) = (UserId::new_random(), UserId::new_random());
        let members = [a, b];
        let m = [
            message(chat, 7, a, 700, &[]),
            message(other, 3, b, 650, &[]),
            message(chat, 5, b, 500, &[]),
            message(chat, 6, a, 600, &[]),
        ];
        let stored: Vec<Stored> = [(0, 17), (1, 9), (2, 15), (3, 16)]
            .iter()
            .map(|&(i, ev)| Stored {
                members: &members,
                message: &m[i],
                event_seq: ev,
            })
            .collect();

        let c = coalesce(&stored);

        assert_eq!(calls(&c), [(chat, 7, 17), (other, 3, 9)]);
        assert!(
            std::ptr::eq(c.chats[0].0, &m[0]),
            "the newest message's own JSON"
        );
    }

    #[test]
    fn the_later_of_two_equal_updates_wins_as_it_would_one_by_one() {
        let chat = ChatId::new_random();
        let a = UserId::new_random();
        let (first, second) = (message(chat, 4, a, 400, &[]), message(chat, 4, a, 400, &[]));
        let stored = [
            Stored {
                members: &[a],
                message: &first,
                event_seq: 8,
            },
            Stored {
                members: &[a],
                message: &second,
                event_seq: 8,
            },
        ];

        let c = coalesce(&stored);

        assert_eq!(c.chats.len(), 1);
        assert!(std::ptr::eq(c.chats[0].0, &second));
    }

    #[test]
    fn a_chat_whose_greatest_event_seq_is_not_its_newest_message_keeps_every_call() {
        // not made by messages (their event seqs follow their seqs), but SET_CHAT would raise
        // last_event_seq from the older one: coalescing must not lose that
        let chat = ChatId::new_random();
        let a = UserId::new_random();
        let (older, newer) = (message(chat, 2, a, 200, &[]), message(chat, 3, a, 300, &[]));
        let stored = [
            Stored {
                members: &[a],
                message: &older,
                event_seq: 30,
            },
            Stored {
                members: &[a],
                message: &newer,
                event_seq: 20,
            },
        ];

        assert_eq!(calls(&coalesce(&stored)), [(chat, 2, 30), (chat, 3, 20)]);
    }

    #[test]
    fn lists_mentions_and_reads_keep_the_greatest_value_per_user_and_chat() {
        let (chat, other) = (ChatId::new_random(), ChatId::new_random());
        let (a, b, c) = (
            UserId::new_random(),
            UserId::new_random(),
            UserId::new_random(),
        );
        let members = [a, b, c];
        let m = [
            message(chat, 9, a, 900, &[b]),
            message(chat, 8, b, 800, &[b, c]),
            message(other, 1, a, 850, &[]),
        ];
        let stored: Vec<Stored> = m
            .iter()
            .map(|m| Stored {
                members: &members,
                message: m,
                event_seq: m.seq,
            })
            .collect();

        let co = coalesce(&stored);

        assert_eq!(
            co.lists.values,
            [
                (a, chat, 900),
                (b, chat, 900),
                (c, chat, 900),
                (a, other, 850),
                (b, other, 850),
                (c, other, 850),
            ]
        );
        assert_eq!(co.mentions.values, [(b, chat, 9), (c, chat, 8)]);
        assert_eq!(co.reads.values, [(a, chat, 9), (b, chat, 8), (a, other, 1)]);
    }
}
