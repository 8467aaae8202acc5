//! The one mapping between the contract's named enums ([`ChatKind`], [`ChatRole`]) and the
//! text columns that store them. Rows hold the enums themselves; [`Stored`] converts at the
//! column, so no other code compares or writes the strings.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use natter_shared::api::{ChatKind, ChatRole, EventKind, PresenceVisibility};

/// An enum with a name per variant (see `natter_shared::named_enum!`).
pub trait Named: Copy + std::fmt::Debug + 'static {
    fn as_str(self) -> &'static str;
    fn parse(name: &str) -> Option<Self>;
}

macro_rules! named {
    ($($ty:ty),+) => {$(
        impl Named for $ty {
            fn as_str(self) -> &'static str {
                <$ty>::as_str(self)
            }
            fn parse(name: &str) -> Option<Self> {
                <$ty>::parse(name)
            }
        }

        impl From<Stored<$ty>> for $ty {
            fn from(stored: Stored<$ty>) -> Self {
                stored.0
            }
        }
    )+};
}

named!(ChatKind, ChatRole, EventKind, PresenceVisibility);

/// A named enum as a text column.
#[derive(Debug, Clone, Copy, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Stored<T: Named>(pub T);

impl<T: Named> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Named> ToSql<Text, Pg> for Stored<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.as_str(), &mut out.reborrow())
    }
}

impl<T: Named> FromSql<Text, Pg> for Stored<T> {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let name = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        T::parse(&name)
            .map(Self)
            .ok_or_else(|| format!("unknown {} {name:?}", std::any::type_name::<T>()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back() {
        for kind in ChatKind::ALL {
            assert_eq!(<ChatKind as Named>::parse(kind.as_str()), Some(*kind));
        }
        for role in ChatRole::ALL {
            assert_eq!(<ChatRole as Named>::parse(role.as_str()), Some(*role));
        }
    }
}
