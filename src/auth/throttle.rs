//! Slows down password guessing: after a few consecutive failed logins for a
//! username, further attempts are refused (429) for a delay that doubles with
//! every failure, up to five minutes. A success clears the record.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

/// Failures allowed before the delay starts.
const FREE_FAILURES: u32 = 3;
const MAX_DELAY: Duration = Duration::from_secs(300);
/// Records kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    blocked_until: Instant,
}

impl LoginThrottle {
    /// Refuses an attempt for `username` while its delay runs.
    pub fn check(&self, username: &str) -> Result<(), AppError> {
        let now = Instant::now();
        let failures = self.failures.lock().map_err(poisoned)?;
        match failures.get(username) {
            Some(f) if f.blocked_until > now => Err(AppError::TooManyAttempts {
                retry_after_s: (f.blocked_until - now).as_secs().max(1),
            }),
            _ => Ok(()),
        }
    }

    /// Records a failed attempt.
    pub fn failed(&self, username: &str) -> Result<(), AppError> {
        let now = Instant::now();
        let mut failures = self.failures.lock().map_err(poisoned)?;
        if failures.len() >= SWEEP_AT {
            failures.retain(|_, f| f.blocked_until + MAX_DELAY > now);
        }
        let entry = failures.entry(username.to_owned()).or_insert(Failures {
            count: 0,
            blocked_until: now,
        });
        entry.count += 1;
        if entry.count >= FREE_FAILURES {
            let doublings = (entry.count - FREE_FAILURES).min(16);
            let delay = Duration::from_secs(1 << doublings).min(MAX_DELAY);
            entry.blocked_until = now + delay;
        }
        Ok(())
    }

    /// Clears the record after a successful login.
    pub fn succeeded(&self, username: &str) -> Result<(), AppError> {
        self.failures.lock().map_err(poisoned)?.remove(username);
        Ok(())
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> AppError {
    AppError::Internal(anyhow::anyhow!("the login throttle's lock is poisoned"))
}
