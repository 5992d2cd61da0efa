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

/// A rule a new password breaks: its code and what to do, in Chinese and
/// English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weak {
    pub rule: &'static str,
    pub detail: &'static str,
}

/// The strength zxcvbn must give a new password: about 10¹⁰ guesses, safe
/// against an online attack and slow against an offline one.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Rules a new password must meet: at least 8 characters, not only blanks,
/// and hard to guess by zxcvbn's estimate (common passwords, keyboard runs,
/// dates, the username itself: `user_inputs`). Checked when a password is
/// set, never at sign-in, so existing accounts keep signing in.
pub fn check_strength(password: &str, user_inputs: &[&str]) -> Result<(), Weak> {
    if password.chars().count() < 8 {
        return Err(Weak {
            rule: "min_length",
            detail: "密码至少 8 个字符 / a password has at least 8 characters",
        });
    }
    if password.trim().is_empty() {
        return Err(Weak {
            rule: "blank",
            detail: "密码不能只有空白 / a password cannot be only spaces or tabs",
        });
    }
    if zxcvbn::zxcvbn(password, user_inputs).score() < MIN_SCORE {
        return Err(Weak {
            rule: "weak",
            detail: "密码太容易被猜到，请换一个更长、不常见的（例如几个不相关的词）/ \
                     the password is too easy to guess: choose a longer, less common one \
                     (a few unrelated words, say)",
        });
    }
    Ok(())
}

impl Weak {
    /// The 422 of this rule at `field`.
    pub fn at(self, field: &str) -> crate::error::AppError {
        crate::error::AppError::field(field, self.rule, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_blank_passwords_are_weak() {
        let rule = |p: &str| check_strength(p, &["zhang.wei"]).err().map(|w| w.rule);
        assert_eq!(rule("short"), Some("min_length"));
        assert_eq!(rule("        "), Some("blank"));
        assert_eq!(rule("\t\t\t\t\t\t\t\t"), Some("blank"));
        for common in [
            "password",
            "12345678",
            "qwertyuiop",
            "zhang.wei1",
            "11111111",
        ] {
            assert_eq!(rule(common), Some("weak"), "{common}");
        }
        for strong in [
            "correct horse battery",
            "湖北信访培训2027年度密码",
            "x7#Lq9!mZ2",
        ] {
            assert_eq!(rule(strong), None, "{strong}");
        }
    }
}
