//! Dossiers (hồ sơ): drafts, submission with its gap-free daily code, the agents' steps, the
//! deadline clock, messages and assignment. Every change is one `Store::write_dossier` call:
//! the row, its history line, its messages, its outbox e-mails and webhooks and its ledger
//! entry commit together or not at all.

use crate::store::{
    CodeRequest, DossierEventRecord, DossierRecord, DossierWrite, MessageRecord, OneStopStore,
    ProcedureRecord,
};
use guichet_core::{Clock, Country, DossierId, Entropy, FileId, IdGen, Language};
use guichet_ledger::Event;
use guichet_rules::calendar::{DeadlineClock, OfficeCalendar};
use guichet_store::{Audit, Office, OutboxRecord, StoreError, User};
use guichet_units::Registry;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::form::{self, Check, FieldError, Mode};
use crate::procedure::{ProcedureBody, TimeUnit, VersionCache};
use crate::state::{self, State, Step};
use crate::{Result, ServiceError, invalid};

/// Offices close at 17:00 local time: a dossier received later counts from the next working day.
pub const CLOSING_TIME: Time = time::macros::time!(17:00);

/// Largest answers document kept for one dossier (JSON bytes).
pub const MAX_ANSWERS_BYTES: usize = 256 * 1024;

/// The office's wall-clock time (see [`Country::local_time`]).
pub fn local_time(country: Country, at: OffsetDateTime) -> PrimitiveDateTime {
    country.local_time(at)
}

/// `date` plus `months` calendar months; a day the month lacks becomes its last day.
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::December);
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// Where a dossier stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// No deadline yet (draft, submitted but not received) or none any more (withdrawn).
    NoDeadline,
    /// Running, more than two working days left.
    OnTrack,
    /// Running, two working days or fewer left.
    DueSoon,
    /// Running, past the due date.
    Overdue,
    /// Paused while the applicant supplements the dossier.
    Paused,
    /// Decided before the due date (trước hạn).
    Early,
    /// Decided on the due date (đúng hạn).
    OnTime,
    /// Decided after the due date (quá hạn).
    Late,
}

impl Timing {
    pub fn code(self) -> &'static str {
        match self {
            Timing::NoDeadline => "no_deadline",
            Timing::OnTrack => "on_track",
            Timing::DueSoon => "due_soon",
            Timing::Overdue => "overdue",
            Timing::Paused => "paused",
            Timing::Early => "early",
            Timing::OnTime => "on_time",
            Timing::Late => "late",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Deadline {
    pub due: Option<Date>,
    /// Working days left (negative once late); `None` without a running deadline.
    pub days_left: Option<i64>,
    pub timing: Timing,
}

/// Whether the dossier's deadline runs (so the office calendar is needed to show it).
pub fn deadline_running(d: &DossierRecord) -> bool {
    d.due_date.is_some() && d.decided_on.is_none() && d.state != State::Withdrawn.code()
}

/// The deadline view of a dossier on `today` (office-local).
pub fn deadline(d: &DossierRecord, today: Date, cal: &OfficeCalendar) -> Deadline {
    let st = State::parse(&d.state).unwrap_or(State::Draft);
    let Some(due) = d.due_date else {
        return Deadline {
            due: None,
            days_left: None,
            timing: Timing::NoDeadline,
        };
    };
    if let Some(decided) = d.decided_on {
        let timing = match guichet_rules::calendar::classify(decided, due) {
            guichet_rules::calendar::Timeliness::Early => Timing::Early,
            guichet_rules::calendar::Timeliness::OnTime => Timing::OnTime,
            guichet_rules::calendar::Timeliness::Late => Timing::Late,
        };
        return Deadline {
            due: Some(due),
            days_left: None,
            timing,
        };
    }
    if st == State::Withdrawn {
        return Deadline {
            due: Some(due),
            days_left: None,
            timing: Timing::NoDeadline,
        };
    }
    let clock = DeadlineClock {
        due,
        paused_on: d.paused_on,
    };
    let left = clock.days_left(today, cal).ok();
    let timing = if d.paused_on.is_some() {
        Timing::Paused
    } else {
        match left {
            Some(n) if n < 0 => Timing::Overdue,
            Some(n) if n <= 2 => Timing::DueSoon,
            _ if today > due => Timing::Overdue,
            _ => Timing::OnTrack,
        }
    };
    Deadline {
        due: Some(due),
        days_left: left,
        timing,
    }
}

/// A tracking secret: 12 characters of Crockford base32 (no I, L, O, U), about 60 bits.
fn new_secret(entropy: &dyn Entropy) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut raw = [0u8; 12];
    entropy.fill(&mut raw);
    raw.iter()
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect()
}

pub fn secret_hash(secret: &str) -> String {
    let normal: String = secret
        .trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Constant-time check of a tracking secret against a dossier.
pub fn secret_matches(d: &DossierRecord, secret: &str) -> bool {
    let Some(stored) = &d.secret_hash else {
        return false;
    };
    let given = secret_hash(secret);
    stored.len() == given.len()
        && stored
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

pub use guichet_common::Actor;

/// What a step needs besides the dossier.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// Why (required for a correction request, a refusal, a closing).
    pub reason: String,
    /// New answers, for a resubmission.
    pub answers: Option<Map<String, Value>>,
    /// Files that now belong to the dossier.
    pub files: Vec<FileId>,
}

/// The one-stop desk: every operation on dossiers.
pub struct Desk<'a> {
    pub store: &'a dyn OneStopStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
    pub units: &'a Registry,
    pub versions: &'a VersionCache,
    /// Issues the documents of each step; `None` issues none (tests of the bare state machine).
    pub issuer: Option<&'a crate::documents::Issuer>,
}

/// The procedure version a dossier is filed on, with its office.
pub struct Filing {
    pub office: Office,
    pub procedure: ProcedureRecord,
    pub version: i64,
    pub body: std::sync::Arc<ProcedureBody>,
}

impl Desk<'_> {
    fn ids(&self) -> IdGen<'_> {
        IdGen {
            clock: self.clock,
            entropy: self.entropy,
        }
    }

    /// The published version of a procedure, ready to file on.
    pub async fn filing(&self, procedure: &ProcedureRecord) -> Result<Filing> {
        let office = self
            .store
            .office(procedure.office_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("office".into()))?;
        self.filing_in(office, procedure).await
    }

    /// The same, when the caller already holds the office.
    pub async fn filing_in(&self, office: Office, procedure: &ProcedureRecord) -> Result<Filing> {
        let filing = self.published(office, procedure).await?;
        if !filing.body.level.online() {
            return Err(invalid(
                "procedure-offline",
                "this procedure is filed at the counter, not online",
            ));
        }
        Ok(filing)
    }

    /// The published version of a procedure whatever its level of online service: what an
    /// agent files on at the counter (information-only procedures included).
    pub async fn published(&self, office: Office, procedure: &ProcedureRecord) -> Result<Filing> {
        if procedure.published_version == 0 || office.id != procedure.office_id {
            return Err(invalid(
                "procedure-closed",
                "this procedure is not open for filing",
            ));
        }
        let body = self
            .versions
            .body(self.store, procedure.id, procedure.published_version)
            .await?
            .ok_or_else(|| ServiceError::NotFound("procedure version".into()))?;
        Ok(Filing {
            office,
            procedure: procedure.clone(),
            version: procedure.published_version,
            body,
        })
    }

    /// The version a dossier was filed on.
    pub async fn body_of_dossier(
        &self,
        d: &DossierRecord,
    ) -> Result<std::sync::Arc<ProcedureBody>> {
        self.versions
            .body(self.store, d.procedure_id, d.procedure_version)
            .await?
            .ok_or_else(|| ServiceError::NotFound("procedure version".into()))
    }

    pub(crate) fn check<'b>(&'b self, lang: Language, mode: Mode, office: &Office) -> Check<'b> {
        Check {
            lang,
            mode,
            today: local_time(office.country, self.clock.now()).date(),
            units: self.units,
        }
    }

    pub(crate) fn event(
        &self,
        office: &Office,
        actor: &Actor,
        action: &str,
        d: &DossierRecord,
        payload: Value,
    ) -> Event {
        Event {
            stream: office.code.clone(),
            actor: actor.ledger(),
            action: action.to_owned(),
            object_type: "dossier".into(),
            object_id: d.id.to_string(),
            payload,
        }
    }

    pub(crate) fn history(
        &self,
        d: &DossierRecord,
        actor: &Actor,
        action: &str,
        from: &str,
        to: &str,
        note: &str,
    ) -> DossierEventRecord {
        DossierEventRecord {
            id: self.ids().uuid(),
            dossier_id: d.id,
            at: self.clock.now(),
            actor_id: actor.id,
            actor_name: actor.name.clone(),
            action: action.to_owned(),
            from_state: from.to_owned(),
            to_state: to.to_owned(),
            note: note.to_owned(),
        }
    }

    pub(crate) fn new_dossier(
        &self,
        filing: &Filing,
        applicant: &User,
        answers: Map<String, Value>,
    ) -> DossierRecord {
        let now = self.clock.now();
        DossierRecord {
            id: self.ids().id::<DossierId>(),
            code: None,
            office_id: filing.office.id,
            procedure_id: filing.procedure.id,
            procedure_version: filing.version,
            applicant_id: Some(applicant.id),
            applicant_name: applicant.display_name.clone(),
            applicant_email: applicant.email.clone(),
            state: State::Draft.code().into(),
            answers: Value::Object(answers),
            secret_hash: None,
            rev: 1,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            received_at: None,
            due_date: None,
            paused_on: None,
            decided_on: None,
            assigned_to: None,
            idempotency_key: None,
            lang: String::new(),
            intake: None,
        }
    }

    /// Starts a draft for `applicant` on the published version of a procedure.
    pub async fn start(&self, applicant: &User, filing: &Filing) -> Result<DossierRecord> {
        let mut answers = Map::new();
        crate::identity::lock(
            &mut answers,
            &crate::identity::verified_fields(self.store, applicant.id, &filing.body.form).await?,
        );
        let d = self.new_dossier(filing, applicant, answers);
        let actor = Actor::user(applicant);
        let event = self.event(
            &filing.office,
            &actor,
            "dossier.draft_started",
            &d,
            serde_json::json!({
                "procedure": filing.procedure.code, "version": filing.version,
            }),
        );
        let mut w = DossierWrite::new(d.clone(), None);
        w.event = Some(self.history(&d, &actor, "draft_started", "", State::Draft.code(), ""));
        Ok(self
            .store
            .write_dossier(w, &Audit::one(self.clock.now(), event))
            .await?)
    }

    /// Saves a draft's answers as given (a draft may be incomplete or even wrong); returns the
    /// stored dossier and the problems found so far (missing required answers are not problems
    /// yet). Allowed in draft only.
    pub async fn save_draft(
        &self,
        applicant: &User,
        d: &DossierRecord,
        expected_rev: i64,
        answers: Map<String, Value>,
        files: Vec<FileId>,
        lang: Language,
    ) -> Result<(DossierRecord, Vec<FieldError>)> {
        if State::parse(&d.state) != Some(State::Draft) {
            return Err(ServiceError::IllegalStep {
                from: d.state.clone(),
                step: "save_draft".into(),
            });
        }
        let office = self.office_of(d).await?;
        let body = self.body_of_dossier(d).await?;
        let mut answers = answers;
        self.lock_verified(d, &body, &mut answers).await?;
        let problems = form::validate(
            &body.form,
            &Value::Object(answers.clone()),
            &self.check(lang, Mode::Draft, &office),
        )
        .err()
        .unwrap_or_default();
        let size = serde_json::to_vec(&answers)
            .map(|v| v.len())
            .unwrap_or(usize::MAX);
        if size > MAX_ANSWERS_BYTES {
            return Err(invalid("answers-too-big", "the answers are too long"));
        }
        let mut next = d.clone();
        next.answers = Value::Object(answers);
        next.rev = expected_rev + 1;
        next.updated_at = self.clock.now();
        let actor = Actor::user(applicant);
        let event = self.event(
            &office,
            &actor,
            "dossier.draft_saved",
            &next,
            serde_json::json!({ "rev": next.rev }),
        );
        let mut w = DossierWrite::new(next, Some(expected_rev));
        w.attach_files = files;
        let stored = self
            .store
            .write_dossier(w, &Audit::one(self.clock.now(), event))
            .await?;
        Ok((stored, problems))
    }

    /// Puts the applicant's verified identity over the answers (nothing for a dossier taken in
    /// at the counter: it has no account behind it).
    async fn lock_verified(
        &self,
        d: &DossierRecord,
        body: &ProcedureBody,
        answers: &mut Map<String, Value>,
    ) -> Result<()> {
        if let Some(applicant) = d.applicant_id {
            crate::identity::lock(
                answers,
                &crate::identity::verified_fields(self.store, applicant, &body.form).await?,
            );
        }
        Ok(())
    }

    pub(crate) async fn office_of(&self, d: &DossierRecord) -> Result<Office> {
        self.store
            .office(d.office_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("office".into()))
    }

    /// Validates strictly against the version the dossier is on.
    pub async fn validate_for_submission(
        &self,
        d: &DossierRecord,
        answers: &Value,
        lang: Language,
    ) -> Result<Map<String, Value>> {
        let office = self.office_of(d).await?;
        let body = self.body_of_dossier(d).await?;
        form::validate(
            &body.form,
            answers,
            &self.check(lang, Mode::Submit, &office),
        )
        .map_err(ServiceError::Form)
    }

    /// Submits a draft: strict validation, a code for the office and day, a tracking secret.
    /// Returns the dossier and the secret (shown once; only its hash is stored).
    ///
    /// If the procedure has been republished since the draft began, the draft moves to the new
    /// version (answers kept) and `FormChanged` asks the applicant to review it.
    pub async fn submit(
        &self,
        applicant: &User,
        d: &DossierRecord,
        expected_rev: i64,
        lang: Language,
    ) -> Result<(DossierRecord, String)> {
        let from = State::parse(&d.state).unwrap_or(State::Draft);
        if state::next(from, Step::Submit).is_none() {
            return Err(ServiceError::IllegalStep {
                from: d.state.clone(),
                step: Step::Submit.code().into(),
            });
        }
        let procedure = self
            .store
            .procedure(d.procedure_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("procedure".into()))?;
        if procedure.published_version == 0 {
            return Err(invalid(
                "procedure-closed",
                "this procedure is no longer open for filing",
            ));
        }
        if procedure.published_version != d.procedure_version {
            let mut moved = d.clone();
            moved.procedure_version = procedure.published_version;
            moved.rev = expected_rev + 1;
            moved.updated_at = self.clock.now();
            let office = self.office_of(d).await?;
            let actor = Actor::user(applicant);
            let event = self.event(
                &office,
                &actor,
                "dossier.form_version_changed",
                &moved,
                serde_json::json!({
                    "from": d.procedure_version, "to": procedure.published_version,
                }),
            );
            self.store
                .write_dossier(
                    DossierWrite::new(moved, Some(expected_rev)),
                    &Audit::one(self.clock.now(), event),
                )
                .await?;
            return Err(ServiceError::FormChanged {
                from: d.procedure_version,
                to: procedure.published_version,
            });
        }
        let filing = if d.intake.is_some() {
            self.published(self.office_of(d).await?, &procedure).await?
        } else {
            self.filing(&procedure).await?
        };
        let mut given = d.answers.as_object().cloned().unwrap_or_default();
        self.lock_verified(d, &filing.body, &mut given).await?;
        let answers = self
            .validate_for_submission(d, &Value::Object(given), lang)
            .await?;
        let mut next = d.clone();
        next.answers = Value::Object(answers);
        next.rev = expected_rev + 1;
        let (w, secret, audit) =
            self.submission(&filing, applicant, next, Some(expected_rev), lang);
        let stored = self.store.write_dossier(w, &audit).await?;
        Ok((stored, secret))
    }

    pub(crate) fn submission(
        &self,
        filing: &Filing,
        applicant: &User,
        mut d: DossierRecord,
        expected_rev: Option<i64>,
        lang: Language,
    ) -> (DossierWrite, String, Audit) {
        let now = self.clock.now();
        // The applicant's e-mails follow the language they filed in.
        d.lang = lang.code().to_owned();
        let local = local_time(filing.office.country, now);
        let secret = new_secret(self.entropy);
        d.state = State::Submitted.code().into();
        d.secret_hash = Some(secret_hash(&secret));
        d.submitted_at = Some(now);
        d.updated_at = now;
        let actor = Actor::user(applicant);
        // "code": null is filled by the store with the number it gives.
        let event = self.event(
            &filing.office,
            &actor,
            "dossier.submitted",
            &d,
            serde_json::json!({
                "code": null,
                "procedure": filing.procedure.code,
                "version": d.procedure_version,
                "answers_sha256": hex::encode(Sha256::digest(d.answers.to_string().as_bytes())),
                "channel": d.intake.as_ref().map_or("online", |i| i.channel.as_str()),
            }),
        );
        let mut event = event;
        if let Some(intake) = &d.intake {
            // The identity document is personal data: the ledger keeps its digest only.
            event.payload["intake"] = serde_json::json!({
                "id_kind": intake.id_kind,
                "id_number_sha256": hex::encode(Sha256::digest(intake.id_number.as_bytes())),
                "identity_checked": intake.identity_checked,
            });
        }
        let history = self.history(
            &d,
            &actor,
            Step::Submit.code(),
            State::Draft.code(),
            State::Submitted.code(),
            "",
        );
        let mut w = DossierWrite::new(d, expected_rev);
        w.allocate_code = Some(CodeRequest {
            prefix: format!("{}-{}", filing.office.code, yymmdd(local.date())),
            day: local.date(),
        });
        w.event = Some(history);
        (w, secret, Audit::one(now, event))
    }

    /// Files and submits in one transaction (the API's one-call filing). With an idempotency
    /// key, a repeated call returns the dossier the first call created (without its secret).
    pub async fn file_now(
        &self,
        applicant: &User,
        filing: &Filing,
        answers: &Value,
        idempotency_key: Option<&str>,
        lang: Language,
    ) -> Result<(DossierRecord, Option<String>)> {
        let key = idempotency_key.map(|k| format!("{}:{}", applicant.id, k.trim()));
        if let Some(k) = &key {
            if k.len() > 200 {
                return Err(invalid(
                    "idempotency-key",
                    "the idempotency key is at most 160 characters",
                ));
            }
            if let Some(existing) = self.store.dossier_by_idempotency_key(k).await? {
                return Ok((existing, None));
            }
        }
        let mut given = answers.as_object().cloned().unwrap_or_default();
        crate::identity::lock(
            &mut given,
            &crate::identity::verified_fields(self.store, applicant.id, &filing.body.form).await?,
        );
        let checked = form::validate(
            &filing.body.form,
            &Value::Object(given),
            &self.check(lang, Mode::Submit, &filing.office),
        )
        .map_err(ServiceError::Form)?;
        let mut d = self.new_dossier(filing, applicant, checked);
        d.idempotency_key = key.clone();
        let files = file_ids(&d.answers);
        let (mut w, secret, audit) = self.submission(filing, applicant, d, None, lang);
        w.attach_files = files;
        match self.store.write_dossier(w, &audit).await {
            Ok(stored) => Ok((stored, Some(secret))),
            // Two calls with the same key at once: the loser returns the winner's dossier.
            Err(StoreError::Conflict(_)) if key.is_some() => {
                let k = key.unwrap_or_default();
                match self.store.dossier_by_idempotency_key(&k).await? {
                    Some(existing) => Ok((existing, None)),
                    None => Err(ServiceError::Store(StoreError::Conflict("dossier".into()))),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Takes a step on a dossier that is not a draft submission: receipt, correction request,
    /// resubmission, decisions, withdrawal, hand-over. `party` must have been authorized by the
    /// caller (applicant of the dossier, or agent of its office).
    pub async fn step(
        &self,
        actor: &Actor,
        d: &DossierRecord,
        expected_rev: i64,
        step: Step,
        input: StepInput,
        lang: Language,
    ) -> Result<DossierRecord> {
        let from = State::parse(&d.state)
            .ok_or_else(|| ServiceError::Internal(format!("unknown state {}", d.state)))?;
        if step == Step::Submit {
            return Err(ServiceError::IllegalStep {
                from: d.state.clone(),
                step: step.code().into(),
            });
        }
        let to = state::next(from, step).ok_or_else(|| ServiceError::IllegalStep {
            from: d.state.clone(),
            step: step.code().into(),
        })?;
        let reason = input.reason.trim().to_owned();
        if step.needs_reason() && reason.is_empty() {
            return Err(invalid(
                "reason-required",
                "say why: the applicant will read it",
            ));
        }
        if reason.chars().count() > 4000 {
            return Err(invalid(
                "reason-too-long",
                "the reason is at most 4000 characters",
            ));
        }
        let office = self.office_of(d).await?;
        let body = self.body_of_dossier(d).await?;
        let cal = guichet_identity::calendar::office_calendar(self.store, &office)
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let now = self.clock.now();
        let today = local_time(office.country, now).date();
        let mut next = d.clone();
        next.state = to.code().into();
        next.rev = expected_rev + 1;
        next.updated_at = now;
        match step {
            Step::Receive => {
                next.received_at = Some(now);
                let local = local_time(office.country, now);
                next.due_date = Some(match body.time_unit {
                    TimeUnit::WorkingDays => cal
                        .due_date(local, CLOSING_TIME, body.processing_time)
                        .map_err(calendar_error)?,
                    TimeUnit::CalendarMonths => add_months(local.date(), body.processing_time),
                });
            }
            Step::RequestCorrection => next.paused_on = Some(today),
            Step::Resubmit => {
                let mut given = input
                    .answers
                    .clone()
                    .unwrap_or_else(|| d.answers.as_object().cloned().unwrap_or_default());
                if let Some(applicant) = d.applicant_id {
                    crate::identity::lock(
                        &mut given,
                        &crate::identity::verified_fields(self.store, applicant, &body.form)
                            .await?,
                    );
                }
                let answers = Value::Object(given);
                next.answers =
                    Value::Object(self.validate_for_submission(d, &answers, lang).await?);
                if let (Some(due), Some(paused)) = (d.due_date, d.paused_on) {
                    next.due_date = Some(match body.time_unit {
                        TimeUnit::WorkingDays => {
                            let mut clock = DeadlineClock {
                                due,
                                paused_on: Some(paused),
                            };
                            clock.resume(today, &cal).map_err(calendar_error)?;
                            clock.due
                        }
                        TimeUnit::CalendarMonths => due.saturating_add(today - paused),
                    });
                }
                next.paused_on = None;
            }
            Step::Approve | Step::Reject | Step::Close => next.decided_on = Some(today),
            Step::Withdraw | Step::HandOver | Step::Submit => {}
        }
        let event = self.event(
            &office,
            actor,
            &format!("dossier.{}", step.code()),
            &next,
            serde_json::json!({
                "code": d.code, "from": from.code(), "to": to.code(), "reason": reason,
                "due": next.due_date.map(form::iso),
            }),
        );
        let history = self.history(&next, actor, step.code(), from.code(), to.code(), &reason);
        let documents = self
            .issue_documents(
                crate::documents::documents_for_step(step),
                &office,
                &next,
                &body,
                &history,
                &reason,
                None,
                actor,
            )
            .await?;
        let mut event = event;
        if !documents.is_empty() {
            event.payload["documents"] = documents_json(&documents);
        }
        let mut w = DossierWrite::new(next.clone(), Some(expected_rev));
        w.event = Some(history);
        w.attach_files = input.files;
        w.outbox = self
            .notifications(&office, &next, from, to, &reason, &documents)
            .await?;
        w.documents = documents;
        Ok(self.store.write_dossier(w, &Audit::one(now, event)).await?)
    }

    /// Renders and seals the documents of a change (none without an issuer).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn issue_documents(
        &self,
        kinds: &[guichet_documents::DocumentKind],
        office: &Office,
        next: &DossierRecord,
        body: &ProcedureBody,
        history: &DossierEventRecord,
        reason: &str,
        new_due: Option<Date>,
        actor: &Actor,
    ) -> Result<Vec<crate::store::IssuedDocument>> {
        let Some(issuer) = self.issuer else {
            return Ok(Vec::new());
        };
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let mut events = self.store.dossier_events(next.id).await?;
        events.push(history.clone());
        let input = crate::documents::DocumentInput {
            office,
            dossier: next,
            body,
            events: &events,
            reason,
            new_due,
            signer_name: &actor.name,
            issued_by: actor.id,
        };
        let mut out = Vec::new();
        for kind in kinds {
            out.push(
                issuer
                    .issue(self.store, self.clock, self.entropy, *kind, &input)
                    .await?,
            );
        }
        Ok(out)
    }

    /// The dossier will be late: a new due date, the reason, and an apology letter to the
    /// applicant (the deadline clock then runs to the new date).
    pub async fn postpone(
        &self,
        actor: &Actor,
        d: &DossierRecord,
        expected_rev: i64,
        new_due: Date,
        reason: &str,
    ) -> Result<DossierRecord> {
        if State::parse(&d.state) != Some(State::Received) {
            return Err(invalid(
                "postpone-state",
                "only a dossier being processed can be given a new date",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 4000 {
            return Err(invalid(
                "reason-required",
                "say why (at most 4000 characters): the applicant will read it",
            ));
        }
        let office = self.office_of(d).await?;
        let today = local_time(office.country, self.clock.now()).date();
        if new_due <= today || d.due_date.is_some_and(|due| new_due <= due) {
            return Err(invalid(
                "postpone-date",
                "the new date must be after today and after the current due date",
            ));
        }
        let body = self.body_of_dossier(d).await?;
        let now = self.clock.now();
        let mut next = d.clone();
        next.rev = expected_rev + 1;
        next.updated_at = now;
        let history = self.history(&next, actor, "postpone", &d.state, &d.state, reason);
        let documents = self
            .issue_documents(
                &[guichet_documents::DocumentKind::Apology],
                &office,
                &next,
                &body,
                &history,
                reason,
                Some(new_due),
                actor,
            )
            .await?;
        // The apology shows the date that was promised; the dossier now runs to the new one.
        next.due_date = Some(new_due);
        let mut event = self.event(
            &office,
            actor,
            "dossier.postponed",
            &next,
            serde_json::json!({
                "code": d.code, "reason": reason,
                "from": d.due_date.map(form::iso), "to": form::iso(new_due),
            }),
        );
        if !documents.is_empty() {
            event.payload["documents"] = documents_json(&documents);
        }
        let mut w = DossierWrite::new(next, Some(expected_rev));
        w.event = Some(history);
        if let Some(email) = &d.applicant_email {
            let lang = mail_language(&office, d);
            let code = d.code.clone().unwrap_or_default();
            let subject = format!(
                "{code}: {}",
                guichet_documents::DocumentKind::Apology.title(lang.code())
            );
            w.outbox.push(self.mail(
                email,
                subject,
                format!("{reason}\n\n{}", form::iso(new_due)),
                &documents,
            ));
        }
        w.documents = documents;
        Ok(self.store.write_dossier(w, &Audit::one(now, event)).await?)
    }

    /// An e-mail in the outbox, sent after the transaction commits, with the documents the
    /// change issued attached (the sender reads their PDFs from the file store).
    fn mail(
        &self,
        to: &str,
        subject: String,
        body: String,
        documents: &[crate::store::IssuedDocument],
    ) -> OutboxRecord {
        let now = self.clock.now();
        let attachments: Vec<Value> = documents
            .iter()
            .map(|d| {
                serde_json::json!({
                    "file": d.file.id,
                    "name": d.file.name,
                    "content_type": d.file.content_type,
                })
            })
            .collect();
        OutboxRecord {
            id: self.ids().uuid(),
            topic: "email".into(),
            payload: serde_json::json!({
                "to": to, "subject": subject, "body": body, "attachments": attachments,
            }),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
            done_at: None,
            last_error: None,
        }
    }

    /// The e-mail to the applicant and the office's webhooks for a state change.
    pub(crate) async fn notifications(
        &self,
        office: &Office,
        d: &DossierRecord,
        from: State,
        to: State,
        reason: &str,
        documents: &[crate::store::IssuedDocument],
    ) -> Result<Vec<OutboxRecord>> {
        let now = self.clock.now();
        let mut out = Vec::new();
        let code = d.code.clone().unwrap_or_default();
        if let Some(email) = &d.applicant_email {
            let (subject, body) =
                crate::outbox::state_mail(mail_language(office, d), &code, to, reason);
            out.push(self.mail(email, subject, body, documents));
        }
        for hook in self.store.webhooks(office.id).await? {
            out.push(OutboxRecord {
                id: self.ids().uuid(),
                topic: "webhook".into(),
                payload: serde_json::json!({
                    "url": hook.url,
                    "webhook": hook.id,
                    "body": {
                        "event": "dossier.state_changed",
                        "dossier": d.id, "code": code, "office": office.code,
                        "from": from.code(), "to": to.code(),
                        "demarches_simplifiees": to.demarches_simplifiees(),
                        "at": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                    },
                }),
                created_at: now,
                attempts: 0,
                next_attempt_at: now,
                done_at: None,
                last_error: None,
            });
        }
        Ok(out)
    }

    /// A message on the dossier; `internal` notes are for agents only.
    pub async fn message(
        &self,
        actor: &Actor,
        from_applicant: bool,
        d: &DossierRecord,
        body: &str,
        internal: bool,
        file: Option<FileId>,
    ) -> Result<DossierRecord> {
        let body = body.trim();
        if body.is_empty() && file.is_none() {
            return Err(invalid("message-empty", "write a message or attach a file"));
        }
        if body.chars().count() > 10_000 {
            return Err(invalid(
                "message-too-long",
                "a message is at most 10,000 characters",
            ));
        }
        if from_applicant && internal {
            return Err(invalid(
                "message-internal",
                "only agents write internal notes",
            ));
        }
        if State::parse(&d.state) == Some(State::Draft) {
            return Err(invalid(
                "message-draft",
                "messages start once the dossier is submitted",
            ));
        }
        let office = self.office_of(d).await?;
        let now = self.clock.now();
        let mut next = d.clone();
        next.rev = d.rev + 1;
        next.updated_at = now;
        let message = MessageRecord {
            id: self.ids().uuid(),
            dossier_id: d.id,
            at: now,
            author_id: actor.id,
            author_name: actor.name.clone(),
            from_applicant,
            internal,
            body: body.to_owned(),
            file_id: file,
        };
        let event = self.event(&office, actor, if internal { "dossier.note_added" } else { "dossier.message_sent" }, d, serde_json::json!({
            "code": d.code, "message": message.id, "sha256": hex::encode(Sha256::digest(body.as_bytes())), "file": file,
        }));
        let mut w = DossierWrite::new(next, Some(d.rev));
        w.messages.push(message);
        w.attach_files = file.into_iter().collect();
        if !from_applicant
            && !internal
            && let Some(email) = &d.applicant_email
        {
            let (subject, text) = crate::outbox::message_mail(
                mail_language(&office, d),
                d.code.as_deref().unwrap_or_default(),
            );
            w.outbox.push(self.mail(email, subject, text, &[]));
        }
        Ok(self.store.write_dossier(w, &Audit::one(now, event)).await?)
    }

    /// Assigns a dossier to an agent of its office (or to nobody).
    pub async fn assign(
        &self,
        actor: &Actor,
        d: &DossierRecord,
        expected_rev: i64,
        assignee: Option<&User>,
    ) -> Result<DossierRecord> {
        let office = self.office_of(d).await?;
        if let Some(a) = assignee {
            let works_here = a.grants.iter().any(|g| g.office == Some(office.id));
            if !works_here {
                return Err(invalid(
                    "assignee",
                    "the dossier can only go to someone who works in its office",
                ));
            }
        }
        let now = self.clock.now();
        let mut next = d.clone();
        next.assigned_to = assignee.map(|a| a.id);
        next.rev = expected_rev + 1;
        next.updated_at = now;
        let name = assignee.map(|a| a.display_name.clone()).unwrap_or_default();
        let event = self.event(
            &office,
            actor,
            "dossier.assigned",
            d,
            serde_json::json!({
                "code": d.code, "to": assignee.map(|a| a.id),
            }),
        );
        let mut w = DossierWrite::new(next.clone(), Some(expected_rev));
        w.event = Some(self.history(&next, actor, "assign", &d.state, &d.state, &name));
        Ok(self.store.write_dossier(w, &Audit::one(now, event)).await?)
    }
}

/// The language of the e-mails to a dossier's applicant: the one they filed in, else (dossiers
/// filed before it was recorded) the office's.
pub fn mail_language(office: &Office, d: &DossierRecord) -> Language {
    d.lang.parse().unwrap_or_else(|_| office_language(office))
}

/// The office's official language (issued documents are in it).
pub fn office_language(office: &Office) -> Language {
    match office.country {
        Country::Vn => Language::Vi,
        Country::Fr => Language::Fr,
    }
}

fn calendar_error(e: guichet_rules::calendar::CalendarError) -> ServiceError {
    invalid("calendar", e.to_string())
}

/// Ids and hashes of issued documents, for the ledger entry of the change that issued them.
pub(crate) fn documents_json(documents: &[crate::store::IssuedDocument]) -> Value {
    Value::Array(
        documents
            .iter()
            .map(|i| {
                serde_json::json!({
                    "id": i.document.id, "kind": i.document.kind, "sha256": i.document.sha256,
                    "key": i.document.key_id,
                })
            })
            .collect(),
    )
}

pub fn yymmdd(d: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        u8::from(d.month()),
        d.day()
    )
}

/// The file ids an answers document refers to (top level and blocks).
pub fn file_ids(answers: &Value) -> Vec<FileId> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<FileId>) {
        match v {
            Value::Object(o) => {
                if let (Some(Value::String(id)), Some(_)) = (o.get("file"), o.get("sha256"))
                    && let Ok(id) = id.parse()
                {
                    out.push(id);
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(answers, &mut out);
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn office_local_time() {
        // Vietnam: UTC+7 all year.
        assert_eq!(
            local_time(Country::Vn, datetime!(2026-01-15 10:30 UTC)),
            datetime!(2026-01-15 17:30)
        );
        // Paris: winter UTC+1, summer UTC+2; the change is at 01:00 UTC on the last Sundays.
        assert_eq!(
            local_time(Country::Fr, datetime!(2026-01-15 10:30 UTC)),
            datetime!(2026-01-15 11:30)
        );
        assert_eq!(
            local_time(Country::Fr, datetime!(2026-07-15 10:30 UTC)),
            datetime!(2026-07-15 12:30)
        );
        assert_eq!(
            local_time(Country::Fr, datetime!(2026-03-29 00:59 UTC)),
            datetime!(2026-03-29 01:59)
        );
        assert_eq!(
            local_time(Country::Fr, datetime!(2026-03-29 01:00 UTC)),
            datetime!(2026-03-29 03:00)
        );
        assert_eq!(
            local_time(Country::Fr, datetime!(2026-10-25 00:59 UTC)),
            datetime!(2026-10-25 02:59)
        );
        assert_eq!(
            local_time(Country::Fr, datetime!(2026-10-25 01:00 UTC)),
            datetime!(2026-10-25 02:00)
        );
    }

    #[test]
    fn calendar_months() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 25), 2), date!(2027 - 01 - 25));
        assert_eq!(add_months(date!(2024 - 12 - 31), 2), date!(2025 - 02 - 28));
    }

    #[test]
    fn secrets_are_checked_whatever_the_case_and_spacing() {
        let e = guichet_core::SeededEntropy::new(3);
        let s = new_secret(&e);
        assert_eq!(s.len(), 12);
        let d = DossierRecord {
            secret_hash: Some(secret_hash(&s)),
            ..sample()
        };
        assert!(secret_matches(&d, &s.to_lowercase()));
        assert!(secret_matches(&d, &format!(" {}-{} ", &s[..6], &s[6..])));
        assert!(!secret_matches(&d, "AAAAAAAAAAAA"));
        assert!(!secret_matches(&sample(), &s), "no secret, no match");
    }

    fn sample() -> DossierRecord {
        let now = datetime!(2026-11-25 09:00 UTC);
        DossierRecord {
            id: DossierId(uuid::Uuid::nil()),
            code: None,
            office_id: guichet_core::OfficeId(uuid::Uuid::nil()),
            procedure_id: guichet_core::ProcedureId(uuid::Uuid::nil()),
            procedure_version: 1,
            applicant_id: None,
            applicant_name: String::new(),
            applicant_email: None,
            state: "received".into(),
            answers: Value::Null,
            secret_hash: None,
            rev: 1,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            received_at: None,
            due_date: None,
            paused_on: None,
            decided_on: None,
            assigned_to: None,
            idempotency_key: None,
            lang: String::new(),
            intake: None,
        }
    }

    #[test]
    fn deadline_views() {
        let cal = OfficeCalendar::new(guichet_rules::holidays::Country::Vn, None);
        let today = date!(2026 - 11 - 25); // a Wednesday
        let mut d = sample();
        assert_eq!(deadline(&d, today, &cal).timing, Timing::NoDeadline);
        d.due_date = Some(date!(2026 - 12 - 04));
        let v = deadline(&d, today, &cal);
        assert_eq!((v.timing, v.days_left), (Timing::OnTrack, Some(7)));
        d.due_date = Some(date!(2026 - 11 - 27));
        assert_eq!(deadline(&d, today, &cal).timing, Timing::DueSoon);
        d.due_date = Some(date!(2026 - 11 - 20));
        let v = deadline(&d, today, &cal);
        // Mon 23 and Wed 25 count; Tue 24 is Vietnamese Culture Day, a day off from 2026.
        assert_eq!((v.timing, v.days_left), (Timing::Overdue, Some(-2)));
        d.paused_on = Some(date!(2026 - 11 - 18));
        assert_eq!(deadline(&d, today, &cal).timing, Timing::Paused);
        d.paused_on = None;
        d.decided_on = Some(date!(2026 - 11 - 20));
        assert_eq!(deadline(&d, today, &cal).timing, Timing::OnTime);
        d.decided_on = Some(date!(2026 - 11 - 19));
        assert_eq!(deadline(&d, today, &cal).timing, Timing::Early);
        d.decided_on = Some(date!(2026 - 11 - 23));
        assert_eq!(deadline(&d, today, &cal).timing, Timing::Late);
    }

    #[test]
    fn file_ids_are_found_in_blocks() {
        let a = serde_json::json!({
            "photo": {"file": "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6", "name": "a.jpg", "size": 3, "sha256": "x"},
            "kids": [{"cert": {"file": "0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f7", "name": "b.pdf", "size": 3, "sha256": "y"}}],
            "name": "file"
        });
        assert_eq!(file_ids(&a).len(), 2);
    }
}
