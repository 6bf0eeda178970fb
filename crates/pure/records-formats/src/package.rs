//! The archival package model shared by every export format: the transferring office, the
//! file plan classes, the archival files and the records with their content's name, type,
//! size and SHA-256. Formats (BagIt, SEDA, E-ARK) write it and read it back.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The version tag of `records.json` inside guichet's own packages.
pub const FORMAT: &str = "guichet-records/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agency {
    pub identifier: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub format: String,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The office the records come from (service versant, cơ quan nộp lưu).
    pub office: Agency,
    /// `VN` or `FR`.
    pub country: String,
    /// The archives service the package is for (service d'archives, lưu trữ lịch sử).
    pub archival_agency: Agency,
    pub classes: Vec<ClassMeta>,
    pub files: Vec<FileMeta>,
    pub records: Vec<RecordMeta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMeta {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    /// `None`: permanent.
    pub retention_years: Option<u16>,
    pub final_action: String,
    pub trigger: String,
    pub legal_reference: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileMeta {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub class_id: Option<Uuid>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub due_on: Option<Date>,
    pub dossier_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordMeta {
    pub id: Uuid,
    pub file_id: Option<Uuid>,
    /// The main record this one is an attachment of.
    pub parent_id: Option<Uuid>,
    pub register: Option<String>,
    pub year: Option<i64>,
    pub number: Option<i64>,
    pub symbol: String,
    pub doc_type: String,
    pub title: String,
    pub doc_date: Date,
    pub issuer: String,
    pub signer: String,
    pub recipients: String,
    pub urgency: String,
    pub confidentiality: String,
    pub lang: String,
    pub source: String,
    pub dossier_code: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub due_on: Option<Date>,
    pub content: Option<ContentMeta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentMeta {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

impl RecordMeta {
    /// Where the record's content sits inside a package: `content/{id}/{name}`.
    pub fn content_path(&self) -> Option<String> {
        self.content
            .as_ref()
            .map(|c| format!("content/{}/{}", self.id, safe_name(&c.name)))
    }
}

/// A file name safe in every package format and file system: no separators, control
/// characters or leading dots; never empty.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "content".to_owned()
    } else {
        trimmed.chars().take(150).collect()
    }
}

/// Every regular file under `dir`, as paths relative to `base` with `/` separators, sorted.
pub fn files_under(
    base: &std::path::Path,
    dir: &std::path::Path,
) -> Result<Vec<String>, crate::PackageError> {
    fn walk(
        base: &std::path::Path,
        dir: &std::path::Path,
        out: &mut Vec<String>,
    ) -> Result<(), crate::PackageError> {
        let entries = std::fs::read_dir(dir).map_err(|e| crate::PackageError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| crate::PackageError::io(dir, e))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| crate::PackageError::io(&path, e))?;
            if kind.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).unwrap_or(&path);
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(base, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Opens a record's content for a package writer.
pub type ContentSource<'a> =
    dyn FnMut(&RecordMeta) -> std::io::Result<Box<dyn std::io::Read + Send>> + 'a;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("Giấy khai sinh.pdf"), "Giấy khai sinh.pdf");
        assert_eq!(safe_name("a\nb"), "a_b");
        assert_eq!(safe_name("..."), "content");
    }
}
