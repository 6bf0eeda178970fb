//! Shared vocabulary of guichet: typed ids (UUIDv7 newtypes), the injected [`Clock`] and
//! [`Entropy`], user-facing [`Language`]s, roles and the one [`authz::authorize`] function.
//!
//! This crate has no I/O besides reading the OS random source in [`OsEntropy`] and the
//! system time in [`SystemClock`]; everything else receives those two through traits so
//! tests can stand on any date with repeatable randomness.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod authz;
mod clock;
mod country;
mod ids;
mod lang;

pub use clock::{
    Clock, Entropy, FixedClock, IdGen, OsEntropy, SeededEntropy, SystemClock, truncate_to_micros,
};
pub use country::Country;
pub use ids::{
    ArchiveFileId, ClassId, DispositionId, DocumentId, DossierId, ExportId, FileId, HoldId,
    InvalidId, OfficeId, OrgUnitId, PayrollId, PositionId, ProcedureId, RecordId, SessionId,
    StaffId, TermId, UserId,
};
pub use lang::{Language, UnknownLanguage};

#[doc(hidden)]
pub use uuid::Uuid as __Uuid;
