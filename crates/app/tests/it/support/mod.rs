//! Spawns guichet on port 0 with a fresh database and demo data, and drives it over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use guichet::{Config, Runtime, demo};

pub struct TestApp {
    pub base: String,
    pub rt: Runtime,
    pub dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A database URL for a fresh database of that kind, or None when PostgreSQL is skipped.
pub async fn fresh_url(db: Db, dir: &std::path::Path) -> Option<String> {
    match db {
        Db::Sqlite => Some(format!("sqlite:{}", dir.join("guichet.db").display())),
        Db::Postgres => guichet_store_sql::testing::postgres_for_tests().await,
    }
}

pub async fn spawn_app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |_| {}).await
}

/// The configuration of a test instance over `dir` and `url`.
fn test_config(dir: &std::path::Path, url: String) -> Config {
    Config {
        data_dir: dir.to_owned(),
        database_url: url,
        default_language: "en".into(),
        ..Config::default()
    }
}

/// The demo, loaded once per backend and test process: a data directory and, for PostgreSQL,
/// a template database. Loading the demo takes seconds in a debug build; copying it takes
/// milliseconds, and every test still gets a database and a data directory of its own.
struct Template {
    dir: std::path::PathBuf,
    /// The PostgreSQL template database's name.
    database: Option<String>,
}

static SQLITE_TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();
static POSTGRES_TEMPLATE: tokio::sync::OnceCell<Option<Template>> =
    tokio::sync::OnceCell::const_new();

async fn make_template(db: Db) -> Option<Template> {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(format!("template-{}-{db:?}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    let url = fresh_url(db, &dir).await?;
    let config = test_config(&dir, url.clone());
    let rt = Runtime::open(config).await.unwrap();
    demo::load(&rt).await.unwrap();
    let database = match db {
        Db::Sqlite => {
            // Everything into the main file (from a connection of our own: the store would run
            // it inside a transaction), so copying the directory copies the whole database.
            use sqlx::Connection as _;
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            None
        }
        Db::Postgres => Some(url.rsplit('/').next().unwrap().to_owned()),
    };
    drop(rt);
    Some(Template { dir, database })
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let name = entry.file_name().to_string_lossy().into_owned();
        // SQLite's side files: empty after the checkpoint, and they vanish when the template's
        // connection closes.
        if name.ends_with("-wal") || name.ends_with("-shm") {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the demo template: the data directory into `dir`, and the database URL.
async fn demo_copy(db: Db, dir: &std::path::Path) -> Option<String> {
    match db {
        Db::Sqlite => {
            let t = SQLITE_TEMPLATE
                .get_or_init(|| async { make_template(Db::Sqlite).await.unwrap() })
                .await;
            copy_dir(&t.dir, dir);
            Some(format!("sqlite:{}", dir.join("guichet.db").display()))
        }
        Db::Postgres => {
            let t = POSTGRES_TEMPLATE
                .get_or_init(|| make_template(Db::Postgres))
                .await
                .as_ref()?;
            copy_dir(&t.dir, dir);
            let template = t.database.as_deref().unwrap();
            let admin_url = guichet_store_sql::testing::postgres_admin_url();
            use guichet_store::PlatformStore as _;
            // Connected, not migrated: the administration database holds no guichet tables.
            let admin = guichet_store_sql::PostgresStore::connect(
                &admin_url,
                std::sync::Arc::new(guichet_core::OsEntropy),
            )
            .await
            .unwrap();
            let name = format!("guichet_test_{}", uuid::Uuid::now_v7().simple());
            // The template's own pool may still hold connections, which CREATE … TEMPLATE refuses.
            for attempt in 0.. {
                admin
                    .execute_raw(&format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template}' AND pid <> pg_backend_pid()"
                    ))
                    .await
                    .unwrap();
                match admin
                    .execute_raw(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .await
                {
                    Ok(_) => break,
                    Err(e) if attempt < 50 => {
                        eprintln!("retrying a copy of the template: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("cannot copy the template database: {e}"),
                }
            }
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b);
            Some(format!("{base}/{name}"))
        }
    }
}

/// Like `spawn_app`, but loads the demo anew instead of copying the template (its ids differ
/// from every other instance's).
pub async fn spawn_app_loading_demo(db: Db) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_url(db, dir.path()).await?;
    let config = test_config(dir.path(), url);
    let rt = Runtime::open(config).await.unwrap();
    demo::load(&rt).await.unwrap();
    serve(rt, dir).await
}

async fn serve(rt: Runtime, dir: tempfile::TempDir) -> Option<TestApp> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = rt.app().await.unwrap();
    tokio::spawn(guichet_web::serve(app, listener, std::future::pending()));
    Some(TestApp { base, rt, dir })
}

/// `spawn_app` with settings changed by `configure`.
pub async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let url = demo_copy(db, dir.path()).await?;
    let mut config = test_config(dir.path(), url);
    configure(&mut config);
    let rt = Runtime::open(config).await.unwrap();
    // The copy already holds the demo: this finds offices and does nothing.
    assert!(
        !demo::load(&rt).await.unwrap(),
        "the template holds the demo"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = rt.app().await.unwrap();
    tokio::spawn(guichet_web::serve(app, listener, std::future::pending()));
    Some(TestApp { base, rt, dir })
}

/// `spawn_app` on a clock the test moves (deadlines, background passes).
pub async fn spawn_app_at(
    db: Db,
    clock: std::sync::Arc<guichet_core::FixedClock>,
) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let url = demo_copy(db, dir.path()).await?;
    let config = test_config(dir.path(), url);
    let rt = Runtime::open_with(config, clock, std::sync::Arc::new(guichet_core::OsEntropy))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = rt.app().await.unwrap();
    tokio::spawn(guichet_web::serve(app, listener, std::future::pending()));
    Some(TestApp { base, rt, dir })
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    guichet_identity::oidc::install_tls_provider();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token in the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + 64].to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn csrf(&self, c: &reqwest::Client) -> String {
        csrf_of(
            &c.get(self.url("/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
    }

    /// Logs `username` in with the demo password; returns the login response.
    pub async fn login_as(
        &self,
        c: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let csrf = self.csrf(c).await;
        c.post(self.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// A client logged in as `username`.
    pub async fn client_as(&self, username: &str) -> reqwest::Client {
        let c = client();
        let r = self.login_as(&c, username, demo::DEMO_PASSWORD).await;
        assert_eq!(r.status(), 303, "login as {username}");
        c
    }

    /// The newest ledger actions, newest first.
    pub async fn recent_actions(&self, n: u32) -> Vec<String> {
        self.rt
            .store
            .recent_entries(n, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

/// Expands a test body `async fn(Db)` into one test per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Db::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Db::Postgres).await })*
        }
    };
}
