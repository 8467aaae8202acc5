//! Whole numbers as JSON Schema counts them: `12` and `12.0` are the same integer, so a body
//! field declared `integer` takes both (serde alone refuses `12.0` for an `i64`). A fraction,
//! or a number outside the field's type, is still refused.

use std::fmt;

use serde::Deserializer;
use serde::de::{Error, Visitor};

/// A whole number of type `T`, written with or without a zero fraction.
pub fn whole<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_any(Whole(std::marker::PhantomData))
}

/// As [`whole`], for an optional field (`null` or absent is `None`; pair with
/// `#[serde(default)]`).
pub fn whole_opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_option(MaybeWhole(std::marker::PhantomData))
}

struct Whole<T>(std::marker::PhantomData<T>);

impl<T: TryFrom<i64> + TryFrom<u64>> Visitor<'_> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number in range")
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format!("{v} is out of range")))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format!("{v} is out of range")))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<T, E> {
        // exactly representable whole numbers only; the cast is then lossless
        if v.fract() != 0.0 || !v.is_finite() || v.abs() > 9_007_199_254_740_992.0 {
            return Err(E::custom(format!("{v} is not a whole number")));
        }
        self.visit_i64(v as i64)
    }
}

struct MaybeWhole<T>(std::marker::PhantomData<T>);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Visitor<'de> for MaybeWhole<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number in range, or null")
    }

    fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        whole(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Body {
        #[serde(deserialize_with = "super::whole")]
        seq: i64,
        #[serde(default, deserialize_with = "super::whole_opt")]
        uses: Option<u32>,
    }

    fn read(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_zero_fraction_is_the_same_integer() {
        assert_eq!(
            read(r#"{"seq": 12.0, "uses": 3.0}"#),
            Ok(Body {
                seq: 12,
                uses: Some(3)
            })
        );
        assert_eq!(
            read(r#"{"seq": -4, "uses": null}"#),
            Ok(Body {
                seq: -4,
                uses: None
            })
        );
        assert_eq!(read(r#"{"seq": 1}"#).map(|b| b.uses), Ok(None));
    }

    #[test]
    fn fractions_strings_and_overflow_are_refused() {
        for bad in [
            r#"{"seq": 1.5}"#,
            r#"{"seq": "1"}"#,
            r#"{"seq": 1e300}"#,
            r#"{"seq": 1, "uses": -1}"#,
            r#"{"seq": 1, "uses": 4294967296}"#,
            r#"{"seq": 1, "uses": 2.5}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
