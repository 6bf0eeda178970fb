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

/// `spawn_app` with settings changed by `configure`.
pub async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_url(db, dir.path()).await?;
    let mut config = Config {
        data_dir: dir.path().to_owned(),
        database_url: url,
        default_language: "en".into(),
        ..Config::default()
    };
    configure(&mut config);
    let rt = Runtime::open(config).await.unwrap();
    demo::load(&rt).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = rt.app().await.unwrap();
    tokio::spawn(guichet_web::serve(app, listener, std::future::pending()));
    Some(TestApp { base, rt, dir })
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    guichet_accounts::oidc::install_tls_provider();
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
            async fn $name() { super::$name(super::support::Db::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::support::Db::Postgres).await })*
        }
    };
}
