//! The instance's Ed25519 signing key (created on first start, kept in the data directory) and
//! the set of public keys `guichet verify` trusts.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use guichet_core::Entropy;

use crate::{Checkpoint, Hash, checkpoint_message, sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the ledger key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the ledger key file {path} is damaged: {reason}")]
    Damaged { path: String, reason: String },
}

/// Short, stable name of a public key: the first 8 bytes of its SHA-256, in hex.
pub fn key_id_of(public: &VerifyingKey) -> String {
    hex::encode(&sha256(public.as_bytes())[..8])
}

pub struct LedgerKey {
    signing: SigningKey,
}

impl LedgerKey {
    /// Loads the key at `path`, or creates it (mode 0600) when the file does not exist.
    pub fn load_or_create(path: &Path, entropy: &dyn Entropy) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        let io = |source| KeyError::Io {
            path: shown.clone(),
            source,
        };
        if path.exists() {
            let text = fs::read_to_string(path).map_err(io)?;
            let bytes = hex::decode(text.trim()).map_err(|e| KeyError::Damaged {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
            let secret: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Damaged {
                path: shown.clone(),
                reason: "expected 32 bytes of hex".into(),
            })?;
            return Ok(Self {
                signing: SigningKey::from_bytes(&secret),
            });
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io)?;
        }
        let mut secret = [0u8; 32];
        entropy.fill(&mut secret);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io)?;
        file.write_all(hex::encode(secret).as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(Self {
            signing: SigningKey::from_bytes(&secret),
        })
    }

    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(&secret),
        }
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.public().as_bytes())
    }

    pub fn key_id(&self) -> String {
        key_id_of(&self.public())
    }

    /// Signs the head of a stream.
    pub fn checkpoint(
        &self,
        stream: &str,
        seq: i64,
        entry_hash: Hash,
        at: time::OffsetDateTime,
    ) -> Checkpoint {
        let signature = self
            .signing
            .sign(&checkpoint_message(stream, seq, &entry_hash, at));
        Checkpoint {
            stream: stream.to_owned(),
            seq,
            entry_hash,
            at,
            key_id: self.key_id(),
            signature: signature.to_bytes().to_vec(),
        }
    }

    /// A secret derived for another purpose (e.g. CSRF tokens), so one file holds all secrets.
    pub fn derive_secret(&self, purpose: &str) -> Hash {
        let mut input = b"guichet-derive-v1\0".to_vec();
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(&self.signing.to_bytes());
        sha256(&input)
    }
}

/// Public keys whose checkpoint signatures are accepted, by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys(BTreeMap<String, VerifyingKey>);

impl TrustedKeys {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, key: VerifyingKey) {
        self.0.insert(key_id_of(&key), key);
    }

    /// Adds a key given as 64 hex characters.
    pub fn add_hex(&mut self, hex_key: &str) -> Result<(), String> {
        let bytes = hex::decode(hex_key.trim()).map_err(|e| format!("not hex: {e}"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a public key is 32 bytes (64 hex characters)".to_string())?;
        let key = VerifyingKey::from_bytes(&arr).map_err(|e| e.to_string())?;
        self.add(key);
        Ok(())
    }

    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    pub fn hex_keys(&self) -> Vec<String> {
        self.0.values().map(|k| hex::encode(k.as_bytes())).collect()
    }

    /// (key id, public key in hex) of every trusted key.
    pub fn list(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(id, k)| (id.clone(), hex::encode(k.as_bytes())))
            .collect()
    }

    /// Ok when the checkpoint is signed by a trusted key; Err names the reason.
    pub fn check(&self, cp: &Checkpoint) -> Result<(), String> {
        let key = self
            .0
            .get(&cp.key_id)
            .ok_or_else(|| format!("signed by key {} which is not trusted", cp.key_id))?;
        let sig: [u8; 64] = cp
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| "signature is not 64 bytes".to_string())?;
        key.verify(
            &checkpoint_message(&cp.stream, cp.seq, &cp.entry_hash, cp.at),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| "signature does not verify".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::SeededEntropy;
    use time::macros::datetime;

    #[test]
    fn key_file_is_created_once_and_reloaded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys/ledger.key");
        let a = LedgerKey::load_or_create(&path, &SeededEntropy::new(1)).expect("create");
        let b = LedgerKey::load_or_create(&path, &SeededEntropy::new(2)).expect("load");
        assert_eq!(a.public_hex(), b.public_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn damaged_key_file_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ledger.key");
        fs::write(&path, "zz").expect("write");
        assert!(matches!(
            LedgerKey::load_or_create(&path, &SeededEntropy::new(1)),
            Err(KeyError::Damaged { .. })
        ));
    }

    #[test]
    fn checkpoint_signature_verifies_only_unaltered_and_trusted() {
        let key = LedgerKey::from_secret([7; 32]);
        let other = LedgerKey::from_secret([8; 32]);
        let at = datetime!(2026-11-25 00:00:00 UTC);
        let cp = key.checkpoint("system", 10, [1; 32], at);
        let mut trusted = TrustedKeys::new();
        assert!(trusted.check(&cp).is_err(), "untrusted key");
        trusted.add(key.public());
        assert!(trusted.check(&cp).is_ok());
        let mut altered = cp.clone();
        altered.seq = 11;
        assert!(trusted.check(&altered).is_err());
        let forged = other.checkpoint("system", 10, [1; 32], at);
        assert!(trusted.check(&forged).is_err());
        assert_ne!(key.derive_secret("csrf"), key.derive_secret("other"));
    }
}
