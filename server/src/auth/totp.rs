//! Two-factor authentication (RFC 6238 TOTP through `totp-rs`): secrets, codes, recovery
//! codes and sign-in tickets.
//!
//! A secret is 20 random bytes (160 bits, as RFC 4226 recommends), stored only encrypted:
//! AES-256-GCM under the server's `NATTER_TOTP_KEY` with a random nonce per secret and the
//! user's id as associated data, so a row copied onto another user does not decrypt.
//! Codes are six digits over 30-second steps, one step of skew either way; the step a code
//! matched is returned so the caller can refuse it a second time. Recovery codes and tickets
//! are random and stored as their SHA-256.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use natter_shared::{RecoveryCode, TwoFactorCode};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Totp};
use uuid::Uuid;

use crate::config::TotpKey;

/// The issuer an authenticator app shows beside the account.
pub const ISSUER: &str = "Natter";
/// Recovery codes handed out at a time.
pub const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 12;

/// A fresh secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

/// `nonce || ciphertext` of `secret`, bound to `user`.
pub fn seal(key: &TotpKey, user: Uuid, secret: &[u8]) -> anyhow::Result<Vec<u8>> {
    let cipher = Aes256Gcm::new(&key.0.into());
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: secret,
                aad: user.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("encrypting a two-factor secret failed"))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

/// The secret sealed by [`seal`] for `user`; an error when the key or the user differ or the
/// row was tampered with.
pub fn open(key: &TotpKey, user: Uuid, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
    let (nonce, ciphertext) = sealed
        .split_at_checked(NONCE_BYTES)
        .context("a stored two-factor secret is too short")?;
    let nonce: [u8; NONCE_BYTES] = nonce.try_into().context("nonce length")?;
    Aes256Gcm::new(&key.0.into())
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: user.as_bytes(),
            },
        )
        .map_err(|_| {
            anyhow::anyhow!(
                "a stored two-factor secret does not decrypt (was NATTER_TOTP_KEY changed?)"
            )
        })
}

fn totp(secret: Vec<u8>, account: &str) -> anyhow::Result<Totp> {
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .context("building a TOTP")
}

/// The secret in base32 (to type into an app) and its `otpauth://` URL (for the QR code).
pub fn setup_details(secret: &[u8], account: &str) -> anyhow::Result<(String, String)> {
    let totp = totp(secret.to_vec(), account)?;
    let url = totp.to_url().context("the otpauth URL")?;
    Ok((totp.secret().to_base32(), url))
}

/// The time step `code` is right for at `unix_secs` (with one step of skew), if any.
pub fn matching_step(secret: &[u8], code: &TwoFactorCode, unix_secs: u64) -> Option<u64> {
    let totp = totp(secret.to_vec(), "user").ok()?;
    totp.check(code.expose(), unix_secs)
}

/// Ten fresh recovery codes.
pub fn new_recovery_codes() -> Vec<RecoveryCode> {
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .filter_map(|_| {
            let raw: String = (0..RecoveryCode::CHARS)
                .map(|_| char::from(RecoveryCode::ALPHABET[rng.random_range(0..32)]))
                .collect();
            RecoveryCode::parse(&raw).ok()
        })
        .collect()
}

/// How a recovery code is stored and looked up.
pub fn hash_recovery_code(code: &RecoveryCode) -> Vec<u8> {
    Sha256::digest(code.expose().as_bytes()).to_vec()
}

/// The current Unix time in seconds.
pub fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> TotpKey {
        TotpKey([byte; 32])
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_user() {
        let user = Uuid::new_v4();
        let secret = new_secret();
        let sealed = seal(&key(1), user, &secret).unwrap();
        assert_eq!(open(&key(1), user, &sealed).unwrap(), secret);
        assert!(open(&key(2), user, &sealed).is_err(), "another key");
        assert!(
            open(&key(1), Uuid::new_v4(), &sealed).is_err(),
            "another user"
        );
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(open(&key(1), user, &tampered).is_err(), "tampered");
        assert!(open(&key(1), user, &[1, 2]).is_err(), "too short");
        let again = seal(&key(1), user, &secret).unwrap();
        assert_ne!(again, sealed, "a fresh nonce each time");
    }

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890" at T = 59 s
        let secret = b"12345678901234567890".to_vec();
        let code = TwoFactorCode::parse("287082").unwrap();
        assert_eq!(matching_step(&secret, &code, 59), Some(1));
        assert_eq!(
            matching_step(&secret, &code, 59 + 30),
            Some(1),
            "skew of one step"
        );
        assert_eq!(matching_step(&secret, &code, 59 + 90), None, "too late");
    }

    #[test]
    fn the_url_names_the_issuer_and_account() {
        let (base32, url) = setup_details(&new_secret(), "alice").unwrap();
        assert_eq!(base32.len(), 32);
        assert!(url.starts_with("otpauth://totp/Natter:alice?"), "{url}");
        assert!(url.contains(&format!("secret={base32}")), "{url}");
    }

    #[test]
    fn recovery_codes_are_ten_and_distinct() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let hashes: std::collections::HashSet<_> = codes.iter().map(hash_recovery_code).collect();
        assert_eq!(hashes.len(), RECOVERY_CODES);
    }
}
