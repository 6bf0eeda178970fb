//! Records and archives without a database: the vocabulary of registered documents (types,
//! urgency and confidentiality levels, numbers and symbols), retention arithmetic, the
//! archival package formats (BagIt, SEDA 2.2, E-ARK CSIP) written and read back, and the
//! record search index (tantivy, accent-insensitive).
//!
//! Invariant: package writers take a [`package::Package`] and the content as files on disk;
//! every digest a package states was computed from the bytes written, never copied from
//! metadata, so a corrupt source cannot produce a package that validates.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod bagit;
pub mod eark;
pub mod hashing;
pub mod meta;
pub mod package;
pub mod retention;
pub mod search;
pub mod seda;
pub(crate) mod xml;

/// Errors of package writing, reading and validation.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl PackageError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        PackageError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
