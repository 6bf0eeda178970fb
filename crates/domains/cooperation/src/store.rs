//! The slice's storage: its own narrow trait (only its methods) and the tables it owns.

use async_trait::async_trait;
use guichet_core::OfficeId;
use guichet_store::{Audit, ColType, PlatformStore, Result, TableSpec};
use time::Date;

use crate::model::{
    ActionId, Activity, ActivityId, Agreement, AgreementId, FollowUp, LinkedDocument,
};

/// Agreements, activities, follow-up actions and linked documents. Every write appends its
/// ledger events in the same transaction.
#[async_trait]
pub trait CooperationStore: PlatformStore {
    /// `Conflict` when the code is taken.
    async fn add_agreement(&self, agreement: &Agreement, audit: &Audit) -> Result<()>;
    /// Agreements, newest signature first; of one office, or all.
    async fn agreements(&self, office: Option<OfficeId>) -> Result<Vec<Agreement>>;
    async fn agreement_by_code(&self, code: &str) -> Result<Option<Agreement>>;
    async fn add_activity(&self, activity: &Activity, audit: &Audit) -> Result<()>;
    /// An agreement's activities by start date.
    async fn activities(&self, agreement: AgreementId) -> Result<Vec<Activity>>;
    async fn activity(&self, id: ActivityId) -> Result<Option<Activity>>;
    async fn add_follow_up(&self, action: &FollowUp, audit: &Audit) -> Result<()>;
    /// Marks an open action done; `Stale` when it already is, `NotFound` when it is not there.
    async fn complete_follow_up(&self, id: ActionId, on: Date, audit: &Audit) -> Result<()>;
    async fn follow_up(&self, id: ActionId) -> Result<Option<FollowUp>>;
    /// The follow-up actions of an agreement's activities, by due date.
    async fn follow_ups(&self, agreement: AgreementId) -> Result<Vec<FollowUp>>;
    /// `Conflict` when the record is linked already.
    async fn link_document(&self, document: &LinkedDocument, audit: &Audit) -> Result<()>;
    async fn documents(&self, agreement: AgreementId) -> Result<Vec<LinkedDocument>>;
}

use ColType::*;

/// The slice's tables, parents before children (backup and restore).
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "coop_agreements",
        columns: &[
            ("id", Uuid),
            ("office_id", Uuid),
            ("code", Text),
            ("titles", Text),
            ("summary", Text),
            ("parties", Text),
            ("fields", Text),
            ("signed_on", Text),
            ("signed_in", Text),
            ("starts_on", Text),
            ("ends_on", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "coop_activities",
        columns: &[
            ("id", Uuid),
            ("agreement_id", Uuid),
            ("kind", Text),
            ("titles", Text),
            ("starts_on", Text),
            ("ends_on", Text),
            ("place", Text),
            ("country", Text),
            ("participants", Text),
            ("outcomes", Text),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "coop_actions",
        columns: &[
            ("id", Uuid),
            ("activity_id", Uuid),
            ("description", Text),
            ("owner", Text),
            ("due_on", Text),
            ("done_on", OptText),
            ("created_at", Timestamp),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "coop_documents",
        columns: &[
            ("agreement_id", Uuid),
            ("record_id", Uuid),
            ("added_at", Timestamp),
        ],
        order_by: "agreement_id, record_id",
    },
];
