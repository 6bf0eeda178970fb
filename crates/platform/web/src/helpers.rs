//! Helpers every domain's pages share: service errors in the user's language, times in an
//! office's local time. (Offices looked up for a page are the identity slice's
//! `guichet_identity::lookup`.)

use axum::http::StatusCode;
use guichet_common::ServiceError;
use guichet_store::Office;

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;

/// Refusals whose detail is a tool's own report (a template compiler, an archive reader), in
/// English whatever the language: shown after the message, marked as technical.
const TECHNICAL: &[&str] = &[
    "document-template",
    "form-schema",
    "package",
    "calendar",
    "hr-import",
];

/// A service error in the user's language: the refusal's own words when it carries them
/// (`said`), else the message of its key; never the English detail, but for the reports of
/// tools (`TECHNICAL`), marked as such.
pub fn service_message(tr: &Tr, e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid {
            said: Some(said), ..
        } => said.get(tr.lang).to_owned(),
        ServiceError::Invalid { key, detail, .. } => match tr.lookup(&format!("svc-{key}")) {
            Some(m) if TECHNICAL.contains(key) && !detail.is_empty() => {
                format!(
                    "{m} {}",
                    tr.t1("svc-technical-detail", "detail", detail.as_str())
                )
            }
            Some(m) => m.clone(),
            // A key without a message is a bug the catalogue test catches; say something.
            None => tr.t("error-400"),
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_common::{Said, invalid, invalid_said};
    use guichet_core::Language;

    #[test]
    fn refusals_read_in_the_users_language_without_english_details() {
        let vi = Tr::new(Language::Vi);
        // A key without a message of its own: a generic message, never the English detail.
        let e = invalid("no-such-key", "the summary is required");
        assert_eq!(service_message(&vi, &e), vi.t("error-400"));
        // A refusal that carries its words in each language.
        let e = invalid_said(
            "no-such-key",
            Said {
                vi: "Đơn vị A không tồn tại.".into(),
                fr: "L’unité A n’existe pas.".into(),
                en: "Unit A does not exist.".into(),
            },
        );
        assert_eq!(service_message(&vi, &e), "Đơn vị A không tồn tại.");
        assert_eq!(
            service_message(&Tr::new(Language::Fr), &e),
            "L’unité A n’existe pas."
        );
        assert_eq!(e.to_string(), "Unit A does not exist.");
    }
}
