//! The data tables and their portable column types: the one description that backup, restore
//! and the contract suite share, one list per domain (the platform's here, each slice's in its
//! crate's `MigrationSet`). A table missing here fails the contract test
//! `every_table_is_in_the_backup`.

/// Portable column types; each backend maps them to its own SQL types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Uuid,
    OptUuid,
    Text,
    OptText,
    Int,
    OptInt,
    Bool,
    Timestamp,
    OptTimestamp,
    Bytes,
}

#[derive(Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColType)],
    /// Primary-key order, for a stable export.
    pub order_by: &'static str,
}

use ColType::*;

/// The platform's tables: the ledger.
pub const PLATFORM_TABLES: &[TableSpec] = &[
    TableSpec {
        name: "ledger_heads",
        columns: &[("stream", Text), ("seq", Int), ("head_hash", Bytes)],
        order_by: "stream",
    },
    TableSpec {
        name: "ledger_entries",
        columns: &[
            ("stream", Text),
            ("seq", Int),
            ("id", Uuid),
            ("at", Timestamp),
            ("actor", Text),
            ("action", Text),
            ("object_type", Text),
            ("object_id", Text),
            ("payload", Text),
            ("payload_hash", Bytes),
            ("prev_hash", Bytes),
            ("entry_hash", Bytes),
        ],
        order_by: "stream, seq",
    },
    TableSpec {
        name: "ledger_checkpoints",
        columns: &[
            ("stream", Text),
            ("seq", Int),
            ("entry_hash", Bytes),
            ("at", Timestamp),
            ("key_id", Text),
            ("signature", Bytes),
        ],
        order_by: "stream, seq, key_id",
    },
];

/// The outbox.
pub const OUTBOX_TABLES: &[TableSpec] = &[TableSpec {
    name: "outbox",
    columns: &[
        ("id", Uuid),
        ("topic", Text),
        ("payload", Text),
        ("created_at", Timestamp),
        ("attempts", Int),
        ("next_attempt_at", Timestamp),
        ("done_at", OptTimestamp),
        ("last_error", OptText),
    ],
    order_by: "id",
}];

/// Every domain's tables; domains in restore order (a domain's tables may refer to those of the
/// domains before it), each domain's tables parents before children.
pub const TABLE_SETS: &[(&str, &[TableSpec])] =
    &[("platform", PLATFORM_TABLES), ("outbox", OUTBOX_TABLES)];

/// Every data table, in restore order.
pub fn tables() -> impl Iterator<Item = &'static TableSpec> {
    TABLE_SETS.iter().flat_map(|(_, tables)| tables.iter())
}
