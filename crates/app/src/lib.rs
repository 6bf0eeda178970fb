//! The `guichet` program: configuration, start-up wiring, demo data and the commands behind
//! the CLI (`main.rs` only parses arguments). Everything a command needs is opened through
//! [`Runtime::open`], so tests drive the same code paths.

pub mod slices;
pub use slices::WEB_SLICES;

pub mod bench;
pub mod bench_documents;
pub mod bench_hr;
pub mod bench_one_stop;
pub mod bench_records;
pub mod config;
pub mod demo;
pub mod idcheck;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use guichet_core::{Clock, Entropy, OsEntropy, SystemClock};
use guichet_identity::{Accounts, IdentityStore};
use guichet_ledger::{LedgerKey, TrustedKeys};
use guichet_store::PlatformStore;
use guichet_web::{App, AppState, WebSettings};

pub use config::{Config, Overrides};

/// An opened instance: configuration, migrated store, signing key, trusted keys.
pub struct Runtime {
    pub config: Config,
    pub store: Arc<dyn PlatformStore>,
    /// The same store seen through the identity slice's trait (offices, accounts, sessions).
    pub identity: Arc<dyn IdentityStore>,
    pub key: Arc<LedgerKey>,
    pub trusted: TrustedKeys,
    pub clock: Arc<dyn Clock>,
    pub entropy: Arc<dyn Entropy>,
    files: guichet_common::files::Files,
    units: tokio::sync::OnceCell<Arc<guichet_units::Registry>>,
    /// The slices' state for commands and the demo, built on first use.
    command_state: tokio::sync::OnceCell<axum::http::Extensions>,
    /// The record search index, one per process (its writer lock is exclusive): the demo's
    /// loading and the server it then starts share it.
    search: Arc<guichet_records::SearchSlot>,
}

impl Runtime {
    /// Opens the database (applying migrations) and the data directory's keys.
    pub async fn open(config: Config) -> anyhow::Result<Runtime> {
        Self::open_with(config, Arc::new(SystemClock), Arc::new(OsEntropy)).await
    }

    /// Opens without loading the shipped admin-unit datasets (for `restore`, whose target must
    /// stay empty).
    pub async fn open_without_reference_data(config: Config) -> anyhow::Result<Runtime> {
        Self::open_inner(config, Arc::new(SystemClock), Arc::new(OsEntropy), false).await
    }

    pub async fn open_with(
        config: Config,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
    ) -> anyhow::Result<Runtime> {
        Self::open_inner(config, clock, entropy, true).await
    }

    async fn open_inner(
        config: Config,
        clock: Arc<dyn Clock>,
        entropy: Arc<dyn Entropy>,
        reference_data: bool,
    ) -> anyhow::Result<Runtime> {
        guichet_identity::oidc::install_tls_provider();
        OsEntropy::check()
            .map_err(|e| anyhow::anyhow!("the operating system has no random source: {e}"))?;
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
        let key = Arc::new(LedgerKey::load_or_create(&config.key_path(), &*entropy)?);
        let trusted = trusted_keys(&config, &key)?;
        let store = open_store(&config.database_url(), entropy.clone()).await?;
        // Reference data ships with the binary and is part of migrating.
        if reference_data {
            guichet_local_admin::load::sync_shipped(&*store, &*clock).await?;
        }
        let identity = guichet_identity::identity_store_arc(store.clone())?;
        let files = files_of(&config)?;
        let search_dir = config.search_dir();
        Ok(Runtime {
            config,
            store,
            identity,
            key,
            trusted,
            clock,
            entropy,
            files,
            units: tokio::sync::OnceCell::new(),
            command_state: tokio::sync::OnceCell::new(),
            search: Arc::new(guichet_records::SearchSlot::at(search_dir)),
        })
    }

    /// The admin-unit registry, built from the store on first use.
    pub async fn units(&self) -> anyhow::Result<Arc<guichet_units::Registry>> {
        self.units
            .get_or_try_init(|| async {
                guichet_local_admin::load::registry(&*self.store)
                    .await
                    .map(Arc::new)
                    .map_err(anyhow::Error::from)
            })
            .await
            .cloned()
    }

    /// The file store: a directory in the data directory.
    pub fn files(&self) -> guichet_common::files::Files {
        self.files.clone()
    }

    /// What the slice crates own besides the store (their settings and handles), by type:
    /// for the web application, the commands and the demo.
    pub async fn slice_state(&self) -> anyhow::Result<axum::http::Extensions> {
        let accounts = self.accounts();
        let openid = self.openid(accounts.clone())?;
        let mut state = axum::http::Extensions::new();
        state.insert(guichet_identity::IdentityState {
            accounts,
            openid,
            public_url: self.config.public_url(),
        });
        state.insert(guichet_one_stop::OneStopState {
            issuer: self.issuer()?,
            versions: Arc::default(),
        });
        state.insert(guichet_records::RecordsState {
            archive: self.archive()?,
            search: self.search.clone(),
            agency: guichet_records_formats::package::Agency {
                identifier: self.config.archival_agency.clone(),
                name: self.config.archival_agency_name.clone(),
            },
        });
        Ok(state)
    }

    /// The archive copies of records' content.
    pub fn archive(&self) -> anyhow::Result<guichet_records::service::ArchiveStorage> {
        Ok(guichet_records::service::ArchiveStorage::local(
            &self.config.archive_copies(),
        )?)
    }

    /// What a slice's command runs with: this instance's store, time and randomness.
    pub async fn command_context(&self) -> anyhow::Result<guichet_web::slice::CommandContext<'_>> {
        Ok(guichet_web::slice::CommandContext {
            store: &*self.store,
            shared_store: &self.store,
            clock: &*self.clock,
            entropy: &*self.entropy,
            files: &self.files,
            data_dir: &self.config.data_dir,
            state: self.command_state().await?,
        })
    }

    /// The record search index of this process, opened (and rebuilt if it was missing) on
    /// first use; `None` when another process holds it.
    pub async fn search(&self) -> Option<Arc<guichet_records_formats::search::SearchIndex>> {
        let archive = self.archive().ok()?;
        let store = guichet_records::records_store(&*self.store).ok()?;
        self.search
            .open(store, &*self.clock, &*self.entropy, &archive, &self.files)
            .await;
        self.search.shared()
    }

    /// The slices' state for commands and the demo (built once).
    pub async fn command_state(&self) -> anyhow::Result<&axum::http::Extensions> {
        self.command_state
            .get_or_try_init(|| self.slice_state())
            .await
    }

    /// The document issuer: fonts loaded once, office keys derived from the ledger key.
    pub fn issuer(&self) -> anyhow::Result<guichet_one_stop::documents::Issuer> {
        Ok(guichet_one_stop::documents::Issuer::new(
            Arc::new(guichet_documents::Renderer::new()),
            self.files(),
            self.key.derive_secret("office-documents"),
            &self.config.public_url(),
        ))
    }

    pub fn accounts(&self) -> Arc<Accounts> {
        let accounts = Accounts::new(
            self.identity.clone(),
            self.clock.clone(),
            self.entropy.clone(),
            time::Duration::hours(self.config.session_hours),
        );
        let file = self.config.breached_passwords_file.trim();
        if file.is_empty() {
            return Arc::new(accounts);
        }
        match guichet_identity::BreachedList::with_file(std::path::Path::new(file)) {
            Ok(list) => Arc::new(accounts.with_breached_list(list)),
            Err(e) => {
                // The shipped list still applies; the operator sees why theirs does not.
                tracing::error!("breached_passwords_file {file}: {e}");
                Arc::new(accounts)
            }
        }
    }

    /// OpenID Connect login over `accounts`, with the configured providers.
    pub fn openid(
        &self,
        accounts: Arc<Accounts>,
    ) -> anyhow::Result<Arc<guichet_identity::oidc::OpenId>> {
        Ok(Arc::new(
            guichet_identity::oidc::OpenId::new(
                accounts,
                self.identity.clone(),
                self.clock.clone(),
                self.entropy.clone(),
                &self.config.public_url(),
                self.config.oidc_providers.clone(),
            )
            .map_err(|e| anyhow::anyhow!("oidc_providers: {e}"))?,
        ))
    }

    pub async fn app(&self) -> anyhow::Result<App> {
        let settings = WebSettings {
            default_language: self
                .config
                .default_language
                .parse()
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            secure_cookies: self.config.secure_cookies,
            body_limit: self.config.body_limit_bytes,
            upload_limit: self.config.upload_limit_bytes,
            request_timeout: std::time::Duration::from_secs(self.config.request_timeout_secs),
            header_timeout: std::time::Duration::from_secs(self.config.header_timeout_secs.max(1)),
        };
        let slice_state = self.slice_state().await?;
        let identity = slice_state
            .get::<guichet_identity::IdentityState>()
            .context("the identity slice's state")?;
        let accounts = identity.accounts.clone();
        let form_action_origins = identity.openid.origins();
        let renderer = slice_state
            .get::<guichet_one_stop::OneStopState>()
            .context("the one-stop slice's state")?
            .issuer
            .renderer
            .clone();
        // The server holds the record search index from the start (commands run beside it
        // then find it taken and skip indexing).
        if let Some(records) = slice_state.get::<guichet_records::RecordsState>() {
            records
                .search
                .open(
                    guichet_records::records_store(&*self.store)?,
                    &*self.clock,
                    &*self.entropy,
                    &records.archive,
                    &self.files,
                )
                .await;
        }
        Ok(AppState::new(
            guichet_web::Services {
                store: self.store.clone(),
                sessions: accounts,
                form_action_origins,
                clock: self.clock.clone(),
                entropy: self.entropy.clone(),
                ledger_key: self.key.clone(),
                trusted_keys: self.trusted.clone(),
                units: self.units().await?,
                files: self.files(),
                renderer,
                slice_state,
                slices: WEB_SLICES,
            },
            settings,
        ))
    }

    /// Serves the web application until Ctrl-C or SIGTERM, signing daily checkpoints meanwhile.
    pub async fn serve(&self) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(&self.config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", self.config.listen))?;
        let address = listener.local_addr()?;
        println!(
            "guichet is serving on http://{address}/ ({} database)",
            self.store.backend()
        );
        let checkpointer = tokio::spawn(checkpoint_loop(
            self.store.clone(),
            self.key.clone(),
            self.clock.clone(),
        ));
        let outbox = tokio::spawn(outbox_loop(
            self.store.clone(),
            self.clock.clone(),
            self.files(),
            self.config.mail()?,
            self.config.mail_from.clone(),
            std::time::Duration::from_secs(self.config.outbox_interval_secs.max(1)),
        ));
        let app = self.app().await?;
        let records = tokio::spawn(records_loop(
            app.clone(),
            std::time::Duration::from_secs(self.config.records_interval_secs.max(1)),
        ));
        let deadlines = tokio::spawn(deadlines_loop(
            app.clone(),
            std::time::Duration::from_secs(self.config.deadlines_interval_secs.max(1)),
        ));
        let result = guichet_web::serve(app, listener, shutdown_signal()).await;
        checkpointer.abort();
        outbox.abort();
        records.abort();
        deadlines.abort();
        result.context("the web server stopped with an error")
    }
}

/// Sends the outbox's e-mails and webhooks until aborted.
async fn outbox_loop(
    store: Arc<dyn PlatformStore>,
    clock: Arc<dyn guichet_core::Clock>,
    files: guichet_common::files::Files,
    mail: guichet_one_stop::outbox::MailTransport,
    from: String,
    every: std::time::Duration,
) {
    let store = match guichet_one_stop::one_stop_store(&*store) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, "the outbox sender cannot start");
            return;
        }
    };
    let sender = guichet_one_stop::outbox::Sender {
        store,
        clock: &*clock,
        mail,
        from,
        http: reqwest::Client::new(),
        files,
    };
    guichet_one_stop::outbox::run_forever(sender, every).await;
}

/// Decides by law the dossiers whose deadline passed in silence (silence vaut acceptation),
/// until aborted. Safe on several servers at once: each decision names the revision it read.
async fn deadlines_loop(app: guichet_web::App, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match guichet_one_stop::silence::run_everywhere(&app).await {
            Ok(run) if run.accepted + run.rejected > 0 => tracing::info!(
                accepted = run.accepted,
                rejected = run.rejected,
                "dossiers decided by silence"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the silence deadlines pass failed"),
        }
    }
}

/// Captures new dossier documents as records, writes the 30-day warnings and runs the daily
/// fixity audit (with repair), until aborted.
async fn records_loop(app: guichet_web::App, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    let mut last_fixity: Option<std::time::Instant> = None;
    loop {
        tick.tick().await;
        let records = match guichet_records::web::service(&app) {
            Ok(records) => records,
            Err(e) => {
                tracing::error!(error = ?e, "the records slice is not composed");
                continue;
            }
        };
        // A fixity audit with repair every 24 hours of uptime.
        let due =
            last_fixity.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(24 * 3600));
        if due {
            if last_fixity.is_some() {
                match records.fixity_audit(true, &|_, _| {}).await {
                    Ok(run) if run.failed > 0 => tracing::error!(
                        failed = run.failed,
                        repaired = run.repaired,
                        "fixity audit found damage it could not repair"
                    ),
                    Ok(run) => tracing::info!(
                        objects = run.objects,
                        repaired = run.repaired,
                        "fixity audit done"
                    ),
                    Err(e) => tracing::error!(error = %e, "fixity audit failed"),
                }
            }
            last_fixity = Some(std::time::Instant::now());
        }
        match records.capture_pending(500).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(records = n, "captured dossier documents as records"),
            Err(e) => tracing::error!(error = %e, "record capture failed"),
        }
        let offices = async {
            guichet_identity::identity_store(&*app.store)?
                .list_offices()
                .await
        };
        match offices.await {
            Ok(offices) => {
                for office in offices {
                    match records.warn_due(&office).await {
                        Ok(w) if !w.is_empty() => {
                            tracing::warn!(office = %office.code, records = w.len(), "records become due within 30 days")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "due warning failed"),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "record capture: cannot list offices"),
        }
    }
}

/// The local key, keys listed in `trusted-keys.txt` in the data directory, and configured keys.
/// Opens (and migrates) the database at `url` with the migrations of every composed slice: a
/// database this binary made has them applied, and sqlx refuses to open one with fewer.
pub async fn open_store(
    url: &str,
    entropy: Arc<dyn Entropy>,
) -> guichet_store::Result<Arc<dyn PlatformStore>> {
    guichet_store_sql::open_with(url, entropy, slices::MIGRATION_SETS).await
}

pub fn trusted_keys(config: &Config, key: &LedgerKey) -> anyhow::Result<TrustedKeys> {
    let mut trusted = TrustedKeys::new();
    trusted.add(key.public());
    let file = config.trusted_keys_path();
    let listed = if file.exists() {
        std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?
    } else {
        String::new()
    };
    for (i, line) in listed
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
    {
        trusted
            .add_hex(line)
            .map_err(|e| anyhow::anyhow!("{} line {}: {e}", file.display(), i + 1))?;
    }
    for k in &config.trusted_keys {
        trusted
            .add_hex(k)
            .map_err(|e| anyhow::anyhow!("trusted_keys: {e}"))?;
    }
    Ok(trusted)
}

/// Appends public keys to the data directory's trusted-keys file (those not yet trusted).
pub fn trust_keys(
    config: &Config,
    current: &TrustedKeys,
    keys: &[String],
) -> anyhow::Result<Vec<String>> {
    let known = current.hex_keys();
    let new: Vec<String> = keys
        .iter()
        .filter(|k| !known.contains(k))
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(new);
    }
    let mut probe = TrustedKeys::new();
    for k in &new {
        probe
            .add_hex(k)
            .map_err(|e| anyhow::anyhow!("backup names an invalid public key: {e}"))?;
    }
    let path = config.trusted_keys_path();
    let mut text = if path.exists() {
        std::fs::read_to_string(&path)?
    } else {
        "# Ed25519 public keys (hex) whose ledger checkpoints guichet verify accepts\n".into()
    };
    for k in &new {
        text.push_str(k);
        text.push('\n');
    }
    write_atomically(&path, text.as_bytes())?;
    Ok(new)
}

/// Writes `path` through a temporary file and a rename, so a crash never leaves half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("partial");
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

async fn checkpoint_loop(
    store: Arc<dyn PlatformStore>,
    key: Arc<LedgerKey>,
    clock: Arc<dyn Clock>,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match guichet_store::verify::checkpoint_streams(&*store, &key, clock.now(), false).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(checkpoints = n, "signed daily ledger checkpoints"),
            Err(e) => tracing::error!(error = %e, "could not sign ledger checkpoints"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    println!("guichet is shutting down");
}

/// The file store of `config`: a directory in the data directory.
fn files_of(config: &Config) -> anyhow::Result<guichet_common::files::Files> {
    let scanner = if config.virus_scan_command.is_empty() {
        guichet_one_stop::files::Scanner::Builtin
    } else {
        guichet_one_stop::files::Scanner::Command(config.virus_scan_command.clone())
    };
    Ok(guichet_common::files::Files::local(
        &config.files_dir(),
        scanner,
        config.upload_limit_bytes as u64,
    )?)
}
