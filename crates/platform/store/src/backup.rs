//! The backend-neutral backup archive: a gzip-compressed tar holding one JSON-lines part per
//! table and a `manifest.json` with the row count and SHA-256 of every part. Restoring a SQLite
//! backup into PostgreSQL (or back) is the supported way to move between backends.
//!
//! Invariant: restore checks the whole archive (format, version, every hash and row count)
//! before writing anything, and then writes everything in one transaction.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{Backend, PlatformStore, Result, StoreError, TableSpec};

pub const FORMAT: &str = "guichet-backup";
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Part {
    pub table: String,
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub guichet_version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub source_backend: Backend,
    pub schema_version: i64,
    /// Public keys (hex) that signed the ledger checkpoints in this backup.
    pub ledger_public_keys: Vec<String>,
    pub parts: Vec<Part>,
}

fn backup_err(msg: impl Into<String>) -> StoreError {
    StoreError::Backup(msg.into())
}

/// Writes a backup of every table to `out`. Returns the manifest written.
pub async fn write_backup(
    store: &dyn PlatformStore,
    out: impl Write,
    created_at: OffsetDateTime,
    ledger_public_keys: Vec<String>,
) -> Result<Manifest> {
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut parts = Vec::new();
    for table in store.tables() {
        let mut buf = Vec::new();
        let rows = store.export_table(table, &mut buf).await?;
        let path = format!("tables/{}.jsonl", table.name);
        append(&mut tar, &path, &buf, created_at)?;
        parts.push(Part {
            table: table.name.to_owned(),
            path,
            rows,
            bytes: buf.len() as u64,
            sha256: hex::encode(Sha256::digest(&buf)),
        });
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        guichet_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at,
        source_backend: store.backend(),
        schema_version: store.schema_version().await?,
        ledger_public_keys,
        parts,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| backup_err(e.to_string()))?;
    append(&mut tar, MANIFEST, &json, created_at)?;
    let gz = tar
        .into_inner()
        .map_err(|e| backup_err(format!("cannot write archive: {e}")))?;
    let mut inner = gz
        .finish()
        .map_err(|e| backup_err(format!("cannot write archive: {e}")))?;
    inner
        .flush()
        .map_err(|e| backup_err(format!("cannot write archive: {e}")))?;
    Ok(manifest)
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    data: &[u8],
    at: OffsetDateTime,
) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(at.unix_timestamp().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, path, data)
        .map_err(|e| backup_err(format!("cannot write archive: {e}")))
}

/// A read and fully checked archive, ready to restore.
pub struct CheckedBackup {
    pub manifest: Manifest,
    parts: BTreeMap<String, Vec<u8>>,
}

/// Reads and checks an archive: format, version, hashes and row counts of every part.
/// `tables` are the tables the reading store holds (`PlatformStore::tables`): a part for any
/// other table, or a table without its part, rejects the archive.
pub fn read_backup(input: impl Read, tables: &[&TableSpec]) -> Result<CheckedBackup> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(input));
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let entries = archive
        .entries()
        .map_err(|e| backup_err(format!("not a guichet backup (not a tar.gz archive: {e})")))?;
    for entry in entries {
        let mut entry = entry
            .map_err(|e| backup_err(format!("not a guichet backup (damaged archive: {e})")))?;
        let path = entry
            .path()
            .map_err(|e| backup_err(format!("bad file name in archive: {e}")))?
            .to_string_lossy()
            .into_owned();
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| backup_err(format!("damaged archive member {path}: {e}")))?;
        files.insert(path, data);
    }
    let manifest_bytes = files
        .remove(MANIFEST)
        .ok_or_else(|| backup_err("not a guichet backup (no manifest.json)"))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| backup_err(format!("manifest.json is not valid: {e}")))?;
    if manifest.format != FORMAT {
        return Err(backup_err(format!(
            "not a guichet backup (format {:?})",
            manifest.format
        )));
    }
    if manifest.format_version != FORMAT_VERSION {
        return Err(backup_err(format!(
            "backup format version {} is not supported (this guichet reads version {FORMAT_VERSION})",
            manifest.format_version
        )));
    }
    let mut parts = BTreeMap::new();
    for part in &manifest.parts {
        if !tables.iter().any(|t| t.name == part.table) {
            return Err(backup_err(format!(
                "unknown table {:?} in backup",
                part.table
            )));
        }
        let data = files
            .remove(&part.path)
            .ok_or_else(|| backup_err(format!("part {} is missing", part.path)))?;
        let digest = hex::encode(Sha256::digest(&data));
        if digest != part.sha256 {
            return Err(backup_err(format!(
                "part {} is damaged: SHA-256 {digest} differs from the manifest",
                part.path
            )));
        }
        let rows = data
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count() as u64;
        if rows != part.rows {
            return Err(backup_err(format!(
                "part {} has {rows} rows, the manifest says {}",
                part.path, part.rows
            )));
        }
        parts.insert(part.table.clone(), data);
    }
    for table in tables {
        if !parts.contains_key(table.name) {
            return Err(backup_err(format!(
                "table {} is missing from the backup",
                table.name
            )));
        }
    }
    Ok(CheckedBackup { manifest, parts })
}

/// Restores a checked archive into `store` (migrated, empty). Returns rows written.
pub async fn restore(store: &dyn PlatformStore, backup: &CheckedBackup) -> Result<u64> {
    let target_version = store.schema_version().await?;
    if backup.manifest.schema_version != target_version {
        return Err(backup_err(format!(
            "backup schema version {} differs from this database's {}; restore with the guichet version that made it",
            backup.manifest.schema_version, target_version
        )));
    }
    let mut tables = Vec::new();
    for spec in store.tables() {
        let data = backup
            .parts
            .get(spec.name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        tables.push((spec, data));
    }
    store.import_tables(&tables).await
}
