//! The thin web layer of guichet: axum routes, server-rendered pages in vi/fr/en (askama +
//! Fluent), the JSON API with its OpenAPI document, health endpoints.
//!
//! Invariant: handlers parse, authorize (one call to `guichet_core::authz::authorize`), call
//! the domain and render. Business rules live in domain crates, never here.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Declares routes once, as data: a function adding them to a router and a table of
/// (path, methods) that tests walk (the authorization matrix fails on a route it has no rule
/// for). Each entry is `"path" => get(handler).post(handler)`. Slice crates use it as
/// `guichet_web::route_table!`.
#[macro_export]
macro_rules! route_table {
    (
        $(#[$doc:meta])*
        fn $adder:ident, $table:ident;
        $($path:literal => $first:ident($first_handler:path) $(.$method:ident($handler:path))*,)*
    ) => {
        $(#[$doc])*
        pub const $table: &[$crate::RouteSpec] = &[
            $($crate::RouteSpec { path: $path, methods: &[stringify!($first) $(, stringify!($method))*] },)*
        ];

        pub fn $adder(router: axum::Router<$crate::App>) -> axum::Router<$crate::App> {
            router $(.route($path, axum::routing::$first($first_handler) $(.$method($handler))*))*
        }
    };
}

pub mod api;
pub mod chrome;
pub mod ctx;
pub mod error;
pub mod form_data;
pub mod helpers;
pub mod i18n;
pub mod json;
pub mod pages;
pub mod picker;
pub mod slice;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use guichet_core::{Clock, Entropy, Language};
use guichet_ledger::{LedgerKey, TrustedKeys};
use guichet_store::{PlatformStore, Session, User};
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

/// Who a session cookie belongs to: the live session with this token and its (enabled)
/// account. The identity slice implements it; the web layer asks it once per request.
#[async_trait::async_trait]
pub trait Sessions: Send + Sync {
    async fn session(&self, token: &str) -> Result<Option<(Session, User)>, slice::SliceError>;
    /// The account and scopes behind an API bearer token, if it is live.
    async fn bearer(&self, _token: &str) -> Result<Option<(User, Vec<String>)>, slice::SliceError> {
        Ok(None)
    }
}

pub use slice::SliceError;

/// Everything handlers share.
pub struct AppState {
    pub store: Arc<dyn PlatformStore>,
    /// Who a session cookie belongs to (the identity slice answers).
    pub sessions: Arc<dyn Sessions>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    pub ledger_key: Arc<LedgerKey>,
    pub trusted_keys: TrustedKeys,
    pub units: Arc<guichet_units::Registry>,
    /// Uploaded files (SHA-256, type and size checks, the virus-scan hook).
    pub files: guichet_common::files::Files,
    /// Renders typst templates into PDFs (built once: it holds the fonts).
    pub renderer: Arc<guichet_documents::Renderer>,
    /// What the slice crates own (their settings and handles), by type.
    slice_state: axum::http::Extensions,
    pub settings: WebSettings,
    /// The Content-Security-Policy of every response; `form-action` also names the OpenID
    /// providers' origins, since logging out redirects a form post there.
    pub(crate) csp: axum::http::HeaderValue,
    pub(crate) csrf_key: [u8; 32],
    /// The modules composed into this application.
    pub slices: &'static [&'static WebSlice],
    routes: SplitRoutes,
}

pub type App = Arc<AppState>;

/// What the web layer is wired to; `AppState::new` adds the secrets it derives.
pub struct Services {
    pub store: Arc<dyn PlatformStore>,
    pub sessions: Arc<dyn Sessions>,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    pub ledger_key: Arc<LedgerKey>,
    pub trusted_keys: TrustedKeys,
    pub units: Arc<guichet_units::Registry>,
    pub files: guichet_common::files::Files,
    pub renderer: Arc<guichet_documents::Renderer>,
    /// What the slice crates own (their settings and handles), by type: see
    /// [`AppState::slice_state`].
    pub slice_state: axum::http::Extensions,
    /// Origins forms may post to besides this one (the OpenID providers', for logout).
    pub form_action_origins: Vec<String>,
    /// The modules to serve (the app's composition list).
    pub slices: &'static [&'static WebSlice],
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
    /// A slice crate's own state, inserted by the app when it composes the slice (`None` when
    /// it was not).
    pub fn slice_state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.slice_state.get::<T>()
    }

    pub fn new(services: Services, settings: WebSettings) -> App {
        let Services {
            store,
            sessions,
            clock,
            entropy,
            ledger_key,
            trusted_keys,
            units,
            files,
            renderer,
            slice_state,
            form_action_origins,
            slices,
        } = services;
        for slice in slices {
            if let Err(e) = i18n::register(slice.name, slice.messages) {
                tracing::error!(slice = slice.name, error = %e, "the slice's messages are not usable");
            }
        }
        let csrf_key = ledger_key.derive_secret("csrf");
        let csp = content_security_policy(&form_action_origins);
        Arc::new(Self {
            store,
            sessions,
            clock,
            entropy,
            ledger_key,
            trusted_keys,
            units,
            files,
            renderer,
            slice_state,
            settings,
            csp,
            csrf_key,
            slices,
            routes: split_routes(slices),
        })
    }
}

/// Adds a module's routes to a router (made by `route_table!`).
pub type AddRoutes = fn(Router<App>) -> Router<App>;

/// One declared route: its path (axum syntax, `{param}`) and its methods in lower case.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub path: &'static str,
    pub methods: &'static [&'static str],
}

/// What one module (a domain's pages and API, or the platform's own) adds to the application.
/// The app composes a list of them; nothing else names a domain's routes.
pub struct WebSlice {
    pub name: &'static str,
    pub pages: &'static [RouteSpec],
    pub add_pages: AddRoutes,
    /// API routes, relative to `/api/v1`.
    pub api: &'static [RouteSpec],
    pub add_api: AddRoutes,
    /// Its part of the OpenAPI document.
    pub api_doc: Option<fn() -> utoipa::openapi::OpenApi>,
    /// Its links in the page header (the nav registry).
    pub nav: &'static [NavItem],
    /// Its links beside each office in the offices lists (e.g. the office's dossier queue).
    pub office_links: &'static [OfficeLink],
    /// Its messages in vi, fr and en (Fluent source), added to every translator at startup.
    /// Empty for the modules of this crate, whose messages are in `locales/*/main.ftl`.
    pub messages: i18n::SliceMessages,
    /// Its rows of the route × visitor authorization matrix, which the app's test checks over
    /// HTTP against the demo data; the columns are [`MATRIX_VISITORS`].
    pub access: &'static [AccessRule],
    /// Ids its access rules' probes need (`{name}` in a path or body), found in the demo.
    pub probe_ids: &'static [ProbeId],
    /// Pages the accessibility journey visits in vi, fr and en: (visitor's user name, or `""`
    /// for an anonymous visitor; path, where `{name}` is a probe id).
    pub a11y: &'static [(&'static str, &'static str)],
}

/// How the matrix test finds one id in the demo data: the JSON at `path`, fetched as the demo
/// user `visitor`, at the JSON pointer `pointer` (e.g. `/0/id`).
#[derive(Debug)]
pub struct ProbeId {
    pub name: &'static str,
    pub visitor: &'static str,
    pub path: &'static str,
    pub pointer: &'static str,
}

/// One row of the authorization matrix: method, route (as declared), expected outcome per
/// visitor of [`MATRIX_VISITORS`] (`+` allowed, `-` denied), the probe's concrete path and,
/// for unsafe methods, its form or JSON body (`{name}` placeholders are filled from the demo).
pub type AccessRule = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The visitors of the authorization matrix, in the order of an [`AccessRule`]'s columns:
/// demo accounts (see the app's demo) and an anonymous visitor.
pub const MATRIX_VISITORS: &[&str] = &[
    "anonymous",
    "citizen",
    "other citizen",
    "agent of office A",
    "agent of office B",
    "office A admin",
    "auditor",
    "sysadmin",
    "staff member",
];

/// Which menu of the page header a link goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    /// The main navigation, for everyone.
    Main,
    /// Beside the logged-in person's name.
    Account,
}

/// A link a slice adds to the page header, shown to the visitors `visible` accepts.
pub struct NavItem {
    pub menu: Menu,
    /// Place in its menu (smaller first), so slices need not be listed in menu order.
    pub order: u16,
    pub href: &'static str,
    /// Its message key.
    pub key: &'static str,
    pub visible: fn(&ctx::Ctx) -> bool,
    /// Whether the page at this path is this link's (`aria-current`).
    pub current: fn(&str) -> bool,
}

/// A link a slice adds beside each office of the offices lists, shown to the visitors
/// `visible` accepts for that office.
pub struct OfficeLink {
    /// Place among the office's links (smaller first).
    pub order: u16,
    /// The path, where `{code}` stands for the office's code.
    pub href: &'static str,
    /// Its message key.
    pub key: &'static str,
    pub visible: fn(&ctx::Ctx, guichet_core::OfficeId) -> bool,
}

/// The links the composed slices offer `ctx`'s visitor beside the office `id` with `code`:
/// (href, message key), in order.
pub fn office_links(
    ctx: &ctx::Ctx,
    id: guichet_core::OfficeId,
    code: &str,
) -> Vec<(String, &'static str)> {
    let mut links: Vec<&OfficeLink> = ctx
        .slices
        .iter()
        .flat_map(|s| s.office_links.iter())
        .filter(|l| (l.visible)(ctx, id))
        .collect();
    links.sort_by_key(|l| l.order);
    links
        .into_iter()
        .map(|l| (l.href.replace("{code}", code), l.key))
        .collect()
}

impl std::fmt::Debug for WebSlice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSlice")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// For links everyone sees.
pub fn always(_: &ctx::Ctx) -> bool {
    true
}

/// For a slice without pages or without API routes.
pub fn no_routes(router: Router<App>) -> Router<App> {
    router
}

/// Every route of `slices`, with full paths (the API's under `/api/v1`).
pub fn route_table(slices: &[&WebSlice]) -> Vec<(String, &'static str)> {
    let pages = slices
        .iter()
        .flat_map(|s| s.pages.iter())
        .map(|r| (r.path.to_owned(), r));
    let api = slices
        .iter()
        .flat_map(|s| s.api.iter())
        .map(|r| (format!("/api/v1{}", r.path), r));
    pages
        .chain(api)
        .flat_map(|(path, r)| r.methods.iter().map(move |m| (path.clone(), *m)))
        .collect()
}

/// The route table split into path segments, for [`AppState::route_allows`].
type SplitRoutes = Vec<(Vec<String>, &'static str)>;

fn split_routes(slices: &[&WebSlice]) -> SplitRoutes {
    route_table(slices)
        .into_iter()
        .map(|(p, m)| (p.split('/').map(str::to_owned).collect(), m))
        .collect()
}

impl AppState {
    /// Whether some route serves `method` (lower case) on `path`. The context middleware
    /// checks this before it looks at an unsafe request's body, so a method a path does not
    /// take is answered 405 (with `Allow`) by the router rather than 415 or 403.
    pub fn route_allows(&self, path: &str, method: &str) -> bool {
        let segments: Vec<&str> = path.split('/').collect();
        self.routes.iter().any(|(pattern, m)| {
            m.eq_ignore_ascii_case(method)
                && pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
    }
}

pub fn router(app: App) -> Router {
    let settings = app.settings.clone();
    let slices = app.slices;
    slices
        .iter()
        .fold(Router::new(), |router, s| (s.add_pages)(router))
        .nest("/api/v1", api::router(slices))
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
