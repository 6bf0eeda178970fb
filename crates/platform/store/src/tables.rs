//! The data tables and their portable column types: the one description that backup, restore
//! and the contract suite share, one list per domain. A table missing here fails the contract test
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

/// Identity: offices, accounts, sessions, sign-in, calendars.
pub const IDENTITY_TABLES: &[TableSpec] = &[
    TableSpec {
        name: "offices",
        columns: &[
            ("id", Uuid),
            ("code", Text),
            ("name", Text),
            ("country", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "users",
        columns: &[
            ("id", Uuid),
            ("username", Text),
            ("display_name", Text),
            ("email", OptText),
            ("password_hash", Text),
            ("disabled", Bool),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "user_roles",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("role", Text),
            ("office_id", OptUuid),
            ("object_id", OptUuid),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "sessions",
        columns: &[
            ("id", Uuid),
            ("token_hash", Bytes),
            ("user_id", Uuid),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("stage", Text),
            ("method", Text),
            ("provider", OptText),
            ("assurance", OptText),
            ("id_token", OptText),
            ("client", Text),
            ("user_agent", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "office_policies",
        columns: &[
            ("office_id", Uuid),
            ("require_second_factor", Bool),
            ("updated_at", Timestamp),
        ],
        order_by: "office_id",
    },
    TableSpec {
        name: "identity_links",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("provider", Text),
            ("subject", Text),
            ("attributes", Text),
            ("assurance", OptText),
            ("linked_at", Timestamp),
            ("updated_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "oidc_logins",
        columns: &[
            ("state_hash", Bytes),
            ("provider", Text),
            ("nonce", Text),
            ("pkce_verifier", Text),
            ("assurance", OptText),
            ("link_user_id", OptUuid),
            ("return_to", Text),
            ("created_at", Timestamp),
            ("expires_at", Timestamp),
            ("used_at", OptTimestamp),
        ],
        order_by: "state_hash",
    },
    TableSpec {
        name: "second_factors",
        columns: &[
            ("user_id", Uuid),
            ("secret", Text),
            ("confirmed_at", OptTimestamp),
            ("last_step", Int),
            ("created_at", Timestamp),
        ],
        order_by: "user_id",
    },
    TableSpec {
        name: "recovery_codes",
        columns: &[
            ("id", Uuid),
            ("user_id", Uuid),
            ("code_hash", Bytes),
            ("used_at", OptTimestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "calendar_overrides",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("day", Text),
            ("kind", Text),
            ("name", Text),
            ("legal_reference", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
];

/// The administrative units as loaded.
pub const UNITS_TABLES: &[TableSpec] = &[
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
pub const TABLE_SETS: &[(&str, &[TableSpec])] = &[
    ("platform", PLATFORM_TABLES),
    ("identity", IDENTITY_TABLES),
    ("units", UNITS_TABLES),
    ("outbox", OUTBOX_TABLES),
];

/// Every data table, in restore order.
pub fn tables() -> impl Iterator<Item = &'static TableSpec> {
    TABLE_SETS.iter().flat_map(|(_, tables)| tables.iter())
}
