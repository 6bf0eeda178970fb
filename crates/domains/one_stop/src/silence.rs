//! Deadlines that act by themselves: when the deadline of a procedure whose silence means
//! acceptance (or rejection) passes without a decision, the dossier is decided by law on the
//! day the deadline expired. An acceptance issues the attestation of implicit acceptance (CRPA
//! art. L232-3) and both notify the applicant and the office's webhooks, in one write per
//! dossier with its ledger entry.
//!
//! Run by a background job on every server. It is idempotent and safe to run anywhere at once:
//! only a received, unpaused dossier whose due date is past is decided, and the write names
//! the revision it read, so a concurrent run or an agent's decision makes it skip.

use guichet_documents::DocumentKind;
use guichet_store::{Audit, Office, StoreError};

use crate::dossier::{Actor, Desk, documents_json, local_time};
use crate::procedure::{ProcedureBody, Silence};
use crate::state::{self, State, Step};
use crate::store::{DossierOrder, DossierQuery, DossierRecord, DossierWrite};
use crate::{Result, ServiceError};

/// The name guichet acts under in the history and the ledger.
pub const ACTOR_NAME: &str = "guichet (silence)";

/// What one pass decided.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SilenceRun {
    pub accepted: usize,
    pub rejected: usize,
    /// Changed by someone else meanwhile; left to the next pass.
    pub skipped: usize,
}

/// Dossiers looked at per procedure and pass (the rest wait for the next pass).
const BATCH: u32 = 200;

impl Desk<'_> {
    /// Decides by law, in one office, every dossier whose deadline passed in silence.
    pub async fn act_on_silence(&self, office: &Office) -> Result<SilenceRun> {
        let mut run = SilenceRun::default();
        let today = local_time(office.country, self.clock.now()).date();
        let Some(yesterday) = today.previous_day() else {
            return Ok(run);
        };
        for p in self.store.list_procedures(Some(office.id)).await? {
            // Only procedures one of whose versions lets silence decide.
            let mut any = false;
            for v in self.store.procedure_versions(p.id).await? {
                if crate::procedure::body_of(&v)?.silence != Silence::Nothing {
                    any = true;
                    break;
                }
            }
            if !any {
                continue;
            }
            let due = self
                .store
                .list_dossiers(&DossierQuery {
                    office: Some(office.id),
                    procedure: Some(p.id),
                    states: vec![State::Received.code().into()],
                    due_by: Some(yesterday),
                    order: DossierOrder::DueDate,
                    limit: BATCH,
                    ..DossierQuery::default()
                })
                .await?;
            for listed in due {
                // Lists do not carry the answers the documents show: read the whole dossier.
                let Some(d) = self.store.dossier(listed.id).await? else {
                    continue;
                };
                let body = self.body_of_dossier(&d).await?;
                match self.decide_by_silence(office, &d, &body, today).await {
                    Ok(Some(Silence::Acceptance)) => run.accepted += 1,
                    Ok(Some(_)) => run.rejected += 1,
                    Ok(None) => {}
                    Err(ServiceError::Store(StoreError::Stale(_) | StoreError::Conflict(_))) => {
                        run.skipped += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(run)
    }

    /// Decides one dossier if its deadline passed in silence; `None` if it is not (yet) due.
    pub async fn decide_by_silence(
        &self,
        office: &Office,
        d: &DossierRecord,
        body: &ProcedureBody,
        today: time::Date,
    ) -> Result<Option<Silence>> {
        let (step, action, basis) = match body.silence {
            Silence::Nothing => return Ok(None),
            Silence::Acceptance => (Step::Approve, "accepted_by_silence", "CRPA L231-1"),
            Silence::Rejection => (Step::Reject, "rejected_by_silence", "CRPA L231-4"),
        };
        let Some(due) = d.due_date else {
            return Ok(None);
        };
        let from = State::parse(&d.state);
        if from != Some(State::Received) || d.paused_on.is_some() || due >= today {
            return Ok(None);
        }
        let to = state::next(State::Received, step).ok_or_else(|| ServiceError::IllegalStep {
            from: d.state.clone(),
            step: step.code().into(),
        })?;
        let now = self.clock.now();
        let actor = Actor::named(ACTOR_NAME);
        let mut next = d.clone();
        next.state = to.code().into();
        next.rev = d.rev + 1;
        next.updated_at = now;
        // The implicit decision is born when the deadline expires, whenever this pass runs.
        next.decided_on = Some(due);
        let note = format!("{basis}; {}", crate::form::iso(due));
        let history = self.history(&next, &actor, action, d.state.as_str(), to.code(), &note);
        let kinds: &[DocumentKind] = match body.silence {
            Silence::Acceptance => &[DocumentKind::ImplicitAcceptance],
            _ => &[],
        };
        let documents = self
            .issue_documents(kinds, office, &next, body, &history, "", None, &actor)
            .await?;
        let mut event = self.event(
            office,
            &actor,
            &format!("dossier.{action}"),
            &next,
            serde_json::json!({
                "code": d.code, "from": d.state.as_str(), "to": to.code(),
                "due": crate::form::iso(due), "legal_basis": basis,
            }),
        );
        if !documents.is_empty() {
            event.payload["documents"] = documents_json(&documents);
        }
        let mut w = DossierWrite::new(next.clone(), Some(d.rev));
        w.event = Some(history);
        w.outbox = self
            .notifications(office, &next, State::Received, to, &note, &documents)
            .await?;
        w.documents = documents;
        self.store.write_dossier(w, &Audit::one(now, event)).await?;
        Ok(Some(body.silence))
    }
}

/// One pass over every office (the background job's tick).
pub async fn run_everywhere(app: &guichet_web::App) -> Result<SilenceRun> {
    let desk = crate::web::one_stop::desk(app)?;
    let offices = guichet_identity::identity_store(&*app.store)?
        .list_offices()
        .await?;
    let mut total = SilenceRun::default();
    for office in offices {
        let run = desk.act_on_silence(&office).await?;
        total.accepted += run.accepted;
        total.rejected += run.rejected;
        total.skipped += run.skipped;
    }
    Ok(total)
}
