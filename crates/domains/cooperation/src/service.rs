//! The slice's operations: each checks its input (model rules), reads what it needs through
//! the stores' traits, and makes one store call that writes the change with its ledger entry.

use guichet_core::{Clock, Entropy, IdGen};
use guichet_identity::IdentityStore;
use guichet_records::RecordsStore;
use guichet_store::{Audit, Office, StoreError};
use time::Date;
use uuid::Uuid;

use crate::events::CoopEvent;
use crate::model::{
    ActionId, Activity, ActivityId, Agreement, FollowUp, Invalid, LinkedDocument, NewActivity,
    NewAgreement, NewFollowUp,
};
use crate::store::CooperationStore;

#[derive(Debug, thiserror::Error)]
pub enum CoopError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{0} was not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CoopError {
    /// A stable code: the message key of a rule, or the kind of failure.
    pub fn key(&self) -> &'static str {
        match self {
            CoopError::Invalid(i) => i.key,
            CoopError::NotFound(_) | CoopError::Store(StoreError::NotFound(_)) => "coop-not-found",
            CoopError::Store(StoreError::Conflict(_)) => "coop-conflict",
            CoopError::Store(StoreError::Stale(_)) => "coop-done-already",
            CoopError::Store(_) => "coop-store",
        }
    }
}

pub type Result<T, E = CoopError> = std::result::Result<T, E>;

/// The cooperation service over the stores it reads: its own, offices (identity) and records.
pub struct Cooperation<'a> {
    pub store: &'a dyn CooperationStore,
    pub identity: &'a dyn IdentityStore,
    pub records: &'a dyn RecordsStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
}

/// One line of an agreement's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineItem {
    Signed,
    Starts,
    Activity(Activity),
    /// A follow-up action, on its due date (or the day it was done).
    FollowUp(FollowUp),
    Ends,
}

/// An agreement with everything under it.
#[derive(Debug, Clone)]
pub struct AgreementFile {
    pub agreement: Agreement,
    pub office: Office,
    pub activities: Vec<Activity>,
    pub follow_ups: Vec<FollowUp>,
    pub documents: Vec<LinkedDocument>,
}

impl AgreementFile {
    /// Dated items in order; items of one day keep the order above.
    pub fn timeline(&self) -> Vec<(Date, TimelineItem)> {
        let a = &self.agreement;
        let mut items = vec![
            (a.signed_on, 0, TimelineItem::Signed),
            (a.starts_on, 1, TimelineItem::Starts),
            (a.ends_on, 4, TimelineItem::Ends),
        ];
        for act in &self.activities {
            items.push((act.starts_on, 2, TimelineItem::Activity(act.clone())));
        }
        for f in &self.follow_ups {
            items.push((
                f.done_on.unwrap_or(f.due_on),
                3,
                TimelineItem::FollowUp(f.clone()),
            ));
        }
        items.sort_by_key(|(day, rank, _)| (*day, *rank));
        items
            .into_iter()
            .map(|(day, _, item)| (day, item))
            .collect()
    }

    pub fn activity(&self, id: ActivityId) -> Option<&Activity> {
        self.activities.iter().find(|a| a.id == id)
    }
}

impl Cooperation<'_> {
    fn ids(&self) -> IdGen<'_> {
        IdGen {
            clock: self.clock,
            entropy: self.entropy,
        }
    }

    /// Today at `office`.
    pub fn today(&self, office: &Office) -> Date {
        office.country.local_time(self.clock.now()).date()
    }

    pub async fn office_of(&self, agreement: &Agreement) -> Result<Office> {
        self.identity
            .office(agreement.office_id)
            .await?
            .ok_or_else(|| CoopError::NotFound(format!("office {}", agreement.office_id)))
    }

    pub async fn create_agreement(
        &self,
        office: &Office,
        actor: &str,
        new: NewAgreement,
    ) -> Result<Agreement> {
        let now = self.clock.now();
        let agreement = new.check(self.ids().id(), office.id, now)?;
        let event = CoopEvent::AgreementCreated(&agreement).into_event(&office.code, actor);
        self.store
            .add_agreement(&agreement, &Audit::one(now, event))
            .await?;
        Ok(agreement)
    }

    pub async fn agreement(&self, code: &str) -> Result<Agreement> {
        self.store
            .agreement_by_code(&code.trim().to_uppercase())
            .await?
            .ok_or_else(|| CoopError::NotFound(format!("agreement {code}")))
    }

    /// The agreement with its activities, actions and documents.
    pub async fn file(&self, code: &str) -> Result<AgreementFile> {
        let agreement = self.agreement(code).await?;
        let office = self.office_of(&agreement).await?;
        Ok(AgreementFile {
            activities: self.store.activities(agreement.id).await?,
            follow_ups: self.store.follow_ups(agreement.id).await?,
            documents: self.store.documents(agreement.id).await?,
            agreement,
            office,
        })
    }

    pub async fn record_activity(
        &self,
        agreement: &Agreement,
        actor: &str,
        new: NewActivity,
    ) -> Result<Activity> {
        let office = self.office_of(agreement).await?;
        let now = self.clock.now();
        let activity = new.check(self.ids().id(), agreement, now)?;
        let event =
            CoopEvent::ActivityRecorded(agreement, &activity).into_event(&office.code, actor);
        self.store
            .add_activity(&activity, &Audit::one(now, event))
            .await?;
        Ok(activity)
    }

    /// The activity `id` of `agreement` (not found under another agreement).
    pub async fn activity(&self, agreement: &Agreement, id: ActivityId) -> Result<Activity> {
        self.store
            .activity(id)
            .await?
            .filter(|a| a.agreement_id == agreement.id)
            .ok_or_else(|| CoopError::NotFound(format!("activity {id}")))
    }

    pub async fn add_follow_up(
        &self,
        agreement: &Agreement,
        activity: ActivityId,
        actor: &str,
        new: NewFollowUp,
    ) -> Result<FollowUp> {
        let office = self.office_of(agreement).await?;
        let activity = self.activity(agreement, activity).await?;
        let now = self.clock.now();
        let action = new.check(self.ids().id(), &activity, now)?;
        let event = CoopEvent::FollowUpAdded(agreement, &action).into_event(&office.code, actor);
        self.store
            .add_follow_up(&action, &Audit::one(now, event))
            .await?;
        Ok(action)
    }

    /// Marks an action of `agreement` done today (office time).
    pub async fn complete_follow_up(
        &self,
        agreement: &Agreement,
        id: ActionId,
        actor: &str,
    ) -> Result<FollowUp> {
        let office = self.office_of(agreement).await?;
        let today = self.today(&office);
        self.complete_follow_up_on(agreement, id, actor, today)
            .await
    }

    /// Marks an action of `agreement` done on `today` (a day already past, for the demo).
    pub async fn complete_follow_up_on(
        &self,
        agreement: &Agreement,
        id: ActionId,
        actor: &str,
        today: Date,
    ) -> Result<FollowUp> {
        let office = self.office_of(agreement).await?;
        let action = self
            .store
            .follow_up(id)
            .await?
            .ok_or_else(|| CoopError::NotFound(format!("follow-up action {id}")))?;
        self.activity(agreement, action.activity_id).await?;
        let event =
            CoopEvent::FollowUpDone(agreement, &action, today).into_event(&office.code, actor);
        self.store
            .complete_follow_up(id, today, &Audit::one(self.clock.now(), event))
            .await?;
        Ok(FollowUp {
            done_on: Some(today),
            ..action
        })
    }

    /// Links a record of the agreement's office (found through the records slice's trait) as
    /// one of its documents.
    pub async fn link_document(
        &self,
        agreement: &Agreement,
        record: Uuid,
        actor: &str,
    ) -> Result<LinkedDocument> {
        let office = self.office_of(agreement).await?;
        let row = self
            .records
            .record_row(guichet_core::RecordId(record))
            .await?
            .filter(|r| r.office_id == agreement.office_id)
            .ok_or_else(|| {
                CoopError::NotFound(format!("record {record} of office {}", office.code))
            })?;
        let document = LinkedDocument {
            agreement_id: agreement.id,
            record_id: row.id.as_uuid(),
            added_at: self.clock.now(),
        };
        let event = CoopEvent::DocumentLinked(agreement, &document).into_event(&office.code, actor);
        self.store
            .link_document(&document, &Audit::one(document.added_at, event))
            .await?;
        Ok(document)
    }
}
