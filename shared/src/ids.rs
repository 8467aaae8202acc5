//! Id newtypes, so a user id can never be passed where a session id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random id.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_newtype!(
    /// A user account.
    UserId
);
id_newtype!(
    /// A signed-in device (one login = one session).
    SessionId
);
id_newtype!(
    /// A direct or group chat.
    ChatId
);
id_newtype!(
    /// A message.
    MessageId
);
id_newtype!(
    /// The client's idempotency key for a send: the same key again returns the original
    /// message instead of storing a second one.
    RequestId
);
id_newtype!(
    /// An invitation to a group, or a message request of a direct chat.
    InviteId
);
id_newtype!(
    /// An uploaded file (the tus upload's id becomes the file's).
    FileId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_bare_uuid_strings() {
        let id = UserId(Uuid::nil());
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"00000000-0000-0000-0000-000000000000\""
        );
    }

    #[test]
    fn ids_parse_from_strings_and_reject_garbage() {
        assert!("not-a-uuid".parse::<SessionId>().is_err());
        let id = SessionId::new_random();
        assert_eq!(id.to_string().parse::<SessionId>().unwrap(), id);
    }
}
