//! This process's map of who is connected (user → connections) and which chat rooms run.
//!
//! A plain shared structure rather than an actor: lookups happen on every delivery, from every
//! worker thread, and must not queue behind each other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use actix::Recipient;
use natter_shared::{ChatId, SessionId, UserId};
use uuid::Uuid;

use super::commands::RoomHandle;
use super::events::{ConnId, Deliver, Disconnect, Outbox};

/// One connection as the registry keeps it: how to reach its actor, and its outbox.
#[derive(Clone)]
pub struct Conn {
    /// The session it was opened with (closed with it).
    pub session: SessionId,
    pub deliver: Recipient<Deliver>,
    pub disconnect: Recipient<Disconnect>,
    pub outbox: Arc<Outbox>,
}

/// Connections and rooms of this process.
pub struct Registry {
    /// Tells this process's bus messages from those of the others.
    pub process_id: Uuid,
    next_conn: AtomicU64,
    users: RwLock<HashMap<UserId, HashMap<ConnId, Conn>>>,
    rooms: Mutex<HashMap<ChatId, Arc<RoomHandle>>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            process_id: Uuid::new_v4(),
            next_conn: AtomicU64::new(1),
            users: RwLock::default(),
            rooms: Mutex::default(),
        }
    }
}

impl Registry {
    pub fn new_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds a connection unless the user has `cap` here already (`None`); `Some(true)` when
    /// it is the user's first on this process.
    pub fn connect(&self, user: UserId, id: ConnId, conn: Conn, cap: usize) -> Option<bool> {
        let mut users = self.users.write().unwrap_or_else(|p| p.into_inner());
        let conns = users.entry(user).or_default();
        if conns.len() >= cap {
            return None;
        }
        conns.insert(id, conn);
        Some(conns.len() == 1)
    }

    /// The number of open connections of `user` here.
    pub fn connections_of(&self, user: UserId) -> usize {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.get(&user).map_or(0, HashMap::len)
    }

    /// Removes a connection; true when it was the user's last on this process.
    pub fn disconnect(&self, user: UserId, conn: ConnId) -> bool {
        let mut users = self.users.write().unwrap_or_else(|p| p.into_inner());
        let Some(conns) = users.get_mut(&user) else {
            return false;
        };
        conns.remove(&conn);
        if conns.is_empty() {
            users.remove(&user);
            return true;
        }
        false
    }

    /// Sends a serialized frame to every local connection of `user`, but `except`.
    /// Returns how many connections it went to. A connection whose outbox is full is cut
    /// instead (its client stopped reading; it resyncs by seq when it comes back).
    pub fn deliver(&self, user: UserId, frame: &Arc<str>, except: Option<ConnId>) -> usize {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        let Some(conns) = users.get(&user) else {
            return 0;
        };
        let mut n = 0;
        for (id, conn) in conns {
            if Some(*id) != except && conn.outbox.push(frame.len()) {
                conn.deliver.do_send(Deliver(frame.clone()));
                n += 1;
            }
        }
        n
    }

    /// Sends a serialized frame to every local connection of each of `users`, but `except`,
    /// and counts the deliveries.
    pub fn deliver_all(&self, users: &[UserId], frame: &Arc<str>, except: Option<ConnId>) {
        let delivered: usize = users.iter().map(|u| self.deliver(*u, frame, except)).sum();
        metrics::counter!("natter_frames_delivered_total").increment(delivered as u64);
    }

    /// Closes every local connection opened with `session` (it was signed out).
    pub fn close_session(&self, session: SessionId) {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        for conns in users.values() {
            for conn in conns.values().filter(|c| c.session == session) {
                conn.disconnect.do_send(Disconnect);
            }
        }
    }

    /// Closes every local connection (their clients reconnect and resync).
    pub fn close_all(&self) {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        for conn in users.values().flat_map(HashMap::values) {
            conn.disconnect.do_send(Disconnect);
        }
    }

    /// Users with at least one connection here.
    pub fn local_users(&self) -> Vec<UserId> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.keys().copied().collect()
    }

    /// The number of open connections here.
    pub fn connection_count(&self) -> usize {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.values().map(HashMap::len).sum()
    }

    /// The running room of a chat, started by `start` when there is none. Shared: a send
    /// takes it for every message, so it costs one reference count, not five recipients.
    pub fn room(&self, chat: ChatId, start: impl FnOnce() -> RoomHandle) -> Arc<RoomHandle> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(addr) = rooms.get(&chat).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = Arc::new(start());
        rooms.insert(chat, addr.clone());
        addr
    }

    /// The running room of a chat, if there is one here.
    pub fn running_room(&self, chat: ChatId) -> Option<Arc<RoomHandle>> {
        let rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        rooms.get(&chat).filter(|a| a.connected()).cloned()
    }

    /// Tells this process's room of `chat`, if it runs, that its members changed.
    pub fn members_changed(&self, chat: ChatId) {
        if let Some(room) = self.running_room(chat) {
            room.members_changed
                .do_send(super::commands::MembersChanged);
        }
    }

    /// Forgets a stopped room (unless a newer one took its place).
    pub fn room_stopped(&self, chat: ChatId) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        if rooms.get(&chat).is_some_and(|a| !a.connected()) {
            rooms.remove(&chat);
        }
    }

    /// The number of rooms running here.
    pub fn room_count(&self) -> usize {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
