//! Configuration in layers: built-in defaults → `guichet.toml` (or `--config FILE`) →
//! `GUICHET_*` environment variables → command-line flags. `guichet.example.toml` at the
//! repository root documents every key.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory for the SQLite database, the ledger signing key and trusted keys.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://USER@HOST:PORT/DB`. Empty: SQLite in `data_dir`.
    pub database_url: String,
    /// Address the web server listens on.
    pub listen: String,
    /// The address people reach guichet at (printed in the QR codes of documents), e.g.
    /// `https://dichvucong.example.gov.vn`. Empty: `http://` + `listen`.
    pub public_url: String,
    /// Language when neither the visitor's choice nor `Accept-Language` decides: vi, fr or en.
    pub default_language: String,
    /// Set when guichet is served over HTTPS (directly or behind a TLS proxy).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_hours: i64,
    /// Largest request body accepted.
    pub body_limit_bytes: usize,
    /// Largest form with uploaded files accepted (all files together).
    pub upload_limit_bytes: usize,
    /// Where e-mails go: empty (one .eml file each in `data_dir/mail`), `dir:PATH`, an SMTP URL
    /// (`smtp://user:pass@host:587?tls=required`, `smtps://host`), or `none` (kept in the outbox).
    pub mail_transport: String,
    /// The sender of e-mails.
    pub mail_from: String,
    /// A virus scanner run on every upload with the file on stdin (exit 0 clean, 1 infected),
    /// e.g. `["clamdscan", "--no-summary", "-"]`. Empty: only the built-in EICAR check.
    pub virus_scan_command: Vec<String>,
    /// How often the outbox sender looks for e-mails and webhooks to send.
    pub outbox_interval_secs: u64,
    /// Requests running longer are answered 408.
    pub request_timeout_secs: u64,
    /// A client that has not sent a request's headers within this time is disconnected
    /// (slow-client protection).
    pub header_timeout_secs: u64,
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `guichet=debug,info`.
    pub log: String,
    /// Extra Ed25519 public keys (hex) whose ledger checkpoints are trusted, e.g. of the
    /// instance a backup came from.
    pub trusted_keys: Vec<String>,
    /// Directories holding the copies of every record's content (at least two, ideally on
    /// different disks). Empty: `data_dir/archive/copy-a` and `data_dir/archive/copy-b`.
    pub archive_copies: Vec<PathBuf>,
    /// Identifier and name of the archives service packages are transferred to.
    pub archival_agency: String,
    pub archival_agency_name: String,
    /// How often `serve` captures new dossier documents as records.
    pub records_interval_secs: u64,
    /// How often `serve` decides the dossiers whose deadline passed in silence.
    pub deadlines_interval_secs: u64,
    /// A local list of breached passwords refused for new passwords, besides the common ones
    /// shipped with guichet: one plain password or SHA-1 hex digest (`HASH` or `HASH:COUNT`,
    /// the Have I Been Pwned format) per line. Empty: the shipped list only.
    pub breached_passwords_file: String,
    /// OpenID Connect providers citizens and businesses log in with (FranceConnect-like,
    /// VNeID-like); see docs/identity.md. Each one's redirect URI is `PUBLIC_URL/auth/callback`.
    pub oidc_providers: Vec<guichet_identity::oidc::ProviderConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./guichet-data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            default_language: "vi".into(),
            secure_cookies: false,
            session_hours: 8,
            body_limit_bytes: 1024 * 1024,
            upload_limit_bytes: 20 * 1024 * 1024,
            mail_transport: String::new(),
            mail_from: "guichet <no-reply@guichet.invalid>".into(),
            virus_scan_command: Vec::new(),
            outbox_interval_secs: 5,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            log: "info".into(),
            trusted_keys: Vec::new(),
            archive_copies: Vec::new(),
            archival_agency: "ARCHIVES".into(),
            archival_agency_name: "Archives service".into(),
            records_interval_secs: 30,
            deadlines_interval_secs: 300,
            breached_passwords_file: String::new(),
            oidc_providers: Vec::new(),
        }
    }
}

/// Flags that override the configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
}

impl Config {
    /// Where uploaded files are kept.
    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// The directories of the archive copies.
    pub fn archive_copies(&self) -> Vec<PathBuf> {
        if self.archive_copies.is_empty() {
            vec![
                self.data_dir.join("archive/copy-a"),
                self.data_dir.join("archive/copy-b"),
            ]
        } else {
            self.archive_copies.clone()
        }
    }

    /// The record search index (derived data, rebuilt by `guichet archive reindex`).
    pub fn search_dir(&self) -> PathBuf {
        self.data_dir.join("search/records")
    }

    pub fn mail(&self) -> anyhow::Result<guichet_one_stop::outbox::MailTransport> {
        use guichet_one_stop::outbox::MailTransport;
        let t = self.mail_transport.trim();
        Ok(if t.is_empty() {
            MailTransport::Directory(self.data_dir.join("mail"))
        } else if t == "none" {
            MailTransport::None
        } else if let Some(dir) = t.strip_prefix("dir:") {
            MailTransport::Directory(PathBuf::from(dir))
        } else if t.starts_with("smtp://") || t.starts_with("smtps://") {
            MailTransport::Smtp(t.to_owned())
        } else {
            bail!("mail_transport must be empty, none, dir:PATH or an smtp:// or smtps:// URL")
        })
    }

    pub fn load(overrides: &Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match &overrides.config_file {
            Some(path) if !path.exists() => {
                bail!("configuration file {} does not exist", path.display())
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("guichet.toml").exists() => {
                figment = figment.merge(Toml::file_exact("guichet.toml"))
            }
            None => {}
        }
        // GUICHET_CONFIG names the file; GUICHET_TEST_* and GUICHET_SKIP_* belong to the
        // project's scripts and tests (e.g. GUICHET_TEST_POSTGRES_URL), not to an instance.
        figment = figment.merge(
            Env::prefixed("GUICHET_")
                .filter(|key| {
                    let key = key.as_str().to_ascii_lowercase();
                    key != "config" && !key.starts_with("test_") && !key.starts_with("skip_")
                })
                .split("__"),
        );
        let mut config: Config = figment.extract().context("invalid configuration")?;
        if let Some(d) = &overrides.data_dir {
            config.data_dir = d.clone();
        }
        if let Some(u) = &overrides.database_url {
            config.database_url = u.clone();
        }
        if let Some(l) = &overrides.listen {
            config.listen = l.clone();
        }
        config
            .default_language
            .parse::<guichet_core::Language>()
            .map_err(|e| anyhow::anyhow!("default_language: {e}"))?;
        if config.session_hours <= 0 || config.session_hours > 24 * 30 {
            bail!("session_hours must be between 1 and 720");
        }
        for p in &config.oidc_providers {
            p.check().map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(config)
    }

    pub fn public_url(&self) -> String {
        let url = self.public_url.trim().trim_end_matches('/');
        if url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            url.to_owned()
        }
    }

    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite:{}", self.data_dir.join("guichet.db").display())
        } else {
            self.database_url.trim().to_owned()
        }
    }

    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("ledger-key.ed25519")
    }

    pub fn trusted_keys_path(&self) -> PathBuf {
        self.data_dir.join("trusted-keys.txt")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example must stay the defaults, key for key.
    #[test]
    fn the_example_file_is_the_defaults() {
        let text = include_str!("../../../guichet.example.toml");
        let parsed: Config = Figment::from(Toml::string(text))
            .extract()
            .expect("example parses");
        assert_eq!(
            serde_json::to_value(&parsed).expect("json"),
            serde_json::to_value(Config::default()).expect("json")
        );
    }

    #[test]
    fn mail_transports() {
        use guichet_one_stop::outbox::MailTransport;
        let mut c = Config::default();
        assert!(matches!(c.mail(), Ok(MailTransport::Directory(d)) if d.ends_with("mail")));
        c.mail_transport = "none".into();
        assert!(matches!(c.mail(), Ok(MailTransport::None)));
        c.mail_transport = "smtp://relay.example:587".into();
        assert!(matches!(c.mail(), Ok(MailTransport::Smtp(_))));
        c.mail_transport = "ftp://nope".into();
        assert!(c.mail().is_err());
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's test jail defines the error type
    fn defaults_need_no_file_and_env_overrides() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(&Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(c.database_url(), "sqlite:./guichet-data/guichet.db");
            jail.create_file(
                "guichet.toml",
                "listen = \"0.0.0.0:9000\"\ndefault_language = \"fr\"",
            )?;
            jail.set_env("GUICHET_DATABASE_URL", "postgres://postgres@127.0.0.1/x");
            // The scripts' own variables are not configuration.
            jail.set_env(
                "GUICHET_TEST_POSTGRES_URL",
                "postgres://guichet_test:x@db/postgres",
            );
            jail.set_env("GUICHET_SKIP_POSTGRES", "1");
            let c = Config::load(&Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:9000");
            assert_eq!(c.database_url(), "postgres://postgres@127.0.0.1/x");
            let c = Config::load(&Overrides {
                listen: Some("127.0.0.1:1".into()),
                ..Default::default()
            })
            .map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "127.0.0.1:1");
            jail.create_file("guichet.toml", "default_language = \"de\"")?;
            assert!(
                Config::load(&Overrides::default()).is_err(),
                "unknown language refused"
            );
            jail.create_file("guichet.toml", "no_such_key = 1")?;
            assert!(
                Config::load(&Overrides::default()).is_err(),
                "unknown key refused"
            );
            Ok(())
        });
    }
}
