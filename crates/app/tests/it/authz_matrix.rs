//! The authorization matrix: every route the application declares (`guichet_web::route_table`)
//! × every kind of visitor → allowed or denied, checked over HTTP against the demo data.
//!
//! A route added to the table without a rule here fails `every_route_has_a_rule`; a rule
//! whose outcome differs from the server's fails `every_route_answers_every_role_as_ruled`,
//! which lists every difference at once.
//!
//! "Denied" means 401, 403 or 404 (a resource hidden from the visitor), or a redirect to
//! the login page; "allowed" means anything else except a server error, which fails the test
//! whoever asked. Probes that change data use a dossier, record or payroll of the demo whose
//! state makes a repeated action harmless (a refused transition still proves access).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Db, TestApp, client, csrf_of, spawn_app};
use regex::Regex;
use reqwest::Method;

/// The visitors, in the order of the columns of `RULES`.
const ROLES: &[(&str, Option<&str>)] = &[
    ("anonymous", None),
    ("citizen", Some("thu.pham")),
    ("other citizen", Some("marie.dupont")),
    ("agent of office A", Some("lan.nguyen")),
    ("agent of office B", Some("claire.martin")),
    ("office A admin", Some("minh.tran")),
    ("auditor", Some("kiem.tran")),
    ("sysadmin", Some("admin")),
    ("staff member", Some("hoa.le")),
];

/// Office A is UBND phường Hoàn Kiếm (HN-HOANKIEM): the citizen's dossier, its records and
/// exports are there. Personnel data used below belongs to Sở Nội vụ Hà Nội (HN-SONOIVU),
/// where the "staff member" works and where nobody else in the columns is HR.
///
/// One line per (method, route): the expected outcome for each column of `ROLES`
/// (`+` allowed, `-` denied), then the probe: the concrete path and, for unsafe methods, the
/// form or JSON body (`{}` placeholders are filled from the demo data).
const RULES: &[(&str, &str, &str, &str, &str)] = &[
    // method, route, anon/cit/other/agentA/agentB/adminA/auditor/sys/staff, path, body
    ("get", "/", "+++++++++", "/", ""),
    ("get", "/login", "+++++++++", "/login", ""),
    // Logging in: each user with their own password; the anonymous column with a wrong one.
    ("post", "/login", "-++++++++", "/login", "{self_login}"),
    ("post", "/logout", "+++++++++", "/logout", ""),
    // The second step of a login exists only for a session waiting for it: everyone else is
    // sent to the login page.
    ("get", "/login/code", "---------", "/login/code", ""),
    (
        "post",
        "/login/code",
        "---------",
        "/login/code",
        "code=123456",
    ),
    // OpenID Connect (no provider in this app: unknown providers are refused for everyone;
    // a callback without state is a bad request whoever sends it).
    (
        "get",
        "/auth/oidc/{provider}",
        "---------",
        "/auth/oidc/nosuch",
        "",
    ),
    (
        "get",
        "/auth/callback",
        "+++++++++",
        "/auth/callback?code=x",
        "",
    ),
    ("get", "/account", "-++++++++", "/account", ""),
    (
        "post",
        "/account/password",
        "-++++++++",
        "/account/password",
        "current=wrong&new=a&again=b",
    ),
    // Nobody ends a session that is not theirs (an unknown one here; sign_in.rs tries another
    // person's).
    (
        "post",
        "/account/sessions/{id}/revoke",
        "---------",
        "/account/sessions/0190f000-0000-7000-8000-000000000000/revoke",
        "",
    ),
    (
        "get",
        "/account/second-factor",
        "-++++++++",
        "/account/second-factor",
        "",
    ),
    (
        "post",
        "/account/second-factor",
        "-++++++++",
        "/account/second-factor",
        "code=000000",
    ),
    (
        "post",
        "/account/second-factor/disable",
        "-++++++++",
        "/account/second-factor/disable",
        "",
    ),
    (
        "post",
        "/account/offices/{code}/second-factor",
        "-----+-+-",
        "/account/offices/HN-HOANKIEM/second-factor",
        "",
    ),
    ("get", "/lang/{code}", "+++++++++", "/lang/en", ""),
    ("get", "/admin", "-----+-+-", "/admin", ""),
    (
        "post",
        "/admin/offices",
        "-------+-",
        "/admin/offices",
        "code=&name=&country=vn",
    ),
    (
        "post",
        "/admin/clearances",
        "-----+-+-",
        "/admin/clearances",
        "username=kiem.tran&office=HN-HOANKIEM&level=normal",
    ),
    (
        "get",
        "/admin/offices/{code}/calendar",
        "-----+-+-",
        "/admin/offices/HN-HOANKIEM/calendar",
        "",
    ),
    (
        "post",
        "/admin/offices/{code}/calendar",
        "-----+-+-",
        "/admin/offices/HN-HOANKIEM/calendar",
        "date=not-a-date&kind=holiday&name=",
    ),
    (
        "post",
        "/admin/offices/{code}/calendar/remove",
        "-----+-+-",
        "/admin/offices/HN-HOANKIEM/calendar/remove",
        "date=not-a-date",
    ),
    ("get", "/ledger", "------++-", "/ledger", ""),
    ("post", "/ledger/verify", "------++-", "/ledger/verify", ""),
    ("get", "/static/app.css", "+++++++++", "/static/app.css", ""),
    (
        "get",
        "/static/picker.js",
        "+++++++++",
        "/static/picker.js",
        "",
    ),
    ("get", "/units", "+++++++++", "/units", ""),
    ("get", "/units/convert", "+++++++++", "/units/convert", ""),
    ("get", "/units/pick", "+++++++++", "/units/pick", ""),
    ("get", "/units/{unit}", "+++++++++", "/units/VN-P-01", ""),
    ("get", "/procedures", "+++++++++", "/procedures", ""),
    (
        "get",
        "/procedures/{office}/{code}",
        "+++++++++",
        "/procedures/HN-HOANKIEM/HT-TRICHLUC-KS",
        "",
    ),
    (
        "post",
        "/procedures/{office}/{code}/start",
        "-++------",
        "/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/start",
        "",
    ),
    (
        "get",
        "/dossiers/{id}",
        "-+-+-+---",
        "/dossiers/{dossier}",
        "",
    ),
    (
        "get",
        "/dossiers/{id}/edit",
        "-+-------",
        "/dossiers/{dossier}/edit",
        "",
    ),
    (
        "post",
        "/dossiers/{id}/edit",
        "-+-------",
        "/dossiers/{dossier}/edit",
        "go=save",
    ),
    (
        "get",
        "/dossiers/{id}/review",
        "-+-------",
        "/dossiers/{dossier}/review",
        "",
    ),
    (
        "post",
        "/dossiers/{id}/submit",
        "-+-------",
        "/dossiers/{dossier}/submit",
        "",
    ),
    // An office step: the applicant may not take it (the citizen's own steps are in one_stop.rs).
    (
        "post",
        "/dossiers/{id}/step",
        "---+-+---",
        "/dossiers/{dossier}/step",
        "step=receive",
    ),
    (
        "post",
        "/dossiers/{id}/messages",
        "-+-+-+---",
        "/dossiers/{dossier}/messages",
        "body=",
    ),
    (
        "post",
        "/dossiers/{id}/assign",
        "---+-+---",
        "/dossiers/{dossier}/assign",
        "agent=not-a-user",
    ),
    ("get", "/files/{id}", "-+-+-+---", "/files/{file}", ""),
    (
        "post",
        "/dossiers/{id}/postpone",
        "---+-+---",
        "/dossiers/{dossier}/postpone",
        "new_date=&reason=",
    ),
    (
        "post",
        "/dossiers/{id}/rating",
        "-+-------",
        "/dossiers/{dossier}/rating",
        "stars=9",
    ),
    // Revoking a signed document is the head of office's act, not a front-desk agent's.
    (
        "post",
        "/documents/{id}/revoke",
        "-----+-+-",
        "/documents/{document}/revoke",
        "reason=",
    ),
    ("get", "/verify", "+++++++++", "/verify", ""),
    ("post", "/verify", "+++++++++", "/verify", ""),
    ("get", "/verify/{id}", "+++++++++", "{verify}", ""),
    (
        "get",
        "/admin/documents",
        "-----+-+-",
        "/admin/documents",
        "",
    ),
    (
        "get",
        "/admin/documents/{office}/{kind}",
        "-----+-+-",
        "/admin/documents/HN-HOANKIEM/receipt",
        "",
    ),
    (
        "post",
        "/admin/documents/{office}/{kind}",
        "-----+-+-",
        "/admin/documents/HN-HOANKIEM/receipt",
        "body=%23%20broken%20%5B",
    ),
    (
        "get",
        "/stats",
        "---+-+---",
        "/stats?office=HN-HOANKIEM",
        "",
    ),
    (
        "get",
        "/exports",
        "---+-+---",
        "/exports?office=HN-HOANKIEM",
        "",
    ),
    (
        "post",
        "/exports",
        "---+-+---",
        "/exports",
        "office=HN-HOANKIEM&kind=nonsense",
    ),
    ("get", "/exports/{id}", "---+-+---", "/exports/{export}", ""),
    (
        "get",
        "/exports/{id}/download",
        "---+-+---",
        "/exports/{export}/download",
        "",
    ),
    ("get", "/hr", "-----++--", "/hr?office=HN-HOANKIEM", ""),
    (
        "post",
        "/hr/people",
        "-----+---",
        "/hr/people",
        "office=HN-HOANKIEM",
    ),
    (
        "post",
        "/hr/import",
        "-----+---",
        "/hr/import",
        "office=HN-HOANKIEM",
    ),
    (
        "get",
        "/hr/export",
        "-----++--",
        "/hr/export?office=HN-HOANKIEM&format=csv",
        "",
    ),
    (
        "get",
        "/hr/chart",
        "-----++--",
        "/hr/chart?office=HN-HOANKIEM",
        "",
    ),
    (
        "post",
        "/hr/units",
        "-----+---",
        "/hr/units",
        "office=HN-HOANKIEM&from=bad",
    ),
    (
        "post",
        "/hr/positions",
        "-----+---",
        "/hr/positions",
        "office=HN-HOANKIEM",
    ),
    (
        "get",
        "/hr/staff/{id}",
        "------+--",
        "/hr/staff/{staff}",
        "",
    ),
    (
        "post",
        "/hr/staff/{id}/terms",
        "---------",
        "/hr/staff/{staff}/terms",
        "kind=nonsense",
    ),
    (
        "get",
        "/hr/staff/{id}/record.pdf",
        "------+--",
        "/hr/staff/{staff}/record.pdf",
        "",
    ),
    (
        "post",
        "/hr/staff/{id}/corrections/{term}",
        "---------",
        "/hr/staff/{staff}/corrections/{term}",
        "answer=",
    ),
    // Own personnel record: whoever has one (agent B and the staff member).
    ("get", "/hr/me", "----+---+", "/hr/me", ""),
    (
        "get",
        "/hr/me/record.pdf",
        "----+---+",
        "/hr/me/record.pdf",
        "",
    ),
    (
        "get",
        "/hr/me/payslips/{run}",
        "--------+",
        "/hr/me/payslips/{run}",
        "",
    ),
    (
        "get",
        "/hr/me/payslips/{run}/pdf",
        "--------+",
        "/hr/me/payslips/{run}/pdf",
        "",
    ),
    (
        "post",
        "/hr/me/correction",
        "----+---+",
        "/hr/me/correction",
        "text=",
    ),
    (
        "get",
        "/hr/payroll",
        "-----++--",
        "/hr/payroll?office=HN-HOANKIEM",
        "",
    ),
    (
        "post",
        "/hr/payroll",
        "-----+---",
        "/hr/payroll",
        "office=HN-HOANKIEM&month=bad",
    ),
    (
        "get",
        "/hr/payroll/{id}",
        "------+--",
        "/hr/payroll/{run}",
        "",
    ),
    (
        "post",
        "/hr/payroll/{id}/lock",
        "---------",
        "/hr/payroll/{run}/lock",
        "",
    ),
    (
        "get",
        "/hr/payroll/{id}/export",
        "------+--",
        "/hr/payroll/{run}/export?format=csv",
        "",
    ),
    (
        "get",
        "/hr/payroll/{id}/slip/{staff}",
        "------+--",
        "/hr/payroll/{run}/slip/{staff}",
        "",
    ),
    (
        "get",
        "/hr/payroll/{id}/slip/{staff}/pdf",
        "------+--",
        "/hr/payroll/{run}/slip/{staff}/pdf",
        "",
    ),
    ("get", "/hr/parameters", "-----+++-", "/hr/parameters", ""),
    (
        "post",
        "/hr/parameters",
        "-------+-",
        "/hr/parameters",
        "name=nonsense",
    ),
    (
        "get",
        "/records",
        "---+-+++-",
        "/records?office=HN-HOANKIEM",
        "",
    ),
    (
        "post",
        "/records/register",
        "---+-+---",
        "/records/register",
        "office=HN-HOANKIEM",
    ),
    (
        "get",
        "/records/r/{id}",
        "---+-+++-",
        "/records/r/{record}",
        "",
    ),
    (
        "get",
        "/records/r/{id}/content",
        "---+-+++-",
        "/records/r/{record_with_content}/content",
        "",
    ),
    (
        "post",
        "/records/r/{id}/hold",
        "-----+-+-",
        "/records/r/{record}/hold",
        "reason=",
    ),
    (
        "post",
        "/records/holds/{id}/release",
        "-----+-+-",
        "/records/holds/{hold}/release",
        "office=HN-HOANKIEM&reason=",
    ),
    (
        "get",
        "/records/plan",
        "---+-+++-",
        "/records/plan?office=HN-HOANKIEM",
        "",
    ),
    (
        "post",
        "/records/plan/classes",
        "-----+-+-",
        "/records/plan/classes",
        "office=HN-HOANKIEM",
    ),
    (
        "post",
        "/records/plan/files",
        "---+-+---",
        "/records/plan/files",
        "office=HN-HOANKIEM",
    ),
    (
        "post",
        "/records/files/{id}/close",
        "---+-+---",
        "/records/files/{file_open}/close",
        "office=HN-HOANKIEM",
    ),
    (
        "post",
        "/records/export",
        "-----+-+-",
        "/records/export",
        "office=HN-HOANKIEM&format=nonsense",
    ),
    (
        "get",
        "/records/disposition",
        "---+-+++-",
        "/records/disposition?office=HN-HOANKIEM",
        "",
    ),
    // A records officer (agent) or the head proposes; the head approves (decide).
    (
        "post",
        "/records/disposition",
        "---+-+---",
        "/records/disposition",
        "office=HN-HOANKIEM&up_to=bad",
    ),
    (
        "get",
        "/records/disposition/{id}",
        "---+-+++-",
        "/records/disposition/{disposition}",
        "",
    ),
    (
        "post",
        "/records/disposition/{id}/decide",
        "-----+-+-",
        "/records/disposition/{disposition}/decide",
        "decision=nonsense",
    ),
    (
        "post",
        "/records/disposition/{id}/execute",
        "-----+-+-",
        "/records/disposition/{disposition}/execute",
        "",
    ),
    // Fixity audits cover every copy of every office: auditors and system administrators.
    (
        "get",
        "/records/fixity",
        "------++-",
        "/records/fixity?office=HN-HOANKIEM",
        "",
    ),
    (
        "post",
        "/records/fixity",
        "------++-",
        "/records/fixity",
        "",
    ),
    (
        "get",
        "/transparency/{office}",
        "+++++++++",
        "/transparency/HN-HOANKIEM",
        "",
    ),
    ("get", "/my/dossiers", "-++------", "/my/dossiers", ""),
    ("get", "/track", "+++++++++", "/track", ""),
    (
        "post",
        "/track",
        "+++++++++",
        "/track",
        "code={tracking_code}&secret={tracking_secret}",
    ),
    (
        "get",
        "/offices/{code}/dossiers",
        "---+-+---",
        "/offices/HN-HOANKIEM/dossiers",
        "",
    ),
    (
        "post",
        "/offices/{code}/dossiers/bulk",
        "---+-+---",
        "/offices/HN-HOANKIEM/dossiers/bulk",
        "action=nonsense",
    ),
    (
        "get",
        "/offices/{code}/procedures",
        "-----+-+-",
        "/offices/HN-HOANKIEM/procedures",
        "",
    ),
    (
        "post",
        "/offices/{code}/procedures",
        "-----+-+-",
        "/offices/HN-HOANKIEM/procedures",
        "code=",
    ),
    (
        "get",
        "/offices/{code}/procedures/{pcode}",
        "-----+-+-",
        "/offices/HN-HOANKIEM/procedures/HT-TRICHLUC-KS",
        "",
    ),
    (
        "post",
        "/offices/{code}/procedures/{pcode}",
        "-----+-+-",
        "/offices/HN-HOANKIEM/procedures/HT-TRICHLUC-KS",
        "definition=%7B",
    ),
    (
        "get",
        "/.well-known/guichet-keys",
        "+++++++++",
        "/.well-known/guichet-keys",
        "",
    ),
    ("get", "/healthz", "+++++++++", "/healthz", ""),
    ("get", "/readyz", "+++++++++", "/readyz", ""),
    // The JSON API (bodies are JSON; `{}` alone is an empty object).
    ("get", "/api/v1/offices", "+++++++++", "/api/v1/offices", ""),
    (
        "post",
        "/api/v1/offices",
        "-------+-",
        "/api/v1/offices",
        r#"{"code":"","name":"","country":"xx"}"#,
    ),
    (
        "get",
        "/api/v1/offices/{id}",
        "+++++++++",
        "/api/v1/offices/{office_id}",
        "",
    ),
    ("get", "/api/v1/me", "-++++++++", "/api/v1/me", ""),
    (
        "get",
        "/api/v1/ledger/streams",
        "------++-",
        "/api/v1/ledger/streams",
        "",
    ),
    ("get", "/api/v1/units", "+++++++++", "/api/v1/units", ""),
    (
        "get",
        "/api/v1/units/{unit}",
        "+++++++++",
        "/api/v1/units/VN-P-01",
        "",
    ),
    (
        "get",
        "/api/v1/units/{unit}/lineage",
        "+++++++++",
        "/api/v1/units/VN-P-01/lineage",
        "",
    ),
    (
        "get",
        "/api/v1/addresses/convert",
        "+++++++++",
        "/api/v1/addresses/convert?address=x",
        "",
    ),
    (
        "post",
        "/api/v1/addresses/convert",
        "+++++++++",
        "/api/v1/addresses/convert",
        r#"{"addresses":[]}"#,
    ),
    (
        "get",
        "/api/v1/procedures",
        "+++++++++",
        "/api/v1/procedures",
        "",
    ),
    (
        "get",
        "/api/v1/procedures/{office}/{code}",
        "+++++++++",
        "/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS",
        "",
    ),
    (
        "put",
        "/api/v1/procedures/{office}/{code}/draft",
        "-----+-+-",
        "/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/draft",
        r#"{"body":{"name":"broken"}}"#,
    ),
    (
        "post",
        "/api/v1/procedures/{office}/{code}/publish",
        "-----+-+-",
        "/api/v1/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/publish",
        "{}",
    ),
    (
        "post",
        "/api/v1/procedures/{office}/{code}/unpublish",
        "-----+-+-",
        "/api/v1/procedures/HN-HOANKIEM/HKD-DANGKY/unpublish",
        "{}",
    ),
    (
        "post",
        "/api/v1/offices/{office}/procedures",
        "-----+-+-",
        "/api/v1/offices/HN-HOANKIEM/procedures",
        r#"{"code":"","topic":"other","body":{}}"#,
    ),
    (
        "post",
        "/api/v1/offices/{office}/webhooks",
        "-----+-+-",
        "/api/v1/offices/HN-HOANKIEM/webhooks",
        r#"{"url":"not a url"}"#,
    ),
    (
        "get",
        "/api/v1/dossiers",
        "-++++++++",
        "/api/v1/dossiers",
        "",
    ),
    (
        "post",
        "/api/v1/dossiers",
        "-++------",
        "/api/v1/dossiers",
        r#"{"office":"HN-HOANKIEM","procedure":"HT-TRICHLUC-KS","answers":{},"submit":false}"#,
    ),
    (
        "get",
        "/api/v1/dossiers/{id}",
        "-+-+-+---",
        "/api/v1/dossiers/{dossier}",
        "",
    ),
    (
        "put",
        "/api/v1/dossiers/{id}/answers",
        "-+-------",
        "/api/v1/dossiers/{dossier}/answers",
        r#"{"answers":{},"rev":0}"#,
    ),
    (
        "post",
        "/api/v1/dossiers/{id}/submit",
        "-+-------",
        "/api/v1/dossiers/{dossier}/submit",
        r#"{"rev":0}"#,
    ),
    (
        "post",
        "/api/v1/dossiers/{id}/actions",
        "---+-+---",
        "/api/v1/dossiers/{dossier}/actions",
        r#"{"step":"receive","rev":0,"reason":""}"#,
    ),
    (
        "get",
        "/api/v1/dossiers/{id}/messages",
        "-+-+-+---",
        "/api/v1/dossiers/{dossier}/messages",
        "",
    ),
    (
        "post",
        "/api/v1/dossiers/{id}/messages",
        "-+-+-+---",
        "/api/v1/dossiers/{dossier}/messages",
        r#"{"body":""}"#,
    ),
    (
        "get",
        "/api/v1/dossier-states",
        "+++++++++",
        "/api/v1/dossier-states",
        "",
    ),
    (
        "get",
        "/api/v1/dossiers/{id}/documents",
        "-+-+-+---",
        "/api/v1/dossiers/{dossier}/documents",
        "",
    ),
    (
        "get",
        "/api/v1/documents/{id}/verification",
        "+++++++++",
        "/api/v1/documents/{document}/verification",
        "",
    ),
    // The transparency page's figures: public by law (no personal data).
    (
        "get",
        "/api/v1/offices/{office}/stats",
        "+++++++++",
        "/api/v1/offices/HN-HOANKIEM/stats",
        "",
    ),
    (
        "get",
        "/api/v1/records",
        "---+-+++-",
        "/api/v1/records?office=HN-HOANKIEM",
        "",
    ),
    (
        "get",
        "/api/v1/offices/{office}/staff",
        "-----++--",
        "/api/v1/offices/HN-HOANKIEM/staff",
        "",
    ),
    (
        "post",
        "/api/v1/pay/compute",
        "-++++++++",
        "/api/v1/pay/compute?country=vn",
        "{}",
    ),
    (
        "get",
        "/api/v1/records/{id}",
        "---+-+++-",
        "/api/v1/records/{record}",
        "",
    ),
    (
        "get",
        "/api/v1/openapi.json",
        "+++++++++",
        "/api/v1/openapi.json",
        "",
    ),
];

/// The rules above and those the composed slices bring with them.
fn all_rules() -> Vec<guichet_web::AccessRule> {
    RULES
        .iter()
        .copied()
        .chain(
            guichet::WEB_SLICES
                .iter()
                .flat_map(|s| s.access.iter().copied()),
        )
        .collect()
}

#[test]
fn the_columns_are_the_visitors_slices_write_rules_for() {
    let names: Vec<&str> = ROLES.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, guichet_web::MATRIX_VISITORS);
}

#[test]
fn every_route_has_a_rule() {
    let rules = all_rules();
    let routes: BTreeSet<(String, String)> = guichet_web::route_table(guichet::WEB_SLICES)
        .into_iter()
        .map(|(path, method)| (method.to_owned(), path))
        .collect();
    let ruled: BTreeSet<(String, String)> = rules
        .iter()
        .map(|(m, p, ..)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let unruled: Vec<_> = routes.difference(&ruled).collect();
    let stale: Vec<_> = ruled.difference(&routes).collect();
    assert!(
        unruled.is_empty(),
        "routes without an authorization rule: {unruled:?}"
    );
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );
    assert_eq!(ruled.len(), rules.len(), "a route is ruled twice");
    for (m, p, expected, ..) in &rules {
        assert_eq!(expected.len(), ROLES.len(), "{m} {p}: one outcome per role");
    }
}

/// The ids the probes need, found in the demo data as the people who may see them.
async fn demo_ids(app: &TestApp) -> BTreeMap<&'static str, String> {
    let uuid = Regex::new("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").unwrap();
    let find = |html: &str, prefix: &str, suffix: &str| -> Option<String> {
        let re = Regex::new(&format!(
            "{}({}){}",
            regex::escape(prefix),
            uuid.as_str(),
            regex::escape(suffix)
        ))
        .unwrap();
        re.captures(html).map(|c| c[1].to_owned())
    };
    let page = |c: reqwest::Client, path: String| async move {
        c.get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let mut ids = BTreeMap::new();

    let citizen = app.client_as("thu.pham").await;
    let dossiers: serde_json::Value = citizen
        .get(app.url("/api/v1/dossiers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // A dossier already decided: repeated actions on it are refused transitions.
    let items = dossiers["dossiers"].as_array().expect("dossier list");
    let decided = items
        .iter()
        .find(|d| d["office"] == "HN-HOANKIEM" && d["state"] == "approved")
        .or_else(|| {
            items
                .iter()
                .find(|d| d["office"] == "HN-HOANKIEM" && d["state"] != "draft")
        })
        .expect("the citizen has a dossier at office A");
    let dossier = decided["id"].as_str().unwrap().to_owned();
    let html = page(citizen.clone(), format!("/dossiers/{dossier}")).await;
    ids.insert(
        "file",
        find(&html, "/files/", "").expect("a file on the dossier page"),
    );
    let documents: serde_json::Value = citizen
        .get(app.url(&format!("/api/v1/dossiers/{dossier}/documents")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let document = documents
        .as_array()
        .or(documents["items"].as_array())
        .and_then(|d| d.first())
        .expect("a document issued on the dossier");
    let verify = document["verify_url"]
        .as_str()
        .expect("its verification link");
    ids.insert(
        "verify",
        verify[verify.find("/verify/").unwrap()..].to_owned(),
    );
    ids.insert("document", document["id"].as_str().unwrap().to_owned());
    ids.insert("dossier", dossier);

    let (code, secret) = file_a_dossier(app, &citizen).await;
    ids.insert("tracking_code", code);
    ids.insert("tracking_secret", secret);

    let agent = app.client_as("lan.nguyen").await;
    let records: serde_json::Value = agent
        .get(app.url("/api/v1/records?office=HN-HOANKIEM"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let with_content = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sha256"].is_string() && r["state"] != "destroyed")
        .expect("a record with content");
    ids.insert(
        "record_with_content",
        with_content["id"].as_str().unwrap().to_owned(),
    );
    let html = page(agent.clone(), "/records?office=HN-HOANKIEM".into()).await;
    ids.insert(
        "record",
        find(&html, "/records/r/", "").expect("a record of office A"),
    );
    let html = page(agent.clone(), "/exports?office=HN-HOANKIEM".into()).await;
    let export = match find(&html, "/exports/", "") {
        Some(id) => id,
        None => {
            let csrf = csrf_of(&html);
            let column = Regex::new(r#"name="column" value="([^"]+)""#).unwrap();
            let column = &column.captures(&html).expect("export columns")[1];
            let r = agent
                .post(app.url("/exports"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("office", "HN-HOANKIEM"),
                    ("format", "csv"),
                    ("column", column),
                ])
                .send()
                .await
                .unwrap();
            let location = r.headers()["location"].to_str().unwrap().to_owned();
            find(&location, "/exports/", "").expect("an export job")
        }
    };
    ids.insert("export", export);

    let admin = app.client_as("minh.tran").await;
    let html = page(admin.clone(), "/records/plan?office=HN-HOANKIEM".into()).await;
    ids.insert(
        "file_open",
        find(&html, "/records/files/", "/close").expect("an open archival file"),
    );
    let html = page(
        admin.clone(),
        "/records/disposition?office=HN-HOANKIEM".into(),
    )
    .await;
    ids.insert(
        "disposition",
        find(&html, "/records/disposition/", "").expect("a disposition run of office A"),
    );
    let hold = find(&html, "/records/holds/", "/release").expect("a legal hold in office A");
    ids.insert("hold", hold);

    let auditor = app.client_as("kiem.tran").await;
    let html = page(auditor.clone(), "/hr?office=HN-SONOIVU".into()).await;
    let staff_member = app.client_as("hoa.le").await;
    let me = page(staff_member, "/hr/me".into()).await;
    ids.insert(
        "run",
        find(&me, "/hr/me/payslips/", "").expect("a payslip of the staff member"),
    );
    // The staff member's own record, seen by the auditor.
    let staff = find(&html, "/hr/staff/", "").expect("staff of HN-SONOIVU");
    let person = page(auditor.clone(), format!("/hr/staff/{staff}")).await;
    ids.insert(
        "term",
        find(&person, "/corrections/", "")
            .or_else(|| uuid.find(&person).map(|m| m.as_str().to_owned()))
            .expect("a career entry"),
    );
    ids.insert("staff", staff);

    let offices: serde_json::Value = client()
        .get(app.url("/api/v1/offices"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = offices
        .as_array()
        .or(offices["items"].as_array())
        .expect("office list");
    let office_id = list
        .iter()
        .find(|o| o["code"] == "HN-HOANKIEM")
        .and_then(|o| o["id"].as_str())
        .expect("office A")
        .to_owned();
    ids.insert("office_id", office_id);
    for probe in guichet::WEB_SLICES.iter().flat_map(|s| s.probe_ids.iter()) {
        let json: serde_json::Value = app
            .client_as(probe.visitor)
            .await
            .get(app.url(probe.path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or_else(|e| panic!("{}: {} is not JSON: {e}", probe.name, probe.path));
        let value = json
            .pointer(probe.pointer)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "{}: nothing at {} in {}",
                    probe.name, probe.pointer, probe.path
                )
            });
        ids.insert(probe.name, value.to_owned());
    }
    ids
}

/// Files a birth-extract request through the pages, as a browser does; returns the code and
/// tracking secret of its receipt.
async fn file_a_dossier(app: &TestApp, citizen: &reqwest::Client) -> (String, String) {
    let text = |r: reqwest::Response| async move { r.text().await.unwrap() };
    let value = |html: &str, name: &str| -> String {
        let re = Regex::new(&format!(r#"name="{name}" value="([^"]*)""#)).unwrap();
        re.captures(html).expect(name)[1].to_owned()
    };
    let strong = |html: &str, id: &str| -> String {
        let re = Regex::new(&format!(r#"id="{id}">([^<]+)<"#)).unwrap();
        re.captures(html).expect(id)[1].trim().to_owned()
    };
    let html = text(
        citizen
            .get(app.url("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let csrf = csrf_of(&html);
    let r = citizen
        .post(app.url("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let edit = r.headers()["location"].to_str().unwrap().to_owned();
    let html = text(citizen.get(app.url(&edit)).send().await.unwrap()).await;
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("rev", value(&html, "rev"))
        .text("go", "review");
    for (k, v) in [
        ("full_name", "Phạm Minh Thu"),
        ("cccd", "001190012345"),
        ("phone", "0912 345 678"),
        ("email", "thu@example.vn"),
        ("relation", "self"),
        ("person_name", "Phạm Minh Thu"),
        ("birth_date", "12/04/1990"),
        ("registered_at.province", "VN-P-01"),
        ("registered_at.commune", "VN-C-00004"),
        ("copies", "1"),
        ("delivery", "counter"),
    ] {
        form = form.text(k, v);
    }
    let scan = reqwest::multipart::Part::bytes(b"%PDF-1.4 scan".to_vec())
        .file_name("cccd.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = citizen
        .post(app.url(&edit))
        .multipart(form.part("id_scan", scan))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the answers are accepted");
    let review = edit.replace("/edit", "/review");
    let html = text(citizen.get(app.url(&review)).send().await.unwrap()).await;
    let submit = edit.replace("/edit", "/submit");
    let r = citizen
        .post(app.url(&submit))
        .form(&[
            ("csrf", csrf.as_str()),
            ("rev", value(&html, "rev").as_str()),
        ])
        .send()
        .await
        .unwrap();
    let html = text(r).await;
    (
        strong(&html, "dossier-code"),
        strong(&html, "tracking-secret"),
    )
}

fn fill(template: &str, ids: &BTreeMap<&'static str, String>) -> String {
    let mut out = template.to_owned();
    for (name, value) in ids {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    let placeholder = Regex::new(r"\{[a-z_]+\}").unwrap();
    assert!(!placeholder.is_match(&out), "unfilled probe {out}");
    out
}

/// What one visitor got from one probe.
fn outcome(status: u16, location: Option<&str>) -> Result<bool, String> {
    match status {
        500..=599 => Err(format!("server error {status}")),
        401 | 403 | 404 => Ok(false),
        300..=399 if location.is_some_and(|l| l.starts_with("/login")) => Ok(false),
        _ => Ok(true),
    }
}

async fn client_for(app: &TestApp, username: Option<&str>) -> (reqwest::Client, String) {
    let c = match username {
        Some(u) => app.client_as(u).await,
        None => client(),
    };
    // The login form carries the token for visitors, the logout form for users.
    let page = if username.is_some() { "/" } else { "/login" };
    let html = c
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    (c, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_ruled() {
    let app = spawn_app(Db::Sqlite)
        .await
        .expect("SQLite is always available");
    let ids = demo_ids(&app).await;
    let mut clients = Vec::new();
    for (_, username) in ROLES {
        clients.push(client_for(&app, *username).await);
    }
    let mut differences = Vec::new();
    for (method, route, expected, path, body) in &all_rules() {
        let path = fill(path, &ids);
        let body = if *body == "{self_login}" {
            (*body).to_owned()
        } else {
            fill(body, &ids)
        };
        for (column, (role, username)) in ROLES.iter().enumerate() {
            // Probes that end or replace the session use a client of their own.
            let own;
            let (c, csrf) = if *route == "/logout" || *route == "/login" && *method == "post" {
                own = client_for(&app, *username).await;
                &own
            } else {
                &clients[column]
            };
            let body = match (body.as_str(), username) {
                ("{self_login}", Some(u)) => {
                    format!("username={u}&password={}", guichet::demo::DEMO_PASSWORD)
                }
                ("{self_login}", None) => "username=nobody&password=wrong".to_owned(),
                _ => body.clone(),
            };
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = c.request(method.clone(), app.url(&path));
            if method != Method::GET {
                if route.starts_with("/api/") {
                    request = request
                        .header("content-type", "application/json")
                        .body(body.clone());
                } else {
                    let form = if body.is_empty() {
                        format!("csrf={csrf}")
                    } else {
                        format!("csrf={csrf}&{body}")
                    };
                    request = request
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(form);
                }
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let want = expected.as_bytes()[column] == b'+';
            match outcome(status, location.as_deref()) {
                Ok(got) if got == want => {}
                Ok(got) => differences.push(format!(
                    "{method} {route} as {role}: expected {}, got {} ({status}{})",
                    if want { "allowed" } else { "denied" },
                    if got { "allowed" } else { "denied" },
                    location.map(|l| format!(" → {l}")).unwrap_or_default()
                )),
                Err(e) => differences.push(format!("{method} {route} as {role}: {e}")),
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences from the authorization matrix:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// The OpenAPI document describes exactly the API routes that exist (so clients and the
/// fuzzer see every operation, at its real path).
#[test]
fn the_openapi_document_matches_the_route_table() {
    let doc = serde_json::to_value(guichet_web::api::openapi(guichet::WEB_SLICES)).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let routes: BTreeSet<(String, String)> = guichet_web::route_table(guichet::WEB_SLICES)
        .into_iter()
        .filter(|(path, _)| path.starts_with("/api/v1/") && path != "/api/v1/openapi.json")
        .map(|(path, method)| (method.to_owned(), path))
        .collect();
    let table: BTreeSet<(String, String)> = guichet_web::route_table(guichet::WEB_SLICES)
        .into_iter()
        .map(|(path, method)| (method.to_owned(), path))
        .collect();
    let missing: Vec<_> = documented.difference(&table).collect();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "documented operations that are not served: {missing:?}"
    );
    assert!(
        undocumented.is_empty(),
        "API routes missing from the document: {undocumented:?}"
    );
}
