//! The procedure editor for office administrators, without JavaScript: create a procedure,
//! edit its description, build its form field by field (add, move, remove) or as JSON, publish
//! and unpublish. Editing a published procedure writes the next draft version.

use crate::form::{Choice, Field, FieldKind, FormSchema, ShowIf, Text};
use crate::procedure::{
    self, DocumentForm, ProcedureBody, RequiredDocument, ServiceLevel, TimeUnit,
};
use crate::store::ProcedureRecord;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guichet_store::Office;

use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::service_message;
use guichet_web::i18n::Tr;

pub struct ProcRow {
    pub code: String,
    pub name: String,
    pub published: i64,
    pub latest: i64,
    pub latest_status: String,
}

#[derive(Template)]
#[template(path = "procedures_admin.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub office_code: String,
    pub office_name: String,
    pub rows: Vec<ProcRow>,
    pub error: Option<String>,
}

async fn office_for_admin(app: &App, ctx: &Ctx, code: &str) -> Result<Office, PageError> {
    let office = guichet_identity::identity_store(&*app.store)?
        .office_by_code(code)
        .await?
        .ok_or_else(PageError::not_found)?;
    ctx.authorize(crate::authz::manage_procedures(office.id))?;
    Ok(office)
}

async fn list_page(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    error: Option<String>,
) -> Result<ListPage, PageError> {
    let mut rows = Vec::new();
    for p in crate::one_stop_store(&*app.store)?
        .list_procedures(Some(office.id))
        .await?
    {
        let v = crate::one_stop_store(&*app.store)?
            .procedure_version(p.id, p.latest_version)
            .await?;
        let name = v
            .as_ref()
            .and_then(|v| procedure::body_of(v).ok())
            .map(|b| b.name.get(ctx.lang).to_owned())
            .unwrap_or_default();
        rows.push(ProcRow {
            code: p.code.clone(),
            name,
            published: p.published_version,
            latest: p.latest_version,
            latest_status: v.map(|v| v.status).unwrap_or_default(),
        });
    }
    Ok(ListPage {
        chrome: Chrome::new(ctx),
        office_code: office.code.clone(),
        office_name: office.name.clone(),
        rows,
        error,
    })
}

pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let office = office_for_admin(&app, &ctx, &code).await?;
    Ok(render_with(
        StatusCode::OK,
        list_page(&app, &ctx, &office, None).await?,
    ))
}

fn text3(form: &FormData, prefix: &str) -> Text {
    Text::new(
        form.text(&format!("{prefix}_vi")).trim(),
        form.text(&format!("{prefix}_fr")).trim(),
        form.text(&format!("{prefix}_en")).trim(),
    )
}

fn services(app: &App) -> Result<procedure::Services<'_>, guichet_store::StoreError> {
    Ok(procedure::Services {
        store: crate::one_stop_store(&*app.store)?,
        clock: &*app.clock,
        entropy: &*app.entropy,
    })
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_for_admin(&app, &ctx, &code).await?;
    let tr = ctx.tr();
    let body = ProcedureBody {
        silence: Default::default(),
        identification: None,
        name: text3(&form, "name"),
        description: Text::default(),
        level: ServiceLevel::parse(&form.text("level")).unwrap_or(ServiceLevel::Full),
        legal_basis: String::new(),
        fees: Text::default(),
        processing_time: form.text("processing_time").trim().parse().unwrap_or(0),
        time_unit: if form.text("time_unit") == "calendar_months" {
            TimeUnit::CalendarMonths
        } else {
            TimeUnit::WorkingDays
        },
        documents: Vec::new(),
        result: Text::default(),
        form: FormSchema::default(),
    };
    let pcode = form.text("code").trim().to_owned();
    match services(&app)?
        .create(
            &ctx.actor(),
            &office,
            &pcode,
            form.text("topic").trim(),
            body,
        )
        .await
    {
        Ok(p) => Ok(
            Redirect::to(&format!("/offices/{}/procedures/{}", office.code, p.code))
                .into_response(),
        ),
        Err(e) => {
            let msg = service_message(&tr, &e);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                list_page(&app, &ctx, &office, Some(msg)).await?,
            ))
        }
    }
}

pub struct FieldRow {
    pub key: String,
    pub kind: &'static str,
    pub label: String,
    pub required: bool,
    pub condition: String,
}

#[derive(Template)]
#[template(path = "procedure_edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub office_code: String,
    pub code: String,
    pub version: i64,
    pub status: String,
    pub published: i64,
    pub body: ProcedureBody,
    pub level: String,
    pub time_unit: String,
    pub silence: String,
    pub documents: String,
    pub fields: Vec<FieldRow>,
    pub json: String,
    pub kinds: Vec<&'static str>,
    pub versions: Vec<(i64, String)>,
    pub prefill_attributes: Vec<&'static str>,
    pub identification: String,
    pub assurance_options: Vec<(&'static str, String)>,
}

async fn edit_page(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    p: &ProcedureRecord,
    notice: Option<String>,
    error: Option<String>,
) -> Result<EditPage, PageError> {
    let tr = ctx.tr();
    let v = crate::one_stop_store(&*app.store)?
        .procedure_version(p.id, p.latest_version)
        .await?
        .ok_or_else(PageError::not_found)?;
    let body = procedure::body_of(&v).map_err(|e| PageError::internal(&e))?;
    let documents = body
        .documents
        .iter()
        .map(|d| {
            format!(
                "{}|{}|{}|{}|{}",
                d.form.code(),
                d.count,
                d.name.vi,
                d.name.fr,
                d.name.en
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let fields = body
        .form
        .fields
        .iter()
        .map(|f| FieldRow {
            key: f.key.clone(),
            kind: f.kind.code(),
            label: f.label.get(ctx.lang).to_owned(),
            required: f.required,
            condition: f
                .show_if
                .as_ref()
                .map(|c| {
                    format!(
                        "{} = {}",
                        c.field,
                        c.equals.clone().unwrap_or_else(|| "*".into())
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    let versions = crate::one_stop_store(&*app.store)?
        .procedure_versions(p.id)
        .await?
        .into_iter()
        .map(|v| {
            (
                v.version,
                tr.lookup(&format!("version-{}", v.status))
                    .unwrap_or(v.status),
            )
        })
        .collect();
    Ok(EditPage {
        chrome: Chrome::new(ctx),
        notice,
        error,
        office_code: office.code.clone(),
        code: p.code.clone(),
        version: v.version,
        status: v.status.clone(),
        published: p.published_version,
        level: body.level.code().to_owned(),
        time_unit: body.time_unit.code().to_owned(),
        silence: body.silence.code().to_owned(),
        documents,
        fields,
        json: serde_json::to_string_pretty(&body.form).unwrap_or_default(),
        identification: body
            .identification
            .map(|a| a.code().to_owned())
            .unwrap_or_default(),
        body,
        kinds: KINDS.to_vec(),
        versions,
        prefill_attributes: guichet_identity::oidc::ATTRIBUTES.to_vec(),
        assurance_options: guichet_identity::oidc::Assurance::ALL
            .iter()
            .map(|a| (a.code(), ctx.tr().t(&format!("assurance-{}", a.code()))))
            .collect(),
    })
}

const KINDS: [&str; 17] = [
    "short_text",
    "long_text",
    "number",
    "money",
    "date",
    "email",
    "phone",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "dropdown",
    "file",
    "identifier",
    "address",
    "section",
    "explanation",
    "repeat",
];

pub async fn edit(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, pcode)): Path<(String, String)>,
    Query(n): Query<crate::web::one_stop::NoticeParam>,
) -> Result<Response, PageError> {
    let office = office_for_admin(&app, &ctx, &code).await?;
    let p = crate::one_stop_store(&*app.store)?
        .procedure_by_code(office.id, &pcode)
        .await?
        .ok_or_else(PageError::not_found)?;
    let notice = notice(&ctx.tr(), &n.notice);
    Ok(render_with(
        StatusCode::OK,
        edit_page(&app, &ctx, &office, &p, notice, None).await?,
    ))
}

fn parse_options(text: &str) -> Vec<Choice> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split('|').map(str::trim).collect();
            let value = parts.first().copied().unwrap_or_default().to_owned();
            let get = |i: usize| parts.get(i).copied().unwrap_or_default();
            let label = if parts.len() > 1 {
                Text::new(get(1), get(2), get(3))
            } else {
                Text::new(&value, &value, &value)
            };
            Choice { value, label }
        })
        .collect()
}

fn parse_documents(tr: &Tr, text: &str) -> Result<Vec<RequiredDocument>, String> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let form = match parts.first().copied() {
            Some("original") => DocumentForm::Original,
            Some("copy") => DocumentForm::Copy,
            Some("certified_copy") => DocumentForm::CertifiedCopy,
            _ => {
                return Err(tr.t1("editor-document-form", "line", i + 1));
            }
        };
        let count = parts
            .get(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| tr.t1("editor-document-count", "line", i + 1))?;
        let get = |i: usize| parts.get(i).copied().unwrap_or_default();
        out.push(RequiredDocument {
            name: Text::new(get(2), get(3), get(4)),
            form,
            count,
        });
    }
    Ok(out)
}

fn new_field(tr: &Tr, form: &FormData) -> Result<Field, String> {
    let num = |k: &str| form.text(k).trim().replace(',', ".").parse::<f64>().ok();
    let kind = match form.text("kind").as_str() {
        "short_text" => FieldKind::ShortText { max_len: None },
        "long_text" => FieldKind::LongText { max_len: None },
        "number" => FieldKind::Number {
            min: num("min"),
            max: num("max"),
            integer: form.get("integer").is_some(),
        },
        "money" => FieldKind::Money {
            currency: if form.text("currency") == "EUR" {
                "EUR".into()
            } else {
                "VND".into()
            },
        },
        "date" => FieldKind::Date {
            past_only: form.get("past_only").is_some(),
        },
        "email" => FieldKind::Email,
        "phone" => FieldKind::Phone,
        "yes_no" => FieldKind::YesNo,
        "single_choice" => FieldKind::SingleChoice {
            options: parse_options(&form.text("options")),
        },
        "multiple_choice" => FieldKind::MultipleChoice {
            options: parse_options(&form.text("options")),
        },
        "dropdown" => FieldKind::Dropdown {
            options: parse_options(&form.text("options")),
        },
        "file" => FieldKind::File {
            max_bytes: (num("max_mb").unwrap_or(5.0).clamp(0.01, 50.0) * 1024.0 * 1024.0) as u64,
            types: form
                .text("types")
                .split([',', ' '])
                .map(|t| t.trim().trim_start_matches('.').to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect(),
        },
        "identifier" => FieldKind::Identifier {
            id: form.text("id_kind"),
        },
        "address" => FieldKind::Address {
            country: form.text("country"),
        },
        "section" => FieldKind::Section,
        "explanation" => FieldKind::Explanation {
            text: text3(form, "text"),
        },
        "repeat" => FieldKind::Repeat {
            fields: Vec::new(),
            min: 0,
            max: num("max").map(|m| m as u32).unwrap_or(10),
        },
        other => return Err(tr.t1("editor-unknown-kind", "kind", other)),
    };
    let show_if = Some(form.text("show_if").trim().to_owned())
        .filter(|s| !s.is_empty())
        .map(|field| ShowIf {
            field,
            equals: Some(form.text("show_if_equals").trim().to_owned()).filter(|s| !s.is_empty()),
        });
    Ok(Field {
        key: form.text("key").trim().to_owned(),
        kind,
        label: text3(form, "label"),
        help: text3(form, "help"),
        required: form.get("required").is_some(),
        show_if,
        prefill: Some(form.text("prefill").trim().to_owned()).filter(|s| !s.is_empty()),
    })
}

fn notice(tr: &Tr, key: &str) -> Option<String> {
    matches!(key, "saved" | "published").then(|| {
        tr.t1(
            "proc-admin-notice",
            "what",
            tr.lookup(&format!("proc-admin-{key}")).unwrap_or_default(),
        )
    })
}

pub async fn save(
    State(app): State<App>,
    ctx: Ctx,
    Path((code, pcode)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_for_admin(&app, &ctx, &code).await?;
    let tr = ctx.tr();
    let p = crate::one_stop_store(&*app.store)?
        .procedure_by_code(office.id, &pcode)
        .await?
        .ok_or_else(PageError::not_found)?;
    let v = crate::one_stop_store(&*app.store)?
        .procedure_version(p.id, p.latest_version)
        .await?
        .ok_or_else(PageError::not_found)?;
    let mut body = procedure::body_of(&v).map_err(|e| PageError::internal(&e))?;
    let action = form.text("action");
    let svc = services(&app)?;
    let fail = |message: String| async {
        let page = edit_page(&app, &ctx, &office, &p, None, Some(message)).await?;
        Ok::<Response, PageError>(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
    };
    match action.as_str() {
        "publish" => {
            return match svc.publish(&ctx.actor(), &office, &p).await {
                Ok(_) => Ok(Redirect::to(&format!(
                    "/offices/{}/procedures/{}?notice=published",
                    office.code, p.code
                ))
                .into_response()),
                Err(e) => fail(service_message(&tr, &e)).await,
            };
        }
        "unpublish" => {
            return match svc.unpublish(&ctx.actor(), &office, &p).await {
                Ok(()) => Ok(Redirect::to(&format!(
                    "/offices/{}/procedures/{}",
                    office.code, p.code
                ))
                .into_response()),
                Err(e) => fail(service_message(&tr, &e)).await,
            };
        }
        "meta" => {
            body.name = text3(&form, "name");
            body.description = text3(&form, "description");
            body.fees = text3(&form, "fees");
            body.result = text3(&form, "result");
            body.legal_basis = form.text("legal_basis").trim().to_owned();
            body.level = ServiceLevel::parse(&form.text("level")).unwrap_or(body.level);
            body.identification =
                guichet_identity::oidc::Assurance::parse(&form.text("identification"));
            body.processing_time = form.text("processing_time").trim().parse().unwrap_or(0);
            body.silence =
                crate::procedure::Silence::parse(&form.text("silence")).unwrap_or(body.silence);
            body.time_unit = if form.text("time_unit") == "calendar_months" {
                TimeUnit::CalendarMonths
            } else {
                TimeUnit::WorkingDays
            };
            match parse_documents(&tr, &form.text("documents")) {
                Ok(d) => body.documents = d,
                Err(e) => return fail(e).await,
            }
        }
        "add_field" => match new_field(&tr, &form) {
            Ok(f) => {
                // Into a block when one is named, else at the end.
                let parent = form.text("parent");
                match body.form.fields.iter_mut().find(|b| b.key == parent) {
                    Some(Field {
                        kind: FieldKind::Repeat { fields, .. },
                        ..
                    }) => fields.push(f),
                    _ => body.form.fields.push(f),
                }
            }
            Err(e) => return fail(e).await,
        },
        "move_up" | "move_down" | "remove" => {
            let key = form.text("key");
            let Some(i) = body.form.fields.iter().position(|f| f.key == key) else {
                return fail(tr.t("error-404")).await;
            };
            match action.as_str() {
                "move_up" if i > 0 => body.form.fields.swap(i, i - 1),
                "move_down" if i + 1 < body.form.fields.len() => body.form.fields.swap(i, i + 1),
                "remove" => {
                    body.form.fields.remove(i);
                }
                _ => {}
            }
        }
        "save_json" => match serde_json::from_str::<FormSchema>(&form.text("json")) {
            Ok(schema) => body.form = schema,
            Err(e) => return fail(format!("JSON: {e}")).await,
        },
        _ => return Err(PageError::bad_request(tr.t("error-400"))),
    }
    match svc.save_draft(&ctx.actor(), &office, &p, body).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/offices/{}/procedures/{}?notice=saved",
            office.code, p.code
        ))
        .into_response()),
        Err(e) => fail(service_message(&tr, &e)).await,
    }
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/offices/{code}/procedures" => get(list).post(create),
    "/offices/{code}/procedures/{pcode}" => get(edit).post(save),
}

/// What this module adds to the application: its routes and its part of the API document.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[],
    messages: &[],
    access: &[],
    probe_ids: &[],
    a11y: &[],
    name: "procedures_admin",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[],
};
