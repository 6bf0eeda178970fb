//! Uploaded files: content in an object store (a local directory by default), addressed by a
//! key made from the file id; SHA-256 computed on the way in; a virus-scan hook before storing.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use guichet_core::{FileId, UserId};
use guichet_store::FileRecord;
use object_store::ObjectStoreExt as _;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Result, ServiceError, invalid};

/// What a scanner says about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    Infected(String),
}

/// The virus-scan hook: `Builtin` recognises the EICAR test file only (so the refusal path is
/// tested); `Command` runs a scanner (e.g. `clamdscan --no-summary -`) with the file on stdin:
/// exit 0 clean, 1 infected, anything else an error (the upload is refused, never let through).
#[derive(Debug, Clone)]
pub enum Scanner {
    Builtin,
    Command(Vec<String>),
}

const EICAR: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

impl Scanner {
    pub async fn scan(&self, content: &[u8]) -> Result<Verdict> {
        if content.windows(EICAR.len()).any(|w| w == EICAR) {
            return Ok(Verdict::Infected("EICAR-Test-File".into()));
        }
        let Scanner::Command(argv) = self else {
            return Ok(Verdict::Clean);
        };
        let Some((program, args)) = argv.split_first() else {
            return Ok(Verdict::Clean);
        };
        use tokio::io::AsyncWriteExt as _;
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| {
                ServiceError::Internal(format!("virus scanner {program} did not start: {e}"))
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(content)
                .await
                .map_err(|e| ServiceError::Internal(format!("virus scanner input: {e}")))?;
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| ServiceError::Internal(format!("virus scanner: {e}")))?;
        match out.status.code() {
            Some(0) => Ok(Verdict::Clean),
            Some(1) => Ok(Verdict::Infected(
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .chars()
                    .take(200)
                    .collect(),
            )),
            _ => Err(ServiceError::Internal(
                "the virus scanner failed; the file was not accepted".into(),
            )),
        }
    }
}

/// What a field accepts: extensions and a size limit.
pub struct FileRules<'a> {
    pub types: &'a [String],
    pub max_bytes: u64,
}

/// The file store of an instance.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
    pub scanner: Scanner,
    /// Largest upload accepted anywhere, whatever a form allows.
    pub max_bytes: u64,
}

impl Files {
    /// Files in a local directory (created if missing).
    pub fn local(dir: &Path, scanner: Scanner, max_bytes: u64) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServiceError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| ServiceError::Internal(format!("file store {}: {e}", dir.display())))?;
        Ok(Self {
            store: Arc::new(fs),
            scanner,
            max_bytes,
        })
    }

    /// Checks and stores an upload; returns its record (not yet in the database).
    pub async fn put(
        &self,
        id: FileId,
        name: &str,
        content: Bytes,
        rules: &FileRules<'_>,
        uploaded_by: Option<UserId>,
        now: OffsetDateTime,
    ) -> Result<FileRecord> {
        let (allowed, max_bytes) = (rules.types, rules.max_bytes);
        let name: String = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let ext = extension(&name);
        if name.is_empty() || !allowed.contains(&ext) {
            return Err(invalid("file-type", allowed.join(", ")));
        }
        let limit = max_bytes.min(self.max_bytes);
        if content.len() as u64 > limit {
            return Err(invalid("file-too-big", human_size(limit)));
        }
        if content.is_empty() {
            return Err(invalid("file-empty", "the file is empty"));
        }
        if let Verdict::Infected(what) = self.scanner.scan(&content).await? {
            return Err(invalid("file-infected", what));
        }
        // After the scan, so malware is reported (and ledgered) as such whatever its name.
        if !content_matches(&ext, &content) {
            return Err(invalid("file-content", ext));
        }
        let sha256 = hex::encode(Sha256::digest(&content));
        let key = format!("uploads/{}/{}", &id.to_string()[..8], id);
        let size = content.len() as i64;
        self.store
            .put(
                &ObjectPath::from(key.as_str()),
                PutPayload::from_bytes(content),
            )
            .await
            .map_err(|e| ServiceError::Internal(format!("storing the file failed: {e}")))?;
        Ok(FileRecord {
            id,
            dossier_id: None,
            name,
            content_type: content_type_for(&ext)
                .unwrap_or("application/octet-stream")
                .to_owned(),
            size,
            sha256,
            storage_key: key,
            uploaded_by,
            created_at: now,
        })
    }

    /// Stores a file guichet made itself (an issued document): no type or size rules, no scan.
    pub async fn put_generated(
        &self,
        id: FileId,
        name: &str,
        content_type: &str,
        content: Bytes,
        now: OffsetDateTime,
    ) -> Result<FileRecord> {
        let sha256 = hex::encode(Sha256::digest(&content));
        let key = format!("documents/{}/{}", &id.to_string()[..8], id);
        let size = content.len() as i64;
        self.store
            .put(
                &ObjectPath::from(key.as_str()),
                PutPayload::from_bytes(content),
            )
            .await
            .map_err(|e| ServiceError::Internal(format!("storing the document failed: {e}")))?;
        Ok(FileRecord {
            id,
            dossier_id: None,
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size,
            sha256,
            storage_key: key,
            uploaded_by: None,
            created_at: now,
        })
    }

    /// Copies a local file to `key` in chunks (large exports never sit in memory whole).
    pub async fn put_path(&self, key: &str, path: &Path) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| ServiceError::Internal(format!("reading {}: {e}", path.display())))?;
        let mut writer =
            object_store::buffered::BufWriter::new(self.store.clone(), ObjectPath::from(key));
        let size = tokio::io::copy(&mut file, &mut writer)
            .await
            .map_err(|e| ServiceError::Internal(format!("storing {key}: {e}")))?;
        writer
            .shutdown()
            .await
            .map_err(|e| ServiceError::Internal(format!("storing {key}: {e}")))?;
        Ok(size)
    }

    /// The bytes under `key` as a stream of chunks (downloads of exports).
    pub async fn stream(
        &self,
        key: &str,
    ) -> Result<futures_util::stream::BoxStream<'static, std::result::Result<Bytes, std::io::Error>>>
    {
        use futures_util::StreamExt;
        let got = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| ServiceError::Internal(format!("reading {key}: {e}")))?;
        Ok(got
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other))
            .boxed())
    }

    /// The content under `key`, checked against `sha256`.
    pub async fn get_checked(&self, key: &str, sha256: &str) -> Result<Bytes> {
        let content = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(|e| ServiceError::Internal(format!("reading {key}: {e}")))?
            .bytes()
            .await
            .map_err(|e| ServiceError::Internal(format!("reading {key}: {e}")))?;
        if hex::encode(Sha256::digest(&content)) != sha256 {
            return Err(ServiceError::Internal(format!(
                "{key} does not match its SHA-256 (damaged storage)"
            )));
        }
        Ok(content)
    }

    /// Removes the object under `key` (a destroyed record's original); absent is fine.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.store.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(ServiceError::Internal(format!("deleting {key}: {e}"))),
        }
    }

    /// The content of a stored file, checked against its recorded SHA-256.
    pub async fn get(&self, file: &FileRecord) -> Result<Bytes> {
        let content = self
            .store
            .get(&ObjectPath::from(file.storage_key.as_str()))
            .await
            .map_err(|e| ServiceError::Internal(format!("reading file {}: {e}", file.id)))?
            .bytes()
            .await
            .map_err(|e| ServiceError::Internal(format!("reading file {}: {e}", file.id)))?;
        if hex::encode(Sha256::digest(&content)) != file.sha256 {
            return Err(ServiceError::Internal(format!(
                "file {} does not match its SHA-256 (damaged storage)",
                file.id
            )));
        }
        Ok(content)
    }
}

/// Whether the bytes are what the file's extension says (ASVS 12.2.1: the type is checked on
/// the content, not only the name). Formats with a signature must carry it; formats without
/// one (text, CSV, XML) must not be a recognisable binary such as an executable or archive.
pub fn content_matches(ext: &str, content: &[u8]) -> bool {
    let detected = infer::get(content).map(|t| t.extension());
    let expected: &[&str] = match ext {
        "pdf" => &["pdf"],
        "jpg" | "jpeg" => &["jpg"],
        "png" => &["png"],
        "gif" => &["gif"],
        "webp" => &["webp"],
        "tif" | "tiff" => &["tif"],
        "zip" => &["zip"],
        // Office documents are zip containers; `infer` names the kind when it can see it.
        "docx" => &["docx", "zip"],
        "xlsx" => &["xlsx", "zip"],
        "odt" => &["odt", "zip"],
        "ods" => &["ods", "zip"],
        "doc" | "xls" => &["doc", "xls", "msi"],
        _ => return detected.is_none(),
    };
    detected.is_some_and(|d| expected.contains(&d))
}

/// File types an upload may have, by extension, with the content type served back.
pub const KNOWN_TYPES: [(&str, &str); 7] = [
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("txt", "text/plain"),
];

pub fn content_type_for(ext: &str) -> Option<&'static str> {
    KNOWN_TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

/// The lower-case extension of a file name.
pub fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod content_tests {
    use super::content_matches;

    #[test]
    fn file_contents_must_match_their_extension() {
        assert!(content_matches("pdf", b"%PDF-1.7\n% scan\n"));
        assert!(content_matches("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(content_matches("jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0"));
        assert!(content_matches("jpeg", b"\xff\xd8\xff\xe0\0\x10JFIF\0"));
        assert!(content_matches(
            "csv",
            "họ tên;ngày\nThu;1990-04-12\n".as_bytes()
        ));
        // An executable or an archive under an innocent name.
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
        assert!(!content_matches("pdf", exe));
        assert!(!content_matches("csv", exe));
        assert!(!content_matches(
            "png",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
        ));
        assert!(!content_matches("jpg", b"%PDF-1.7\n"));
        assert!(!content_matches("pdf", b"just some text"));
    }
}
