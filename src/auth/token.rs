//! Bearer tokens: HS256 JWTs with the algorithm pinned, `exp`, `iss`, `aud`
//! and `sub` required and `nbf` checked when present. Keys and validation are
//! built once at start-up. A token only names its account: the role and
//! whether the account may still act are read from the database on every
//! request ([`super::authenticate`]).

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The shortest secret the server accepts.
pub const MIN_SECRET_BYTES: usize = 32;

/// What a token says about its bearer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// Not before, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The account's token version when the token was issued.
    pub ver: i32,
}

/// The account a genuine token names, and the version it was issued under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user_id: String,
    pub version: i32,
}

/// Signs and checks tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_s: i64,
}

impl TokenKeys {
    /// Keys from a shared secret; refuses a weak one ([`check_secret`]).
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_s: i64) -> anyhow::Result<Self> {
        check_secret(secret)?;
        anyhow::ensure!(ttl_s > 0, "the token lifetime must be positive");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_s,
        })
    }

    /// How long a new token lives, in seconds.
    pub fn ttl_s(&self) -> i64 {
        self.ttl_s
    }

    /// A token for `subject`, valid from now for the configured lifetime.
    pub fn issue(&self, subject: &Subject) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.user_id.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + self.ttl_s,
            iat: now,
            nbf: None,
            ver: subject.version,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// The account a token names, if the token is genuine, current and ours.
    pub fn verify(&self, token: &str) -> Result<Subject, AppError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "token refused");
                AppError::Unauthorized("the token is invalid or expired")
            })?
            .claims;
        Ok(Subject {
            user_id: claims.sub,
            version: claims.ver,
        })
    }
}

/// Bits of entropy a secret must carry at the least, estimated from the
/// frequencies of its bytes (a random 32-byte secret carries about 160, 32
/// copies of one byte none).
const MIN_SECRET_BITS: f64 = 128.0;

/// Refuses a secret shorter than [`MIN_SECRET_BYTES`], one whose bytes carry
/// under [`MIN_SECRET_BITS`] of entropy, or one that repeats a shorter
/// pattern.
pub fn check_secret(secret: &[u8]) -> anyhow::Result<()> {
    anyhow::ensure!(
        secret.len() >= MIN_SECRET_BYTES,
        "the JWT secret has {} bytes; at least {MIN_SECRET_BYTES} are required",
        secret.len()
    );
    let mut counts = [0usize; 256];
    for &b in secret {
        counts[usize::from(b)] += 1;
    }
    let n = secret.len() as f64;
    let bits: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2() * n
        })
        .sum();
    // A one-byte alphabet sums to −0.0, which would print as "-0".
    let bits = bits.abs();
    let period = (1..secret.len())
        .find(|&p| secret.len().is_multiple_of(p) && secret.chunks(p).all(|c| c == &secret[..p]));
    anyhow::ensure!(
        bits >= MIN_SECRET_BITS && period.is_none(),
        "the JWT secret is too predictable (about {bits:.0} bits of entropy; at least \
         {MIN_SECRET_BITS:.0} are required, with no repeated pattern): use e.g. \
         `openssl rand -hex 32`"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SECRET: &[u8] = b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const OTHER: &[u8] = b"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    fn keys(secret: &[u8]) -> TokenKeys {
        TokenKeys::new(secret, "faculty-pool", "faculty-pool-api", 60).unwrap()
    }

    fn subject() -> Subject {
        Subject {
            user_id: "u1".into(),
            version: 3,
        }
    }

    #[test]
    fn round_trip() {
        let keys = keys(SECRET);
        let back = keys.verify(&keys.issue(&subject()).unwrap()).unwrap();
        assert_eq!(back, subject());
    }

    #[test]
    fn short_secret_refused() {
        assert!(TokenKeys::new(&SECRET[..31], "a", "b", 60).is_err());
    }

    #[test]
    fn weak_secrets_refused() {
        for weak in [
            vec![b' '; 32],
            vec![b'a'; 64],
            b"abababababababababababababababab".to_vec(),
            b"0123456789abcdef0123456789abcdef".to_vec(),
            b"passwordpasswordpasswordpassword".to_vec(),
        ] {
            assert!(
                check_secret(&weak).is_err(),
                "{} accepted",
                String::from_utf8_lossy(&weak)
            );
        }
        // What `openssl rand -hex 32`, `-base64 32` and the SQLite start make.
        check_secret(SECRET).unwrap();
        check_secret(b"q3Jx0T8e2Wm9Vb+KpL5sZr1NcYd7Ua4Fh6GiEoQwXjM=").unwrap();
    }

    #[test]
    fn other_secret_refused() {
        let other = keys(OTHER);
        assert!(keys(SECRET)
            .verify(&other.issue(&subject()).unwrap())
            .is_err());
    }

    #[test]
    fn a_token_not_yet_valid_is_refused() {
        let keys = keys(SECRET);
        let now = chrono::Utc::now().timestamp();
        let claims = |nbf| Claims {
            sub: "u1".into(),
            iss: "faculty-pool".into(),
            aud: "faculty-pool-api".into(),
            exp: now + 600,
            iat: now,
            nbf,
            ver: 3,
        };
        let sign = |c: &Claims| encode(&Header::new(Algorithm::HS256), c, &keys.encoding).unwrap();
        assert!(keys.verify(&sign(&claims(Some(now + 300)))).is_err());
        assert_eq!(
            keys.verify(&sign(&claims(Some(now - 10)))).unwrap(),
            subject()
        );
    }
}
