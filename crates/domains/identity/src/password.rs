//! Password policy (ASVS V2.1): length, not the username, not a known breached password.
//! The breached list is local (no network): the common passwords shipped with guichet, plus
//! the operator's own list of plain passwords or SHA-1 hashes (the Have I Been Pwned format,
//! `HASH` or `HASH:COUNT` per line).

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use sha1::{Digest, Sha1};

use crate::{Result, invalid};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

const SHIPPED: &[u8] = include_bytes!("../data/common-passwords.txt.gz");

/// Passwords known from breaches, kept as SHA-1 digests (upper-case hex is the file format).
#[derive(Debug, Default, Clone)]
pub struct BreachedList {
    digests: HashSet<[u8; 20]>,
}

fn sha1(s: &str) -> [u8; 20] {
    Sha1::digest(s.as_bytes()).into()
}

impl BreachedList {
    /// The shipped list of common passwords.
    pub fn shipped() -> Self {
        let mut list = Self::default();
        let mut text = String::new();
        if flate2::read::GzDecoder::new(SHIPPED)
            .read_to_string(&mut text)
            .is_ok()
        {
            list.add_lines(&text);
        }
        list
    }

    /// The shipped list and the lines of `path` (plain passwords or SHA-1 hex digests).
    pub fn with_file(path: &Path) -> std::io::Result<Self> {
        let mut list = Self::shipped();
        let text = std::fs::read_to_string(path)?;
        list.add_lines(&text);
        Ok(list)
    }

    fn add_lines(&mut self, text: &str) {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let hash_part = line.split(':').next().unwrap_or(line);
            let digest = match hex::decode(hash_part) {
                Ok(bytes) if bytes.len() == 20 => bytes.try_into().ok(),
                _ => None,
            };
            self.digests
                .insert(digest.unwrap_or_else(|| sha1(&line.to_lowercase())));
        }
    }

    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether the password (as typed, or lower-cased) is on the list.
    pub fn contains(&self, password: &str) -> bool {
        self.digests.contains(&sha1(password))
            || self.digests.contains(&sha1(&password.to_lowercase()))
    }
}

/// Checks a new password against the policy; the error names the rule broken.
pub fn check(password: &str, username: &str, breached: &BreachedList) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password-too-short",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(invalid(
            "password-too-long",
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let user = username.trim().to_lowercase();
    if !user.is_empty() && lower.contains(&user) {
        return Err(invalid(
            "password-has-username",
            "the password contains the username",
        ));
    }
    if password.chars().all(|c| password.starts_with(c)) {
        return Err(invalid(
            "password-breached",
            "the password is one character repeated",
        ));
    }
    if breached.contains(password) {
        return Err(invalid(
            "password-breached",
            "this password appears in lists of breached passwords; choose another",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_is_loaded_and_checked() {
        let list = BreachedList::shipped();
        assert_eq!(list.len(), 19_640);
        assert!(list.contains("password1234"));
        assert!(list.contains("Password1234"), "case-insensitive");
        assert!(!list.contains("guichet-demo-2026"));
    }

    #[test]
    fn policy_rules() {
        let list = BreachedList::shipped();
        let key = |p: &str, u: &str| match check(p, u, &list) {
            Ok(()) => "ok",
            Err(crate::AccountError::Invalid { key, .. }) => key,
            Err(_) => "other",
        };
        assert_eq!(key("short", "lan"), "password-too-short");
        assert_eq!(key(&"x".repeat(129), "lan"), "password-too-long");
        assert_eq!(
            key("nguyen.lan-2026!", "nguyen.lan"),
            "password-has-username"
        );
        assert_eq!(key("aaaaaaaaaaaa", "lan"), "password-breached");
        assert_eq!(key("qwertyuiop", "lan"), "password-breached");
        assert_eq!(key("sông Hồng mùa thu 2026", "lan"), "ok");
    }

    #[test]
    fn operator_lists_take_plain_and_sha1_lines() {
        let dir = std::env::temp_dir().join(format!("guichet-breached-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("list.txt");
        // SHA-1 of "correct horse battery staple", upper-case as in the HIBP files.
        std::fs::write(
            &file,
            "ABF7AAD6438836DBE526AA231ABDE2D0EEF74D42:3\nmat-khau-cua-toi-2026\n",
        )
        .unwrap();
        let list = BreachedList::with_file(&file).unwrap();
        assert!(list.contains("correct horse battery staple"));
        assert!(list.contains("mat-khau-cua-toi-2026"));
        assert!(!list.contains("another passphrase entirely"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
