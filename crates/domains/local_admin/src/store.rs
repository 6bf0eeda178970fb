//! The local-administration slice's storage: the shipped admin-unit datasets as loaded (each
//! unit version and dated link; the rules over them are the pure `guichet_units`).

use async_trait::async_trait;
use guichet_core::Country;
use guichet_store::ColType::*;
use guichet_store::{Audit, PlatformStore, Result, TableSpec};
use guichet_units::{LinkRow, UnitRow};
use time::OffsetDateTime;

/// Which shipped admin-unit dataset a country's units were loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDataset {
    pub country: Country,
    pub version: String,
    pub source: String,
    pub loaded_at: OffsetDateTime,
    pub units: i64,
    pub links: i64,
}

/// The administrative units (local administration): the shipped datasets as loaded.
#[async_trait]
pub trait UnitsStore: PlatformStore {
    /// The shipped admin-unit dataset each country was last loaded from.
    async fn unit_datasets(&self) -> Result<Vec<UnitDataset>>;
    /// Replaces a country's units and links with a dataset, in one transaction, and records
    /// the load in the ledger.
    async fn replace_units(
        &self,
        dataset: &UnitDataset,
        units: Vec<UnitRow>,
        links: Vec<LinkRow>,
        audit: &Audit,
    ) -> Result<()>;
    /// Every unit version and link, for the in-memory registry.
    async fn load_units(&self) -> Result<(Vec<UnitRow>, Vec<LinkRow>)>;
}

/// The administrative units as loaded.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "admin_units",
        columns: &[
            ("id", Text),
            ("unit_ref", Text),
            ("country", Text),
            ("level", Text),
            ("kind", Text),
            ("name", Text),
            ("parent_ref", OptText),
            ("valid_from", Text),
            ("valid_to", OptText),
            ("start_ref", Text),
            ("end_ref", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "admin_unit_links",
        columns: &[
            ("from_id", Text),
            ("to_id", Text),
            ("kind", Text),
            ("effective", Text),
            ("partial", Bool),
            ("legal_ref", Text),
        ],
        order_by: "from_id, to_id",
    },
    TableSpec {
        name: "admin_unit_datasets",
        columns: &[
            ("country", Text),
            ("version", Text),
            ("source", Text),
            ("loaded_at", Timestamp),
            ("units", Int),
            ("links", Int),
        ],
        order_by: "country",
    },
];
