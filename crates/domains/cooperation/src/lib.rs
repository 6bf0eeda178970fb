//! International cooperation tracking (hợp tác quốc tế, coopération internationale): the
//! agreements an administration signs with partner administrations, the activities carried
//! out under them (delegation visits, seminars, training courses, expert missions) with
//! participants by sex and office, outcomes and follow-up actions with owners and due dates;
//! a timeline per agreement; exports as CSV and IATI 2.03 activity XML.
//!
//! A domain slice: model and rules (`model`), typed ledger events (`events`), its actions and
//! their matrix rows (`authz`), its narrow store trait and tables (`store`), its SQL once for
//! both backends (`sql`), migrations (`migrations/`), service, web pages and API (`web`),
//! templates, messages (`locales/`), its `guichet cooperation` command (`cli`) and demo data. The app composes it with one line per list
//! in `crates/app/src/slices.rs`.
//!
//! Invariants: every change is one store call that writes the row and its ledger entry in one
//! transaction, on the stream of the agreement's office. The slice reads offices only through
//! `IdentityStore` and records only through `RecordsStore`, never their tables.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod authz;
pub mod cli;
pub mod demo;
pub mod events;
pub mod export;
pub mod model;
pub mod service;
mod sql;
pub mod store;
pub mod web;

pub use store::{CooperationStore, TABLES};
pub use web::SLICE;

guichet_store_sql::slice_migrations!(pub static MIGRATIONS = "cooperation", TABLES);

/// The demo loader the app composes.
pub const DEMO: guichet_web::slice::DemoFn = demo::load;
