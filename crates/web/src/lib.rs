//! The thin web layer of guichet: axum routes, server-rendered pages in vi/fr/en (askama +
//! Fluent), the JSON API with its OpenAPI document, health endpoints.
//!
//! Invariant: handlers parse, authorize (one call to `guichet_core::authz::authorize`), call
//! the domain and render. Business rules live in domain crates, never here.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
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
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            default_language: Language::Vi,
            secure_cookies: false,
            body_limit: 1024 * 1024,
            upload_limit: 20 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
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
        } = services;
        let csrf_key = ledger_key.derive_secret("csrf");
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
            csrf_key,
        })
    }
}

pub fn router(app: App) -> Router {
    let settings = app.settings.clone();
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/lang/{code}", get(pages::switch_language))
        .route("/admin", get(pages::admin))
        .route("/admin/offices", post(pages::create_office))
        .route("/admin/offices/{code}/calendar", get(calendar_page::show).post(calendar_page::record))
        .route("/admin/offices/{code}/calendar/remove", post(calendar_page::remove))
        .route("/ledger", get(pages::ledger))
        .route("/ledger/verify", post(pages::verify_ledger))
        .route("/static/app.css", get(pages::stylesheet))
        .route("/static/picker.js", get(units_web::picker_js))
        .route("/units", get(units_web::units_page))
        .route("/units/convert", get(units_web::convert_page))
        .route("/units/pick", get(units_web::pick_page))
        .route("/units/{unit}", get(units_web::unit_page))
        .route("/procedures", get(one_stop::catalogue))
        .route("/procedures/{office}/{code}", get(one_stop::procedure_page))
        .route("/procedures/{office}/{code}/start", post(one_stop::start))
        .route("/dossiers/{id}", get(one_stop::show))
        .route("/dossiers/{id}/edit", get(one_stop::edit_form).post(one_stop::edit_save))
        .route("/dossiers/{id}/review", get(one_stop::review))
        .route("/dossiers/{id}/submit", post(one_stop::submit))
        .route("/dossiers/{id}/step", post(one_stop::take_step))
        .route("/dossiers/{id}/messages", post(one_stop::send_message))
        .route("/dossiers/{id}/assign", post(one_stop::assign))
        .route("/files/{id}", get(one_stop::download))
        .route("/dossiers/{id}/postpone", post(documents_web::postpone))
        .route("/dossiers/{id}/rating", post(documents_web::rate))
        .route("/documents/{id}/revoke", post(documents_web::revoke))
        .route("/verify", get(documents_web::verify_form).post(documents_web::verify_upload))
        .route("/verify/{id}", get(documents_web::verify_link))
        .route("/admin/documents", get(documents_web::templates))
        .route("/admin/documents/{office}/{kind}", get(documents_web::template_edit).post(documents_web::template_save))
        .route("/stats", get(stats_web::office_stats))
        .route("/exports", get(exports_web::exports_page).post(exports_web::start))
        .route("/exports/{id}", get(exports_web::job_page))
        .route("/exports/{id}/download", get(exports_web::download))
        .route("/hr", get(hr_web::staff))
        .route("/hr/people", post(hr_web::add_person))
        .route("/hr/import", post(hr_web::import))
        .route("/hr/export", get(hr_web::export))
        .route("/hr/chart", get(hr_web::chart))
        .route("/hr/units", post(hr_web::add_unit))
        .route("/hr/positions", post(hr_web::add_position))
        .route("/hr/staff/{id}", get(hr_web::person))
        .route("/hr/staff/{id}/terms", post(hr_web::add_term))
        .route("/hr/staff/{id}/record.pdf", get(hr_web::person_pdf))
        .route("/hr/staff/{id}/corrections/{term}", post(hr_web::close_correction))
        .route("/hr/me", get(hr_web::me))
        .route("/hr/me/record.pdf", get(hr_web::me_pdf))
        .route("/hr/me/payslips/{run}", get(hr_web::own_slip))
        .route("/hr/me/payslips/{run}/pdf", get(hr_web::own_slip_pdf))
        .route("/hr/me/correction", post(hr_web::request_correction))
        .route("/hr/payroll", get(hr_web::payroll).post(hr_web::compute_payroll))
        .route("/hr/payroll/{id}", get(hr_web::run))
        .route("/hr/payroll/{id}/lock", post(hr_web::lock))
        .route("/hr/payroll/{id}/export", get(hr_web::export_run))
        .route("/hr/payroll/{id}/slip/{staff}", get(hr_web::slip))
        .route("/hr/payroll/{id}/slip/{staff}/pdf", get(hr_web::slip_pdf))
        .route("/hr/parameters", get(hr_web::parameters).post(hr_web::add_parameter))
        .route("/records", get(records_web::records))
        .route("/records/register", post(records_web::register))
        .route("/records/r/{id}", get(records_web::record))
        .route("/records/r/{id}/content", get(records_web::record_content))
        .route("/records/r/{id}/hold", post(records_web::place_hold))
        .route("/records/holds/{id}/release", post(records_web::release_hold))
        .route("/records/plan", get(records_web::plan))
        .route("/records/plan/classes", post(records_web::add_class))
        .route("/records/plan/files", post(records_web::open_file))
        .route("/records/files/{id}/close", post(records_web::close_file))
        .route("/records/export", post(records_web::export))
        .route("/records/disposition", get(records_web::disposition).post(records_web::propose))
        .route("/records/disposition/{id}", get(records_web::run))
        .route("/records/disposition/{id}/decide", post(records_web::decide))
        .route("/records/disposition/{id}/execute", post(records_web::execute))
        .route("/records/fixity", get(records_web::fixity).post(records_web::run_fixity))
        .route("/transparency/{office}", get(stats_web::transparency))
        .route("/my/dossiers", get(one_stop::my_dossiers))
        .route("/track", get(one_stop::track_form).post(one_stop::track))
        .route("/offices/{code}/dossiers", get(one_stop::queue))
        .route("/offices/{code}/dossiers/bulk", post(one_stop::bulk))
        .route("/offices/{code}/procedures", get(procedures_admin::list).post(procedures_admin::create))
        .route("/offices/{code}/procedures/{pcode}", get(procedures_admin::edit).post(procedures_admin::save))
        .route("/.well-known/guichet-keys", get(api::keys))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
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

/// Serves until `shutdown` resolves.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
