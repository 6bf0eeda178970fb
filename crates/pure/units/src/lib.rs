//! The administrative-unit registry: every province, district, commune, région, département
//! and commune of Vietnam and France that guichet knows, each as dated versions, with the
//! lineage links (merge, split, rename…) that lead from old units to new ones.
//!
//! * [`UnitRow`] and [`LinkRow`] are the stored shape (the store persists them as they are);
//!   [`data`] parses the datasets compiled into the binary from `data/*.tsv.gz`.
//! * [`Registry`] is the in-memory index built from rows: unit at a date, children, ancestors,
//!   successors and predecessors, accent-insensitive search with typo-tolerant suggestions.
//! * [`address`] converts a Vietnamese address written before 1 July 2025 to the current
//!   commune and province, or says why it cannot be sure.
//!
//! Invariant: a unit reference (`VN-C-00004`) names one unit over time; a *version* of it
//! (`VN-C-00004@2025-07-01`) is what links point at, because Vietnam reused commune codes
//! for different communes after the 2025 reform.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod address;
pub mod data;
pub mod fold;
mod model;
mod registry;

pub use guichet_core::Country;
pub use model::{Kind, Level, LinkKind, LinkRow, UnitRef, UnitRow, version_id};
pub use registry::{Hit, KindCount, LinkView, Match, Registry, Stats, Unit};

/// Errors of the registry and its queries; `code()` is the stable machine-readable name the
/// API returns, the message says what to do in English (the web layer translates by code).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UnitsError {
    #[error(
        "{0:?} is not a unit reference (expected e.g. VN-P-01, VN-C-00004, FR-D-33, FR-C-33063)"
    )]
    BadRef(String),
    #[error("no administrative unit {0}")]
    UnknownUnit(String),
    #[error("{unit} was not in force on {date}; its versions run {versions}")]
    NotInForce {
        unit: String,
        date: String,
        versions: String,
    },
    #[error("the {country} registry starts on {starts}; nothing is known about {date}")]
    BeforeData {
        country: String,
        starts: String,
        date: String,
    },
    #[error("bad dataset row {line} in {file}: {detail}")]
    BadData {
        file: String,
        line: usize,
        detail: String,
    },
}

impl UnitsError {
    pub fn code(&self) -> &'static str {
        match self {
            UnitsError::BadRef(_) => "bad-unit-ref",
            UnitsError::UnknownUnit(_) => "unknown-unit",
            UnitsError::NotInForce { .. } => "unit-not-in-force",
            UnitsError::BeforeData { .. } => "before-data",
            UnitsError::BadData { .. } => "bad-unit-data",
        }
    }
}

/// `YYYY-MM-DD`, the only date format of the datasets, the store and the API.
pub fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

pub fn format_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
