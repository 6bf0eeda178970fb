//! Helpers every domain's pages share: service errors in the user's language, times in an
//! office's local time. (Offices looked up for a page are the identity slice's
//! `guichet_identity::lookup`.)

use axum::http::StatusCode;
use guichet_common::ServiceError;
use guichet_store::Office;

use crate::ctx::Ctx;
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
