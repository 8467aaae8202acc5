//! What is delivered to a WebSocket connection (its actor's messages), and the id that names
//! a connection within this process.

use std::sync::Arc;

use actix::Message as ActixMessage;

/// One WebSocket connection of this process.
pub type ConnId = u64;

/// Write this serialized server frame to the connection.
#[derive(ActixMessage, Clone)]
#[rtype(result = "()")]
pub struct Deliver(pub Arc<str>);

/// Close the connection: its session was signed out.
#[derive(ActixMessage, Clone, Copy)]
#[rtype(result = "()")]
pub struct Disconnect;
