//! BagIt (RFC 8493) bags: written from a package or made in place from a directory,
//! validated (bagit.txt, every manifest entry present with its digest, no payload file
//! outside the manifest, Payload-Oxum, tag manifest), and read back.

use crate::PackageError;
use crate::hashing::{copy_hashing, default_workers, parallel_map, sha256_file};
use crate::package::{ContentSource, FORMAT, Package};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
/// guichet's package description inside a bag's payload.
pub const RECORDS_JSON: &str = "data/records.json";

/// Percent-encodes what RFC 8493 §2.1.3 requires in manifest paths.
fn encode_path(p: &str) -> String {
    p.replace('%', "%25")
        .replace('\n', "%0A")
        .replace('\r', "%0D")
}

fn decode_path(p: &str) -> String {
    p.replace("%0A", "\n")
        .replace("%0a", "\n")
        .replace("%0D", "\r")
        .replace("%0d", "\r")
        .replace("%25", "%")
}

/// Writes a bag entry by entry; digests come from the bytes written.
pub struct BagWriter {
    root: PathBuf,
    payload: Vec<(String, String, u64)>,
}

impl BagWriter {
    /// Starts a bag in `root`, which must not exist or be empty.
    pub fn create(root: &Path) -> Result<Self, PackageError> {
        if root.exists()
            && std::fs::read_dir(root)
                .map_err(|e| PackageError::io(root, e))?
                .next()
                .is_some()
        {
            return Err(PackageError::Invalid(format!(
                "{} exists and is not empty",
                root.display()
            )));
        }
        let data = root.join("data");
        std::fs::create_dir_all(&data).map_err(|e| PackageError::io(&data, e))?;
        Ok(Self {
            root: root.to_owned(),
            payload: Vec::new(),
        })
    }

    /// Adds a payload file at `rel` (relative to `data/`).
    pub fn add(
        &mut self,
        rel: &str,
        reader: impl std::io::Read,
    ) -> Result<(String, u64), PackageError> {
        let path = self.root.join("data").join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| PackageError::io(dir, e))?;
        }
        let file = std::fs::File::create(&path).map_err(|e| PackageError::io(&path, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let (sha, size) = copy_hashing(reader, &mut out).map_err(|e| PackageError::io(&path, e))?;
        out.flush().map_err(|e| PackageError::io(&path, e))?;
        self.payload
            .push((format!("data/{rel}"), sha.clone(), size));
        Ok((sha, size))
    }

    /// Writes the tag files; `info` goes into bag-info.txt after Bagging-Date and Payload-Oxum.
    pub fn finish(self, bagging_date: &str, info: &[(&str, String)]) -> Result<(), PackageError> {
        write_tags(&self.root, &self.payload, bagging_date, info)
    }
}

fn write_tags(
    root: &Path,
    payload: &[(String, String, u64)],
    bagging_date: &str,
    info: &[(&str, String)],
) -> Result<(), PackageError> {
    let mut sorted: Vec<&(String, String, u64)> = payload.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut manifest = String::with_capacity(sorted.len() * 100);
    for (path, sha, _) in &sorted {
        manifest.push_str(sha);
        manifest.push_str("  ");
        manifest.push_str(&encode_path(path));
        manifest.push('\n');
    }
    let bytes: u64 = payload.iter().map(|p| p.2).sum();
    let mut bag_info = format!(
        "Bagging-Date: {bagging_date}\nPayload-Oxum: {bytes}.{}\nBag-Software-Agent: guichet {}\n",
        payload.len(),
        env!("CARGO_PKG_VERSION")
    );
    for (k, v) in info {
        let v = v.replace(['\n', '\r'], " ");
        bag_info.push_str(&format!("{k}: {v}\n"));
    }
    let tags = [
        ("bagit.txt", BAGIT_TXT.to_owned()),
        ("bag-info.txt", bag_info),
        ("manifest-sha256.txt", manifest),
    ];
    let mut tag_manifest = String::new();
    for (name, text) in &tags {
        let path = root.join(name);
        std::fs::write(&path, text).map_err(|e| PackageError::io(&path, e))?;
        tag_manifest.push_str(&format!(
            "{}  {name}\n",
            crate::hashing::sha256_bytes(text.as_bytes())
        ));
    }
    let path = root.join("tagmanifest-sha256.txt");
    std::fs::write(&path, tag_manifest).map_err(|e| PackageError::io(&path, e))
}

/// Turns a directory into a bag in place (its content moves under `data/`), hashing on
/// `workers` threads, as `bagit.py DIR` does.
pub fn make_bag_in_place(
    dir: &Path,
    bagging_date: &str,
    info: &[(&str, String)],
    workers: usize,
) -> Result<BagSummary, PackageError> {
    let staging = dir.join(format!(".guichet-bag-{}", std::process::id()));
    std::fs::create_dir(&staging).map_err(|e| PackageError::io(&staging, e))?;
    for entry in std::fs::read_dir(dir).map_err(|e| PackageError::io(dir, e))? {
        let entry = entry.map_err(|e| PackageError::io(dir, e))?;
        if entry.path() == staging {
            continue;
        }
        let to = staging.join(entry.file_name());
        std::fs::rename(entry.path(), &to).map_err(|e| PackageError::io(&to, e))?;
    }
    let data = dir.join("data");
    std::fs::rename(&staging, &data).map_err(|e| PackageError::io(&data, e))?;
    let files = crate::package::files_under(dir, &data)?;
    let hashed = parallel_map(&files, workers, |rel| {
        sha256_file(&dir.join(rel)).map(|(sha, size)| (rel.clone(), sha, size))
    });
    let mut payload = Vec::with_capacity(files.len());
    for (h, rel) in hashed.into_iter().zip(&files) {
        payload.push(h.map_err(|e| PackageError::io(&dir.join(rel), e))?);
    }
    write_tags(dir, &payload, bagging_date, info)?;
    Ok(BagSummary {
        files: payload.len() as u64,
        bytes: payload.iter().map(|p| p.2).sum(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BagSummary {
    pub files: u64,
    pub bytes: u64,
}

/// The outcome of a validation: what was checked and every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub summary: BagSummary,
    pub problems: Vec<String>,
}

impl Validation {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

fn read_manifest(path: &Path, problems: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        problems.push(format!("cannot read {}", path.display()));
        return out;
    };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((sum, file)) = line.split_once(char::is_whitespace) else {
            problems.push(format!(
                "{} line {}: not \"checksum path\"",
                path.display(),
                n + 1
            ));
            continue;
        };
        let file = decode_path(file.trim_start());
        if out.insert(file.clone(), sum.to_ascii_lowercase()).is_some() {
            problems.push(format!("{file} is listed twice in {}", path.display()));
        }
    }
    out
}

/// Validates a bag completely (structure, manifests, digests, oxum, tag manifest).
pub fn validate(dir: &Path, workers: usize) -> Result<Validation, PackageError> {
    let mut problems = Vec::new();
    match std::fs::read_to_string(dir.join("bagit.txt")) {
        Ok(text) => {
            if !text.lines().any(|l| l.starts_with("BagIt-Version:")) {
                problems.push("bagit.txt has no BagIt-Version".to_owned());
            }
            if !text.lines().any(|l| {
                l.trim()
                    .eq_ignore_ascii_case("Tag-File-Character-Encoding: UTF-8")
            }) {
                problems.push("bagit.txt does not declare UTF-8".to_owned());
            }
        }
        Err(_) => problems.push("bagit.txt is missing".to_owned()),
    }
    let data = dir.join("data");
    if !data.is_dir() {
        problems.push("data/ is missing".to_owned());
        return Ok(Validation {
            summary: BagSummary { files: 0, bytes: 0 },
            problems,
        });
    }
    let manifest_path = dir.join("manifest-sha256.txt");
    if !manifest_path.exists() {
        problems.push("manifest-sha256.txt is missing (guichet checks SHA-256 bags)".to_owned());
        return Ok(Validation {
            summary: BagSummary { files: 0, bytes: 0 },
            problems,
        });
    }
    let manifest = read_manifest(&manifest_path, &mut problems);
    let present: BTreeSet<String> = crate::package::files_under(dir, &data)?
        .into_iter()
        .collect();
    for file in manifest.keys() {
        if !file.starts_with("data/") {
            problems.push(format!("{file}: manifest entry outside data/"));
        } else if !present.contains(file) {
            problems.push(format!("{file}: listed in the manifest but missing"));
        }
    }
    for file in &present {
        if !manifest.contains_key(file) {
            problems.push(format!("{file}: present but not in the manifest"));
        }
    }
    let listed: Vec<(&String, &String)> = manifest
        .iter()
        .filter(|(f, _)| present.contains(*f))
        .collect();
    let hashed = parallel_map(&listed, workers, |(file, _)| {
        sha256_file(&dir.join(file.as_str()))
    });
    let mut bytes = 0u64;
    for ((file, want), got) in listed.iter().zip(hashed) {
        match got {
            Ok((sha, size)) => {
                bytes += size;
                if &sha != *want {
                    problems.push(format!(
                        "{file}: SHA-256 is {sha}, the manifest says {want}"
                    ));
                }
            }
            Err(e) => problems.push(format!("{file}: cannot read ({e})")),
        }
    }
    let files = present.len() as u64;
    let info = std::fs::read_to_string(dir.join("bag-info.txt")).unwrap_or_default();
    if let Some(oxum) = info
        .lines()
        .find_map(|l| l.strip_prefix("Payload-Oxum:"))
        .map(str::trim)
    {
        let expected = format!("{bytes}.{files}");
        if oxum != expected {
            problems.push(format!(
                "Payload-Oxum is {oxum}, the payload is {expected} (bytes.files)"
            ));
        }
    }
    let tag_path = dir.join("tagmanifest-sha256.txt");
    if tag_path.exists() {
        for (file, want) in read_manifest(&tag_path, &mut problems) {
            match sha256_file(&dir.join(&file)) {
                Ok((sha, _)) if sha == want => {}
                Ok((sha, _)) => problems.push(format!(
                    "{file}: SHA-256 is {sha}, the tag manifest says {want}"
                )),
                Err(_) => problems.push(format!("{file}: listed in the tag manifest but missing")),
            }
        }
    }
    Ok(Validation {
        summary: BagSummary { files, bytes },
        problems,
    })
}

/// Writes `package` as a bag: `data/records.json` and each record's content under
/// `data/content/{id}/{name}`. The package's content digests are checked against the bytes
/// written; a mismatch fails the export (a corrupt source is never packaged as valid).
pub fn write_package(
    root: &Path,
    package: &Package,
    open: &mut ContentSource<'_>,
    bagging_date: &str,
) -> Result<BagSummary, PackageError> {
    let mut bag = BagWriter::create(root)?;
    for record in &package.records {
        let (Some(content), Some(rel)) = (&record.content, record.content_path()) else {
            continue;
        };
        let reader = open(record).map_err(|e| PackageError::io(Path::new(&rel), e))?;
        let (sha, size) = bag.add(&rel, reader)?;
        if sha != content.sha256 || size != content.size {
            return Err(PackageError::Invalid(format!(
                "record {}: content read has SHA-256 {sha} ({size} bytes), the record says {} ({} bytes)",
                record.id, content.sha256, content.size
            )));
        }
    }
    let json = serde_json::to_vec_pretty(package)
        .map_err(|e| PackageError::Invalid(format!("cannot write records.json: {e}")))?;
    bag.add("records.json", &json[..])?;
    let files = bag.payload.len() as u64;
    let bytes = bag.payload.iter().map(|p| p.2).sum();
    bag.finish(
        bagging_date,
        &[
            ("Source-Organization", package.office.name.clone()),
            ("Organization-Address", package.office.identifier.clone()),
            ("External-Identifier", package.id.to_string()),
            (
                "External-Description",
                format!("{FORMAT}: {} records", package.records.len()),
            ),
        ],
    )?;
    Ok(BagSummary { files, bytes })
}

/// Validates a bag written by [`write_package`] and returns its package and root, with the
/// content path of each record checked against the package's digests.
pub fn read_package(root: &Path) -> Result<Package, PackageError> {
    let validation = validate(root, default_workers())?;
    if !validation.is_valid() {
        return Err(PackageError::Invalid(format!(
            "the bag is not valid: {}",
            validation.problems.join("; ")
        )));
    }
    let json_path = root.join(RECORDS_JSON);
    let bytes = std::fs::read(&json_path).map_err(|e| PackageError::io(&json_path, e))?;
    let package: Package = serde_json::from_slice(&bytes)
        .map_err(|e| PackageError::Invalid(format!("records.json: {e}")))?;
    if package.format != FORMAT {
        return Err(PackageError::Invalid(format!(
            "records.json is {:?}, this version reads {FORMAT:?}",
            package.format
        )));
    }
    for record in &package.records {
        if let (Some(content), Some(rel)) = (&record.content, record.content_path()) {
            let path = root.join("data").join(&rel);
            let (sha, size) = sha256_file(&path).map_err(|e| PackageError::io(&path, e))?;
            if sha != content.sha256 || size != content.size {
                return Err(PackageError::Invalid(format!(
                    "record {}: {rel} does not match its stated SHA-256 and size",
                    record.id
                )));
            }
        }
    }
    Ok(package)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_bag_validates_and_detects_damage() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("a.txt"), b"hello").expect("write");
        std::fs::write(dir.path().join("sub/b 100%.txt"), b"world").expect("write");
        let summary = make_bag_in_place(dir.path(), "2026-12-01", &[], 2).expect("bag");
        assert_eq!(
            summary,
            BagSummary {
                files: 2,
                bytes: 10
            }
        );
        let v = validate(dir.path(), 2).expect("validate");
        assert!(v.is_valid(), "{:?}", v.problems);
        std::fs::write(dir.path().join("data/a.txt"), b"hellO").expect("write");
        std::fs::write(dir.path().join("data/extra"), b"x").expect("write");
        let v = validate(dir.path(), 2).expect("validate");
        assert!(
            v.problems.iter().any(|p| p.contains("data/a.txt: SHA-256")),
            "{:?}",
            v.problems
        );
        assert!(
            v.problems.iter().any(|p| p.contains("data/extra: present")),
            "{:?}",
            v.problems
        );
        assert!(
            v.problems.iter().any(|p| p.contains("Payload-Oxum")),
            "{:?}",
            v.problems
        );
    }

    #[test]
    fn paths_round_trip_through_percent_encoding() {
        let p = "data/a%b\nc";
        assert_eq!(decode_path(&encode_path(p)), p);
    }
}
