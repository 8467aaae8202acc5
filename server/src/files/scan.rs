//! The malware scanner: a file streamed to clamd (INSTREAM) answers clean, infected, or
//! nothing usable (clamd down, too slow, or answering an error) — the last keeps a file
//! pending, never clean.

use std::path::Path;
use std::time::Duration;

/// What clamd said of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature's name, e.g. `Eicar-Test-Signature`.
    Infected(String),
}

/// Why there is no verdict (the file stays pending and is scanned again later).
#[derive(Debug, thiserror::Error)]
pub enum ScanFailed {
    #[error("clamd did not answer within {0:?}")]
    Timeout(Duration),
    #[error("reaching clamd: {0}")]
    Io(#[from] std::io::Error),
    #[error("clamd answered {0:?}")]
    Error(String),
}

/// Streams the file at `path` to clamd at `addr`.
pub async fn scan(addr: &str, path: &Path, timeout: Duration) -> Result<Verdict, ScanFailed> {
    let answer = tokio::time::timeout(
        timeout,
        clamav_client::tokio::scan_file(
            path,
            clamav_client::tokio::Tcp { host_address: addr },
            Some(256 * 1024),
        ),
    )
    .await
    .map_err(|_| ScanFailed::Timeout(timeout))??;
    verdict(&String::from_utf8_lossy(&answer))
}

/// Reads clamd's answer: `stream: OK`, `stream: <name> FOUND`, or an error line.
pub fn verdict(answer: &str) -> Result<Verdict, ScanFailed> {
    let line = answer.trim_end_matches(['\0', '\n', ' ']);
    let body = line.strip_prefix("stream:").unwrap_or(line).trim();
    if body == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        Ok(Verdict::Infected(name.trim().to_owned()))
    } else {
        Err(ScanFailed::Error(line.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_strictly() {
        assert_eq!(verdict("stream: OK\0").unwrap(), Verdict::Clean);
        assert_eq!(
            verdict("stream: Natter-Test-EICAR.UNOFFICIAL FOUND\0").unwrap(),
            Verdict::Infected("Natter-Test-EICAR.UNOFFICIAL".into())
        );
        // an error is no verdict: never taken for clean, nor for a detection
        assert!(verdict("INSTREAM size limit exceeded. ERROR\0").is_err());
        assert!(verdict("").is_err());
    }
}
