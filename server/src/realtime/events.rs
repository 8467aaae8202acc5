//! Actor messages shared by sessions and rooms.

use std::sync::Arc;

use actix::Message as ActixMessage;

/// Write this serialized server frame to the connection.
#[derive(ActixMessage, Clone)]
#[rtype(result = "()")]
pub struct Deliver(pub Arc<str>);

/// Close the connection: its session was signed out.
#[derive(ActixMessage, Clone, Copy)]
#[rtype(result = "()")]
pub struct Disconnect;
