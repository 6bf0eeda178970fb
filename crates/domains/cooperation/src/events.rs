//! The slice's ledger events: every change writes one, in the transaction of the change, on
//! the stream of the agreement's office.

use guichet_ledger::Event;
use serde_json::{Value, json};

use crate::model::{Activity, Agreement, FollowUp, LinkedDocument};

/// What happened, typed; [`CoopEvent::into_event`] makes the ledger's entry.
pub enum CoopEvent<'a> {
    AgreementCreated(&'a Agreement),
    ActivityRecorded(&'a Agreement, &'a Activity),
    FollowUpAdded(&'a Agreement, &'a FollowUp),
    FollowUpDone(&'a Agreement, &'a FollowUp, time::Date),
    DocumentLinked(&'a Agreement, &'a LinkedDocument),
}

impl CoopEvent<'_> {
    pub fn action(&self) -> &'static str {
        match self {
            CoopEvent::AgreementCreated(_) => "cooperation.agreement_created",
            CoopEvent::ActivityRecorded(..) => "cooperation.activity_recorded",
            CoopEvent::FollowUpAdded(..) => "cooperation.follow_up_added",
            CoopEvent::FollowUpDone(..) => "cooperation.follow_up_done",
            CoopEvent::DocumentLinked(..) => "cooperation.document_linked",
        }
    }

    fn object(&self) -> (&'static str, String, Value) {
        match self {
            CoopEvent::AgreementCreated(a) => (
                "coop_agreement",
                a.id.to_string(),
                json!({
                    "code": a.code,
                    "titles": a.titles,
                    "parties": a.parties,
                    "fields": a.fields,
                    "signed_on": a.signed_on.to_string(),
                    "starts_on": a.starts_on.to_string(),
                    "ends_on": a.ends_on.to_string(),
                }),
            ),
            CoopEvent::ActivityRecorded(a, act) => (
                "coop_activity",
                act.id.to_string(),
                json!({
                    "agreement": a.code,
                    "kind": act.kind.code(),
                    "titles": act.titles,
                    "starts_on": act.starts_on.to_string(),
                    "ends_on": act.ends_on.to_string(),
                    "place": act.place,
                    "country": act.country,
                    "participants": act.participants,
                }),
            ),
            CoopEvent::FollowUpAdded(a, f) => (
                "coop_action",
                f.id.to_string(),
                json!({
                    "agreement": a.code,
                    "activity": f.activity_id,
                    "description": f.description,
                    "owner": f.owner,
                    "due_on": f.due_on.to_string(),
                }),
            ),
            CoopEvent::FollowUpDone(a, f, on) => (
                "coop_action",
                f.id.to_string(),
                json!({ "agreement": a.code, "done_on": on.to_string() }),
            ),
            CoopEvent::DocumentLinked(a, d) => (
                "coop_agreement",
                a.id.to_string(),
                json!({ "agreement": a.code, "record": d.record_id }),
            ),
        }
    }

    /// The ledger entry, on the stream `office_code`, by `actor`.
    pub fn into_event(self, office_code: &str, actor: &str) -> Event {
        let action = self.action();
        let (object_type, object_id, payload) = self.object();
        Event {
            stream: office_code.to_owned(),
            actor: actor.to_owned(),
            action: action.into(),
            object_type: object_type.into(),
            object_id,
            payload,
        }
    }
}
