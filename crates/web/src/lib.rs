//! The thin web layer of guichet: axum routes, server-rendered pages in vi/fr/en (askama +
//! Fluent), the JSON API with its OpenAPI document, health endpoints.
//!
//! Invariant: handlers parse, authorize (one call to `guichet_core::authz::authorize`), call
//! the domain and render. Business rules live in domain crates, never here.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Declares routes once, as data: a function adding them to a router and a table of
/// (path, methods) that tests walk (the authorization matrix fails on a route it has no rule
/// for). Each entry is `"path" => get(handler).post(handler)`.
macro_rules! route_table {
    (
        $(#[$doc:meta])*
        fn $adder:ident, $table:ident;
        $($path:literal => $first:ident($first_handler:path) $(.$method:ident($handler:path))*,)*
    ) => {
        $(#[$doc])*
        pub const $table: &[crate::RouteSpec] = &[
            $(crate::RouteSpec { path: $path, methods: &[stringify!($first) $(, stringify!($method))*] },)*
        ];

        fn $adder(router: axum::Router<crate::App>) -> axum::Router<crate::App> {
            router $(.route($path, axum::routing::$first($first_handler) $(.$method($handler))*))*
        }
    };
}

pub mod account_web;
pub mod api;
pub mod calendar_page;
pub mod ctx;
pub mod documents_web;
pub mod error;
pub mod exports_web;
pub mod form_data;
pub mod hr_web;
pub mod i18n;
pub mod one_stop;
pub mod one_stop_api;
pub mod pages;
pub mod procedures_admin;
pub mod records_web;
pub mod stats_web;
pub mod units_web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use guichet_accounts::Accounts;
use guichet_core::{Clock, Entropy, Language};
use guichet_ledger::{LedgerKey, TrustedKeys};
use guichet_store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Web settings from the configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub default_language: Language,
    /// Mark cookies `Secure` and send HSTS: set when guichet is served over TLS.
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Largest multipart form (with its files) accepted, in bytes.
    pub upload_limit: usize,
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers before it is disconnected.
    pub header_timeout: Duration,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            default_language: Language::Vi,
            secure_cookies: false,
            body_limit: 1024 * 1024,
            upload_limit: 20 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Everything handlers share.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub accounts: Arc<Accounts>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    pub ledger_key: Arc<LedgerKey>,
    pub trusted_keys: TrustedKeys,
    pub units: Arc<guichet_units::Registry>,
    pub files: guichet_services::files::Files,
    /// Renders, seals and stores official documents.
    pub issuer: guichet_services::documents::Issuer,
    /// The copies of records' content.
    pub archive: guichet_services::records::ArchiveStorage,
    /// The record search index (`None`: unavailable; searches find nothing).
    pub search: Option<Arc<guichet_records::search::SearchIndex>>,
    /// The archives service packages are made for.
    pub archival_agency: guichet_records::package::Agency,
    /// Parsed bodies of published procedure versions (immutable, so cached).
    pub versions: Arc<guichet_services::procedure::VersionCache>,
    pub settings: WebSettings,
    /// OpenID Connect login (no providers configured: no buttons, every start refused).
    pub openid: Arc<guichet_accounts::oidc::OpenId>,
    /// The Content-Security-Policy of every response; `form-action` also names the OpenID
    /// providers' origins, since logging out redirects a form post there.
    pub(crate) csp: axum::http::HeaderValue,
    pub(crate) csrf_key: [u8; 32],
}

pub type App = Arc<AppState>;

/// What the web layer is wired to; `AppState::new` adds the secrets it derives.
pub struct Services {
    pub store: Arc<dyn Store>,
    pub accounts: Arc<Accounts>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    pub ledger_key: Arc<LedgerKey>,
    pub trusted_keys: TrustedKeys,
    pub units: Arc<guichet_units::Registry>,
    pub files: guichet_services::files::Files,
    pub issuer: guichet_services::documents::Issuer,
    pub archive: guichet_services::records::ArchiveStorage,
    pub search: Option<Arc<guichet_records::search::SearchIndex>>,
    pub archival_agency: guichet_records::package::Agency,
    pub openid: Arc<guichet_accounts::oidc::OpenId>,
}

/// The policy with `form-action` widened to `origins`.
fn content_security_policy(origins: &[String]) -> axum::http::HeaderValue {
    let mut form_action = String::from("'self'");
    for o in origins {
        // Origins come from parsed issuer URLs; anything odd is left out rather than trusted.
        if o.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/.-[]".contains(c))
        {
            form_action.push(' ');
            form_action.push_str(o);
        }
    }
    axum::http::HeaderValue::from_str(&format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action {form_action}; base-uri 'none'"
    ))
    .unwrap_or(axum::http::HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ))
}

impl AppState {
    /// The records service over this state.
    pub fn records(&self) -> guichet_services::records::Records<'_> {
        guichet_services::records::Records {
            store: &*self.store,
            clock: &*self.clock,
            entropy: &*self.entropy,
            archive: &self.archive,
            files: &self.files,
            index: self.search.as_deref(),
        }
    }

    /// The civil-service management service over this state.
    pub fn hr(&self) -> guichet_services::hr::Hr<'_> {
        guichet_services::hr::Hr {
            store: &*self.store,
            clock: &*self.clock,
            entropy: &*self.entropy,
        }
    }

    pub fn new(services: Services, settings: WebSettings) -> App {
        let Services {
            store,
            accounts,
            clock,
            entropy,
            ledger_key,
            trusted_keys,
            units,
            files,
            issuer,
            archive,
            search,
            archival_agency,
            openid,
        } = services;
        let csrf_key = ledger_key.derive_secret("csrf");
        let csp = content_security_policy(&openid.origins());
        Arc::new(Self {
            store,
            accounts,
            clock,
            entropy,
            ledger_key,
            trusted_keys,
            units,
            files,
            issuer,
            archive,
            search,
            archival_agency,
            versions: Arc::default(),
            settings,
            openid,
            csp,
            csrf_key,
        })
    }
}

/// One declared route: its path (axum syntax, `{param}`) and its methods in lower case.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub path: &'static str,
    pub methods: &'static [&'static str],
}

/// Every route the application serves, with full paths (the API's under `/api/v1`).
pub fn route_table() -> Vec<(String, &'static str)> {
    let pages = PAGE_ROUTES.iter().map(|r| (r.path.to_owned(), r));
    let api = api::API_ROUTES
        .iter()
        .map(|r| (format!("/api/v1{}", r.path), r));
    pages
        .chain(api)
        .flat_map(|(path, r)| r.methods.iter().map(move |m| (path.clone(), *m)))
        .collect()
}

/// Whether some route serves `method` (lower case) on `path`. The context middleware checks
/// this before it looks at an unsafe request's body, so a method a path does not take is
/// answered 405 (with `Allow`) by the router rather than 415 or 403.
pub fn route_allows(path: &str, method: &str) -> bool {
    static TABLE: std::sync::OnceLock<Vec<(Vec<String>, &'static str)>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        route_table()
            .into_iter()
            .map(|(p, m)| (p.split('/').map(str::to_owned).collect(), m))
            .collect()
    });
    let segments: Vec<&str> = path.split('/').collect();
    table.iter().any(|(pattern, m)| {
        m.eq_ignore_ascii_case(method)
            && pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
    })
}

route_table! {
    /// The pages, the well-known documents and the health endpoints.
    fn page_routes, PAGE_ROUTES;
    "/" => get(pages::home),
    "/login" => get(pages::login_form).post(pages::login),
    "/logout" => post(pages::logout),
    "/login/code" => get(account_web::code_form).post(account_web::code_submit),
    "/auth/oidc/{provider}" => get(account_web::oidc_start),
    "/auth/callback" => get(account_web::oidc_callback),
    "/account" => get(account_web::account),
    "/account/password" => post(account_web::change_password),
    "/account/sessions/{id}/revoke" => post(account_web::revoke_session),
    "/account/second-factor" => get(account_web::second_factor_page).post(account_web::second_factor_confirm),
    "/account/second-factor/disable" => post(account_web::second_factor_disable),
    "/account/offices/{code}/second-factor" => post(account_web::office_policy),
    "/lang/{code}" => get(pages::switch_language),
    "/admin" => get(pages::admin),
    "/admin/offices" => post(pages::create_office),
    "/admin/offices/{code}/calendar" => get(calendar_page::show).post(calendar_page::record),
    "/admin/offices/{code}/calendar/remove" => post(calendar_page::remove),
    "/ledger" => get(pages::ledger),
    "/ledger/verify" => post(pages::verify_ledger),
    "/static/app.css" => get(pages::stylesheet),
    "/static/picker.js" => get(units_web::picker_js),
    "/units" => get(units_web::units_page),
    "/units/convert" => get(units_web::convert_page),
    "/units/pick" => get(units_web::pick_page),
    "/units/{unit}" => get(units_web::unit_page),
    "/procedures" => get(one_stop::catalogue),
    "/procedures/{office}/{code}" => get(one_stop::procedure_page),
    "/procedures/{office}/{code}/start" => post(one_stop::start),
    "/dossiers/{id}" => get(one_stop::show),
    "/dossiers/{id}/edit" => get(one_stop::edit_form).post(one_stop::edit_save),
    "/dossiers/{id}/review" => get(one_stop::review),
    "/dossiers/{id}/submit" => post(one_stop::submit),
    "/dossiers/{id}/step" => post(one_stop::take_step),
    "/dossiers/{id}/messages" => post(one_stop::send_message),
    "/dossiers/{id}/assign" => post(one_stop::assign),
    "/files/{id}" => get(one_stop::download),
    "/dossiers/{id}/postpone" => post(documents_web::postpone),
    "/dossiers/{id}/rating" => post(documents_web::rate),
    "/documents/{id}/revoke" => post(documents_web::revoke),
    "/verify" => get(documents_web::verify_form).post(documents_web::verify_upload),
    "/verify/{id}" => get(documents_web::verify_link),
    "/admin/documents" => get(documents_web::templates),
    "/admin/documents/{office}/{kind}" => get(documents_web::template_edit).post(documents_web::template_save),
    "/stats" => get(stats_web::office_stats),
    "/exports" => get(exports_web::exports_page).post(exports_web::start),
    "/exports/{id}" => get(exports_web::job_page),
    "/exports/{id}/download" => get(exports_web::download),
    "/hr" => get(hr_web::staff),
    "/hr/people" => post(hr_web::add_person),
    "/hr/import" => post(hr_web::import),
    "/hr/export" => get(hr_web::export),
    "/hr/chart" => get(hr_web::chart),
    "/hr/units" => post(hr_web::add_unit),
    "/hr/positions" => post(hr_web::add_position),
    "/hr/staff/{id}" => get(hr_web::person),
    "/hr/staff/{id}/terms" => post(hr_web::add_term),
    "/hr/staff/{id}/record.pdf" => get(hr_web::person_pdf),
    "/hr/staff/{id}/corrections/{term}" => post(hr_web::close_correction),
    "/hr/me" => get(hr_web::me),
    "/hr/me/record.pdf" => get(hr_web::me_pdf),
    "/hr/me/payslips/{run}" => get(hr_web::own_slip),
    "/hr/me/payslips/{run}/pdf" => get(hr_web::own_slip_pdf),
    "/hr/me/correction" => post(hr_web::request_correction),
    "/hr/payroll" => get(hr_web::payroll).post(hr_web::compute_payroll),
    "/hr/payroll/{id}" => get(hr_web::run),
    "/hr/payroll/{id}/lock" => post(hr_web::lock),
    "/hr/payroll/{id}/export" => get(hr_web::export_run),
    "/hr/payroll/{id}/slip/{staff}" => get(hr_web::slip),
    "/hr/payroll/{id}/slip/{staff}/pdf" => get(hr_web::slip_pdf),
    "/hr/parameters" => get(hr_web::parameters).post(hr_web::add_parameter),
    "/records" => get(records_web::records),
    "/records/register" => post(records_web::register),
    "/records/r/{id}" => get(records_web::record),
    "/records/r/{id}/content" => get(records_web::record_content),
    "/records/r/{id}/hold" => post(records_web::place_hold),
    "/records/holds/{id}/release" => post(records_web::release_hold),
    "/records/plan" => get(records_web::plan),
    "/records/plan/classes" => post(records_web::add_class),
    "/records/plan/files" => post(records_web::open_file),
    "/records/files/{id}/close" => post(records_web::close_file),
    "/records/export" => post(records_web::export),
    "/records/disposition" => get(records_web::disposition).post(records_web::propose),
    "/records/disposition/{id}" => get(records_web::run),
    "/records/disposition/{id}/decide" => post(records_web::decide),
    "/records/disposition/{id}/execute" => post(records_web::execute),
    "/records/fixity" => get(records_web::fixity).post(records_web::run_fixity),
    "/transparency/{office}" => get(stats_web::transparency),
    "/my/dossiers" => get(one_stop::my_dossiers),
    "/track" => get(one_stop::track_form).post(one_stop::track),
    "/offices/{code}/dossiers" => get(one_stop::queue),
    "/offices/{code}/dossiers/bulk" => post(one_stop::bulk),
    "/offices/{code}/procedures" => get(procedures_admin::list).post(procedures_admin::create),
    "/offices/{code}/procedures/{pcode}" => get(procedures_admin::edit).post(procedures_admin::save),
    "/.well-known/guichet-keys" => get(api::keys),
    "/healthz" => get(api::healthz),
    "/readyz" => get(api::readyz),
}

pub fn router(app: App) -> Router {
    let settings = app.settings.clone();
    page_routes(Router::new())
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), ctx::context))
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, settings.request_timeout))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::new())
        .with_state(app)
}

/// Serves until `shutdown` resolves, then lets requests in progress finish (up to 30 s).
///
/// Connections are served by hyper directly (not `axum::serve`) so that a client which does
/// not send its request headers within `header_timeout` is disconnected: slow clients cannot
/// hold connections open. Request bodies are bounded in time by the router's timeout layer.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let header_timeout = app.settings.header_timeout;
    let router = router(app);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service =
            router
                .clone()
                .map_request(move |mut request: Request<hyper::body::Incoming>| {
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(remote));
                    request
                });
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let connection = builder
            .serve_connection_with_upgrades(
                TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            )
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are clients going away or timing out; nothing to do.
            let _ = connection.await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {}
    }
    Ok(())
}
