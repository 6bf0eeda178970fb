//! The procedure catalogue (thủ tục hành chính / démarches): what a procedure is, its versions
//! (a published version never changes; editing writes the next draft), and catalogue search.

use crate::store::{OneStopStore, ProcedureRecord, ProcedureVersionRecord};
use guichet_core::{Clock, Entropy, IdGen, Language, OfficeId, ProcedureId};
use guichet_ledger::Event;
use guichet_store::{Audit, Office};
use serde::{Deserialize, Serialize};

use crate::form::{FormSchema, Text};
use crate::{Result, ServiceError, invalid};

/// Level of online service (mức độ dịch vụ công trực tuyến: một phần / toàn trình).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceLevel {
    /// Information only: the applicant files at the counter.
    Information,
    /// Filed online, but the applicant comes to the counter (originals, payment, result).
    Partial,
    /// Filed, processed and returned online end to end.
    Full,
}

impl ServiceLevel {
    pub const ALL: [ServiceLevel; 3] = [
        ServiceLevel::Information,
        ServiceLevel::Partial,
        ServiceLevel::Full,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ServiceLevel::Information => "information",
            ServiceLevel::Partial => "partial",
            ServiceLevel::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == s)
    }

    pub fn online(self) -> bool {
        self != ServiceLevel::Information
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    #[default]
    WorkingDays,
    CalendarMonths,
}

impl TimeUnit {
    pub fn code(self) -> &'static str {
        match self {
            TimeUnit::WorkingDays => "working_days",
            TimeUnit::CalendarMonths => "calendar_months",
        }
    }
}

/// What the office's silence means once a procedure's deadline passes without a decision.
/// France: acceptance is the rule (CRPA art. L231-1), rejection the listed exceptions (L231-4
/// and the decrees that list them); each procedure says which. Vietnam has no such rule: a late
/// dossier stays with the office (apology letter, new date).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Silence {
    /// Nothing happens by itself.
    #[default]
    Nothing,
    /// Silence means acceptance (silence vaut acceptation, SVA).
    Acceptance,
    /// Silence means rejection (silence vaut rejet, SVR).
    Rejection,
}

impl Silence {
    pub const ALL: [Silence; 3] = [Silence::Nothing, Silence::Acceptance, Silence::Rejection];

    pub fn code(self) -> &'static str {
        match self {
            Silence::Nothing => "nothing",
            Silence::Acceptance => "acceptance",
            Silence::Rejection => "rejection",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == s)
    }

    pub fn is_nothing(&self) -> bool {
        *self == Silence::Nothing
    }
}

/// How a required document is given (bản chính / bản sao / bản sao có chứng thực).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentForm {
    Original,
    Copy,
    CertifiedCopy,
}

impl DocumentForm {
    pub fn code(self) -> &'static str {
        match self {
            DocumentForm::Original => "original",
            DocumentForm::Copy => "copy",
            DocumentForm::CertifiedCopy => "certified_copy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredDocument {
    pub name: Text,
    pub form: DocumentForm,
    pub count: u32,
}

/// Everything a procedure version says; stored as JSON, frozen once published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureBody {
    pub name: Text,
    #[serde(default)]
    pub description: Text,
    pub level: ServiceLevel,
    /// E.g. "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP".
    #[serde(default)]
    pub legal_basis: String,
    /// Fees as the applicant reads them (e.g. "8.000 đ/bản", "Gratuit").
    #[serde(default)]
    pub fees: Text,
    /// Processing time, in `time_unit`s.
    pub processing_time: u32,
    /// Vietnam counts working days of the office calendar; French "silence vaut acceptation"
    /// deadlines are calendar months.
    #[serde(default)]
    pub time_unit: TimeUnit,
    #[serde(default)]
    pub documents: Vec<RequiredDocument>,
    /// What the applicant receives (trích lục, giấy chứng nhận, certificat…).
    #[serde(default)]
    pub result: Text,
    #[serde(default)]
    pub form: FormSchema,
    /// The lowest identity assurance (eIDAS level, vouched for by an OpenID provider) an
    /// applicant must have logged in with to file; `None`: any login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification: Option<guichet_identity::oidc::Assurance>,
    /// What silence means when the deadline passes without a decision.
    #[serde(default, skip_serializing_if = "Silence::is_nothing")]
    pub silence: Silence,
}

impl ProcedureBody {
    pub fn check(&self) -> Result<()> {
        if self.name.is_empty() {
            return Err(invalid("procedure-name", "the procedure needs a name"));
        }
        let max = match self.time_unit {
            TimeUnit::WorkingDays => 365,
            TimeUnit::CalendarMonths => 24,
        };
        if self.processing_time == 0 || self.processing_time > max {
            return Err(invalid(
                "procedure-time",
                format!("processing time is 1 to {max} {}", self.time_unit.code()),
            ));
        }
        if self
            .documents
            .iter()
            .any(|d| d.name.is_empty() || d.count == 0 || d.count > 20)
        {
            return Err(invalid(
                "procedure-documents",
                "each required document needs a name and a count of 1 to 20",
            ));
        }
        self.form
            .check()
            .map_err(|e| invalid("form-schema", e.to_string()))
    }
}

/// Codes: national codes like `1.001193`, or `CERFA-13750`; letters, digits, `.`, `-`, `_`.
pub fn check_code(code: &str) -> Result<()> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "procedure-code",
            "the code is 1 to 40 letters, digits, '.', '-' or '_'",
        ))
    }
}

pub fn check_topic(topic: &str) -> Result<()> {
    let ok = !topic.is_empty()
        && topic.len() <= 40
        && topic.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "procedure-topic",
            "the topic is lower-case letters and _",
        ))
    }
}

/// A version read back with its body typed.
#[derive(Debug, Clone)]
pub struct Version {
    pub record: ProcedureVersionRecord,
    pub body: ProcedureBody,
}

/// Published and retired versions never change, so their parsed bodies are kept in memory
/// (drafts are always read afresh). Filing and every dossier page need the body.
#[derive(Default)]
pub struct VersionCache {
    bodies: std::sync::RwLock<
        std::collections::HashMap<(ProcedureId, i64), std::sync::Arc<ProcedureBody>>,
    >,
}

impl VersionCache {
    pub async fn body(
        &self,
        store: &dyn OneStopStore,
        procedure: ProcedureId,
        version: i64,
    ) -> Result<Option<std::sync::Arc<ProcedureBody>>> {
        if let Some(b) = self
            .bodies
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(procedure, version))
        {
            return Ok(Some(b.clone()));
        }
        let Some(record) = store.procedure_version(procedure, version).await? else {
            return Ok(None);
        };
        let body = std::sync::Arc::new(body_of(&record)?);
        if record.status != "draft" {
            self.bodies
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert((procedure, version), body.clone());
        }
        Ok(Some(body))
    }
}

pub fn body_of(record: &ProcedureVersionRecord) -> Result<ProcedureBody> {
    serde_json::from_value(record.body.clone())
        .map_err(|e| ServiceError::Internal(format!("stored procedure version is unreadable: {e}")))
}

pub struct Services<'a> {
    pub store: &'a dyn OneStopStore,
    pub clock: &'a dyn Clock,
    pub entropy: &'a dyn Entropy,
}

impl Services<'_> {
    fn ids(&self) -> IdGen<'_> {
        IdGen {
            clock: self.clock,
            entropy: self.entropy,
        }
    }

    /// Creates a procedure with its first draft.
    pub async fn create(
        &self,
        actor: &str,
        office: &Office,
        code: &str,
        topic: &str,
        body: ProcedureBody,
    ) -> Result<ProcedureRecord> {
        check_code(code)?;
        check_topic(topic)?;
        body.check()?;
        let now = self.clock.now();
        let id: ProcedureId = self.ids().id();
        let record = ProcedureRecord {
            id,
            office_id: office.id,
            code: code.to_owned(),
            topic: topic.to_owned(),
            published_version: 0,
            latest_version: 1,
            created_at: now,
        };
        let version = ProcedureVersionRecord {
            id: self.ids().uuid(),
            procedure_id: id,
            version: 1,
            status: "draft".into(),
            body: to_json(&body)?,
            created_at: now,
            published_at: None,
        };
        let event = Event {
            stream: office.code.clone(),
            actor: actor.to_owned(),
            action: "procedure.created".into(),
            object_type: "procedure".into(),
            object_id: id.to_string(),
            payload: serde_json::json!({ "code": code, "topic": topic, "version": 1, "name": body.name }),
        };
        self.store
            .create_procedure(&record, &version, &Audit::one(now, event))
            .await?;
        Ok(record)
    }

    /// Saves the body as the latest draft: updates the draft if the latest version is one,
    /// otherwise starts the next version. Published versions are never touched.
    pub async fn save_draft(
        &self,
        actor: &str,
        office: &Office,
        procedure: &ProcedureRecord,
        body: ProcedureBody,
    ) -> Result<i64> {
        body.check()?;
        let latest = self
            .store
            .procedure_version(procedure.id, procedure.latest_version)
            .await?
            .ok_or_else(|| ServiceError::NotFound("procedure version".into()))?;
        let version = if latest.status == "draft" {
            latest.version
        } else {
            latest.version + 1
        };
        let now = self.clock.now();
        let record = ProcedureVersionRecord {
            id: self.ids().uuid(),
            procedure_id: procedure.id,
            version,
            status: "draft".into(),
            body: to_json(&body)?,
            created_at: now,
            published_at: None,
        };
        let event = Event {
            stream: office.code.clone(),
            actor: actor.to_owned(),
            action: "procedure.draft_saved".into(),
            object_type: "procedure".into(),
            object_id: procedure.id.to_string(),
            payload: serde_json::json!({ "code": procedure.code, "version": version }),
        };
        self.store
            .save_procedure_draft(&record, &Audit::one(now, event))
            .await?;
        Ok(version)
    }

    /// Publishes the latest draft.
    pub async fn publish(
        &self,
        actor: &str,
        office: &Office,
        procedure: &ProcedureRecord,
    ) -> Result<i64> {
        let latest = self
            .store
            .procedure_version(procedure.id, procedure.latest_version)
            .await?
            .ok_or_else(|| ServiceError::NotFound("procedure version".into()))?;
        if latest.status != "draft" {
            return Err(invalid(
                "nothing-to-publish",
                "the latest version is already published; edit it to make a new draft",
            ));
        }
        // Checked again: a draft saved under older rules must still hold.
        body_of(&latest)?.check()?;
        let now = self.clock.now();
        let event = Event {
            stream: office.code.clone(),
            actor: actor.to_owned(),
            action: "procedure.published".into(),
            object_type: "procedure".into(),
            object_id: procedure.id.to_string(),
            payload: serde_json::json!({ "code": procedure.code, "version": latest.version }),
        };
        self.store
            .publish_procedure(procedure.id, latest.version, now, &Audit::one(now, event))
            .await?;
        Ok(latest.version)
    }

    pub async fn unpublish(
        &self,
        actor: &str,
        office: &Office,
        procedure: &ProcedureRecord,
    ) -> Result<()> {
        let now = self.clock.now();
        let event = Event {
            stream: office.code.clone(),
            actor: actor.to_owned(),
            action: "procedure.unpublished".into(),
            object_type: "procedure".into(),
            object_id: procedure.id.to_string(),
            payload: serde_json::json!({ "code": procedure.code, "version": procedure.published_version }),
        };
        self.store
            .unpublish_procedure(procedure.id, &Audit::one(now, event))
            .await?;
        Ok(())
    }
}

fn to_json(body: &ProcedureBody) -> Result<serde_json::Value> {
    serde_json::to_value(body).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// One published procedure as the catalogue lists it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub procedure: ProcedureRecord,
    pub office: Office,
    pub version: i64,
    pub body: ProcedureBody,
}

/// Filters of the public catalogue.
#[derive(Debug, Clone, Default)]
pub struct CatalogueQuery {
    /// Words, accent- and case-insensitive, all of which must appear in the name, description
    /// or code (in any language).
    pub text: String,
    pub office: Option<OfficeId>,
    pub topic: Option<String>,
    pub level: Option<ServiceLevel>,
}

/// The published procedures of every office. Catalogues hold hundreds of procedures, not
/// millions, so they are read whole and filtered in memory.
pub async fn catalogue(store: &dyn OneStopStore) -> Result<Vec<Entry>> {
    let offices = store.list_offices().await?;
    let mut out = Vec::new();
    for p in store.list_procedures(None).await? {
        if p.published_version == 0 {
            continue;
        }
        let Some(office) = offices.iter().find(|o| o.id == p.office_id).cloned() else {
            continue;
        };
        let Some(v) = store.procedure_version(p.id, p.published_version).await? else {
            continue;
        };
        let body = body_of(&v)?;
        out.push(Entry {
            procedure: p,
            office,
            version: v.version,
            body,
        });
    }
    Ok(out)
}

pub fn search(entries: &[Entry], q: &CatalogueQuery, lang: Language) -> Vec<Entry> {
    let words: Vec<String> = guichet_units::fold::fold(&q.text)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut hits: Vec<Entry> = entries
        .iter()
        .filter(|e| q.office.is_none_or(|o| e.office.id == o))
        .filter(|e| q.topic.as_deref().is_none_or(|t| e.procedure.topic == t))
        .filter(|e| q.level.is_none_or(|l| e.body.level == l))
        .filter(|e| {
            if words.is_empty() {
                return true;
            }
            let hay = guichet_units::fold::fold(&format!(
                "{} {} {} {} {} {} {} {}",
                e.procedure.code,
                e.body.name.vi,
                e.body.name.fr,
                e.body.name.en,
                e.body.description.vi,
                e.body.description.fr,
                e.body.description.en,
                e.office.name
            ));
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .cloned()
        .collect();
    hits.sort_by(|a, b| a.body.name.get(lang).cmp(b.body.name.get(lang)));
    hits
}
