//! Real-time delivery: one [`WsSession`] actor per WebSocket connection, one [`ChatRoom`]
//! actor per active chat on this process, the [`Registry`] that finds them, and the Redis
//! [`bus`] that carries events to the other server processes.

pub mod actions;
pub mod budget;
pub mod bus;
pub mod commands;
pub mod deliver;
pub mod events;
pub mod members;
pub mod registry;
pub mod room;
pub mod session;

pub use registry::Registry;
pub use room::ChatRoom;
pub use session::WsSession;
