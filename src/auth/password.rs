//! Password hashing with argon2id (the crate's defaults, PHC strings).

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `stored`.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of a real verification when the user does not exist, so
/// that response times do not reveal which usernames are taken.
pub fn verify_nobody(password: &str) {
    static DUMMY: LazyLock<String> = LazyLock::new(|| hash("no such user").unwrap_or_default());
    verify(password, &DUMMY);
}

/// Rules a new password must meet.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        Err("a password has at least 8 characters".to_owned())
    } else {
        Ok(())
    }
}
