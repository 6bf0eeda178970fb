//! Signatures of issued documents.
//!
//! Two Ed25519 signatures by the office key protect a document:
//! - the **statement** (document id, office, kind, issue date, dossier code) is signed and the
//!   signature travels in the QR code's URL, so a phone that scans the paper copy reaches
//!   `/verify/{id}?s=…` and the server can tell whether that QR was issued by the office;
//! - the **PDF bytes** are signed and the signature is appended after the PDF's `%%EOF` as a
//!   comment line (`%GUICHET-SEAL {json}`), which PDF readers ignore. `verify_pdf` recomputes
//!   the SHA-256 of everything before that line, so one changed byte anywhere is detected
//!   without any server (`guichet doc verify FILE.pdf`).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const SEAL_MARK: &[u8] = b"\n%GUICHET-SEAL ";

/// Short, stable name of a public key: the first 8 bytes of its SHA-256, in hex (the same
/// rule as the ledger's keys).
pub fn key_id_of(public: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(public.as_bytes())[..8])
}

/// The signing key of one office.
pub struct OfficeSigner {
    pub office_code: String,
    signing: SigningKey,
}

/// An office's document signing key, derived from the installation's document secret
/// (`LedgerKey::derive_secret("office-documents")`) and the office's id: one key file holds
/// every office's key.
pub fn office_signer(master: &[u8; 32], office_id: &[u8; 16], office_code: &str) -> OfficeSigner {
    let mut h = Sha256::new();
    h.update(b"guichet-office-document-key-v1\0");
    h.update(master);
    h.update(office_id);
    OfficeSigner::new(office_code, h.finalize().into())
}

impl OfficeSigner {
    pub fn new(office_code: &str, secret: [u8; 32]) -> Self {
        Self {
            office_code: office_code.to_owned(),
            signing: SigningKey::from_bytes(&secret),
        }
    }

    pub fn public(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn key_id(&self) -> String {
        key_id_of(&self.public())
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signing.sign(message).to_bytes().to_vec()
    }
}

/// What the QR code's signature covers: the facts printed on the document that identify it,
/// and (from version 2) whom it is for and what it certifies, so that the verification page
/// can show them to be compared with the paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// 1 for documents issued before the holder was bound (their signature covers the first
    /// five fields only), 2 since.
    #[serde(default = "first_version")]
    pub v: u32,
    pub id: String,
    pub office: String,
    pub kind: String,
    /// Issue date, `YYYY-MM-DD` (office-local).
    pub issued_on: String,
    /// The dossier code, or empty.
    pub reference: String,
    /// The person the document is for (the applicant's name as printed).
    #[serde(default)]
    pub holder: String,
    /// What the document certifies, in the office's language (its title and procedure).
    #[serde(default)]
    pub certifies: String,
    /// Hex SHA-256 of the document's key data (the dossier's and the result's facts as
    /// rendered), binding them though they are not shown.
    #[serde(default)]
    pub key_data_sha256: String,
}

fn first_version() -> u32 {
    1
}

impl Statement {
    /// The version this build issues.
    pub const VERSION: u32 = 2;

    /// The signed bytes: one field a line, under a version tag.
    pub fn message(&self) -> Vec<u8> {
        if self.v < 2 {
            return format!(
                "guichet-document-v1\n{}\n{}\n{}\n{}\n{}",
                self.id, self.office, self.kind, self.issued_on, self.reference
            )
            .into_bytes();
        }
        // A line break inside a field would let two statements share one message.
        let line = |s: &str| s.replace(['\n', '\r'], " ");
        format!(
            "guichet-document-v2\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            line(&self.id),
            line(&self.office),
            line(&self.kind),
            line(&self.issued_on),
            line(&self.reference),
            line(&self.holder),
            line(&self.certifies),
            line(&self.key_data_sha256)
        )
        .into_bytes()
    }
}

/// The URL the QR code carries: the public verification page and the statement's signature.
pub fn verify_url(base_url: &str, id: &str, signature: &[u8]) -> String {
    format!(
        "{}/verify/{}?s={}",
        base_url.trim_end_matches('/'),
        id,
        encode_url_signature(signature)
    )
}

/// Encodes a signature as the `s` parameter of a verification URL (base64url, no padding).
pub fn encode_url_signature(signature: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(signature)
}

/// Decodes the `s` parameter of a verification URL.
pub fn decode_url_signature(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim()).ok()
}

/// Checks a signature by `key` over `message`.
pub fn signature_valid(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&bytes)).is_ok()
}

/// The seal appended to a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub v: u32,
    pub id: String,
    pub office: String,
    pub kind: String,
    /// Key id of the office key that signed.
    pub key: String,
    /// Hex SHA-256 of the PDF bytes before the seal line.
    pub sha256: String,
    /// Base64 Ed25519 signature over `file_message(id, sha256)`.
    pub sig: String,
}

fn file_message(id: &str, sha256: &str) -> Vec<u8> {
    format!("guichet-pdf-v1\n{id}\n{sha256}").into_bytes()
}

/// Appends the seal to `pdf`; returns the sealed bytes and the seal.
pub fn seal_pdf(mut pdf: Vec<u8>, id: &str, kind: &str, signer: &OfficeSigner) -> (Vec<u8>, Seal) {
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let seal = Seal {
        v: 1,
        id: id.to_owned(),
        office: signer.office_code.clone(),
        kind: kind.to_owned(),
        key: signer.key_id(),
        sig: STANDARD.encode(signer.sign(&file_message(id, &sha256))),
        sha256,
    };
    pdf.extend_from_slice(SEAL_MARK);
    // serde_json of plain strings and a number cannot fail.
    pdf.extend_from_slice(serde_json::to_string(&seal).unwrap_or_default().as_bytes());
    pdf.push(b'\n');
    (pdf, seal)
}

/// Why a PDF is not an authentic, unaltered guichet document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("no guichet seal: this file was not issued by guichet, or its seal was removed")]
    NoSeal,
    #[error("the seal is damaged: {0}")]
    BadSeal(String),
    #[error(
        "the document was altered after signing: its SHA-256 is {actual}, the signed one is {signed}"
    )]
    Altered { signed: String, actual: String },
    #[error("the key {0} that signed it is not known (not an office key of this installation)")]
    UnknownKey(String),
    #[error("the signature is not valid: forged or damaged")]
    BadSignature,
}

/// Splits a sealed file into the signed bytes and the seal.
pub fn read_seal(bytes: &[u8]) -> Result<(&[u8], Seal), VerifyError> {
    let at = bytes
        .windows(SEAL_MARK.len())
        .rposition(|w| w == SEAL_MARK)
        .ok_or(VerifyError::NoSeal)?;
    let body = &bytes[..at];
    let line = &bytes[at + SEAL_MARK.len()..];
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let seal: Seal =
        serde_json::from_slice(line).map_err(|e| VerifyError::BadSeal(e.to_string()))?;
    if seal.v != 1 {
        return Err(VerifyError::BadSeal(format!(
            "unknown seal version {}",
            seal.v
        )));
    }
    Ok((body, seal))
}

/// Checks a sealed PDF: the bytes hash to the signed SHA-256 and the signature is by the key
/// `key_of(key_id)` returns.
pub fn verify_pdf(
    bytes: &[u8],
    key_of: impl Fn(&str) -> Option<VerifyingKey>,
) -> Result<Seal, VerifyError> {
    let (body, seal) = read_seal(bytes)?;
    let actual = hex::encode(Sha256::digest(body));
    let key = key_of(&seal.key).ok_or_else(|| VerifyError::UnknownKey(seal.key.clone()))?;
    let signature = STANDARD
        .decode(&seal.sig)
        .map_err(|e| VerifyError::BadSeal(e.to_string()))?;
    if !signature_valid(&key, &file_message(&seal.id, &seal.sha256), &signature) {
        return Err(VerifyError::BadSignature);
    }
    if actual != seal.sha256 {
        return Err(VerifyError::Altered {
            signed: seal.sha256,
            actual,
        });
    }
    Ok(seal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> OfficeSigner {
        OfficeSigner::new("HN-HOANKIEM", [7u8; 32])
    }

    #[test]
    fn a_sealed_pdf_verifies_and_every_changed_byte_is_caught() {
        let s = signer();
        let body = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF".to_vec();
        let (sealed, seal) = seal_pdf(body.clone(), "doc-1", "receipt", &s);
        let key = s.public();
        let lookup = |id: &str| (id == s.key_id()).then_some(key);
        assert_eq!(
            verify_pdf(&sealed, lookup).map(|x| x.id),
            Ok("doc-1".into())
        );
        assert_eq!(seal.sha256, hex::encode(Sha256::digest(&body)));
        for i in 0..body.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                matches!(verify_pdf(&bad, lookup), Err(VerifyError::Altered { .. })),
                "byte {i}"
            );
        }
    }

    #[test]
    fn forged_unknown_and_unsealed_files_are_refused() {
        let s = signer();
        let key = s.public();
        let lookup = |id: &str| (id == s.key_id()).then_some(key);
        let (sealed, _) = seal_pdf(b"%PDF-1.7 body".to_vec(), "doc-1", "receipt", &s);
        assert_eq!(
            verify_pdf(b"%PDF-1.7 plain", lookup),
            Err(VerifyError::NoSeal)
        );
        // A forger re-seals altered content with another key under the office's key id.
        let forger = OfficeSigner::new("HN-HOANKIEM", [9u8; 32]);
        let (forged, _) = seal_pdf(b"%PDF-1.7 other".to_vec(), "doc-1", "receipt", &forger);
        let text = String::from_utf8_lossy(&forged).replace(&forger.key_id(), &s.key_id());
        assert_eq!(
            verify_pdf(text.as_bytes(), lookup),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify_pdf(&forged, lookup),
            Err(VerifyError::UnknownKey(forger.key_id()))
        );
        // Changing the signed hash in the seal breaks the signature.
        let text = String::from_utf8_lossy(&sealed).replace("\"sha256\":\"", "\"sha256\":\"0");
        assert_eq!(
            verify_pdf(text.as_bytes(), lookup),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn statement_signature_travels_in_the_url() {
        let s = signer();
        let st = Statement {
            v: 1,
            id: "0193".into(),
            office: "HN-HOANKIEM".into(),
            kind: "receipt".into(),
            issued_on: "2026-11-25".into(),
            reference: "HN-HOANKIEM-261125-0001".into(),
            holder: String::new(),
            certifies: String::new(),
            key_data_sha256: String::new(),
        };
        let sig = s.sign(&st.message());
        let url = verify_url("https://x.example/", &st.id, &sig);
        assert!(url.starts_with("https://x.example/verify/0193?s="));
        let back = decode_url_signature(url.split("s=").nth(1).unwrap_or_default());
        assert_eq!(back.as_deref(), Some(sig.as_slice()));
        assert!(signature_valid(&s.public(), &st.message(), &sig));
        let other = Statement {
            kind: "result".into(),
            ..st
        };
        assert!(!signature_valid(&s.public(), &other.message(), &sig));
    }

    #[test]
    fn a_version_2_signature_binds_the_holder_and_what_is_certified() {
        let s = signer();
        let st = Statement {
            v: Statement::VERSION,
            id: "0193".into(),
            office: "HN-HOANKIEM".into(),
            kind: "result".into(),
            issued_on: "2026-11-25".into(),
            reference: "HN-HOANKIEM-261125-0001".into(),
            holder: "Phạm Thị Thu".into(),
            certifies: "Kết quả giải quyết — Cấp bản sao trích lục khai sinh".into(),
            key_data_sha256: "ab".repeat(32),
        };
        let sig = s.sign(&st.message());
        assert!(signature_valid(&s.public(), &st.message(), &sig));
        for changed in [
            Statement {
                holder: "Phạm Thị Thuỷ".into(),
                ..st.clone()
            },
            Statement {
                certifies: "Kết quả giải quyết — Đăng ký kết hôn".into(),
                ..st.clone()
            },
            Statement {
                key_data_sha256: "cd".repeat(32),
                ..st.clone()
            },
            // A field cannot spill into the next one through a line break.
            Statement {
                holder: "Phạm Thị Thu\nKết quả giải quyết — Cấp bản sao trích lục khai sinh".into(),
                certifies: String::new(),
                ..st.clone()
            },
            // Nor can a version-2 statement pass for a version-1 one.
            Statement { v: 1, ..st.clone() },
        ] {
            assert!(
                !signature_valid(&s.public(), &changed.message(), &sig),
                "{changed:?}"
            );
        }
        // Statements stored before version 2 read back as version 1 and keep verifying.
        let old: Statement = serde_json::from_str(
            r#"{"id":"0193","office":"HN-HOANKIEM","kind":"receipt","issued_on":"2026-11-25","reference":""}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old.v, 1);
        assert!(old.message().starts_with(b"guichet-document-v1\n"));
    }
}
