//! TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of skew),
//! with ten single-use recovery codes. Enrolment: a secret is drawn and shown (otpauth URL
//! and QR code); it counts only once the person types a first good code. A code's time step
//! is accepted once (the store checks and records it atomically), so a code seen over a
//! shoulder cannot be used again.

use crate::store::SecondFactor;
use guichet_core::UserId;
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, Session, SessionStage, User};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use crate::{AccountError, Accounts, Result, invalid};

pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "guichet";
/// Base32 without look-alikes, for recovery codes read from paper.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A secret being set up: what the person copies into their authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
    /// The otpauth URL as an SVG QR code, ready to sit inside a page (no XML declaration, no
    /// script, no style attribute).
    pub qr_svg: String,
}

fn totp_for(secret_base32: &str, account: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| invalid("second-factor-invalid", format!("stored secret: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_skew(1)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| invalid("second-factor-invalid", format!("TOTP: {e}")))
}

/// SHA-256 of a recovery code, normalised (case, spaces and dashes do not matter).
pub fn recovery_hash(code: &str) -> [u8; 32] {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(norm.as_bytes()).into()
}

fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // The renderer writes a standalone document; a page wants the element alone.
    svg.find("<svg")
        .map(|i| svg[i..].to_owned())
        .unwrap_or_default()
}

impl Accounts {
    fn unix_now(&self) -> u64 {
        u64::try_from(self.clock.now().unix_timestamp()).unwrap_or(0)
    }

    /// The user's second factor, if confirmed.
    pub async fn has_second_factor(&self, user: UserId) -> Result<bool> {
        Ok(self
            .store
            .second_factor(user)
            .await?
            .is_some_and(|f| f.confirmed_at.is_some()))
    }

    pub async fn recovery_codes_left(&self, user: UserId) -> Result<i64> {
        Ok(self.store.recovery_codes_left(user).await?)
    }

    /// Draws a new secret (replacing an unconfirmed one); refused while a confirmed factor
    /// exists (turn it off first).
    pub async fn begin_enrolment(&self, user: &User) -> Result<Enrolment> {
        if let Some(f) = self.store.second_factor(user.id).await? {
            if f.confirmed_at.is_some() {
                return Err(invalid(
                    "second-factor-exists",
                    "a second factor is already set up",
                ));
            }
            // Showing the same unconfirmed secret again keeps a half-done set-up usable.
            let totp = totp_for(&f.secret, &user.username)?;
            return Ok(enrolment(&totp, &f.secret));
        }
        let mut bytes = vec![0u8; 20];
        self.entropy.fill(&mut bytes);
        let secret = Secret::new(bytes.into_boxed_slice());
        let base32 = secret.to_base32();
        let factor = SecondFactor {
            user_id: user.id,
            secret: base32.clone(),
            confirmed_at: None,
            last_step: 0,
            created_at: self.clock.now(),
        };
        self.store
            .put_second_factor(
                &factor,
                &[],
                &self.user_event(user.id, "auth.second_factor_started", serde_json::json!({})),
            )
            .await?;
        let totp = totp_for(&base32, &user.username)?;
        Ok(enrolment(&totp, &base32))
    }

    /// Confirms the set-up with a first good code; returns the recovery codes (shown once).
    /// A session in the `Enrol` stage becomes active.
    pub async fn confirm_enrolment(
        &self,
        user: &User,
        code: &str,
        session: Option<&Session>,
    ) -> Result<Vec<String>> {
        let Some(factor) = self.store.second_factor(user.id).await? else {
            return Err(invalid(
                "second-factor-not-started",
                "no set-up in progress",
            ));
        };
        if factor.confirmed_at.is_some() {
            return Err(invalid(
                "second-factor-exists",
                "a second factor is already set up",
            ));
        }
        let totp = totp_for(&factor.secret, &user.username)?;
        let Some(step) = totp.check(code.trim(), self.unix_now()) else {
            return Err(invalid("second-factor-wrong-code", "the code is not right"));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| self.recovery_code()).collect();
        let hashes: Vec<[u8; 32]> = codes.iter().map(|c| recovery_hash(c)).collect();
        let confirmed = SecondFactor {
            confirmed_at: Some(self.clock.now()),
            last_step: i64::try_from(step).unwrap_or(i64::MAX),
            ..factor
        };
        self.store
            .put_second_factor(
                &confirmed,
                &hashes,
                &self.user_event(
                    user.id,
                    "auth.second_factor_enabled",
                    serde_json::json!({"recovery_codes": RECOVERY_CODES}),
                ),
            )
            .await?;
        if let Some(s) = session.filter(|s| s.stage == SessionStage::Enrol) {
            self.activate(s, "enrolled").await?;
        }
        Ok(codes)
    }

    fn recovery_code(&self) -> String {
        let mut raw = [0u8; 10];
        self.entropy.fill(&mut raw);
        let chars: String = raw
            .iter()
            .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
            .collect();
        format!("{}-{}", &chars[..5], &chars[5..])
    }

    async fn activate(&self, session: &Session, why: &str) -> Result<()> {
        self.store
            .set_session_stage(
                session.id,
                SessionStage::Active,
                &Audit::one(
                    self.clock.now(),
                    Event {
                        stream: SYSTEM_STREAM.into(),
                        actor: format!("user:{}", session.user_id),
                        action: "auth.session_activated".into(),
                        object_type: "session".into(),
                        object_id: session.id.to_string(),
                        payload: serde_json::json!({"by": why}),
                    },
                ),
            )
            .await?;
        Ok(())
    }

    /// The second step of a login: a TOTP code or a recovery code. Wrong codes are counted
    /// (rate limit) and ledgered; a good one makes the session active.
    pub async fn pass_second_factor(
        &self,
        session: &Session,
        user: &User,
        code: &str,
        client: &str,
    ) -> Result<()> {
        if session.stage != SessionStage::SecondFactor {
            return Err(invalid("second-factor-not-due", "no code is due"));
        }
        let now = self.clock.now();
        let key = format!("2fa|{}", user.id);
        if let Some(wait) = self.limiter.blocked(&key, &key, now) {
            return Err(AccountError::RateLimited {
                retry_after_secs: wait,
            });
        }
        let Some(factor) = self.store.second_factor(user.id).await? else {
            return Err(invalid("second-factor-not-started", "no second factor"));
        };
        let code = code.trim();
        let digits = code
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>();
        let how = if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
            let totp = totp_for(&factor.secret, &user.username)?;
            match totp.check(&digits, self.unix_now()) {
                Some(step) => {
                    let step = i64::try_from(step).unwrap_or(i64::MAX);
                    let fresh = self
                        .store
                        .accept_totp_step(
                            user.id,
                            step,
                            &self.user_event(user.id, "auth.second_factor_passed", serde_json::json!({"with": "totp", "session": session.id.to_string()})),
                        )
                        .await?;
                    fresh.then_some("totp")
                }
                None => None,
            }
        } else {
            let used = self
                .store
                .use_recovery_code(
                    user.id,
                    &recovery_hash(code),
                    now,
                    &self.user_event(user.id, "auth.second_factor_passed", serde_json::json!({"with": "recovery_code", "session": session.id.to_string()})),
                )
                .await?;
            used.then_some("recovery_code")
        };
        if how.is_none() {
            self.limiter.failed(&key, &key, now);
            self.store
                .record(&self.user_event(
                    user.id,
                    "auth.second_factor_failed",
                    serde_json::json!({"client": client, "session": session.id.to_string()}),
                ))
                .await?;
            return Err(invalid("second-factor-wrong-code", "the code is not right"));
        }
        self.limiter.succeeded(&key);
        self.activate(session, "second_factor").await
    }

    /// Turns the second factor off; refused when an office the user works for requires one.
    pub async fn disable_second_factor(&self, user: &User) -> Result<()> {
        if self.second_factor_required(user).await? {
            return Err(invalid(
                "second-factor-required",
                "your office requires a second factor",
            ));
        }
        self.store
            .delete_second_factor(
                user.id,
                &self.user_event(
                    user.id,
                    "auth.second_factor_disabled",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// Sets whether an office's staff must use a second factor (office administrators).
    pub async fn set_office_second_factor(
        &self,
        actor: UserId,
        office: guichet_core::OfficeId,
        required: bool,
    ) -> Result<()> {
        let now = self.clock.now();
        let audit = Audit::one(
            now,
            Event {
                stream: SYSTEM_STREAM.into(),
                actor: format!("user:{actor}"),
                action: "office.second_factor_policy".into(),
                object_type: "office".into(),
                object_id: office.to_string(),
                payload: serde_json::json!({"required": required}),
            },
        );
        self.store
            .set_office_second_factor(office, required, now, &audit)
            .await?;
        Ok(())
    }
}

fn enrolment(totp: &Totp, secret: &str) -> Enrolment {
    let url = totp.to_url().unwrap_or_default();
    Enrolment {
        secret: secret.to_owned(),
        qr_svg: qr_svg(&url),
        otpauth_url: url,
    }
}

/// The current code of a base32 secret at `unix` seconds (tests and the demo).
pub fn code_at(secret_base32: &str, unix: u64) -> Option<String> {
    let totp = totp_for(secret_base32, "x").ok()?;
    Some(totp.generate(unix).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1, 8 digits there; the same HMAC truncated to 6 digits is
        // the last 6 digits of the 8-digit value.
        let secret = Secret::new(b"12345678901234567890".to_vec().into_boxed_slice()).to_base32();
        for (t, eight) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(&secret, t).as_deref(), Some(&eight[2..]), "t={t}");
        }
    }

    #[test]
    fn recovery_codes_normalise() {
        assert_eq!(recovery_hash("abcde-fghjk"), recovery_hash(" ABCDE FGHJK "));
        assert_ne!(recovery_hash("abcde-fghjk"), recovery_hash("abcde-fghjm"));
    }
}
