//! Accounts administration: an office's administrator creates staff accounts, grants and
//! withdraws the office's roles, sends a one-time link to set a password, and deactivates or
//! reactivates accounts; citizens sign up themselves, verify their e-mail address and reset a
//! forgotten password by e-mail. Every change is a ledger entry in the change's transaction.
//!
//! Invariants: a one-time link's token is shown or mailed once and only its SHA-256 is
//! stored; a link works once, before it expires, and using it ends every session of the
//! account; an office administrator manages only accounts that work in their office alone
//! (no other office, no instance-wide role), never their own.

use guichet_core::authz::{Grant, Role};
use guichet_core::{IdGen, Language, OfficeId, UserId};
use guichet_ledger::{Event, SYSTEM_STREAM};
use guichet_store::{Audit, Office, OutboxRecord, StoreError, User};
use time::Duration;

use crate::store::AccountLink;
use crate::{AccountError, Accounts, Result, invalid, token_hash, valid_username};

/// How long a link to set a password stays usable.
pub const SET_PASSWORD_TTL: Duration = Duration::hours(48);
/// How long a sign-up's verification link stays usable.
pub const VERIFY_EMAIL_TTL: Duration = Duration::days(7);

/// The roles an office administrator hands out in their office.
pub const OFFICE_ROLES: [Role; 2] = [Role::Agent, Role::OfficeAdmin];

/// Who acts: the account and whether it is the instance's administrator.
pub struct Admin<'a> {
    pub user: &'a User,
}

impl Admin<'_> {
    fn ledger(&self) -> String {
        format!("user:{}", self.user.id)
    }

    fn is_sysadmin(&self) -> bool {
        self.user.grants.iter().any(|g| g.role == Role::Sysadmin)
    }
}

/// A new one-time link: the URL to give (once) and what is stored.
pub struct IssuedLink {
    pub url: String,
    pub link: AccountLink,
}

/// Checks an e-mail address's shape (the mail server has the last word).
pub fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
}

/// Whether `user` holds a role outside `office`: in another office, or instance-wide. Such an
/// account is the instance administrator's to manage.
pub fn works_elsewhere(user: &User, office: OfficeId) -> bool {
    user.grants
        .iter()
        .any(|g| g.office.is_some_and(|o| o != office) || !g.role.is_per_office())
}

fn office_role(role: &str) -> Result<Role> {
    OFFICE_ROLES
        .into_iter()
        .find(|r| r.code() == role)
        .ok_or_else(|| invalid("account-role", "choose agent or office administrator"))
}

/// The e-mail that carries a link, in the reader's language.
fn link_mail(lang: Language, purpose: &str, name: &str, url: &str) -> (String, String) {
    let (subject, text) = match (purpose, lang) {
        ("verify_email", Language::Vi) => (
            "Xác nhận địa chỉ thư điện tử",
            "Để kích hoạt tài khoản guichet, hãy mở liên kết sau (dùng được một lần, trong 7 ngày):",
        ),
        ("verify_email", Language::Fr) => (
            "Confirmez votre adresse électronique",
            "Pour activer votre compte guichet, ouvrez ce lien (valable une fois, pendant 7 jours) :",
        ),
        ("verify_email", Language::En) => (
            "Confirm your e-mail address",
            "To activate your guichet account, open this link (it works once, for 7 days):",
        ),
        (_, Language::Vi) => (
            "Đặt mật khẩu tài khoản guichet",
            "Để đặt mật khẩu, hãy mở liên kết sau (dùng được một lần, trong 48 giờ). Nếu bạn không yêu cầu, hãy bỏ qua thư này:",
        ),
        (_, Language::Fr) => (
            "Définissez le mot de passe de votre compte guichet",
            "Pour définir votre mot de passe, ouvrez ce lien (valable une fois, pendant 48 heures). Si vous n’avez rien demandé, ignorez ce message :",
        ),
        (_, Language::En) => (
            "Set the password of your guichet account",
            "To set your password, open this link (it works once, for 48 hours). If you asked for nothing, ignore this message:",
        ),
    };
    (subject.to_owned(), format!("{name},\n\n{text}\n{url}\n"))
}

impl Accounts {
    pub(crate) fn ids(&self) -> IdGen<'_> {
        IdGen {
            clock: &*self.clock,
            entropy: &*self.entropy,
        }
    }

    fn issue(&self, user: UserId, purpose: &str, base_url: &str) -> IssuedLink {
        let token = self.secret("");
        let now = self.clock.now();
        let ttl = if purpose == "verify_email" {
            VERIFY_EMAIL_TTL
        } else {
            SET_PASSWORD_TTL
        };
        let path = if purpose == "verify_email" {
            "/signup/verify"
        } else {
            "/account/link"
        };
        IssuedLink {
            url: format!("{}{path}?token={token}", base_url.trim_end_matches('/')),
            link: AccountLink {
                id: self.ids().uuid(),
                user_id: user,
                purpose: purpose.to_owned(),
                token_hash: token_hash(&token),
                created_at: now,
                expires_at: now + ttl,
                used_at: None,
            },
        }
    }

    fn mail(&self, to: &str, subject: String, body: String) -> OutboxRecord {
        let now = self.clock.now();
        OutboxRecord {
            id: self.ids().uuid(),
            topic: "email".into(),
            payload: serde_json::json!({
                "to": to, "subject": subject, "body": body, "attachments": [],
            }),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            done_at: None,
            last_error: None,
        }
    }

    fn event(&self, actor: &str, action: &str, user: UserId, payload: serde_json::Value) -> Audit {
        Audit::one(
            self.clock.now(),
            Event {
                stream: SYSTEM_STREAM.into(),
                actor: actor.to_owned(),
                action: action.into(),
                object_type: "user".into(),
                object_id: user.to_string(),
                payload,
            },
        )
    }

    /// Whether `admin` may manage `target` from `office`: the instance's administrator always;
    /// an office administrator only someone else who works in that office alone.
    fn may_manage(admin: &Admin<'_>, office: OfficeId, target: &User) -> Result<()> {
        if admin.user.id == target.id {
            return Err(invalid(
                "account-self",
                "ask another administrator to change your own account",
            ));
        }
        if admin.is_sysadmin() {
            return Ok(());
        }
        let here = target.grants.iter().any(|g| g.office == Some(office));
        if !here || works_elsewhere(target, office) {
            return Err(invalid(
                "account-elsewhere",
                "this account also works elsewhere: the instance's administrator manages it",
            ));
        }
        Ok(())
    }

    /// Creates a staff account in `office` with one of the office's roles. It has no password:
    /// the returned link (also mailed when an address is given) sets it.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_staff(
        &self,
        admin: &Admin<'_>,
        office: &Office,
        username: &str,
        display_name: &str,
        email: &str,
        role: &str,
        base_url: &str,
        lang: Language,
    ) -> Result<(User, IssuedLink)> {
        let role = office_role(role)?;
        let username = username.trim().to_lowercase();
        if !valid_username(&username) {
            return Err(invalid(
                "invalid-username",
                "a username has 3 to 64 characters: lowercase letters, digits, '.', '_', '-', '@'",
            ));
        }
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(invalid("invalid-display-name", "the display name is empty"));
        }
        let email = email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(invalid("account-email", "the e-mail address is not valid"));
        }
        if self.store.user_by_username(&username).await?.is_some() {
            return Err(invalid("account-username-taken", "this username is taken"));
        }
        let user = User {
            id: self.ids().id::<UserId>(),
            username,
            display_name: display_name.to_owned(),
            email: (!email.is_empty()).then(|| email.to_owned()),
            // No password until the link sets one: nothing verifies against an empty hash.
            password_hash: String::new(),
            disabled: false,
            created_at: self.clock.now(),
            grants: vec![Grant::new(role, Some(office.id))],
            clearances: Vec::new(),
        };
        let issued = self.issue(user.id, "set_password", base_url);
        let mail = user.email.as_deref().map(|to| {
            let (subject, body) = link_mail(lang, "set_password", &user.display_name, &issued.url);
            self.mail(to, subject, body)
        });
        let audit = self.event(
            &admin.ledger(),
            "user.created",
            user.id,
            serde_json::json!({
                "username": user.username,
                "grants": [{"role": role.code(), "office": office.id}],
                "link": {"purpose": "set_password", "expires_at": issued.link.expires_at.unix_timestamp(), "mailed": mail.is_some()},
            }),
        );
        match self
            .store
            .create_user_with_link(&user, &issued.link, mail.as_ref(), &audit)
            .await
        {
            Err(StoreError::Conflict(_)) => {
                Err(invalid("account-username-taken", "this username is taken"))
            }
            other => other.map_err(AccountError::from),
        }?;
        Ok((user, issued))
    }

    /// Grants (`grant`) or withdraws one of the office's roles.
    pub async fn change_role(
        &self,
        admin: &Admin<'_>,
        office: &Office,
        target: &User,
        role: &str,
        grant: bool,
    ) -> Result<()> {
        let role = office_role(role)?;
        Self::may_manage(admin, office.id, target)?;
        let g = Grant::new(role, Some(office.id));
        let held = target.grants.contains(&g);
        if grant && held {
            return Err(invalid(
                "account-role-held",
                "the account already has this role",
            ));
        }
        if !grant && !held {
            return Err(invalid(
                "account-role-not-held",
                "the account does not have this role",
            ));
        }
        let action = if grant {
            "user.granted"
        } else {
            "user.grant_withdrawn"
        };
        let audit = self.event(
            &admin.ledger(),
            action,
            target.id,
            serde_json::json!({"role": role.code(), "office": office.id}),
        );
        if grant {
            self.store.add_grant(target.id, &g, &audit).await?;
        } else {
            self.store.remove_grant(target.id, &g, &audit).await?;
        }
        Ok(())
    }

    /// A new link for `target` to set their password (mailed when they have an address).
    pub async fn issue_password_link(
        &self,
        admin: &Admin<'_>,
        office: &Office,
        target: &User,
        base_url: &str,
        lang: Language,
    ) -> Result<IssuedLink> {
        Self::may_manage(admin, office.id, target)?;
        let issued = self.issue(target.id, "set_password", base_url);
        let mail = target.email.as_deref().map(|to| {
            let (subject, body) =
                link_mail(lang, "set_password", &target.display_name, &issued.url);
            self.mail(to, subject, body)
        });
        let audit = self.event(
            &admin.ledger(),
            "user.link_issued",
            target.id,
            serde_json::json!({"purpose": "set_password", "expires_at": issued.link.expires_at.unix_timestamp(), "mailed": mail.is_some()}),
        );
        self.store
            .put_account_link(&issued.link, mail.as_ref(), &audit)
            .await?;
        Ok(issued)
    }

    /// Deactivates (its sessions end) or reactivates an account.
    pub async fn set_account_disabled(
        &self,
        admin: &Admin<'_>,
        office: &Office,
        target: &User,
        disabled: bool,
    ) -> Result<()> {
        Self::may_manage(admin, office.id, target)?;
        if target.disabled == disabled {
            return Ok(());
        }
        let action = if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        };
        let audit = self.event(
            &admin.ledger(),
            action,
            target.id,
            serde_json::json!({"office": office.id}),
        );
        self.store.set_disabled(target.id, disabled, &audit).await?;
        Ok(())
    }

    /// A citizen signs up: the account (username: the e-mail address) waits, disabled, until
    /// the link mailed to the address is opened.
    pub async fn sign_up(
        &self,
        display_name: &str,
        email: &str,
        password: &str,
        base_url: &str,
        lang: Language,
    ) -> Result<User> {
        let email = email.trim().to_lowercase();
        if !valid_email(&email) || !valid_username(&email) {
            return Err(invalid("account-email", "the e-mail address is not valid"));
        }
        let display_name = display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(invalid("invalid-display-name", "the display name is empty"));
        }
        if self.store.user_by_username(&email).await?.is_some()
            || self.store.user_by_email(&email).await?.is_some()
        {
            return Err(invalid(
                "account-email-taken",
                "an account already uses this address: log in, or reset its password",
            ));
        }
        self.check_password(password, &email)?;
        let user = User {
            id: self.ids().id::<UserId>(),
            username: email.clone(),
            display_name: display_name.to_owned(),
            email: Some(email.clone()),
            password_hash: self.hash_password(password)?,
            disabled: true,
            created_at: self.clock.now(),
            grants: vec![Grant::new(Role::Citizen, None)],
            clearances: Vec::new(),
        };
        let issued = self.issue(user.id, "verify_email", base_url);
        let (subject, body) = link_mail(lang, "verify_email", display_name, &issued.url);
        let mail = self.mail(&email, subject, body);
        let audit = self.event(
            &format!("user:{}", user.id),
            "user.signed_up",
            user.id,
            serde_json::json!({"username": user.username, "grants": [{"role": "citizen"}]}),
        );
        match self
            .store
            .create_user_with_link(&user, &issued.link, Some(&mail), &audit)
            .await
        {
            Err(StoreError::Conflict(_)) => Err(invalid(
                "account-email-taken",
                "an account already uses this address: log in, or reset its password",
            )),
            other => other.map_err(AccountError::from),
        }?;
        Ok(user)
    }

    /// Someone forgot their password: a link goes to the address if an enabled account has it.
    /// The answer is the same either way (nobody learns which addresses have accounts).
    pub async fn forgot_password(&self, email: &str, base_url: &str, lang: Language) -> Result<()> {
        let email = email.trim();
        if !valid_email(email) {
            return Err(invalid("account-email", "the e-mail address is not valid"));
        }
        let Some(user) = self.store.user_by_email(email).await? else {
            return Ok(());
        };
        if user.disabled {
            return Ok(());
        }
        let issued = self.issue(user.id, "set_password", base_url);
        let (subject, body) = link_mail(lang, "set_password", &user.display_name, &issued.url);
        let mail = self.mail(email, subject, body);
        let audit = self.event(
            "anonymous",
            "user.link_issued",
            user.id,
            serde_json::json!({"purpose": "set_password", "expires_at": issued.link.expires_at.unix_timestamp(), "mailed": true, "requested": "forgot_password"}),
        );
        self.store
            .put_account_link(&issued.link, Some(&mail), &audit)
            .await?;
        Ok(())
    }

    /// The live link of `purpose` behind `token`, with its account.
    pub async fn live_link(&self, token: &str, purpose: &str) -> Result<(AccountLink, User)> {
        let gone = || {
            invalid(
                "account-link-invalid",
                "this link is not valid any more: ask for a new one",
            )
        };
        if token.len() != 64 {
            return Err(gone());
        }
        let link = self
            .store
            .account_link(&token_hash(token))
            .await?
            .filter(|l| {
                l.purpose == purpose && l.used_at.is_none() && l.expires_at > self.clock.now()
            })
            .ok_or_else(gone)?;
        let user = self.store.user(link.user_id).await?.ok_or_else(gone)?;
        Ok((link, user))
    }

    /// Sets the password through a link (a new staff account, a reset); every session ends.
    /// A staff account deactivated meanwhile stays deactivated.
    pub async fn set_password_with_link(&self, token: &str, password: &str) -> Result<User> {
        let (link, user) = self.live_link(token, "set_password").await?;
        self.check_password(password, &user.username)?;
        let hash = self.hash_password(password)?;
        let audit = self.event(
            &format!("user:{}", user.id),
            "auth.password_set_by_link",
            user.id,
            serde_json::json!({"link": link.id, "sessions_ended": true}),
        );
        if !self
            .store
            .redeem_account_link(link.id, self.clock.now(), Some(&hash), false, &audit)
            .await?
        {
            return Err(invalid(
                "account-link-invalid",
                "this link is not valid any more: ask for a new one",
            ));
        }
        Ok(user)
    }

    /// Opens a sign-up's verification link: the account is enabled.
    pub async fn verify_email(&self, token: &str) -> Result<User> {
        let (link, user) = self.live_link(token, "verify_email").await?;
        let audit = self.event(
            &format!("user:{}", user.id),
            "user.email_verified",
            user.id,
            serde_json::json!({"link": link.id}),
        );
        if !self
            .store
            .redeem_account_link(link.id, self.clock.now(), None, true, &audit)
            .await?
        {
            return Err(invalid(
                "account-link-invalid",
                "this link is not valid any more: ask for a new one",
            ));
        }
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_are_checked_for_their_shape() {
        assert!(valid_email("thu.pham@example.vn"));
        assert!(!valid_email("thu.pham@example"));
        assert!(!valid_email("@example.vn"));
        assert!(!valid_email("thu pham@example.vn"));
        assert!(!valid_email("thu@.vn"));
    }

    #[test]
    fn office_administrators_hand_out_the_office_roles_only() {
        assert_eq!(office_role("agent").ok(), Some(Role::Agent));
        assert_eq!(office_role("office_admin").ok(), Some(Role::OfficeAdmin));
        assert!(office_role("sysadmin").is_err());
        assert!(office_role("auditor").is_err());
    }
}
