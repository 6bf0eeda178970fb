//! Helpers every domain's pages share: service errors in the user's language, times in an
//! office's local time, offices looked up and filtered by what the visitor may do, the login
//! cookie and client details. No domain web module imports another for these.

use axum::http::{HeaderMap, StatusCode, header};
use guichet_accounts::ClientInfo;
use guichet_common::ServiceError;
use guichet_core::authz::Action;
use guichet_store::Office;

use crate::App;
use crate::ctx::{Ctx, SESSION_COOKIE, cookie};
use crate::error::PageError;
use crate::i18n::Tr;

/// A service error in the user's language.
pub fn service_message(tr: &Tr, e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid { key, detail } => tr
            .lookup(&format!("svc-{key}"))
            .map(|m| {
                if detail.is_empty() {
                    m.clone()
                } else {
                    format!("{m} ({detail})")
                }
            })
            .unwrap_or_else(|| detail.clone()),
        ServiceError::Form(errors) => tr.t1("form-errors-count", "count", errors.len()),
        ServiceError::IllegalStep { .. } => tr.t("svc-illegal-step"),
        ServiceError::FormChanged { .. } => tr.t("svc-form-changed"),
        ServiceError::Store(guichet_store::StoreError::Stale(_)) => tr.t("error-stale"),
        ServiceError::NotFound(_) => tr.t("error-404"),
        _ => tr.t("error-500"),
    }
}

pub fn page_error(tr: &Tr, e: ServiceError) -> PageError {
    match e {
        ServiceError::Store(s) => s.into(),
        ServiceError::NotFound(_) => PageError::not_found(),
        ServiceError::Internal(_) => PageError::internal(&e),
        ServiceError::IllegalStep { .. } | ServiceError::FormChanged { .. } => PageError {
            status: StatusCode::CONFLICT,
            key: "error-409",
            detail: Some(service_message(tr, &e)),
        },
        other => PageError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            key: "error-400",
            detail: Some(service_message(tr, &other)),
        },
    }
}

pub fn fmt_date(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

pub fn fmt_time(office: &Office, at: time::OffsetDateTime) -> String {
    let l = office.country.local_time(at);
    format!("{} {:02}:{:02}", fmt_date(l.date()), l.hour(), l.minute())
}

pub fn short_time(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(&f).unwrap_or_default()
}

pub async fn office_by_code(app: &App, code: &str) -> Result<Office, PageError> {
    app.store
        .office_by_code(code)
        .await?
        .ok_or_else(PageError::not_found)
}

/// Offices where `action` (made for each office) is allowed to the visitor.
pub async fn offices_where(
    app: &App,
    ctx: &Ctx,
    action: impl Fn(guichet_core::OfficeId) -> Action,
) -> Result<Vec<Office>, PageError> {
    Ok(app
        .store
        .list_offices()
        .await?
        .into_iter()
        .filter(|o| ctx.authorize(action(o.id)).is_ok())
        .collect())
}

/// The office named by `code`, which the visitor must be allowed to `action` in (401/403
/// otherwise, 404 when there is no such office); with no code, the first office the visitor
/// may `action` in. Also returns every such office (for the office picker).
pub async fn office_for(
    app: &App,
    ctx: &Ctx,
    code: &str,
    action: impl Fn(guichet_core::OfficeId) -> Action,
) -> Result<(Office, Vec<Office>), PageError> {
    let offices = offices_where(app, ctx, &action).await?;
    if !code.is_empty() {
        if let Some(o) = offices.iter().find(|o| o.code == code) {
            return Ok((o.clone(), offices));
        }
        // Another office than the visitor's: refuse, rather than show a different one.
        let named = office_by_code(app, code).await?;
        ctx.authorize(action(named.id))?;
        return Err(PageError::not_found());
    }
    match offices.first().cloned() {
        Some(o) => Ok((o, offices)),
        None => {
            ctx.authorize(action(guichet_core::OfficeId(uuid::Uuid::nil())))?;
            Err(PageError::not_found())
        }
    }
}

pub fn client_info(ctx: &Ctx, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        address: ctx.client.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect(),
    }
}

/// The session cookie of a login, lasting as long as the session.
pub fn session_cookie(app: &App, login: &guichet_accounts::LoggedIn) -> axum::http::HeaderValue {
    let s = &login.session;
    cookie(
        app,
        SESSION_COOKIE,
        &login.token,
        (s.expires_at - s.created_at).whole_seconds(),
    )
}

/// Agents, office administrators, auditors and system administrators: civil servants, who
/// work with records and have a personnel record of their own.
pub fn is_civil_servant(ctx: &Ctx) -> bool {
    ctx.principal().is_some_and(|p| {
        p.grants.iter().any(|g| {
            use guichet_core::authz::Role;
            matches!(
                g.role,
                Role::Agent | Role::OfficeAdmin | Role::Auditor | Role::Sysadmin
            )
        })
    })
}
