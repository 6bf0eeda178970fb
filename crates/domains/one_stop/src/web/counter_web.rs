//! The counter (Bộ phận một cửa, guichet): an agent takes a dossier in for a walk-in applicant
//! or from the post. The intake page records who brought it and the identity document the agent
//! checked, then the agent fills the procedure's usual form pages with the applicant; sending
//! it numbers and receives the dossier at once and shows the page the agent prints: the code,
//! the tracking secret and the receipt and appointment slip.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use guichet_store::{Office, User};
use guichet_web::App;
use guichet_web::chrome::{Chrome, render_with};
use guichet_web::ctx::Ctx;
use guichet_web::error::PageError;
use guichet_web::form_data::FormData;
use guichet_web::helpers::{fmt_date, fmt_time, page_error, service_message};

use crate::ServiceError;
use crate::counter::{CHANNELS, ID_KINDS, IntakeInput};
use crate::procedure::ProcedureBody;
use crate::store::DossierRecord;
use crate::web::one_stop::{ErrorLink, desk};
use guichet_identity::lookup::office_by_code;

#[derive(Template)]
#[template(path = "counter.html")]
pub struct CounterPage {
    pub chrome: Chrome,
    pub office: String,
    pub code: String,
    /// (code, name, level) of each published procedure.
    pub procedures: Vec<(String, String, String)>,
    pub channels: Vec<(String, String)>,
    pub id_kinds: Vec<(String, String)>,
    pub procedure: String,
    pub input: IntakeInput,
    pub errors: Vec<ErrorLink>,
}

async fn counter_page(
    app: &App,
    ctx: &Ctx,
    office: &Office,
    procedure: String,
    input: IntakeInput,
    errors: Vec<ErrorLink>,
) -> Result<CounterPage, PageError> {
    let tr = ctx.tr();
    let store = crate::one_stop_store(&*app.store)?;
    let state = crate::state(app)?;
    let mut procedures = Vec::new();
    for p in store.list_procedures(Some(office.id)).await? {
        if p.published_version == 0 {
            continue;
        }
        if let Some(body) = state
            .versions
            .body(store, p.id, p.published_version)
            .await
            .map_err(|e| page_error(&tr, e))?
        {
            procedures.push((
                p.code.clone(),
                body.name.get(ctx.lang).to_owned(),
                tr.lookup(&format!("level-{}", body.level.code()))
                    .unwrap_or_default(),
            ));
        }
    }
    procedures.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(CounterPage {
        chrome: Chrome::new(ctx),
        office: office.name.clone(),
        code: office.code.clone(),
        procedures,
        channels: CHANNELS
            .iter()
            .map(|c| ((*c).to_owned(), tr.t(&format!("counter-channel-{c}"))))
            .collect(),
        id_kinds: ID_KINDS
            .iter()
            .map(|k| ((*k).to_owned(), tr.t(&format!("counter-idkind-{k}"))))
            .collect(),
        procedure,
        input,
        errors,
    })
}

/// The intake page: the procedure, how it arrived, who brought it.
pub async fn intake_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &code).await?;
    ctx.authorize(crate::authz::intake(office.id))?;
    let input = IntakeInput {
        channel: "counter".into(),
        id_kind: if office.country == guichet_core::Country::Vn {
            "cccd".into()
        } else {
            "cni".into()
        },
        ..IntakeInput::default()
    };
    let page = counter_page(&app, &ctx, &office, String::new(), input, Vec::new()).await?;
    Ok(render_with(StatusCode::OK, page))
}

/// The input field an intake refusal is about (the error summary links to it).
fn field_of(key: &str) -> &'static str {
    match key {
        "intake-channel" => "channel-counter",
        "intake-name" => "applicant_name",
        "intake-id-kind" => "id_kind",
        "intake-id-number" => "id_number",
        "intake-identity-unchecked" => "identity_checked",
        "intake-email" => "email",
        "intake-phone" => "phone",
        _ => "procedure",
    }
}

/// Records the intake and opens the procedure's form for the agent to fill with the applicant.
pub async fn intake_start(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let office = office_by_code(&app, &code).await?;
    ctx.authorize(crate::authz::intake(office.id))?;
    let tr = ctx.tr();
    let agent = ctx
        .user
        .clone()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "error-401"))?;
    let input = IntakeInput {
        channel: form.text("channel"),
        applicant_name: form.text("applicant_name"),
        id_kind: form.text("id_kind"),
        id_number: form.text("id_number"),
        identity_checked: form.get("identity_checked").is_some(),
        email: form.text("email"),
        phone: form.text("phone"),
    };
    let procedure_code = form.text("procedure");
    let refuse = |e: ServiceError| {
        let id = match &e {
            ServiceError::Invalid { key, .. } => field_of(key),
            _ => "procedure",
        };
        vec![ErrorLink {
            id: id.to_owned(),
            label: String::new(),
            message: service_message(&tr, &e),
        }]
    };
    let d = desk(&app)?;
    let store = crate::one_stop_store(&*app.store)?;
    let outcome = match store.procedure_by_code(office.id, &procedure_code).await? {
        None => Err(crate::invalid(
            "procedure-closed",
            "choose a procedure of this office",
        )),
        Some(p) => match d.published(office.clone(), &p).await {
            Ok(filing) => d.start_at_counter(&agent, &filing, &input).await,
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(draft) => Ok(Redirect::to(&format!("/dossiers/{}/edit", draft.id)).into_response()),
        Err(e @ ServiceError::Invalid { .. }) => {
            let errors = refuse(e);
            let page = counter_page(&app, &ctx, &office, procedure_code, input, errors).await?;
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(page_error(&tr, e)),
    }
}

#[derive(Template)]
#[template(path = "counter_receipt.html")]
pub struct CounterReceiptPage {
    pub chrome: Chrome,
    pub dossier_id: String,
    pub office_code: String,
    pub code: String,
    pub secret: String,
    pub procedure: String,
    pub office: String,
    pub applicant: String,
    pub received: String,
    pub due: String,
    /// The receipt and appointment slip to print, once received.
    pub receipt_href: Option<String>,
    /// Receiving failed after the submission: the agent receives it from the queue.
    pub not_received: Option<String>,
}

/// After the agent sends a counter dossier: receive it (the receipt is issued) and show what to
/// hand over. The secret exists only in this response, so it is shown even if receiving fails.
pub(crate) async fn received(
    app: &App,
    ctx: &Ctx,
    agent: &User,
    office: &Office,
    body: &ProcedureBody,
    submitted: DossierRecord,
    secret: String,
) -> Result<Response, PageError> {
    let tr = ctx.tr();
    let (d, not_received) = match desk(app)?
        .receive_at_counter(agent, &submitted, ctx.lang)
        .await
    {
        Ok(d) => (d, None),
        Err(e) => (submitted, Some(service_message(&tr, &e))),
    };
    let receipt_href = crate::one_stop_store(&*app.store)?
        .dossier_documents(d.id)
        .await?
        .into_iter()
        .find(|doc| doc.kind == guichet_documents::DocumentKind::Receipt.code())
        .map(|doc| format!("/files/{}", doc.file_id));
    Ok(render_with(
        StatusCode::OK,
        CounterReceiptPage {
            chrome: Chrome::new(ctx),
            dossier_id: d.id.to_string(),
            office_code: office.code.clone(),
            code: d.code.clone().unwrap_or_default(),
            secret,
            procedure: body.name.get(ctx.lang).to_owned(),
            office: office.name.clone(),
            applicant: d.applicant_name.clone(),
            received: d
                .received_at
                .or(d.submitted_at)
                .map(|t| fmt_time(office, t))
                .unwrap_or_default(),
            due: d.due_date.map(fmt_date).unwrap_or_default(),
            receipt_href,
            not_received,
        },
    ))
}

guichet_web::route_table! {
    /// The pages this module serves.
    fn routes, ROUTES;
    "/offices/{code}/counter" => get(intake_form).post(intake_start),
}

/// Who may use the counter: the matrix rows of its routes (columns as in the matrix test:
/// anonymous, citizen, other citizen, agent A, agent B, admin A, auditor, sysadmin, staff).
pub const ACCESS: &[guichet_web::AccessRule] = &[
    (
        "get",
        "/offices/{code}/counter",
        "---+-+---",
        "/offices/HN-HOANKIEM/counter",
        "",
    ),
    // Refused input (no procedure) proves access without taking anything in.
    (
        "post",
        "/offices/{code}/counter",
        "---+-+---",
        "/offices/HN-HOANKIEM/counter",
        "procedure=&channel=counter",
    ),
    (
        "post",
        "/api/v1/offices/{office}/counter-dossiers",
        "---+-+---",
        "/api/v1/offices/HN-HOANKIEM/counter-dossiers",
        "{\"procedure\":\"HT-TRICHLUC-KS\",\"channel\":\"counter\",\"applicant\":{\"name\":\"x\",\"id_kind\":\"other\",\"id_number\":\"x\"},\"answers\":{}}",
    ),
];

/// What this module adds to the application.
pub static SLICE: guichet_web::WebSlice = guichet_web::WebSlice {
    office_links: &[guichet_web::OfficeLink {
        order: 5,
        href: "/offices/{code}/counter",
        key: "home-counter",
        visible: |ctx, office| ctx.authorize(crate::authz::intake(office)).is_ok(),
    }],
    messages: &[],
    access: ACCESS,
    probe_ids: &[],
    a11y: &[("lan.nguyen", "/offices/HN-HOANKIEM/counter")],
    name: "counter",
    pages: ROUTES,
    add_pages: routes,
    api: &[],
    add_api: guichet_web::no_routes,
    api_doc: None,
    nav: &[],
};
