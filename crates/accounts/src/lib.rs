//! Local accounts: argon2id password hashes, login sessions, login rate limiting.
//! Every login, logout, failed login and account creation is a ledger entry written in the
//! same transaction as the change (failed logins: on their own).
//!
//! Invariant: only the SHA-256 of a session token is stored; the token itself exists only in
//! the user's cookie.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod calendar;
mod limiter;
pub mod offices;

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use guichet_core::authz::{Grant, Principal};
use guichet_core::{Clock, Entropy, IdGen, SessionId, UserId};
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, Session, Store, StoreError, User};
use sha2::{Digest, Sha256};
use time::Duration;

pub use limiter::LoginLimiter;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// Input that breaks a rule; `key` names the message shown to the user (vi/fr/en bundles).
    #[error("{detail}")]
    Invalid { key: &'static str, detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, AccountError>;

pub(crate) fn invalid(key: &'static str, detail: impl Into<String>) -> AccountError {
    AccountError::Invalid {
        key,
        detail: detail.into(),
    }
}

/// What an administrator (or the demo loader) supplies to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub password: String,
    pub grants: Vec<Grant>,
}

/// A successful login: the cookie token (shown once) and the session it opens.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub session: Session,
    pub user: User,
}

pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
    limiter: LoginLimiter,
    session_ttl: Duration,
    /// A real hash of a random password, verified when the username is unknown so that a
    /// failed login takes the same time whether or not the account exists.
    decoy_hash: String,
}

pub const MIN_PASSWORD_CHARS: usize = 10;

fn argon2() -> Argon2<'static> {
    // Argon2id, m=19 MiB, t=2, p=1: the OWASP recommendation, and the crate's default.
    Argon2::default()
}

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
        })
}

impl Accounts {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        session_ttl: Duration,
    ) -> Self {
        let mut decoy = [0u8; 24];
        entropy.fill(&mut decoy);
        let decoy_hash = hash_with(&*entropy, &hex::encode(decoy)).unwrap_or_default();
        Self {
            store,
            clock,
            entropy,
            limiter: LoginLimiter::default(),
            session_ttl,
            decoy_hash,
        }
    }

    pub fn hash_password(&self, password: &str) -> Result<String> {
        hash_with(&*self.entropy, password)
    }

    /// Creates an account; `actor` is who does it (`user:<id>`, `cli`, `demo`).
    pub async fn create(&self, actor: &str, new: NewAccount) -> Result<User> {
        let username = new.username.trim().to_lowercase();
        if !valid_username(&username) {
            return Err(invalid(
                "invalid-username",
                "a username has 3 to 64 characters: lowercase letters, digits, '.', '_', '-', '@'",
            ));
        }
        if new.password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(invalid(
                "invalid-password",
                format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if new.display_name.trim().is_empty() {
            return Err(invalid("invalid-display-name", "the display name is empty"));
        }
        for g in &new.grants {
            if g.role.is_per_office() != g.office.is_some() {
                let needs = if g.role.is_per_office() {
                    "needs"
                } else {
                    "cannot have"
                };
                return Err(invalid(
                    "invalid-role-office",
                    format!("role {} {needs} an office", g.role),
                ));
            }
        }
        let now = self.clock.now();
        let ids = IdGen {
            clock: &*self.clock,
            entropy: &*self.entropy,
        };
        let user = User {
            id: ids.id::<UserId>(),
            username,
            display_name: new.display_name.trim().to_owned(),
            email: new.email.filter(|e| !e.trim().is_empty()),
            password_hash: self.hash_password(&new.password)?,
            disabled: false,
            created_at: now,
            grants: new.grants,
        };
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: actor.to_owned(),
            action: "user.created".into(),
            object_type: "user".into(),
            object_id: user.id.to_string(),
            payload: serde_json::json!({
                "username": user.username,
                "grants": user.grants.iter().map(|g| serde_json::json!({"role": g.role.code(), "office": g.office})).collect::<Vec<_>>(),
            }),
        };
        self.store
            .create_user(&user, &Audit::one(now, event))
            .await?;
        Ok(user)
    }

    /// Checks the password and opens a session. `client` identifies the requester for rate
    /// limiting and the ledger (an IP address).
    pub async fn login(&self, username: &str, password: &str, client: &str) -> Result<LoggedIn> {
        let now = self.clock.now();
        let username = username.trim().to_lowercase();
        let key = format!("{username}|{client}");
        if let Some(wait) = self.limiter.blocked(&key, &username, now) {
            self.record_failure(&username, client, "rate_limited")
                .await?;
            return Err(AccountError::RateLimited {
                retry_after_secs: wait,
            });
        }
        let user = self.store.user_by_username(&username).await?;
        let verified = match &user {
            Some(u) if !u.disabled => verify(password, &u.password_hash),
            _ => {
                verify(password, &self.decoy_hash);
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            self.limiter.failed(&key, &username, now);
            self.record_failure(&username, client, "bad_credentials")
                .await?;
            return Err(AccountError::BadCredentials);
        };
        self.limiter.succeeded(&key);
        let mut raw = [0u8; 32];
        self.entropy.fill(&mut raw);
        let token = hex::encode(raw);
        let ids = IdGen {
            clock: &*self.clock,
            entropy: &*self.entropy,
        };
        let session = Session {
            id: ids.id::<SessionId>(),
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at: now + self.session_ttl,
        };
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: format!("user:{}", user.id),
            action: "auth.login".into(),
            object_type: "session".into(),
            object_id: session.id.to_string(),
            payload: serde_json::json!({"username": user.username, "client": client}),
        };
        self.store
            .create_session(&session, &Audit::one(now, event))
            .await?;
        Ok(LoggedIn {
            token,
            session,
            user,
        })
    }

    async fn record_failure(&self, username: &str, client: &str, reason: &str) -> Result<()> {
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: "anonymous".into(),
            action: "auth.login_failed".into(),
            object_type: "username".into(),
            object_id: username.chars().take(64).collect(),
            payload: serde_json::json!({"client": client, "reason": reason}),
        };
        self.store
            .record(&Audit::one(self.clock.now(), event))
            .await?;
        Ok(())
    }

    /// The live session and its (enabled) user for a cookie token.
    pub async fn session(&self, token: &str) -> Result<Option<(Session, User)>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let Some(session) = self
            .store
            .session_by_token(&token_hash(token), self.clock.now())
            .await?
        else {
            return Ok(None);
        };
        let user = self
            .store
            .user(session.user_id)
            .await?
            .filter(|u| !u.disabled);
        Ok(user.map(|u| (session, u)))
    }

    pub async fn logout(&self, session: &Session) -> Result<()> {
        let event = Event {
            stream: SYSTEM_STREAM.into(),
            actor: format!("user:{}", session.user_id),
            action: "auth.logout".into(),
            object_type: "session".into(),
            object_id: session.id.to_string(),
            payload: serde_json::json!({}),
        };
        self.store
            .delete_session(session.id, &Audit::one(self.clock.now(), event))
            .await?;
        Ok(())
    }
}

/// The principal the authorization function sees for a user.
pub fn principal(user: &User) -> Principal {
    Principal {
        user: user.id,
        grants: user.grants.clone(),
    }
}

fn hash_with(entropy: &dyn Entropy, password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    argon2()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| invalid("invalid-password", format!("cannot hash password: {e}")))
}

fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let e = guichet_core::SeededEntropy::new(1);
        let a = hash_with(&e, "correct horse battery").expect("hash");
        let b = hash_with(&e, "correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("wrong horse battery", &a));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn usernames() {
        assert!(valid_username("nguyen.lan"));
        assert!(!valid_username("Nguyen Lan"));
        assert!(!valid_username("ab"));
    }
}
