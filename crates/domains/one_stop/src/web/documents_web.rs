//! Official documents on the web: the public verification page (QR code link or uploaded PDF,
//! no login), revocation, the apology-and-new-date action, the applicant's rating, and the
//! office administrators' template editor.

use crate::documents::{self, Verdict};
use crate::dossier::Actor;
use crate::store::{DocumentRecord, TemplateRecord};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use guichet_core::{DocumentId, Language};
use guichet_documents::{DocumentKind, check_template};
use guichet_ledger::Event;
use guichet_store::{Audit, Office};

use crate::web::one_stop::{dossier_page, load};
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::{fmt_time, page_error, service_message};
use guichet_web::i18n::Tr;

pub struct Outcome {
    /// `authentic`, `revoked`, `forged` or `altered`.
    pub code: &'static str,
    pub headline: String,
    pub detail: String,
    pub facts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub chrome: Chrome,
    pub outcome: Option<Outcome>,
}

#[derive(serde::Deserialize)]
pub struct VerifyParams {
    #[serde(default)]
    pub s: String,
}

async fn outcome(
    app: &App,
    tr: &Tr,
    lang: Language,
    verdict: Verdict,
) -> Result<Outcome, PageError> {
    let facts = |doc: &DocumentRecord, office: &Option<Office>| {
        let mut f = vec![
            (
                tr.t("verify-document"),
                DocumentKind::parse(&doc.kind)
                    .map(|k| k.title(lang.code()).to_owned())
                    .unwrap_or_default(),
            ),
            (tr.t("verify-id"), doc.id.to_string()),
        ];
        if let Some(o) = office {
            f.push((tr.t("verify-office"), format!("{} ({})", o.name, o.code)));
            f.push((tr.t("verify-issued"), fmt_time(o, doc.issued_at)));
        }
        if let Ok(st) = serde_json::from_str::<guichet_documents::seal::Statement>(&doc.statement) {
            if !st.reference.is_empty() {
                f.push((tr.t("verify-reference"), st.reference));
            }
            // Signed into the QR statement since version 2: whom it is for, what it says.
            if !st.holder.is_empty() {
                f.push((tr.t("verify-holder"), st.holder));
            }
            if !st.certifies.is_empty() {
                f.push((tr.t("verify-certifies"), st.certifies));
            }
        }
        f.push(("SHA-256".into(), doc.sha256.clone()));
        f.push((tr.t("verify-key"), doc.key_id.clone()));
        f
    };
    Ok(match verdict {
        Verdict::Authentic(doc) => {
            let office = guichet_identity::identity_store(&*app.store)?
                .office(doc.office_id)
                .await?;
            Outcome {
                code: "authentic",
                headline: tr.t("verify-authentic"),
                detail: tr.t("verify-authentic-detail"),
                facts: facts(&doc, &office),
            }
        }
        Verdict::Revoked(doc) => {
            let office = guichet_identity::identity_store(&*app.store)?
                .office(doc.office_id)
                .await?;
            let mut f = facts(&doc, &office);
            if let (Some(at), Some(o)) = (doc.revoked_at, &office) {
                f.push((tr.t("verify-revoked-on"), fmt_time(o, at)));
            }
            f.push((
                tr.t("verify-revoked-why"),
                doc.revoke_reason.clone().unwrap_or_default(),
            ));
            Outcome {
                code: "revoked",
                headline: tr.t("verify-revoked"),
                detail: tr.t("verify-revoked-detail"),
                facts: f,
            }
        }
        Verdict::Forged(why) => Outcome {
            code: "forged",
            headline: tr.t("verify-forged"),
            detail: why,
            facts: Vec::new(),
        },
        Verdict::Altered(why) => Outcome {
            code: "altered",
            headline: tr.t("verify-altered"),
            detail: why,
            facts: Vec::new(),
        },
    })
}

/// The page a QR code opens: `/verify/{id}?s={signature}`.
pub async fn verify_link(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<VerifyParams>,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let verdict = match id.parse::<DocumentId>() {
        Ok(id) => documents::verify_by_id(crate::one_stop_store(&*app.store)?, id, &p.s)
            .await
            .map_err(|e| page_error(&tr, e))?,
        Err(_) => Verdict::Forged(tr.t("verify-bad-id")),
    };
    let code_ok = matches!(verdict, Verdict::Authentic(_) | Verdict::Revoked(_));
    let page = VerifyPage {
        chrome: Chrome::new(&ctx),
        outcome: Some(outcome(&app, &tr, ctx.lang, verdict).await?),
    };
    Ok(render_with(
        if code_ok {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        page,
    ))
}

/// The upload form: check a PDF file.
pub async fn verify_form(ctx: Ctx) -> Result<Response, PageError> {
    Ok(render_with(
        StatusCode::OK,
        VerifyPage {
            chrome: Chrome::new(&ctx),
            outcome: None,
        },
    ))
}

pub async fn verify_upload(
    State(app): State<App>,
    ctx: Ctx,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let Some(file) = form.file("document") else {
        return Err(PageError::bad_request(tr.t("verify-no-file")));
    };
    let verdict = documents::verify_file(crate::one_stop_store(&*app.store)?, &file.content)
        .await
        .map_err(|e| page_error(&tr, e))?;
    let page = VerifyPage {
        chrome: Chrome::new(&ctx),
        outcome: Some(outcome(&app, &tr, ctx.lang, verdict).await?),
    };
    Ok(render_with(StatusCode::OK, page))
}

/// An office administrator revokes a document (it then verifies as revoked).
pub async fn revoke(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let id: DocumentId = id.parse().map_err(|_| PageError::not_found())?;
    let doc = crate::one_stop_store(&*app.store)?
        .document(id)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_procedures(doc.office_id))?;
    let reason = form.text("reason").trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(PageError::bad_request(tr.t("svc-reason-required")));
    }
    let office = guichet_identity::identity_store(&*app.store)?
        .office(doc.office_id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let user = ctx.user.clone();
    let now = app.clock.now();
    let event = Event {
        stream: office.code.clone(),
        actor: ctx.actor(),
        action: "document.revoked".into(),
        object_type: "document".into(),
        object_id: doc.id.to_string(),
        payload: serde_json::json!({ "kind": doc.kind, "sha256": doc.sha256, "reason": reason, "dossier": doc.dossier_id }),
    };
    crate::one_stop_store(&*app.store)?
        .revoke_document(
            id,
            now,
            user.map(|u| u.id),
            &reason,
            &Audit::one(now, event),
        )
        .await?;
    let back = match doc.dossier_id {
        Some(d) => format!("/dossiers/{d}?notice=document-revoked"),
        None => format!("/verify/{}?s={}", doc.id, doc.qr_signature),
    };
    Ok(Redirect::to(&back).into_response())
}

/// An agent sets a new date for a dossier that will be late; the apology letter is issued.
pub async fn postpone(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    let tr = ctx.tr();
    ctx.authorize(crate::authz::work_in_office(l.d.office_id))?;
    let user = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let rev: i64 = form.text("rev").parse().unwrap_or(-1);
    let Some(new_due) = crate::form::parse_date(&form.text("new_due")) else {
        let l = load(&app, &ctx, &id).await?;
        let page = dossier_page(&app, &ctx, l, None, Some(tr.t("svc-postpone-date"))).await?;
        return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page));
    };
    match crate::web::one_stop::desk(&app)?
        .postpone(
            &Actor::user(&user),
            &l.d,
            rev,
            new_due,
            &form.text("reason"),
        )
        .await
    {
        Ok(d) => Ok(Redirect::to(&format!("/dossiers/{}?notice=postponed", d.id)).into_response()),
        Err(
            e @ (crate::ServiceError::Invalid { .. }
            | crate::ServiceError::Store(guichet_store::StoreError::Stale(_))),
        ) => {
            let message = service_message(&tr, &e);
            let l = load(&app, &ctx, &id).await?;
            let page = dossier_page(&app, &ctx, l, None, Some(message)).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

/// The applicant rates the service once the result is handed over.
pub async fn rate(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let l = load(&app, &ctx, &id).await?;
    let tr = ctx.tr();
    ctx.authorize(crate::authz::act_as_applicant(l.d.applicant_id))?;
    let score: i64 = form.text("score").parse().unwrap_or(0);
    match crate::stats::rate(
        crate::one_stop_store(&*app.store)?,
        &*app.clock,
        &l.office,
        &l.d,
        &ctx.actor(),
        score,
        &form.text("comment"),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/dossiers/{}?notice=rated", l.d.id)).into_response()),
        Err(e @ crate::ServiceError::Invalid { .. }) => {
            let message = service_message(&tr, &e);
            let page = dossier_page(&app, &ctx, l, None, Some(message)).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Template editor (office administrators)

pub struct TemplateRow {
    pub kind: String,
    pub title: String,
    pub custom: bool,
}

#[derive(Template)]
#[template(path = "document_templates.html")]
pub struct TemplatesPage {
    pub chrome: Chrome,
    pub offices: Vec<(String, String)>,
    pub office: String,
    pub rows: Vec<TemplateRow>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "document_template_edit.html")]
pub struct TemplateEditPage {
    pub chrome: Chrome,
    pub office: String,
    pub office_name: String,
    pub kind: String,
    pub title: String,
    pub source: String,
    pub custom: bool,
    pub error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct OfficeParam {
    #[serde(default)]
    pub office: String,
    #[serde(default)]
    pub notice: String,
}

pub async fn templates(
    State(app): State<App>,
    ctx: Ctx,
    Query(p): Query<OfficeParam>,
) -> Result<Response, PageError> {
    ctx.authorize(guichet_identity::authz::view_admin())?;
    let tr = ctx.tr();
    let (office, offices) = guichet_identity::lookup::office_for(&app, &ctx, &p.office, |office| {
        crate::authz::manage_procedures(office)
    })
    .await?;
    let mut rows = Vec::new();
    for kind in DocumentKind::ALL {
        rows.push(TemplateRow {
            kind: kind.code().to_owned(),
            title: kind.title(ctx.lang.code()).to_owned(),
            custom: crate::one_stop_store(&*app.store)?
                .document_template(office.id, kind.code())
                .await?
                .is_some(),
        });
    }
    // Each procedure may have its own result document (licence, certificate…).
    for p in crate::one_stop_store(&*app.store)?
        .list_procedures(Some(office.id))
        .await?
    {
        let key = documents::result_template_key(&p.code);
        let name = crate::web::one_stop::procedure_label(&app, &p, ctx.lang).await?;
        rows.push(TemplateRow {
            title: format!("{} — {name}", DocumentKind::Result.title(ctx.lang.code())),
            custom: crate::one_stop_store(&*app.store)?
                .document_template(office.id, &key)
                .await?
                .is_some(),
            kind: key,
        });
    }
    let page = TemplatesPage {
        chrome: Chrome::new(&ctx),
        offices: offices
            .iter()
            .map(|o| (o.code.clone(), o.name.clone()))
            .collect(),
        office: office.code.clone(),
        rows,
        notice: (p.notice == "template-saved").then(|| tr.t("template-saved")),
    };
    Ok(render_with(StatusCode::OK, page))
}

/// The office and the template key: a kind (`receipt`…) or one procedure's result
/// (`result.{procedure code}`).
async fn template_target(
    app: &App,
    ctx: &Ctx,
    office: &str,
    key: &str,
) -> Result<(Office, DocumentKind, String), PageError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(office)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    if let Some(code) = key.strip_prefix("result.") {
        crate::one_stop_store(&*app.store)?
            .procedure_by_code(office.id, code)
            .await?
            .ok_or_else(PageError::not_found)?;
        return Ok((office, DocumentKind::Result, key.to_owned()));
    }
    let kind = DocumentKind::parse(key).ok_or_else(PageError::not_found)?;
    Ok((office, kind, key.to_owned()))
}

pub async fn template_edit(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, kind)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (office, kind, key) = template_target(&app, &ctx, &office, &kind).await?;
    let custom = crate::one_stop_store(&*app.store)?
        .document_template(office.id, &key)
        .await?;
    // Without its own, a procedure's result starts from the office's result template.
    let inherited = crate::state(&app)?
        .issuer
        .template(crate::one_stop_store(&*app.store)?, &office, kind, None)
        .await
        .map_err(|e| page_error(&ctx.tr(), e))?;
    let page = TemplateEditPage {
        chrome: Chrome::new(&ctx),
        office: office.code.clone(),
        office_name: office.name.clone(),
        title: format!("{} ({key})", kind.title(ctx.lang.code())),
        kind: key,
        custom: custom.is_some(),
        source: custom.map(|t| t.source).unwrap_or(inherited),
        error: None,
    };
    Ok(render_with(StatusCode::OK, page))
}

/// Save (checked first: a template that does not compile is refused with its line and reason),
/// preview (a PDF with sample data) or reset to the built-in template.
pub async fn template_save(
    State(app): State<App>,
    ctx: Ctx,
    Path((office, kind)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    let (office, kind, key) = template_target(&app, &ctx, &office, &kind).await?;
    let tr = ctx.tr();
    let source = form.text("source").replace("\r\n", "\n");
    let action = form.text("action");
    let now = app.clock.now();
    let event = |what: &str| Event {
        stream: office.code.clone(),
        actor: ctx.actor(),
        action: what.into(),
        object_type: "document_template".into(),
        object_id: format!("{}/{key}", office.code),
        payload: serde_json::json!({ "sha256": hex::encode(<sha2::Sha256 as sha2::Digest>::digest(source.as_bytes())) }),
    };
    if action == "reset" {
        crate::one_stop_store(&*app.store)?
            .delete_document_template(
                office.id,
                &key,
                &Audit::one(now, event("document_template.reset")),
            )
            .await?;
        return Ok(Redirect::to(&format!(
            "/admin/documents?office={}&notice=template-saved",
            office.code
        ))
        .into_response());
    }
    let renderer = app.renderer.clone();
    let checked_source = source.clone();
    let country = match office.country {
        guichet_core::Country::Vn => "vn",
        guichet_core::Country::Fr => "fr",
    };
    let preview = action == "preview";
    let lang = ctx.lang.code().to_owned();
    let result = tokio::task::spawn_blocking(move || {
        if preview {
            guichet_documents::render(
                &renderer,
                &checked_source,
                &guichet_documents::sample_data(country, &lang),
                "https://guichet.example/verify/preview",
                time::macros::date!(2026 - 01 - 15),
            )
            .map(Some)
        } else {
            check_template(&renderer, &checked_source).map(|()| None)
        }
    })
    .await
    .map_err(|e| PageError::internal(&e))?;
    match result {
        Ok(Some(pdf)) => {
            let mut response = pdf.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            Ok(response)
        }
        Ok(None) => {
            let record = TemplateRecord {
                office_id: office.id,
                kind: key.clone(),
                source: source.clone(),
                updated_at: now,
                updated_by: ctx.user.as_ref().map(|u| u.id),
            };
            crate::one_stop_store(&*app.store)?
                .put_document_template(&record, &Audit::one(now, event("document_template.saved")))
                .await?;
            Ok(Redirect::to(&format!(
                "/admin/documents?office={}&notice=template-saved",
                office.code
            ))
            .into_response())
        }
        Err(e) => {
            let page = TemplateEditPage {
                chrome: Chrome::new(&ctx),
                office: office.code.clone(),
                office_name: office.name.clone(),
                title: format!("{} ({key})", kind.title(ctx.lang.code())),
                custom: crate::one_stop_store(&*app.store)?
                    .document_template(office.id, &key)
                    .await?
                    .is_some(),
                kind: key,
                source,
                error: Some(format!("{}: {e}", tr.t("template-error"))),
            };
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JSON API

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DocumentDto {
    pub id: String,
    /// `receipt`, `supplement`, `refusal`, `apology`, `control_sheet`, `handover`, `result`.
    pub kind: String,
    pub lang: String,
    pub dossier: Option<String>,
    /// Where the PDF is downloaded (login required).
    pub file_url: String,
    /// The URL the QR code carries (public verification).
    pub verify_url: String,
    pub sha256: String,
    pub key_id: String,
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: String,
    pub revoked: bool,
}

fn document_dto(doc: &DocumentRecord) -> DocumentDto {
    DocumentDto {
        id: doc.id.to_string(),
        kind: doc.kind.clone(),
        lang: doc.lang.clone(),
        dossier: doc.dossier_id.map(|d| d.to_string()),
        file_url: format!("/files/{}", doc.file_id),
        verify_url: format!("/verify/{}?s={}", doc.id, doc.qr_signature),
        sha256: doc.sha256.clone(),
        key_id: doc.key_id.clone(),
        issued_at: doc
            .issued_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        revoked: doc.revoked_at.is_some(),
    }
}

/// Documents issued for a dossier.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/documents", tag = "documents",
    params(("id" = uuid::Uuid, Path, description = "Dossier id")),
    responses((status = 200, description = "Issued documents, oldest first", body = Vec<DocumentDto>),
        (status = 401, description = "Not logged in", body = guichet_web::error::Problem),
        (status = 403, description = "Not allowed", body = guichet_web::error::Problem),
        (status = 404, description = "No such dossier", body = guichet_web::error::Problem)))]
pub async fn api_dossier_documents(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::Json<Vec<DocumentDto>>, guichet_web::error::ApiError> {
    let not_found = || {
        guichet_web::error::ApiError::for_status(
            StatusCode::NOT_FOUND,
            Some("no such dossier".into()),
        )
    };
    let id: guichet_core::DossierId = id.parse().map_err(|_| not_found())?;
    let d = crate::one_stop_store(&*app.store)?
        .dossier(id)
        .await?
        .ok_or_else(not_found)?;
    ctx.authorize(crate::authz::view_dossier(d.office_id, d.applicant_id))?;
    let docs = crate::one_stop_store(&*app.store)?
        .dossier_documents(d.id)
        .await?;
    Ok(axum::Json(docs.iter().map(document_dto).collect()))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct VerificationDto {
    /// `authentic`, `revoked`, `forged` or `altered`.
    pub verdict: String,
    pub detail: String,
    pub document: Option<DocumentDto>,
}

/// Verifies a document from its QR code (`s` is the signature the QR code carries). Public.
#[utoipa::path(get, path = "/api/v1/documents/{id}/verification", tag = "documents",
    params(("id" = String, Path, description = "Document id (anything else is a forgery)"), ("s" = String, Query, description = "Signature from the QR code", min_length = 1)),
    responses((status = 200, description = "The verdict", body = VerificationDto), (status = 400, description = "No signature given")))]
pub async fn api_verify(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(p): Query<VerifyParams>,
) -> Result<axum::Json<VerificationDto>, guichet_web::error::ApiError> {
    if p.s.is_empty() {
        return Err(guichet_web::error::ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing-signature",
            "s: the signature the QR code carries is required",
        ));
    }
    let verdict = match id.parse::<DocumentId>() {
        Ok(id) => documents::verify_by_id(crate::one_stop_store(&*app.store)?, id, &p.s).await?,
        Err(_) => Verdict::Forged("not a document id".into()),
    };
    Ok(axum::Json(match verdict {
        Verdict::Authentic(d) => VerificationDto {
            verdict: "authentic".into(),
            detail: String::new(),
            document: Some(document_dto(&d)),
        },
        Verdict::Revoked(d) => VerificationDto {
            verdict: "revoked".into(),
            detail: d.revoke_reason.clone().unwrap_or_default(),
            document: Some(document_dto(&d)),
        },
        Verdict::Forged(why) => VerificationDto {
            verdict: "forged".into(),
            detail: why,
            document: None,
        },
        Verdict::Altered(why) => VerificationDto {
            verdict: "altered".into(),
            detail: why,
            document: None,
        },
    }))
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/dossiers/{id}/postpone" => post(postpone),
    "/dossiers/{id}/rating" => post(rate),
    "/documents/{id}/revoke" => post(revoke),
    "/verify" => get(verify_form).post(verify_upload),
    "/verify/{id}" => get(verify_link),
    "/admin/documents" => get(templates),
    "/admin/documents/{office}/{kind}" => get(template_edit).post(template_save),
}

guichet_web::route_table! {
    /// Its JSON API routes, relative to `/api/v1`.
    fn api_routes, API_ROUTES;
    "/dossiers/{id}/documents" => get(api_dossier_documents),
    "/documents/{id}/verification" => get(api_verify),
}

/// This module's part of the OpenAPI document (merged by `api::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_dossier_documents, api_verify),
    components(schemas(DocumentDto, VerificationDto))
)]
pub struct ApiDoc;

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "documents_web",
    pages: ROUTES,
    add_pages: routes,
    api: API_ROUTES,
    add_api: api_routes,
    api_doc: Some(<ApiDoc as utoipa::OpenApi>::openapi),
    nav: &[guichet_web::NavItem {
        menu: guichet_web::Menu::Main,
        order: 60,
        href: "/verify",
        key: "nav-verify",
        visible: guichet_web::always,
        current: |p| p.starts_with("/verify"),
    }],
};
