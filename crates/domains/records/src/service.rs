//! Records and archives: registration of incoming and outgoing documents with gap-free
//! numbers, automatic capture of every dossier document (uploads, issued PDFs, messages), the
//! file plan and archival files, retention and the 30-day warning, legal holds, disposition
//! runs (proposal, approval, destruction with a certificate), fixity audits over two or more
//! storage copies with repair from a good copy, search, and archival packages out and in.
//!
//! Invariant: a record's content is stored in every archive copy and read back before its
//! row is written; a record row with content always names a SHA-256 that some copy held.
//! Invariant: destruction marks the rows (hold checked in the same transaction) before any
//! content is deleted, so a crash can leave orphan content (removed by the next fixity audit)
//! but never a live record without content.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use guichet_core::{
    ArchiveFileId, ClassId, Clock, Country, DispositionId, Entropy, HoldId, IdGen, OfficeId,
    RecordId, UserId,
};
use guichet_ledger::Event;
use guichet_records_formats::meta::{self, Register};
use guichet_records_formats::package::{self, Agency, ContentMeta, Package, RecordMeta};
use guichet_records_formats::retention::{self, FinalAction, Trigger};
use guichet_records_formats::search::{IndexedRecord, SearchIndex};
use guichet_store::{Audit, Office};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Date;

use guichet_one_stop::dossier::{Actor, local_time};
use guichet_one_stop::files::Files;
use guichet_one_stop::{Result, ServiceError, invalid};

use crate::store::{
    ArchiveFileRecord, CaptureSource, ClassRecord, DispositionRecord, FixityRunRecord, HoldRecord,
    NumberRequest, RecordQuery, RecordRow, RecordWrite, RecordsStore,
};

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

// ---------------------------------------------------------------------------------------
// Storage copies

struct Copy {
    name: String,
    store: Arc<dyn ObjectStore>,
    /// The directory of a local copy (fixity hashes files directly, as fast as sha256sum).
    root: Option<PathBuf>,
}

/// Two or more independent copies of every record's content.
#[derive(Clone)]
pub struct ArchiveStorage {
    copies: Arc<Vec<Copy>>,
}

/// What one copy holds for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyState {
    Ok,
    Missing,
    /// Present with another SHA-256.
    Altered(String),
    Unreadable(String),
}

impl CopyState {
    pub fn code(&self) -> &'static str {
        match self {
            CopyState::Ok => "ok",
            CopyState::Missing => "missing",
            CopyState::Altered(_) => "altered",
            CopyState::Unreadable(_) => "unreadable",
        }
    }
}

impl ArchiveStorage {
    /// Copies in local directories (created if missing); at least two, on distinct paths.
    pub fn local(roots: &[PathBuf]) -> Result<Self> {
        if roots.len() < 2 {
            return Err(invalid(
                "archive-copies",
                "records need at least two storage copies (archive_copies)",
            ));
        }
        let mut copies = Vec::new();
        for (i, root) in roots.iter().enumerate() {
            if roots[..i].contains(root) {
                return Err(invalid(
                    "archive-copies",
                    format!("{} is listed twice as an archive copy", root.display()),
                ));
            }
            std::fs::create_dir_all(root)
                .map_err(|e| internal(format!("cannot create {}: {e}", root.display())))?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(root)
                .map_err(|e| internal(format!("archive copy {}: {e}", root.display())))?;
            copies.push(Copy {
                name: format!("copy-{}", char::from(b'a' + (i as u8 % 26))),
                store: Arc::new(fs),
                root: Some(root.clone()),
            });
        }
        Ok(Self {
            copies: Arc::new(copies),
        })
    }

    pub fn copy_names(&self) -> Vec<String> {
        self.copies.iter().map(|c| c.name.clone()).collect()
    }

    /// The file of `key` in a local copy.
    pub fn local_path(&self, copy: usize, key: &str) -> Option<PathBuf> {
        let c = self.copies.get(copy)?;
        c.root.as_ref().map(|r| r.join(key))
    }

    /// Writes `content` to every copy and reads each back; fails unless all hold `sha256`.
    pub async fn put(&self, key: &str, content: Bytes, sha256: &str) -> Result<()> {
        let path = ObjectPath::from(key);
        for c in self.copies.iter() {
            c.store
                .put(&path, PutPayload::from_bytes(content.clone()))
                .await
                .map_err(|e| internal(format!("{}: storing {key}: {e}", c.name)))?;
        }
        for (i, c) in self.copies.iter().enumerate() {
            let state = self.check_copy(i, key, sha256).await;
            if state != CopyState::Ok {
                return Err(internal(format!(
                    "{}: {key} did not read back intact ({})",
                    c.name,
                    state.code()
                )));
            }
        }
        Ok(())
    }

    async fn check_copy(&self, i: usize, key: &str, sha256: &str) -> CopyState {
        let Some(c) = self.copies.get(i) else {
            return CopyState::Missing;
        };
        if let Some(root) = &c.root {
            let path = root.join(key);
            let hashed = tokio::task::spawn_blocking(move || {
                guichet_records_formats::hashing::sha256_file(&path)
            })
            .await;
            return match hashed {
                Ok(Ok((got, _))) if got == sha256 => CopyState::Ok,
                Ok(Ok((got, _))) => CopyState::Altered(got),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => CopyState::Missing,
                Ok(Err(e)) => CopyState::Unreadable(e.to_string()),
                Err(e) => CopyState::Unreadable(e.to_string()),
            };
        }
        match c.store.get(&ObjectPath::from(key)).await {
            Err(object_store::Error::NotFound { .. }) => CopyState::Missing,
            Err(e) => CopyState::Unreadable(e.to_string()),
            Ok(got) => match got.bytes().await {
                Ok(b) => {
                    let h = hex::encode(Sha256::digest(&b));
                    if h == sha256 {
                        CopyState::Ok
                    } else {
                        CopyState::Altered(h)
                    }
                }
                Err(e) => CopyState::Unreadable(e.to_string()),
            },
        }
    }

    /// The state of every copy of `key`, in copy order.
    pub async fn check(&self, key: &str, sha256: &str) -> Vec<CopyState> {
        let mut out = Vec::with_capacity(self.copies.len());
        for i in 0..self.copies.len() {
            out.push(self.check_copy(i, key, sha256).await);
        }
        out
    }

    /// The content from the first intact copy.
    pub async fn get(&self, key: &str, sha256: &str) -> Result<Bytes> {
        let path = ObjectPath::from(key);
        for c in self.copies.iter() {
            if let Ok(got) = c.store.get(&path).await
                && let Ok(b) = got.bytes().await
                && hex::encode(Sha256::digest(&b)) == sha256
            {
                return Ok(b);
            }
        }
        Err(internal(format!(
            "no copy of {key} holds its recorded SHA-256"
        )))
    }

    /// Rewrites the copies in `bad` from the intact bytes.
    async fn repair(&self, key: &str, good: Bytes, bad: &[usize]) -> Result<()> {
        let path = ObjectPath::from(key);
        for &i in bad {
            if let Some(c) = self.copies.get(i) {
                c.store
                    .put(&path, PutPayload::from_bytes(good.clone()))
                    .await
                    .map_err(|e| internal(format!("{}: repairing {key}: {e}", c.name)))?;
            }
        }
        Ok(())
    }

    /// Deletes `key` from every copy; returns the copies that failed.
    pub async fn delete(&self, key: &str) -> Vec<String> {
        let path = ObjectPath::from(key);
        let mut failed = Vec::new();
        for c in self.copies.iter() {
            match c.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => failed.push(format!("{}: {e}", c.name)),
            }
        }
        failed
    }

    /// Whether any copy still holds `key` (a destroyed record's leftovers).
    async fn any_present(&self, key: &str) -> bool {
        let path = ObjectPath::from(key);
        for c in self.copies.iter() {
            if c.store.head(&path).await.is_ok() {
                return true;
            }
        }
        false
    }

    /// A reader over an intact local copy of `key` (package writers run on a blocking
    /// thread); the caller's writer checks the digest of what it copies.
    pub fn open_blocking(
        &self,
        key: &str,
        sha256: &str,
    ) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        for c in self.copies.iter() {
            if let Some(root) = &c.root {
                let path = root.join(key);
                if let Ok((h, _)) = guichet_records_formats::hashing::sha256_file(&path)
                    && h == sha256
                {
                    return Ok(Box::new(std::fs::File::open(path)?));
                }
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no local copy of {key} holds its recorded SHA-256"),
        ))
    }
}

// ---------------------------------------------------------------------------------------
// The service

/// A new entry of a register.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub register: String,
    pub doc_type: String,
    /// Outgoing: the symbol (ký hiệu); empty derives it from the type and the office.
    pub symbol: String,
    /// Incoming: number and symbol printed on the document by its sender.
    pub original_ref: String,
    pub title: String,
    pub doc_date: Option<Date>,
    pub issuer: String,
    pub signer: String,
    pub recipients: String,
    pub urgency: String,
    pub confidentiality: String,
    pub file_id: Option<ArchiveFileId>,
    /// The document itself (scan or file) and its attachments.
    pub content: Option<Upload>,
    pub attachments: Vec<Upload>,
}

#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub content_type: String,
    pub bytes: Bytes,
    /// A SHA-256 the sender declared; a mismatch refuses the registration.
    pub declared_sha256: Option<String>,
}

/// Everything records work needs.
pub struct Records<'a> {
    pub store: &'a dyn RecordsStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
    pub archive: &'a ArchiveStorage,
    pub files: &'a Files,
    /// The search index; `None` skips indexing (it can be rebuilt).
    pub index: Option<&'a SearchIndex>,
}

/// The office's abbreviation used in symbols: the part of its code after the last dash
/// (`HN-HOANKIEM` → `HOANKIEM`), or `UBND` for Vietnamese offices whose code does not say.
pub fn office_abbreviation(office: &Office) -> String {
    match office.country {
        Country::Vn => "UBND".to_owned(),
        Country::Fr => office
            .code
            .rsplit('-')
            .next()
            .unwrap_or(&office.code)
            .to_owned(),
    }
}

/// The actor of what guichet does by itself (capture, warnings, audits).
fn system_actor() -> Actor {
    Actor::named("guichet")
}

fn storage_key(office: OfficeId, record: RecordId) -> String {
    format!("records/{office}/{record}")
}

fn event(
    stream: &str,
    actor: &Actor,
    action: &str,
    kind: &str,
    id: String,
    payload: serde_json::Value,
) -> Event {
    Event {
        stream: stream.to_owned(),
        actor: actor.ledger(),
        action: action.to_owned(),
        object_type: kind.to_owned(),
        object_id: id,
        payload,
    }
}

/// Text a search can use: text files as they are, PDFs through `pdftotext` when the machine
/// has it (poppler-utils), nothing for other types.
pub async fn extract_text(content_type: &str, bytes: &Bytes) -> String {
    const LIMIT: usize = 200_000;
    if content_type.starts_with("text/") {
        let s = String::from_utf8_lossy(bytes);
        return s.chars().take(LIMIT).collect();
    }
    if content_type != "application/pdf" {
        return String::new();
    }
    let run = async {
        let mut child = tokio::process::Command::new("pdftotext")
            .args(["-q", "-enc", "UTF-8", "-", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .ok()?;
        let mut stdin = child.stdin.take()?;
        let input = bytes.clone();
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let _ = stdin.write_all(&input).await;
        });
        let out = child.wait_with_output().await.ok()?;
        let _ = writer.await;
        out.status.success().then(|| {
            String::from_utf8_lossy(&out.stdout)
                .chars()
                .take(LIMIT)
                .collect()
        })
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), run)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// What the index holds of a record.
pub fn indexed(r: &RecordRow) -> IndexedRecord {
    let number = r
        .number
        .map(|n| meta::number_and_symbol(n, &r.symbol))
        .unwrap_or_default();
    let kind = meta::doc_type(&r.doc_type).map(|t| format!("{} {} {}", t.vi, t.fr, t.en));
    IndexedRecord {
        id: r.id.as_uuid(),
        office: r.office_id.as_uuid(),
        title: format!("{} {number} {}", r.title, r.original_ref),
        body: format!(
            "{} {} {} {} {} {} {}",
            kind.unwrap_or_default(),
            r.issuer,
            r.signer,
            r.recipients,
            r.name.as_deref().unwrap_or(""),
            r.doc_date,
            r.text
        ),
    }
}

/// A disposition item as stored in the run's `items`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DispositionItem {
    pub record: RecordId,
    pub label: String,
    /// `destroy`, `keep` or `review` (the class's final action).
    pub action: String,
    /// Under a legal hold when the run was proposed.
    pub held: bool,
    /// Set by the approver for `review` items: destroy them too.
    #[serde(default)]
    pub destroy: bool,
    /// After execution: `destroyed`, `kept`, `held`, `gone`.
    #[serde(default)]
    pub outcome: String,
}

/// The outcome of a fixity audit, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FixityProblem {
    pub record: RecordId,
    pub copy: String,
    /// `missing`, `altered`, `unreadable`, `leftover`.
    pub problem: String,
    /// `repaired`, `removed`, `reported`, `lost` (no intact copy left).
    pub action: String,
}

/// Import counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub classes: usize,
    pub files: usize,
    pub records: usize,
    /// Records already present (same id), left unchanged.
    pub already_present: usize,
}

/// Archival package formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageFormat {
    Bagit,
    Seda,
    Eark,
}

impl PackageFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "bagit" => Some(Self::Bagit),
            "seda" => Some(Self::Seda),
            "eark" | "e-ark" => Some(Self::Eark),
            _ => None,
        }
    }
}

impl Records<'_> {
    fn ids(&self) -> IdGen<'_> {
        IdGen {
            clock: self.clock,
            entropy: self.entropy,
        }
    }

    fn today(&self, office: &Office) -> Date {
        local_time(office.country, self.clock.now()).date()
    }

    async fn index_rows(&self, rows: &[RecordRow]) {
        if rows.is_empty() {
            return;
        }
        if let Some(index) = self.index {
            let docs: Vec<IndexedRecord> = rows.iter().map(indexed).collect();
            if let Err(e) = index.put(&docs) {
                // The index is derived data; `guichet archive reindex` rebuilds it.
                tracing::warn!(error = %e, "search index not updated");
            }
        }
    }

    fn new_row(&self, office: &Office, id: RecordId) -> RecordRow {
        let now = self.clock.now();
        RecordRow {
            id,
            office_id: office.id,
            file_id: None,
            parent_id: None,
            register: None,
            year: None,
            number: None,
            symbol: String::new(),
            original_ref: String::new(),
            doc_type: String::new(),
            title: String::new(),
            doc_date: self.today(office),
            issuer: office.name.clone(),
            signer: String::new(),
            recipients: String::new(),
            urgency: "normal".into(),
            confidentiality: "normal".into(),
            lang: guichet_one_stop::dossier::office_language(office)
                .code()
                .to_owned(),
            source: String::new(),
            source_id: None,
            dossier_id: None,
            name: None,
            content_type: None,
            size: 0,
            sha256: None,
            storage_key: None,
            text: String::new(),
            created_at: now,
            created_by: None,
            due_on: None,
            warned_at: None,
            state: "active".into(),
            destroyed_at: None,
            disposition_id: None,
        }
    }

    /// Stores content in every copy and fills the row's content fields.
    async fn attach_content(&self, row: &mut RecordRow, upload: &Upload) -> Result<()> {
        let sha = hex::encode(Sha256::digest(&upload.bytes));
        if let Some(declared) = &upload.declared_sha256 {
            let declared = declared.trim().to_ascii_lowercase();
            if declared != sha {
                return Err(invalid(
                    "checksum-mismatch",
                    format!(
                        "{}: the declared SHA-256 is {declared}, the file received has {sha}",
                        upload.name
                    ),
                ));
            }
        }
        let key = storage_key(row.office_id, row.id);
        self.archive.put(&key, upload.bytes.clone(), &sha).await?;
        row.name = Some(package::safe_name(&upload.name));
        row.content_type = Some(upload.content_type.clone());
        row.size = upload.bytes.len() as i64;
        row.sha256 = Some(sha);
        row.storage_key = Some(key);
        row.text = extract_text(&upload.content_type, &upload.bytes).await;
        Ok(())
    }

    async fn discard_content(&self, rows: &[RecordRow]) {
        for r in rows {
            if let Some(key) = &r.storage_key {
                let _ = self.archive.delete(key).await;
            }
        }
    }

    /// Registers an incoming or outgoing document (and its attachments) with the next number
    /// of its register for the current office-local year.
    pub async fn register(
        &self,
        office: &Office,
        actor: &Actor,
        input: Registration,
    ) -> Result<RecordRow> {
        let register = Register::parse(&input.register)
            .ok_or_else(|| invalid("register", "choose the incoming or the outgoing register"))?;
        let doc_type = meta::ADMINISTRATIVE_TYPES
            .iter()
            .find(|t| t.code == input.doc_type)
            .ok_or_else(|| invalid("doc-type", "choose a type of document"))?;
        if input.title.trim().is_empty() {
            return Err(invalid("title", "the summary (trích yếu) is required"));
        }
        if meta::urgency(&input.urgency).is_none() {
            return Err(invalid("urgency", "unknown urgency level"));
        }
        if meta::confidentiality(&input.confidentiality).is_none() {
            return Err(invalid("confidentiality", "unknown confidentiality level"));
        }
        let today = self.today(office);
        let year = i64::from(today.year());
        if register == Register::Incoming {
            if input.original_ref.trim().is_empty() {
                return Err(invalid(
                    "original-ref",
                    "an incoming document needs the number and symbol its sender gave it",
                ));
            }
            // The same document from the same sender is registered once.
            let same = self
                .store
                .records(&RecordQuery {
                    office: Some(office.id),
                    register: Some("incoming".into()),
                    year: Some(year),
                    limit: 100_000,
                    ..RecordQuery::default()
                })
                .await?
                .into_iter()
                .find(|r| {
                    r.original_ref
                        .trim()
                        .eq_ignore_ascii_case(input.original_ref.trim())
                        && r.issuer.trim().eq_ignore_ascii_case(input.issuer.trim())
                });
            if let Some(r) = same {
                return Err(invalid(
                    "duplicate-number",
                    format!(
                        "{} from {} is already registered as arrival number {}",
                        input.original_ref,
                        input.issuer,
                        r.number.unwrap_or_default()
                    ),
                ));
            }
        }
        let file = match input.file_id {
            Some(f) => {
                let file = self
                    .store
                    .archive_file(f)
                    .await?
                    .filter(|x| x.office_id == office.id)
                    .ok_or_else(|| invalid("file", "no such archival file in this office"))?;
                if file.closed_on.is_some() {
                    return Err(invalid("file", "this archival file is closed"));
                }
                Some(file)
            }
            None => None,
        };
        let symbol = match register {
            Register::Outgoing if input.symbol.trim().is_empty() => {
                meta::symbol(doc_type, &office_abbreviation(office), "")
            }
            _ => input.symbol.trim().to_owned(),
        };
        let mut main = self.new_row(office, self.ids().id());
        main.register = Some(register.code().into());
        main.symbol = symbol;
        main.original_ref = input.original_ref.trim().to_owned();
        main.doc_type = doc_type.code.into();
        main.title = input.title.trim().to_owned();
        main.doc_date = input.doc_date.unwrap_or(today);
        if !input.issuer.trim().is_empty() {
            main.issuer = input.issuer.trim().to_owned();
        }
        main.signer = input.signer.trim().to_owned();
        main.recipients = input.recipients.trim().to_owned();
        main.urgency = input.urgency.clone();
        main.confidentiality = input.confidentiality.clone();
        main.source = "register".into();
        main.file_id = input.file_id;
        main.created_by = actor.id;
        // A class counting from the record's date schedules it now.
        main.due_on = self
            .due_for(office.id, file.as_ref(), main.doc_date)
            .await?;
        let mut rows = vec![main.clone()];
        let mut attachments = Vec::new();
        for a in &input.attachments {
            let mut r = self.new_row(office, self.ids().id());
            r.parent_id = Some(main.id);
            r.file_id = main.file_id;
            r.doc_type = main.doc_type.clone();
            r.title = format!("{} — {}", main.title, a.name);
            r.doc_date = main.doc_date;
            r.due_on = main.due_on;
            r.issuer = main.issuer.clone();
            r.urgency = main.urgency.clone();
            r.confidentiality = main.confidentiality.clone();
            r.source = "register".into();
            r.created_by = actor.id;
            attachments.push((r, a));
        }
        // Content first, in every copy; a refusal below removes it again.
        let mut stored: Vec<RecordRow> = Vec::new();
        let outcome: Result<()> = async {
            if let Some(c) = &input.content {
                self.attach_content(&mut rows[0], c).await?;
                stored.push(rows[0].clone());
            }
            for (r, a) in &mut attachments {
                self.attach_content(r, a).await?;
                stored.push(r.clone());
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            self.discard_content(&stored).await;
            return Err(e);
        }
        rows.extend(attachments.into_iter().map(|(r, _)| r));
        let writes: Vec<RecordWrite> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| RecordWrite {
                record: r.clone(),
                number: (i == 0).then(|| NumberRequest {
                    counter: register.code().into(),
                    year,
                }),
            })
            .collect();
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "record.registered",
                "record",
                main.id.to_string(),
                json!({
                    "register": register.code(),
                    "year": year,
                    "doc_type": main.doc_type,
                    "symbol": main.symbol,
                    "original_ref": main.original_ref,
                    // The ledger is read by auditors who may hold no clearance: a protected
                    // record's summary is bound by its hash, not written out.
                    "title": (main.confidentiality == "normal").then(|| main.title.clone()),
                    "title_sha256": hex::encode(Sha256::digest(main.title.as_bytes())),
                    "confidentiality": main.confidentiality,
                    "sha256": rows[0].sha256,
                    "attachments": rows.len() - 1,
                }),
            ),
        );
        let saved = match self.store.add_records(writes, &audit).await {
            Ok(saved) => saved,
            Err(e) => {
                self.discard_content(&stored).await;
                return Err(e.into());
            }
        };
        self.index_rows(&saved).await;
        saved
            .into_iter()
            .next()
            .ok_or_else(|| internal("the registration stored nothing"))
    }

    /// Adds or changes a class of the file plan.
    #[allow(clippy::too_many_arguments)]
    pub async fn put_class(
        &self,
        office: &Office,
        actor: &Actor,
        id: Option<ClassId>,
        code: &str,
        title: &str,
        retention_years: Option<i64>,
        final_action: &str,
        trigger: &str,
        legal_reference: &str,
        captures_dossiers: bool,
    ) -> Result<ClassRecord> {
        let code = code.trim();
        if code.is_empty()
            || code.len() > 32
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(invalid(
                "class-code",
                "the class code uses letters, digits, dots and dashes (e.g. 02.05)",
            ));
        }
        if title.trim().is_empty() {
            return Err(invalid("class-title", "the class needs a title"));
        }
        if let Some(y) = retention_years
            && !(1..=200).contains(&y)
        {
            return Err(invalid(
                "retention",
                "retention is a number of years from 1 to 200, or permanent",
            ));
        }
        let action = FinalAction::parse(final_action)
            .ok_or_else(|| invalid("final-action", "final action: keep, destroy or review"))?;
        if retention_years.is_none() && action != FinalAction::Keep {
            return Err(invalid(
                "final-action",
                "a permanent class can only be kept",
            ));
        }
        let trigger = Trigger::parse(trigger).ok_or_else(|| {
            invalid(
                "trigger",
                "retention counts from the file's closing or the record's date",
            )
        })?;
        let existing = self.store.record_classes(office.id).await?;
        let class = ClassRecord {
            id: id.unwrap_or_else(|| self.ids().id()),
            office_id: office.id,
            code: code.to_owned(),
            title: title.trim().to_owned(),
            retention_years,
            final_action: action.code().into(),
            trigger: trigger.code().into(),
            legal_reference: legal_reference.trim().to_owned(),
            captures_dossiers,
            created_at: existing
                .iter()
                .find(|c| Some(c.id) == id)
                .map_or(self.clock.now(), |c| c.created_at),
        };
        if id.is_some_and(|i| !existing.iter().any(|c| c.id == i)) {
            return Err(ServiceError::NotFound("file plan class".into()));
        }
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                if id.is_some() {
                    "record_class.changed"
                } else {
                    "record_class.created"
                },
                "record_class",
                class.id.to_string(),
                json!({
                    "code": class.code, "title": class.title, "retention_years": class.retention_years,
                    "final_action": class.final_action, "trigger": class.trigger,
                    "legal_reference": class.legal_reference, "captures_dossiers": captures_dossiers,
                }),
            ),
        );
        self.store
            .put_record_class(&class, &audit)
            .await
            .map_err(|e| match e {
                guichet_store::StoreError::Conflict(_) => invalid(
                    "class-code",
                    format!("the code {code} is already in the file plan"),
                ),
                other => other.into(),
            })?;
        Ok(class)
    }

    /// Opens an archival file under a class, numbered `{year}/{class code}/{NN}`.
    pub async fn open_file(
        &self,
        office: &Office,
        actor: &Actor,
        class_id: ClassId,
        title: &str,
        dossier: Option<guichet_core::DossierId>,
    ) -> Result<ArchiveFileRecord> {
        let class = self
            .store
            .record_classes(office.id)
            .await?
            .into_iter()
            .find(|c| c.id == class_id)
            .ok_or_else(|| invalid("class", "choose a class of the file plan"))?;
        if title.trim().is_empty() {
            return Err(invalid("file-title", "the file needs a title"));
        }
        let today = self.today(office);
        let file = ArchiveFileRecord {
            id: self.ids().id(),
            office_id: office.id,
            class_id,
            reference: format!("{}/{}/", today.year(), class.code),
            title: title.trim().to_owned(),
            dossier_id: dossier,
            opened_on: today,
            closed_on: None,
            due_on: None,
            created_at: self.clock.now(),
            created_by: actor.id,
        };
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "archive_file.opened",
                "archive_file",
                file.id.to_string(),
                json!({"class": class.code, "title": file.title, "dossier": dossier.map(|d| d.to_string()), "reference": null}),
            ),
        );
        let number = NumberRequest {
            counter: format!("file/{}", class.code),
            year: i64::from(today.year()),
        };
        Ok(self.store.open_archive_file(&file, &number, &audit).await?)
    }

    /// Closes a file; its retention starts when the class counts from the closing.
    pub async fn close_file(
        &self,
        office: &Office,
        actor: &Actor,
        id: ArchiveFileId,
        closed_on: Option<Date>,
    ) -> Result<Option<Date>> {
        let file = self
            .store
            .archive_file(id)
            .await?
            .filter(|f| f.office_id == office.id)
            .ok_or_else(|| ServiceError::NotFound("archival file".into()))?;
        if file.closed_on.is_some() {
            return Err(invalid("file", "this archival file is already closed"));
        }
        let class = self
            .store
            .record_classes(office.id)
            .await?
            .into_iter()
            .find(|c| c.id == file.class_id)
            .ok_or_else(|| ServiceError::NotFound("file plan class".into()))?;
        let closed_on = closed_on.unwrap_or_else(|| self.today(office));
        let years = class.retention_years.and_then(|y| u16::try_from(y).ok());
        let from_closing = class.trigger == Trigger::FileClosed.code();
        let due = if from_closing {
            retention::due_on(closed_on, years)
        } else {
            None
        };
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "archive_file.closed",
                "archive_file",
                id.to_string(),
                json!({"reference": file.reference, "closed_on": closed_on.to_string(), "due_on": due.map(|d| d.to_string())}),
            ),
        );
        self.store
            .close_archive_file(id, closed_on, due, from_closing, &audit)
            .await?;
        Ok(due)
    }

    /// The due date of a new record in `file` whose class counts from the record's date.
    async fn due_for(
        &self,
        office: OfficeId,
        file: Option<&ArchiveFileRecord>,
        doc_date: Date,
    ) -> Result<Option<Date>> {
        let Some(file) = file else { return Ok(None) };
        let class = self
            .store
            .record_classes(office)
            .await?
            .into_iter()
            .find(|c| c.id == file.class_id);
        Ok(class
            .filter(|c| c.trigger == Trigger::RecordDate.code())
            .and_then(|c| {
                retention::due_on(
                    doc_date,
                    c.retention_years.and_then(|y| u16::try_from(y).ok()),
                )
            }))
    }

    /// Captures up to `limit` dossier files and messages not yet captured, each into the
    /// archival file of its dossier (opened under the office's dossier class when there is
    /// one). Returns how many records were made.
    pub async fn capture_pending(&self, limit: u32) -> Result<usize> {
        let sources = self.store.uncaptured(limit).await?;
        // Indexed once at the end: one index commit per sweep, not one per record.
        let mut made: Vec<RecordRow> = Vec::new();
        let system = system_actor();
        for source in sources {
            let Some(office) = self.store.office(source.office_id).await? else {
                continue;
            };
            match self.capture_one(&office, &system, &source).await {
                Ok(rows) => made.extend(rows),
                Err(e) => {
                    // One damaged source must not stop the others; it stays uncaptured and
                    // is tried again next time.
                    tracing::warn!(source = %source.id, error = %e, "capture failed");
                }
            }
        }
        self.index_rows(&made).await;
        self.close_finished_dossier_files().await?;
        Ok(made.len())
    }

    async fn dossier_file(
        &self,
        office: &Office,
        actor: &Actor,
        source: &CaptureSource,
    ) -> Result<Option<ArchiveFileRecord>> {
        if let Some(f) = self
            .store
            .archive_file_for_dossier(source.dossier_id)
            .await?
        {
            return Ok(Some(f));
        }
        let Some(class) = self
            .store
            .record_classes(office.id)
            .await?
            .into_iter()
            .find(|c| c.captures_dossiers)
        else {
            return Ok(None);
        };
        let title = match self.store.dossier(source.dossier_id).await? {
            Some(d) => format!("{} — {}", source.dossier_code, d.applicant_name),
            None => source.dossier_code.clone(),
        };
        match self
            .open_file(office, actor, class.id, &title, Some(source.dossier_id))
            .await
        {
            Ok(f) => Ok(Some(f)),
            // Opened meanwhile by another capture.
            Err(ServiceError::Store(guichet_store::StoreError::Conflict(_))) => Ok(self
                .store
                .archive_file_for_dossier(source.dossier_id)
                .await?),
            Err(e) => Err(e),
        }
    }

    async fn capture_one(
        &self,
        office: &Office,
        actor: &Actor,
        source: &CaptureSource,
    ) -> Result<Vec<RecordRow>> {
        let file = self.dossier_file(office, actor, source).await?;
        let mut row = self.new_row(office, self.ids().id());
        row.source = source.kind.clone();
        row.source_id = Some(source.id);
        row.dossier_id = Some(source.dossier_id);
        row.file_id = file
            .as_ref()
            .filter(|f| f.closed_on.is_none())
            .map(|f| f.id);
        row.doc_date = local_time(office.country, source.at).date();
        row.created_at = self.clock.now();
        let upload = if source.kind == "file" {
            let bytes = self
                .files
                .get_checked(&source.storage_key, &source.sha256)
                .await?;
            row.doc_type = source
                .document_kind
                .clone()
                .unwrap_or_else(|| "upload".into());
            if let Some(lang) = &source.document_lang {
                row.lang = lang.clone();
            }
            let kind = meta::doc_type(&row.doc_type).map_or("", |t| match row.lang.as_str() {
                "fr" => t.fr,
                "en" => t.en,
                _ => t.vi,
            });
            row.title = if source.document_kind.is_some() {
                format!("{kind} — {}", source.dossier_code)
            } else {
                format!("{} — {}", source.name, source.dossier_code)
            };
            if source.document_kind.is_none() {
                row.issuer = source.author_name.clone();
            }
            Upload {
                name: source.name.clone(),
                content_type: source.content_type.clone(),
                bytes,
                declared_sha256: Some(source.sha256.clone()),
            }
        } else {
            row.doc_type = if source.internal { "note" } else { "message" }.into();
            let first: String = source.body.chars().take(80).collect();
            row.title = format!("{first} — {}", source.dossier_code);
            row.signer = source.author_name.clone();
            if source.from_applicant {
                row.issuer = source.author_name.clone();
            }
            row.confidentiality = if source.internal { "mat" } else { "normal" }.into();
            let text = format!(
                "{}\n{}\n{}\n\n{}\n",
                source.dossier_code, source.author_name, source.at, source.body
            );
            Upload {
                name: format!("message-{}.txt", source.id),
                content_type: "text/plain; charset=utf-8".into(),
                bytes: Bytes::from(text),
                declared_sha256: None,
            }
        };
        row.due_on = self.due_for(office.id, file.as_ref(), row.doc_date).await?;
        self.attach_content(&mut row, &upload).await?;
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "record.captured",
                "record",
                row.id.to_string(),
                json!({"source": source.kind, "source_id": source.id.to_string(), "dossier": source.dossier_code, "sha256": row.sha256, "file": row.file_id.map(|f| f.to_string())}),
            ),
        );
        let saved = self
            .store
            .add_records(
                vec![RecordWrite {
                    record: row.clone(),
                    number: None,
                }],
                &audit,
            )
            .await;
        match saved {
            Ok(rows) if rows.is_empty() => {
                // Captured meanwhile by someone else: drop the duplicate content.
                self.discard_content(&[row]).await;
                Ok(rows)
            }
            Ok(rows) => Ok(rows),
            Err(e) => {
                self.discard_content(&[row]).await;
                Err(e.into())
            }
        }
    }

    /// Closes the archival files of dossiers that reached a final state.
    async fn close_finished_dossier_files(&self) -> Result<()> {
        let system = system_actor();
        let finals: Vec<&str> = guichet_one_stop::state::State::ALL
            .iter()
            .filter(|s| s.is_final())
            .map(|s| s.code())
            .collect();
        let mut offices = std::collections::HashMap::new();
        for (f, updated_at) in self.store.open_files_of_dossiers_in(&finals, 1000).await? {
            if let std::collections::hash_map::Entry::Vacant(e) = offices.entry(f.office_id) {
                e.insert(self.store.office(f.office_id).await?);
            }
            let Some(Some(office)) = offices.get(&f.office_id) else {
                continue;
            };
            let closed_on = local_time(office.country, updated_at).date();
            self.close_file(office, &system, f.id, Some(closed_on))
                .await?;
        }
        Ok(())
    }

    /// Records of `office` due within the warning window and not yet warned about: marks
    /// them warned and writes one ledger entry listing them.
    pub async fn warn_due(&self, office: &Office) -> Result<Vec<RecordRow>> {
        let today = self.today(office);
        let horizon = today + time::Duration::days(retention::WARNING_DAYS);
        let rows = self
            .store
            .records(&RecordQuery {
                office: Some(office.id),
                active_only: true,
                due_by: Some(horizon),
                not_warned: true,
                limit: 10_000,
                ..RecordQuery::default()
            })
            .await?;
        if rows.is_empty() {
            return Ok(rows);
        }
        let ids: Vec<RecordId> = rows.iter().map(|r| r.id).collect();
        let system = system_actor();
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                &system,
                "records.due_warning",
                "office",
                office.id.to_string(),
                json!({"records": ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(), "due_by": horizon.to_string()}),
            ),
        );
        self.store
            .mark_records_warned(&ids, self.clock.now(), &audit)
            .await?;
        Ok(rows)
    }

    /// Places a legal hold on a record or a whole archival file.
    pub async fn place_hold(
        &self,
        office: &Office,
        actor: &Actor,
        record: Option<RecordId>,
        file: Option<ArchiveFileId>,
        reason: &str,
        legal_reference: &str,
    ) -> Result<HoldRecord> {
        if reason.trim().is_empty() {
            return Err(invalid("hold-reason", "a hold needs its reason"));
        }
        match (record, file) {
            (Some(r), None) => {
                self.store
                    .record_row(r)
                    .await?
                    .filter(|x| x.office_id == office.id)
                    .ok_or_else(|| invalid("hold-target", "no such record in this office"))?;
            }
            (None, Some(f)) => {
                self.store
                    .archive_file(f)
                    .await?
                    .filter(|x| x.office_id == office.id)
                    .ok_or_else(|| {
                        invalid("hold-target", "no such archival file in this office")
                    })?;
            }
            _ => {
                return Err(invalid(
                    "hold-target",
                    "hold one record or one archival file",
                ));
            }
        }
        let hold = HoldRecord {
            id: self.ids().id(),
            office_id: office.id,
            reason: reason.trim().to_owned(),
            legal_reference: legal_reference.trim().to_owned(),
            record_id: record,
            file_id: file,
            placed_at: self.clock.now(),
            placed_by: actor.id,
            released_at: None,
            released_by: None,
            release_reason: None,
        };
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "hold.placed",
                "hold",
                hold.id.to_string(),
                json!({"record": record.map(|r| r.to_string()), "file": file.map(|f| f.to_string()), "reason": hold.reason, "legal_reference": hold.legal_reference}),
            ),
        );
        self.store.put_hold(&hold, &audit).await?;
        Ok(hold)
    }

    pub async fn release_hold(
        &self,
        office: &Office,
        actor: &Actor,
        id: HoldId,
        reason: &str,
    ) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(invalid("hold-reason", "say why the hold is released"));
        }
        if !self
            .store
            .holds(office.id)
            .await?
            .iter()
            .any(|h| h.id == id)
        {
            return Err(ServiceError::NotFound("hold".into()));
        }
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "hold.released",
                "hold",
                id.to_string(),
                json!({"reason": reason.trim()}),
            ),
        );
        self.store
            .release_hold(id, self.clock.now(), actor.id, reason.trim(), &audit)
            .await
            .map_err(|e| match e {
                guichet_store::StoreError::Stale(_) => {
                    invalid("hold", "this hold is already released")
                }
                other => other.into(),
            })
    }

    /// Proposes a disposition run over the records of `office` due on `as_of` (default:
    /// today): each with its class's final action and whether a hold blocks it.
    pub async fn propose_disposition(
        &self,
        office: &Office,
        actor: &Actor,
        as_of: Option<Date>,
    ) -> Result<DispositionRecord> {
        let as_of = as_of.unwrap_or_else(|| self.today(office));
        let due = self
            .store
            .records(&RecordQuery {
                office: Some(office.id),
                active_only: true,
                due_by: Some(as_of),
                limit: 100_000,
                ..RecordQuery::default()
            })
            .await?;
        if due.is_empty() {
            return Err(invalid(
                "nothing-due",
                format!("no record of this office is due on {as_of}"),
            ));
        }
        let classes = self.store.record_classes(office.id).await?;
        let holds: Vec<HoldRecord> = self
            .store
            .holds(office.id)
            .await?
            .into_iter()
            .filter(|h| h.released_at.is_none())
            .collect();
        let mut files = std::collections::HashMap::new();
        let mut items = Vec::with_capacity(due.len());
        for r in &due {
            let file = match r.file_id {
                Some(f) => {
                    if let std::collections::hash_map::Entry::Vacant(e) = files.entry(f) {
                        e.insert(self.store.archive_file(f).await?);
                    }
                    files.get(&f).cloned().flatten()
                }
                None => None,
            };
            let action = file
                .as_ref()
                .and_then(|f| classes.iter().find(|c| c.id == f.class_id))
                .map_or("review".to_owned(), |c| c.final_action.clone());
            let held = holds.iter().any(|h| {
                h.record_id == Some(r.id)
                    || (h.record_id.is_some() && h.record_id == r.parent_id)
                    || (h.file_id.is_some() && h.file_id == r.file_id)
            });
            items.push(DispositionItem {
                record: r.id,
                label: record_label(r),
                action,
                held,
                destroy: false,
                outcome: String::new(),
            });
        }
        let d = DispositionRecord {
            id: self.ids().id(),
            office_id: office.id,
            as_of,
            state: "proposed".into(),
            created_at: self.clock.now(),
            created_by: actor.id,
            decided_at: None,
            decided_by: None,
            executed_at: None,
            items: serde_json::to_value(&items).map_err(internal)?,
            note: String::new(),
            certificate_id: None,
        };
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "disposition.proposed",
                "disposition",
                d.id.to_string(),
                json!({"as_of": as_of.to_string(), "records": items.len(), "held": items.iter().filter(|i| i.held).count()}),
            ),
        );
        self.store.put_disposition(&d, None, &audit).await?;
        Ok(d)
    }

    async fn load_disposition(
        &self,
        office: &Office,
        id: DispositionId,
    ) -> Result<(DispositionRecord, Vec<DispositionItem>)> {
        let d = self
            .store
            .disposition(id)
            .await?
            .filter(|d| d.office_id == office.id)
            .ok_or_else(|| ServiceError::NotFound("disposition".into()))?;
        let items: Vec<DispositionItem> =
            serde_json::from_value(d.items.clone()).map_err(internal)?;
        Ok((d, items))
    }

    /// Approves (choosing which `review` items are destroyed too) or rejects a proposed run.
    pub async fn decide_disposition(
        &self,
        office: &Office,
        actor: &Actor,
        id: DispositionId,
        approve: bool,
        destroy_reviewed: &[RecordId],
        note: &str,
    ) -> Result<DispositionRecord> {
        let (mut d, mut items) = self.load_disposition(office, id).await?;
        if d.state != "proposed" {
            return Err(invalid(
                "disposition-state",
                "only a proposed run can be decided",
            ));
        }
        if !approve && note.trim().is_empty() {
            return Err(invalid("disposition-note", "say why the run is rejected"));
        }
        // Four eyes: a run is decided by a person with an account (an actor without one —
        // the command line, a script — could be the same hands that proposed it), and never
        // by who proposed it.
        let Some(decider) = actor.id else {
            return Err(invalid(
                "disposition-decider",
                "a disposition run is decided by a person with an account",
            ));
        };
        if d.created_by == Some(decider) {
            return Err(invalid(
                "disposition-four-eyes",
                "another person must decide on a run you proposed",
            ));
        }
        for item in &mut items {
            item.destroy = item.action == "review" && destroy_reviewed.contains(&item.record);
        }
        d.state = if approve { "approved" } else { "rejected" }.into();
        d.decided_at = Some(self.clock.now());
        d.decided_by = actor.id;
        d.note = note.trim().to_owned();
        d.items = serde_json::to_value(&items).map_err(internal)?;
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                if approve {
                    "disposition.approved"
                } else {
                    "disposition.rejected"
                },
                "disposition",
                d.id.to_string(),
                json!({"note": d.note, "reviewed_to_destroy": destroy_reviewed.iter().map(|r| r.to_string()).collect::<Vec<_>>()}),
            ),
        );
        self.store
            .put_disposition(&d, Some("proposed"), &audit)
            .await
            .map_err(|e| match e {
                guichet_store::StoreError::Stale(_) => {
                    invalid("disposition-state", "the run was decided meanwhile")
                }
                other => other.into(),
            })?;
        Ok(d)
    }

    /// Executes an approved run: destroys what it approved (a hold placed since still
    /// blocks), removes their content from every copy, and files a destruction certificate.
    pub async fn execute_disposition(
        &self,
        office: &Office,
        actor: &Actor,
        id: DispositionId,
    ) -> Result<DispositionRecord> {
        let (mut d, mut items) = self.load_disposition(office, id).await?;
        if d.state != "approved" {
            return Err(invalid(
                "disposition-state",
                "only an approved run can be executed",
            ));
        }
        let to_destroy: Vec<RecordId> = items
            .iter()
            .filter(|i| i.action == "destroy" || i.destroy)
            .map(|i| i.record)
            .collect();
        let now = self.clock.now();
        let audit = Audit::one(
            now,
            event(
                &office.code,
                actor,
                "records.destroyed",
                "disposition",
                d.id.to_string(),
                json!({}),
            ),
        );
        let outcome = self
            .store
            .destroy_records(d.id, &to_destroy, now, &audit)
            .await?;
        let mut leftovers = Vec::new();
        for r in &outcome.destroyed {
            let key = storage_key(r.office_id, r.id);
            leftovers.extend(self.archive.delete(&key).await);
            if r.source == "file"
                && let Some(source) = r.source_id
                && let Some(f) = self.store.file(guichet_core::FileId(source)).await?
                && let Err(e) = self.files.delete(&f.storage_key).await
            {
                leftovers.push(e.to_string());
            }
        }
        if let Some(index) = self.index {
            let ids: Vec<uuid::Uuid> = outcome.destroyed.iter().map(|r| r.id.as_uuid()).collect();
            if let Err(e) = index.remove(&ids) {
                tracing::warn!(error = %e, "search index not updated");
            }
        }
        for item in &mut items {
            item.outcome = if outcome.destroyed.iter().any(|r| r.id == item.record) {
                "destroyed"
            } else if outcome.held.contains(&item.record) {
                "held"
            } else if to_destroy.contains(&item.record) {
                "gone"
            } else {
                "kept"
            }
            .into();
        }
        let certificate = self
            .certificate(office, actor, &d, &items, &outcome.destroyed, &leftovers)
            .await?;
        d.state = "executed".into();
        d.executed_at = Some(now);
        d.items = serde_json::to_value(&items).map_err(internal)?;
        d.certificate_id = Some(certificate.id);
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "disposition.executed",
                "disposition",
                d.id.to_string(),
                json!({"destroyed": outcome.destroyed.len(), "held": outcome.held.len(), "certificate": certificate.id.to_string(), "certificate_sha256": certificate.sha256, "content_left": leftovers}),
            ),
        );
        self.store
            .put_disposition(&d, Some("approved"), &audit)
            .await?;
        Ok(d)
    }

    /// The destruction certificate (biên bản hủy tài liệu, procès-verbal d'élimination): a
    /// permanent record listing what was destroyed, with digests, and what a hold kept.
    async fn certificate(
        &self,
        office: &Office,
        actor: &Actor,
        d: &DispositionRecord,
        items: &[DispositionItem],
        destroyed: &[RecordRow],
        leftovers: &[String],
    ) -> Result<RecordRow> {
        let approver = match d.decided_by {
            Some(u) => self
                .store
                .user(u)
                .await?
                .map_or_else(|| u.to_string(), |u| u.display_name),
            None => String::new(),
        };
        let mut text = format!(
            "{}\n{}\n\nBIÊN BẢN HỦY TÀI LIỆU HẾT GIÁ TRỊ / PROCÈS-VERBAL D'ÉLIMINATION / DESTRUCTION CERTIFICATE\n\n\
             Run: {}\nDue as of: {}\nProposed: {}\nApproved: {} by {}\nExecuted: {} by {}\n\n",
            office.name,
            office.code,
            d.id,
            d.as_of,
            d.created_at,
            d.decided_at.map(|t| t.to_string()).unwrap_or_default(),
            approver,
            self.clock.now(),
            actor.name,
        );
        text.push_str(&format!("Destroyed ({}):\n", destroyed.len()));
        for r in destroyed {
            text.push_str(&format!(
                "- {} | {} | {} | sha256 {}\n",
                r.id,
                certificate_label(r),
                r.doc_date,
                r.sha256.as_deref().unwrap_or("-")
            ));
        }
        let held: Vec<&DispositionItem> = items.iter().filter(|i| i.outcome == "held").collect();
        text.push_str(&format!("\nKept by a legal hold ({}):\n", held.len()));
        for i in held {
            text.push_str(&format!("- {} | {}\n", i.record, i.label));
        }
        let kept: Vec<&DispositionItem> = items.iter().filter(|i| i.outcome == "kept").collect();
        text.push_str(&format!(
            "\nKept (final action keep or review) ({}):\n",
            kept.len()
        ));
        for i in kept {
            text.push_str(&format!("- {} | {}\n", i.record, i.label));
        }
        if !leftovers.is_empty() {
            text.push_str("\nContent not yet removed (the next fixity audit removes it):\n");
            for l in leftovers {
                text.push_str(&format!("- {l}\n"));
            }
        }
        let mut row = self.new_row(office, self.ids().id());
        row.doc_type = "destruction_certificate".into();
        row.title = format!(
            "Biên bản hủy tài liệu / Destruction certificate {}",
            d.as_of
        );
        row.source = "certificate".into();
        row.source_id = Some(d.id.as_uuid());
        row.signer = actor.name.clone();
        row.created_by = actor.id;
        self.attach_content(
            &mut row,
            &Upload {
                name: format!("destruction-certificate-{}.txt", d.as_of),
                content_type: "text/plain; charset=utf-8".into(),
                bytes: Bytes::from(text),
                declared_sha256: None,
            },
        )
        .await?;
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "record.certificate",
                "record",
                row.id.to_string(),
                json!({"disposition": d.id.to_string(), "sha256": row.sha256}),
            ),
        );
        let saved = self
            .store
            .add_records(
                vec![RecordWrite {
                    record: row.clone(),
                    number: None,
                }],
                &audit,
            )
            .await?;
        self.index_rows(&saved).await;
        Ok(row)
    }

    /// Checks every copy of every record's content against its SHA-256; with `repair`,
    /// rewrites missing or altered copies from an intact one. Destroyed records' leftover
    /// content is removed. The run and its problems go to the ledger.
    pub async fn fixity_audit(
        &self,
        repair: bool,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<FixityRunRecord> {
        let started = self.clock.now();
        let total = self.store.count_records(None).await? as u64;
        let (mut objects, mut checked, mut ok, mut repaired, mut failed) =
            (0i64, 0i64, 0i64, 0i64, 0i64);
        let mut problems: Vec<FixityProblem> = Vec::new();
        let names = self.archive.copy_names();
        let mut after = None;
        let mut seen = 0u64;
        loop {
            let page = self
                .store
                .records(&RecordQuery {
                    after,
                    limit: 500,
                    ..RecordQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for r in &page {
                seen += 1;
                if r.state == "destroyed" {
                    let key = storage_key(r.office_id, r.id);
                    if self.archive.any_present(&key).await {
                        let left = self.archive.delete(&key).await;
                        problems.push(FixityProblem {
                            record: r.id,
                            copy: "*".into(),
                            problem: "leftover".into(),
                            action: if left.is_empty() {
                                "removed"
                            } else {
                                "reported"
                            }
                            .into(),
                        });
                    }
                    continue;
                }
                let (Some(key), Some(sha)) = (&r.storage_key, &r.sha256) else {
                    continue;
                };
                objects += 1;
                let states = self.archive.check(key, sha).await;
                checked += states.len() as i64;
                let bad: Vec<usize> = states
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s != CopyState::Ok)
                    .map(|(i, _)| i)
                    .collect();
                ok += (states.len() - bad.len()) as i64;
                if bad.is_empty() {
                    continue;
                }
                let good = if bad.len() < states.len() && repair {
                    Some(self.archive.get(key, sha).await)
                } else {
                    None
                };
                let action = match good {
                    Some(Ok(bytes)) => match self.archive.repair(key, bytes, &bad).await {
                        Ok(()) => {
                            let after_repair = self.archive.check(key, sha).await;
                            if after_repair.iter().all(|s| *s == CopyState::Ok) {
                                repaired += bad.len() as i64;
                                "repaired"
                            } else {
                                failed += bad.len() as i64;
                                "reported"
                            }
                        }
                        Err(_) => {
                            failed += bad.len() as i64;
                            "reported"
                        }
                    },
                    Some(Err(_)) | None if bad.len() == states.len() => {
                        failed += bad.len() as i64;
                        "lost"
                    }
                    _ => {
                        failed += bad.len() as i64;
                        "reported"
                    }
                };
                for i in bad {
                    problems.push(FixityProblem {
                        record: r.id,
                        copy: names.get(i).cloned().unwrap_or_default(),
                        problem: states[i].code().into(),
                        action: action.into(),
                    });
                }
            }
            progress(seen, total);
        }
        let run = FixityRunRecord {
            id: self.ids().uuid(),
            started_at: started,
            finished_at: self.clock.now(),
            objects,
            copies_checked: checked,
            ok,
            repaired,
            failed,
            report: serde_json::to_value(&problems).map_err(internal)?,
        };
        let system = system_actor();
        let audit = Audit::one(
            self.clock.now(),
            event(
                guichet_ledger::SYSTEM_STREAM,
                &system,
                "fixity.audited",
                "fixity_run",
                run.id.to_string(),
                json!({"objects": objects, "copies_checked": checked, "ok": ok, "repaired": repaired, "failed": failed, "problems": run.report, "repair": repair}),
            ),
        );
        self.store.add_fixity_run(&run, &audit).await?;
        Ok(run)
    }

    /// Searches the records of `offices` (`None`: all).
    pub async fn search(
        &self,
        offices: Option<&[OfficeId]>,
        query: &str,
        limit: usize,
    ) -> Result<Vec<RecordRow>> {
        let Some(index) = self.index else {
            return Ok(Vec::new());
        };
        let scope: Option<Vec<uuid::Uuid>> =
            offices.map(|o| o.iter().map(|x| x.as_uuid()).collect());
        let ids = index
            .search(scope.as_deref(), query, limit)
            .map_err(internal)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<RecordId> = ids.into_iter().map(RecordId).collect();
        let mut rows = self
            .store
            .records(&RecordQuery {
                ids: ids.clone(),
                limit: ids.len() as u32,
                ..RecordQuery::default()
            })
            .await?;
        rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
        Ok(rows)
    }

    /// Rebuilds the search index from the database; returns the records indexed.
    pub async fn reindex(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<u64> {
        let Some(index) = self.index else {
            return Ok(0);
        };
        index.clear().map_err(internal)?;
        let total = self.store.count_records(None).await? as u64;
        let mut after = None;
        let mut n = 0u64;
        loop {
            let page = self
                .store
                .records(&RecordQuery {
                    after,
                    limit: 5000,
                    ..RecordQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let docs: Vec<IndexedRecord> = page
                .iter()
                .filter(|r| r.state == "active")
                .map(indexed)
                .collect();
            n += docs.len() as u64;
            index.add_fresh(&docs).map_err(internal)?;
            progress(n, total);
        }
        index.commit().map_err(internal)?;
        Ok(n)
    }

    /// The package of an office's records (optionally only some archival files): active
    /// records with their files and classes.
    pub async fn package(
        &self,
        office: &Office,
        files: &[ArchiveFileId],
        archival_agency: Agency,
    ) -> Result<(Package, Vec<RecordRow>)> {
        let classes = self.store.record_classes(office.id).await?;
        let all_files = self.store.archive_files(office.id, 100_000).await?;
        let chosen: Vec<ArchiveFileRecord> = if files.is_empty() {
            all_files
        } else {
            let picked: Vec<ArchiveFileRecord> = all_files
                .into_iter()
                .filter(|f| files.contains(&f.id))
                .collect();
            if picked.len() != files.len() {
                return Err(invalid(
                    "file",
                    "an archival file asked for is not in this office",
                ));
            }
            picked
        };
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .records(&RecordQuery {
                    office: Some(office.id),
                    active_only: true,
                    after,
                    limit: 5000,
                    ..RecordQuery::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            rows.extend(
                page.into_iter()
                    .filter(|r| files.is_empty() || r.file_id.is_some_and(|f| files.contains(&f))),
            );
        }
        let mut codes = std::collections::HashMap::new();
        for r in &rows {
            if let Some(d) = r.dossier_id
                && !codes.contains_key(&d)
            {
                let code = self.store.dossier(d).await?.and_then(|x| x.code);
                codes.insert(d, code);
            }
        }
        let file_code =
            |f: &ArchiveFileRecord| f.dossier_id.and_then(|d| codes.get(&d).cloned().flatten());
        let used_classes: Vec<&ClassRecord> = classes
            .iter()
            .filter(|c| chosen.iter().any(|f| f.class_id == c.id))
            .collect();
        let package = Package {
            format: package::FORMAT.into(),
            id: self.ids().uuid(),
            created_at: self.clock.now(),
            office: Agency {
                identifier: office.code.clone(),
                name: office.name.clone(),
            },
            country: office.country.code().to_ascii_uppercase(),
            archival_agency,
            classes: used_classes
                .iter()
                .map(|c| package::ClassMeta {
                    id: c.id.as_uuid(),
                    code: c.code.clone(),
                    title: c.title.clone(),
                    retention_years: c.retention_years.and_then(|y| u16::try_from(y).ok()),
                    final_action: c.final_action.clone(),
                    trigger: c.trigger.clone(),
                    legal_reference: c.legal_reference.clone(),
                })
                .collect(),
            files: chosen
                .iter()
                .map(|f| package::FileMeta {
                    id: f.id.as_uuid(),
                    reference: f.reference.clone(),
                    title: f.title.clone(),
                    class_id: Some(f.class_id.as_uuid()),
                    opened_on: f.opened_on,
                    closed_on: f.closed_on,
                    due_on: f.due_on,
                    dossier_code: file_code(f),
                })
                .collect(),
            records: rows
                .iter()
                .map(|r| RecordMeta {
                    id: r.id.as_uuid(),
                    file_id: r
                        .file_id
                        .filter(|f| chosen.iter().any(|c| c.id == *f))
                        .map(|f| f.as_uuid()),
                    parent_id: r.parent_id.map(|p| p.as_uuid()),
                    register: r.register.clone(),
                    year: r.year,
                    number: r.number,
                    symbol: r.symbol.clone(),
                    doc_type: r.doc_type.clone(),
                    title: r.title.clone(),
                    doc_date: r.doc_date,
                    issuer: r.issuer.clone(),
                    signer: r.signer.clone(),
                    recipients: r.recipients.clone(),
                    urgency: r.urgency.clone(),
                    confidentiality: r.confidentiality.clone(),
                    lang: r.lang.clone(),
                    source: r.source.clone(),
                    dossier_code: r.dossier_id.and_then(|d| codes.get(&d).cloned().flatten()),
                    created_at: r.created_at,
                    due_on: r.due_on,
                    content: match (&r.sha256, &r.name) {
                        (Some(sha), Some(name)) => Some(ContentMeta {
                            name: name.clone(),
                            content_type: r.content_type.clone().unwrap_or_default(),
                            size: r.size.max(0) as u64,
                            sha256: sha.clone(),
                        }),
                        _ => None,
                    },
                })
                .collect(),
        };
        Ok((package, rows))
    }

    /// Writes an archival package of `office` into `out` (a new directory; for E-ARK, the
    /// package directory is created inside it and returned).
    pub async fn export(
        &self,
        office: &Office,
        actor: &Actor,
        format: PackageFormat,
        files: &[ArchiveFileId],
        archival_agency: Agency,
        out: &Path,
    ) -> Result<(PathBuf, usize)> {
        let (package, rows) = self.package(office, files, archival_agency).await?;
        let keys: std::collections::HashMap<uuid::Uuid, (String, String)> = rows
            .iter()
            .filter_map(|r| Some((r.id.as_uuid(), (r.storage_key.clone()?, r.sha256.clone()?))))
            .collect();
        let archive = self.archive.clone();
        let out = out.to_owned();
        let date = local_time(office.country, self.clock.now())
            .date()
            .to_string();
        let pkg = package.clone();
        let written = tokio::task::spawn_blocking(move || -> Result<PathBuf> {
            let mut open = |r: &RecordMeta| -> std::io::Result<Box<dyn std::io::Read + Send>> {
                let (key, sha) = keys
                    .get(&r.id)
                    .ok_or_else(|| std::io::Error::other("no content"))?;
                archive.open_blocking(key, sha)
            };
            let path = match format {
                PackageFormat::Bagit => {
                    guichet_records_formats::bagit::write_package(&out, &pkg, &mut open, &date)
                        .map_err(|e| invalid("package", e.to_string()))?;
                    out
                }
                PackageFormat::Seda => {
                    if out.exists()
                        && std::fs::read_dir(&out)
                            .map(|mut d| d.next().is_some())
                            .unwrap_or(false)
                    {
                        return Err(invalid(
                            "package",
                            format!("{} exists and is not empty", out.display()),
                        ));
                    }
                    guichet_records_formats::seda::write_transfer(&out, &pkg, &mut open)
                        .map_err(|e| invalid("package", e.to_string()))?;
                    out
                }
                PackageFormat::Eark => {
                    guichet_records_formats::eark::write_sip(&out, &pkg, &mut open)
                        .map_err(|e| invalid("package", e.to_string()))?
                }
            };
            Ok(path)
        })
        .await
        .map_err(internal)??;
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "archive.exported",
                "package",
                package.id.to_string(),
                json!({"format": format!("{format:?}").to_lowercase(), "records": package.records.len(), "files": package.files.len(), "archival_agency": package.archival_agency.identifier}),
            ),
        );
        self.store.record(&audit).await?;
        Ok((written, package.records.len()))
    }

    /// Imports a package guichet exported (BagIt, SEDA transfer or E-ARK SIP): every digest is
    /// checked, content goes to every copy, records keep their ids, numbers and metadata; a
    /// record already present is left unchanged, a number already taken by another record
    /// is refused (the whole package is refused: nothing half-imported).
    pub async fn import(
        &self,
        actor: &Actor,
        format: PackageFormat,
        dir: &Path,
    ) -> Result<ImportReport> {
        let dir_owned = dir.to_owned();
        let (package, content_root) =
            tokio::task::spawn_blocking(move || -> Result<(Package, PathBuf)> {
                let bad =
                    |e: guichet_records_formats::PackageError| invalid("package", e.to_string());
                Ok(match format {
                    PackageFormat::Bagit => (
                        guichet_records_formats::bagit::read_package(&dir_owned).map_err(bad)?,
                        dir_owned.join("data"),
                    ),
                    PackageFormat::Seda => (
                        guichet_records_formats::seda::read_transfer(&dir_owned).map_err(bad)?,
                        dir_owned.clone(),
                    ),
                    PackageFormat::Eark => (
                        guichet_records_formats::eark::read_sip(&dir_owned).map_err(bad)?,
                        guichet_records_formats::eark::content_dir(&dir_owned),
                    ),
                })
            })
            .await
            .map_err(internal)??;
        let office = self
            .store
            .office_by_code(&package.office.identifier)
            .await?
            .ok_or_else(|| {
                invalid(
                    "package-office",
                    format!(
                        "no office has the code {} of the package",
                        package.office.identifier
                    ),
                )
            })?;
        let mut report = ImportReport::default();
        // Check every collision before writing anything: nothing half-imported.
        let taken_refs: std::collections::HashSet<String> = self
            .store
            .archive_files(office.id, 100_000)
            .await?
            .into_iter()
            .filter(|f| !package.files.iter().any(|p| p.id == f.id.as_uuid()))
            .map(|f| f.reference)
            .collect();
        if let Some(f) = package
            .files
            .iter()
            .find(|f| taken_refs.contains(&f.reference))
        {
            return Err(invalid(
                "duplicate-number",
                format!(
                    "archival file {} is already used by another file; nothing was imported",
                    f.reference
                ),
            ));
        }
        let mut used: std::collections::HashMap<(String, i64), Vec<(i64, uuid::Uuid)>> =
            std::collections::HashMap::new();
        for m in &package.records {
            let (Some(register), Some(year), Some(number)) = (&m.register, m.year, m.number) else {
                continue;
            };
            let key = (register.clone(), year);
            if !used.contains_key(&key) {
                let rows = self
                    .store
                    .records(&RecordQuery {
                        office: Some(office.id),
                        register: Some(register.clone()),
                        year: Some(year),
                        limit: 100_000,
                        ..RecordQuery::default()
                    })
                    .await?;
                used.insert(
                    key.clone(),
                    rows.iter()
                        .filter_map(|r| Some((r.number?, r.id.as_uuid())))
                        .collect(),
                );
            }
            let clash = used
                .get(&key)
                .is_some_and(|v| v.iter().any(|(n, id)| *n == number && *id != m.id));
            if clash {
                return Err(invalid(
                    "duplicate-number",
                    format!(
                        "number {number} of the {register} register of {year} is already used by another record; nothing was imported"
                    ),
                ));
            }
        }
        // Classes: reuse one with the same code, else create.
        let mut class_ids = std::collections::HashMap::new();
        for c in &package.classes {
            let existing = self.store.record_classes(office.id).await?;
            let id = match existing.iter().find(|x| x.code == c.code) {
                Some(x) => x.id,
                None => {
                    let made = self
                        .put_class(
                            &office,
                            actor,
                            None,
                            &c.code,
                            &c.title,
                            c.retention_years.map(i64::from),
                            &c.final_action,
                            &c.trigger,
                            &c.legal_reference,
                            false,
                        )
                        .await?;
                    report.classes += 1;
                    made.id
                }
            };
            class_ids.insert(c.id, id);
        }
        let mut file_ids = std::collections::HashMap::new();
        for f in &package.files {
            let id = ArchiveFileId(f.id);
            if self.store.archive_file(id).await?.is_none() {
                let class_id = f
                    .class_id
                    .and_then(|c| class_ids.get(&c).copied())
                    .ok_or_else(|| {
                        invalid("package", format!("file {} has no class", f.reference))
                    })?;
                let file = ArchiveFileRecord {
                    id,
                    office_id: office.id,
                    class_id,
                    reference: f.reference.clone(),
                    title: f.title.clone(),
                    dossier_id: None,
                    opened_on: f.opened_on,
                    closed_on: f.closed_on,
                    due_on: f.due_on,
                    created_at: self.clock.now(),
                    created_by: actor.id,
                };
                let audit = Audit::one(
                    self.clock.now(),
                    event(
                        &office.code,
                        actor,
                        "archive_file.imported",
                        "archive_file",
                        id.to_string(),
                        json!({"reference": f.reference, "package": package.id.to_string()}),
                    ),
                );
                self.store
                    .open_archive_file(
                        &file,
                        &NumberRequest {
                            counter: String::new(),
                            year: 0,
                        },
                        &audit,
                    )
                    .await?;
                report.files += 1;
            }
            file_ids.insert(f.id, id);
        }
        let mut rows = Vec::new();
        for m in &package.records {
            if self.store.record_row(RecordId(m.id)).await?.is_some() {
                report.already_present += 1;
                continue;
            }
            let mut row = self.new_row(&office, RecordId(m.id));
            row.file_id = m.file_id.and_then(|f| file_ids.get(&f).copied());
            row.parent_id = m.parent_id.map(RecordId);
            row.register = m.register.clone();
            row.year = m.year;
            row.number = m.number;
            row.symbol = m.symbol.clone();
            row.doc_type = m.doc_type.clone();
            row.title = m.title.clone();
            row.doc_date = m.doc_date;
            row.issuer = m.issuer.clone();
            row.signer = m.signer.clone();
            row.recipients = m.recipients.clone();
            row.urgency = m.urgency.clone();
            row.confidentiality = m.confidentiality.clone();
            row.lang = m.lang.clone();
            row.source = "import".into();
            row.source_id = Some(m.id);
            row.created_at = m.created_at;
            row.created_by = actor.id;
            row.due_on = m.due_on;
            if let (Some(c), Some(rel)) = (&m.content, m.content_path()) {
                let path = content_root.join(&rel);
                let stored = match tokio::fs::read(&path).await {
                    Ok(bytes) => {
                        self.attach_content(
                            &mut row,
                            &Upload {
                                name: c.name.clone(),
                                content_type: c.content_type.clone(),
                                bytes: Bytes::from(bytes),
                                declared_sha256: Some(c.sha256.clone()),
                            },
                        )
                        .await
                    }
                    Err(e) => Err(invalid("package", format!("{rel}: {e}"))),
                };
                if let Err(e) = stored {
                    // Nothing half-imported: drop the content stored so far.
                    self.discard_content(&rows).await;
                    return Err(e);
                }
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Ok(report);
        }
        let writes: Vec<RecordWrite> = rows
            .iter()
            .map(|r| RecordWrite {
                record: r.clone(),
                number: None,
            })
            .collect();
        let audit = Audit::one(
            self.clock.now(),
            event(
                &office.code,
                actor,
                "archive.imported",
                "package",
                package.id.to_string(),
                json!({"records": rows.len(), "already_present": report.already_present}),
            ),
        );
        match self.store.add_records(writes, &audit).await {
            Ok(saved) => {
                report.records = saved.len();
                self.index_rows(&saved).await;
                Ok(report)
            }
            Err(e) => {
                self.discard_content(&rows).await;
                Err(match e {
                    guichet_store::StoreError::Conflict(what) => invalid(
                        "duplicate-number",
                        format!("{what} is already used by another record; nothing was imported"),
                    ),
                    other => other.into(),
                })
            }
        }
    }
}

/// How a record is named in lists: number and symbol, or its title.
/// A record as the destruction certificate lists it: a protected record by its number and
/// level only, since the certificate is an ordinary record every agent of the office reads.
fn certificate_label(r: &RecordRow) -> String {
    if r.confidentiality == "normal" {
        record_label(r)
    } else {
        let number = r
            .number
            .map(|n| meta::number_and_symbol(n, &r.symbol))
            .unwrap_or_default();
        format!("{number} [{}]", r.confidentiality)
    }
}

pub fn record_label(r: &RecordRow) -> String {
    match (r.number, r.register.as_deref()) {
        (Some(n), Some("incoming")) if !r.original_ref.is_empty() => {
            format!("{n:02} ({}) — {}", r.original_ref, r.title)
        }
        (Some(n), _) => format!("{} — {}", meta::number_and_symbol(n, &r.symbol), r.title),
        (None, _) => r.title.clone(),
    }
}

/// Which offices' records a principal may see.
pub fn visible_offices(
    principal: Option<&guichet_core::authz::Principal>,
    offices: &[Office],
) -> Vec<OfficeId> {
    offices
        .iter()
        .filter(|o| {
            guichet_core::authz::authorize(principal, crate::authz::view_records(o.id)).is_ok()
        })
        .map(|o| o.id)
        .collect()
}

/// A user id for ledger-free callers that need one.
pub fn actor_of(user: Option<UserId>, name: &str) -> Actor {
    Actor {
        id: user,
        name: name.to_owned(),
    }
}

/// Zips a package directory (for a download); entries keep their paths under `dir`.
pub fn zip_dir(dir: &Path, out: &mut std::fs::File) -> Result<u64> {
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;
    let files: Vec<(String, PathBuf)> = guichet_records_formats::package::files_under(dir, dir)
        .map_err(internal)?
        .into_iter()
        .map(|rel| {
            let path = dir.join(&rel);
            (rel, path)
        })
        .collect();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let mut n = 0;
    for (name, path) in files {
        zip.start_file(name, options).map_err(internal)?;
        let mut f = std::fs::File::open(&path).map_err(internal)?;
        std::io::copy(&mut f, &mut zip).map_err(internal)?;
        n += 1;
    }
    let mut w = zip.finish().map_err(internal)?;
    w.flush().map_err(internal)?;
    Ok(n)
}
