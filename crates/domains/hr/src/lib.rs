//! Civil-service management (quản lý cán bộ, công chức / gestion des agents publics):
//! organisation units as dated versions, the job-position catalogue and staffing table,
//! personnel records and their effective-dated career terms, CSV/XLSX import with a report by
//! line and export, one's own record and correction requests, the monthly payroll (compute,
//! compare, lock), payslips, the simulator and the pay parameters administrators enter.
//!
//! A domain slice: its store rows, narrow trait and tables (`store`), its SQL once for both
//! backends (`sql`), migrations (`migrations/`), the service (`service`: rules over
//! `guichet-pay`), web pages and API (`web`), templates and messages (`locales/`). The app
//! composes it from `crates/app/src/slices.rs`.
//!
//! Invariants: exclusive career terms never overlap for a person (the store checks again inside
//! the writing transaction); an import writes every row or none; a locked payroll month never
//! changes; every change is in the office's ledger stream. The slice reads offices and users
//! only through `IdentityStore`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod authz;
pub mod cli;
pub mod demo;
pub mod service;
mod sql;
pub mod store;
pub mod web;

pub use service::Hr;
pub use store::{HrStore, TABLES};
pub use web::SLICE;

/// The demo loader the app composes.
pub const DEMO: guichet_web::slice::DemoFn = demo::load;

guichet_store_sql::slice_migrations!(pub static MIGRATIONS = "hr", TABLES);

/// The slice's trait in a store of the application: `Err` for a store of another kind (one
/// without the HR SQL expanded for it).
pub fn hr_store(
    store: &dyn guichet_store::PlatformStore,
) -> Result<&dyn HrStore, guichet_store::StoreError> {
    guichet_store_sql::slice_store!(store, dyn HrStore)
        .ok_or_else(|| guichet_store_sql::missing_slice("HR"))
}
