//! Bearer tokens: HS256 JWTs with the algorithm pinned and `exp`, `iss`,
//! `aud` and `sub` required. Keys and validation are built once at start-up.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{Caller, Role};
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
    pub username: String,
    pub role: Role,
    /// The instructor an instructor account speaks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructor: Option<String>,
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
    /// Keys from a shared secret; refuses one shorter than [`MIN_SECRET_BYTES`].
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_s: i64) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= MIN_SECRET_BYTES,
            "the JWT secret has {} bytes; at least {MIN_SECRET_BYTES} are required",
            secret.len()
        );
        anyhow::ensure!(ttl_s > 0, "the token lifetime must be positive");
        let mut validation = Validation::new(Algorithm::HS256);
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

    /// A token for `caller`, valid from now for the configured lifetime.
    pub fn issue(&self, caller: &Caller) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: caller.user_id.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + self.ttl_s,
            iat: now,
            username: caller.username.clone(),
            role: caller.role,
            instructor: caller.instructor_id.clone(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// The caller a token names, if it is genuine, current and ours.
    pub fn verify(&self, token: &str) -> Result<Caller, AppError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "token refused");
                AppError::Unauthorized("the token is invalid or expired")
            })?
            .claims;
        if claims.role == Role::Instructor && claims.instructor.is_none() {
            return Err(AppError::Unauthorized("the token is invalid or expired"));
        }
        Ok(Caller {
            user_id: claims.sub,
            username: claims.username,
            role: claims.role,
            instructor_id: claims.instructor,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], "faculty-pool", "faculty-pool-api", 60).unwrap()
    }

    fn caller() -> Caller {
        Caller {
            user_id: "u1".into(),
            username: "li".into(),
            role: Role::Instructor,
            instructor_id: Some("i1".into()),
        }
    }

    #[test]
    fn round_trip() {
        let keys = keys();
        let back = keys.verify(&keys.issue(&caller()).unwrap()).unwrap();
        assert_eq!(back.user_id, "u1");
        assert_eq!(back.role, Role::Instructor);
        assert_eq!(back.instructor_id.as_deref(), Some("i1"));
    }

    #[test]
    fn short_secret_refused() {
        assert!(TokenKeys::new(&[7u8; 31], "a", "b", 60).is_err());
    }

    #[test]
    fn other_secret_refused() {
        let other = TokenKeys::new(&[8u8; 32], "faculty-pool", "faculty-pool-api", 60).unwrap();
        assert!(keys().verify(&other.issue(&caller()).unwrap()).is_err());
    }
}
