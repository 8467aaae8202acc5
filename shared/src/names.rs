//! Enums whose variants have one name, on the wire and in storage: `named_enum!` declares
//! the enum with its names side by side, so adding a variant is one line and the names
//! cannot drift between serde, the database and the code that compares them.

/// Declares a `Copy` enum whose variants serialize as the given names, with `as_str`,
/// `parse` (the inverse) and `ALL`.
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // every name is its variant in snake_case; said once more for the OpenAPI document,
        // which does not read the per-variant `rename` a macro passes on
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name on the wire and in storage.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// The variant with this name.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::named_enum!(
        /// A test enum.
        pub enum Fruit {
            Apple = "apple",
            BloodOrange = "blood_orange",
        }
    );

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for fruit in Fruit::ALL {
            let json = serde_json::to_string(fruit).unwrap();
            assert_eq!(json, format!("\"{}\"", fruit.as_str()));
            assert_eq!(Fruit::parse(fruit.as_str()), Some(*fruit));
        }
        assert_eq!(Fruit::parse("pear"), None, "unknown names do not parse");
        assert_eq!(Fruit::BloodOrange.to_string(), "blood_orange");
    }
}
