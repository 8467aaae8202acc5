//! Reading one setting: the error that names it, and the checks of numbers and URLs.

/// A setting that is present but unusable; start-up stops with this one line.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {var}={value:?}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub problem: String,
}

pub(crate) fn invalid(var: &'static str, value: &str, problem: &str) -> ConfigError {
    ConfigError {
        var,
        value: value.to_owned(),
        problem: problem.to_owned(),
    }
}

pub(crate) fn require_scheme(
    var: &'static str,
    value: &str,
    schemes: &[&str],
) -> Result<(), ConfigError> {
    if schemes.iter().any(|s| value.starts_with(s)) {
        Ok(())
    } else {
        Err(invalid(
            var,
            value,
            &format!("expected a URL starting with {}", schemes.join(" or ")),
        ))
    }
}

pub(crate) fn number<T>(var: &'static str, value: &str, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match value.trim().parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        _ => Err(invalid(
            var,
            value,
            &format!("expected a whole number from {min} to {max}"),
        )),
    }
}
