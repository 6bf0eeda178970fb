//! Issuing official documents: which document a step produces, the data its template reads,
//! rendering (typst, off the async threads), sealing with the office key, storing the PDF, and
//! verification of a document presented back (by id and QR signature, or as a file).

use std::sync::Arc;

use crate::store::{
    DocumentRecord, DossierEventRecord, DossierRecord, IssuedDocument, OneStopStore,
};
use bytes::Bytes;
use guichet_core::{Clock, Country, DocumentId, Entropy, IdGen, Language, UserId};
use guichet_documents::seal::{self, OfficeSigner, Statement, VerifyError};
use guichet_documents::{DocumentKind, Renderer};
use guichet_store::{FileRecord, Office};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::dossier::{local_time, office_language};
use crate::files::Files;
use crate::form::{FieldKind, FormSchema};
use crate::procedure::ProcedureBody;
use crate::state::Step;
use crate::{Result, ServiceError, invalid};

/// The template key of one procedure's result document.
pub fn result_template_key(procedure_code: &str) -> String {
    format!("result.{procedure_code}")
}

/// The documents a step issues, in order.
pub fn documents_for_step(step: Step) -> &'static [DocumentKind] {
    match step {
        Step::Receive => &[DocumentKind::Receipt],
        Step::RequestCorrection => &[DocumentKind::Supplement],
        Step::Reject => &[DocumentKind::Refusal, DocumentKind::ControlSheet],
        Step::Approve => &[DocumentKind::Result, DocumentKind::ControlSheet],
        Step::Close => &[DocumentKind::ControlSheet],
        Step::HandOver => &[DocumentKind::Handover],
        Step::Submit | Step::Resubmit | Step::Withdraw => &[],
    }
}

/// Renders, seals and stores documents; shared by the web layer, the CLI and the demo.
#[derive(Clone)]
pub struct Issuer {
    pub renderer: Arc<Renderer>,
    pub files: Files,
    /// Secret from which each office's signing key is derived (so one key file holds all).
    master: [u8; 32],
    /// The public address of this installation, for the QR code's URL.
    pub base_url: String,
}

/// Everything a document needs besides its kind.
pub struct DocumentInput<'a> {
    pub office: &'a Office,
    pub dossier: &'a DossierRecord,
    pub body: &'a ProcedureBody,
    pub events: &'a [DossierEventRecord],
    pub reason: &'a str,
    /// The new due date (apology letters).
    pub new_due: Option<time::Date>,
    pub signer_name: &'a str,
    pub issued_by: Option<UserId>,
}

impl Issuer {
    pub fn new(renderer: Arc<Renderer>, files: Files, master: [u8; 32], base_url: &str) -> Self {
        Self {
            renderer,
            files,
            master,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The office's signing key: derived from the installation secret and the office id.
    pub fn signer(&self, office: &Office) -> OfficeSigner {
        guichet_documents::seal::office_signer(
            &self.master,
            office.id.as_uuid().as_bytes(),
            &office.code,
        )
    }

    /// The template an office uses for a kind: for a result, the procedure's own
    /// (`result.{procedure code}`) first; then the office's own; then the built-in one.
    pub async fn template(
        &self,
        store: &dyn OneStopStore,
        office: &Office,
        kind: DocumentKind,
        procedure_code: Option<&str>,
    ) -> Result<String> {
        if let (DocumentKind::Result, Some(code)) = (kind, procedure_code)
            && let Some(t) = store
                .document_template(office.id, &result_template_key(code))
                .await?
        {
            return Ok(t.source);
        }
        Ok(store
            .document_template(office.id, kind.code())
            .await?
            .map(|t| t.source)
            .unwrap_or_else(|| kind.builtin_template().to_owned()))
    }

    /// Renders and seals one document and stores its PDF; the caller writes the returned rows
    /// (with the dossier change that caused it, in one transaction).
    pub async fn issue(
        &self,
        store: &dyn OneStopStore,
        clock: &dyn Clock,
        entropy: &dyn Entropy,
        kind: DocumentKind,
        input: &DocumentInput<'_>,
    ) -> Result<IssuedDocument> {
        let ids = IdGen { clock, entropy };
        let id: DocumentId = ids.id();
        let now = clock.now();
        let office = input.office;
        let lang = office_language(office);
        let today = local_time(office.country, now).date();
        let signer = self.signer(office);
        let code = input.dossier.code.clone().unwrap_or_default();
        let data = document_data(kind, input, id, now, &self.base_url);
        let statement = Statement {
            v: Statement::VERSION,
            id: id.to_string(),
            office: office.code.clone(),
            kind: kind.code().into(),
            issued_on: crate::form::iso(today),
            reference: code.clone(),
            holder: input.dossier.applicant_name.clone(),
            certifies: format!(
                "{} — {}",
                kind.title(lang.code()),
                input.body.name.get(lang)
            ),
            key_data_sha256: key_data_sha256(&data),
        };
        let qr_signature = signer.sign(&statement.message());
        let url = seal::verify_url(&self.base_url, &statement.id, &qr_signature);
        let procedure_code = store
            .procedure(input.dossier.procedure_id)
            .await?
            .map(|p| p.code);
        let template = self
            .template(store, office, kind, procedure_code.as_deref())
            .await?;
        let renderer = self.renderer.clone();
        let url_for_qr = url.clone();
        let office_code = office.code.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            match guichet_documents::render(&renderer, &template, &data, &url_for_qr, today) {
                // An office's own template passed its check at save time but can still fail
                // on some dossier's data: the step must not be blocked by it, so the built-in
                // template takes over and the failure is logged for the administrator.
                Err(e) if template != kind.builtin_template() => {
                    tracing::warn!(office = %office_code, kind = kind.code(), error = %e,
                        "the office's template failed; the built-in template was used");
                    guichet_documents::render(
                        &renderer,
                        kind.builtin_template(),
                        &data,
                        &url_for_qr,
                        today,
                    )
                }
                other => other,
            }
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("rendering stopped: {e}")))?
        .map_err(|e| invalid("document-template", e.to_string()))?;
        let (sealed, seal) = seal::seal_pdf(pdf, &statement.id, kind.code(), &signer);
        let file_id = ids.id();
        let name = format!(
            "{}-{}.pdf",
            kind.code(),
            if code.is_empty() {
                statement.id.clone()
            } else {
                code
            }
        );
        let file = self
            .files
            .put_generated(file_id, &name, "application/pdf", Bytes::from(sealed), now)
            .await?;
        let file = FileRecord {
            dossier_id: Some(input.dossier.id),
            uploaded_by: input.issued_by,
            ..file
        };
        let document = DocumentRecord {
            id,
            office_id: office.id,
            dossier_id: Some(input.dossier.id),
            kind: kind.code().into(),
            lang: lang.code().into(),
            file_id,
            sha256: seal.sha256,
            key_id: signer.key_id(),
            public_key: hex::encode(signer.public().as_bytes()),
            statement: serde_json::to_string(&statement)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            qr_signature: seal::encode_url_signature(&qr_signature),
            issued_at: now,
            issued_by: input.issued_by,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
        };
        Ok(IssuedDocument { file, document })
    }
}

/// The SHA-256 of what a document states about its dossier and result (its rendered data but
/// for the document's own id, dates and links), as the QR statement binds it.
pub fn key_data_sha256(data: &Value) -> String {
    let key = json!({
        "dossier": data.get("dossier"),
        "result": data.get("result"),
        "reason": data.get("reason"),
        "new_due": data.get("new_due"),
    });
    hex::encode(Sha256::digest(key.to_string().as_bytes()))
}

/// What verifying a document found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Issued by the office, unaltered, in force.
    Authentic(DocumentRecord),
    /// Issued and unaltered, but revoked since.
    Revoked(DocumentRecord),
    /// No such document, or a signature that the office did not make.
    Forged(String),
    /// The file differs from the one issued.
    Altered(String),
}

/// Checks the QR code's signature (`s`) for document `id`.
pub async fn verify_by_id(store: &dyn OneStopStore, id: DocumentId, s: &str) -> Result<Verdict> {
    let Some(doc) = store.document(id).await? else {
        return Ok(Verdict::Forged("no document has this id".into()));
    };
    let statement: Statement = serde_json::from_str(&doc.statement)
        .map_err(|e| ServiceError::Internal(format!("stored statement: {e}")))?;
    let key = public_key(&doc.public_key)?;
    let valid = seal::decode_url_signature(s)
        .is_some_and(|sig| seal::signature_valid(&key, &statement.message(), &sig));
    if !valid {
        return Ok(Verdict::Forged(
            "the QR code's signature was not made by the office for this document".into(),
        ));
    }
    Ok(if doc.revoked_at.is_some() {
        Verdict::Revoked(doc)
    } else {
        Verdict::Authentic(doc)
    })
}

/// Checks a PDF presented back: its seal, its signature by the key the store recorded for the
/// document, and that the document was issued and is not revoked.
pub async fn verify_file(store: &dyn OneStopStore, bytes: &[u8]) -> Result<Verdict> {
    let (_, seal) = match seal::read_seal(bytes) {
        Ok(x) => x,
        Err(e) => return Ok(Verdict::Forged(e.to_string())),
    };
    let Some(id) = seal.id.parse::<DocumentId>().ok() else {
        return Ok(Verdict::Forged(
            "the seal names no valid document id".into(),
        ));
    };
    let Some(doc) = store.document(id).await? else {
        return Ok(Verdict::Forged("no document has this id".into()));
    };
    let key = public_key(&doc.public_key)?;
    match seal::verify_pdf(bytes, |k| (k == doc.key_id).then_some(key)) {
        Ok(s) if s.sha256 == doc.sha256 => Ok(if doc.revoked_at.is_some() {
            Verdict::Revoked(doc)
        } else {
            Verdict::Authentic(doc)
        }),
        Ok(_) => Ok(Verdict::Altered(
            "the file is signed but is not the one issued under this id".into(),
        )),
        Err(e @ VerifyError::Altered { .. }) => Ok(Verdict::Altered(e.to_string())),
        Err(e) => Ok(Verdict::Forged(e.to_string())),
    }
}

fn public_key(hex_key: &str) -> Result<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ServiceError::Internal("stored public key is damaged".into()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|e| ServiceError::Internal(format!("stored public key: {e}")))
}

/// `dd/mm/yyyy` (vi, fr) or `yyyy-mm-dd` (en).
pub fn format_day(lang: Language, d: time::Date) -> String {
    match lang {
        Language::En => crate::form::iso(d),
        _ => format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year()),
    }
}

fn format_moment(country: Country, lang: Language, at: OffsetDateTime) -> String {
    let local = local_time(country, at);
    format!(
        "{} {:02}:{:02}",
        format_day(lang, local.date()),
        local.hour(),
        local.minute()
    )
}

pub use guichet_common::place_date;

fn form_label(lang: Language, form: crate::procedure::DocumentForm) -> &'static str {
    use crate::procedure::DocumentForm::*;
    match (lang, form) {
        (Language::Vi, Original) => "Bản chính",
        (Language::Vi, Copy) => "Bản sao",
        (Language::Vi, CertifiedCopy) => "Bản sao có chứng thực",
        (Language::Fr, Original) => "Original",
        (Language::Fr, Copy) => "Copie",
        (Language::Fr, CertifiedCopy) => "Copie certifiée conforme",
        (Language::En, Original) => "Original",
        (Language::En, Copy) => "Copy",
        (Language::En, CertifiedCopy) => "Certified copy",
    }
}

/// The answers of a form as label/value lines (files and repeatable blocks left out).
pub fn answer_lines(schema: &FormSchema, answers: &Value, lang: Language) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in &schema.fields {
        let Some(value) = answers.get(&field.key) else {
            continue;
        };
        let shown = match (&field.kind, value) {
            (FieldKind::File { .. }, _) | (_, Value::Null) => continue,
            (FieldKind::YesNo, Value::Bool(b)) => match (lang, b) {
                (Language::Vi, true) => "Có".into(),
                (Language::Vi, false) => "Không".into(),
                (Language::Fr, true) => "Oui".into(),
                (Language::Fr, false) => "Non".into(),
                (_, true) => "Yes".into(),
                (_, false) => "No".into(),
            },
            (kind, Value::String(s)) if !kind.options().is_empty() => kind
                .options()
                .iter()
                .find(|o| &o.value == s)
                .map(|o| o.label.get(lang).to_owned())
                .unwrap_or_else(|| s.clone()),
            (kind, Value::Array(items)) if !kind.options().is_empty() => items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| {
                    kind.options()
                        .iter()
                        .find(|o| o.value == s)
                        .map(|o| o.label.get(lang).to_owned())
                        .unwrap_or_else(|| s.to_owned())
                })
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::String(s)) => s.clone(),
            (_, Value::Number(n)) => n.to_string(),
            (_, Value::Object(o)) => match o.get("text").or_else(|| o.get("label")) {
                Some(Value::String(s)) => s.clone(),
                _ => continue,
            },
            _ => continue,
        };
        if !shown.is_empty() {
            out.push((field.label.get(lang).to_owned(), shown));
        }
    }
    out
}

/// The JSON a template reads (`data` in `lib.typ`); `guichet_documents::sample_data` has the
/// same shape.
pub fn document_data(
    kind: DocumentKind,
    input: &DocumentInput<'_>,
    id: DocumentId,
    now: OffsetDateTime,
    base_url: &str,
) -> Value {
    let office = input.office;
    let lang = office_language(office);
    let country = office.country;
    let d = input.dossier;
    let today = local_time(country, now).date();
    let day = |x: Option<time::Date>| x.map(|x| format_day(lang, x)).unwrap_or_default();
    let moment = |x: Option<OffsetDateTime>| {
        x.map(|x| format_moment(country, lang, x))
            .unwrap_or_default()
    };
    let code = d.code.clone().unwrap_or_default();
    let suffix = match kind {
        DocumentKind::Receipt => "TN",
        DocumentKind::Supplement => "BS",
        DocumentKind::Refusal => "TC",
        DocumentKind::Apology => "XL",
        DocumentKind::ControlSheet => "KS",
        DocumentKind::Handover => "TKQ",
        DocumentKind::Result => "KQ",
        DocumentKind::ImplicitAcceptance => "AI",
    };
    let timing = match (d.decided_on, d.due_date) {
        (Some(decided), Some(due)) => {
            let (early, on_time, late) = match lang {
                Language::Vi => ("Trước hạn", "Đúng hạn", "Quá hạn"),
                Language::Fr => ("En avance", "Dans les délais", "En retard"),
                Language::En => ("Early", "On time", "Late"),
            };
            if decided < due {
                early
            } else if decided == due {
                on_time
            } else {
                late
            }
        }
        _ => "",
    };
    let result_title = input.body.result.get(lang).to_owned();
    let result_title = if result_title.is_empty() {
        DocumentKind::Result.title(lang.code()).to_owned()
    } else {
        result_title
    };
    let url = format!("{base_url}/verify/{id}");
    let short = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .to_owned();
    json!({
        "lang": lang.code(),
        "country": match country { Country::Vn => "vn", Country::Fr => "fr" },
        "office": { "code": office.code, "name": office.name, "parent": "" },
        "document": {
            "id": id.to_string(),
            "number": format!("{code}/{suffix}"),
            "title": kind.title(lang.code()),
            "place_date": place_date(office, lang, today),
            "issued_at": format_moment(country, lang, now),
            "verify_url_short": short,
        },
        "signer": input.signer_name,
        "dossier": {
            "code": code,
            "procedure": input.body.name.get(lang),
            "applicant": d.applicant_name,
            "submitted": moment(d.submitted_at),
            "received": moment(d.received_at),
            "due": day(d.due_date),
            "decided": day(d.decided_on),
            "timing": timing,
            "documents": input.body.documents.iter().map(|r| json!({
                "name": r.name.get(lang), "form": form_label(lang, r.form), "count": r.count,
            })).collect::<Vec<_>>(),
            "results": [result_title.clone()],
        },
        "reason": input.reason,
        "new_due": day(input.new_due),
        "events": input.events.iter().map(|e| json!({
            "when": format_moment(country, lang, e.at),
            "actor": e.actor_name,
            "step": crate::state::Step::parse(&e.action).map(|s| step_label(lang, s)).unwrap_or(e.action.as_str()),
            "note": e.note,
        })).collect::<Vec<_>>(),
        "result": {
            "title": result_title,
            "basis": input.body.legal_basis,
            "answers": answer_lines(&input.body.form, &d.answers, lang)
                .into_iter()
                .map(|(label, value)| json!({"label": label, "value": value}))
                .collect::<Vec<_>>(),
        },
    })
}

fn step_label(lang: Language, step: Step) -> &'static str {
    let [vi, fr, en] = match step {
        Step::Submit => ["Nộp hồ sơ", "Dépôt", "Submitted"],
        Step::Receive => ["Tiếp nhận", "Réception", "Received"],
        Step::RequestCorrection => [
            "Yêu cầu bổ sung",
            "Demande de compléments",
            "Correction requested",
        ],
        Step::Resubmit => ["Bổ sung hồ sơ", "Compléments déposés", "Resubmitted"],
        Step::Approve => ["Phê duyệt", "Acceptation", "Approved"],
        Step::Reject => ["Từ chối", "Refus", "Rejected"],
        Step::Close => ["Dừng xử lý", "Classement sans suite", "Closed"],
        Step::Withdraw => ["Rút hồ sơ", "Retrait", "Withdrawn"],
        Step::HandOver => ["Trả kết quả", "Remise", "Handed over"],
    };
    match lang {
        Language::Vi => vi,
        Language::Fr => fr,
        Language::En => en,
    }
}
