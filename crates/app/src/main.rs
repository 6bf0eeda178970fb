//! The `guichet` command line. Parses arguments and calls the library; see `guichet --help`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use guichet::{Config, Overrides, Runtime, demo};
use guichet_core::authz::{Grant, Role};

#[derive(Parser)]
#[command(
    name = "guichet",
    version,
    about = "One-stop public services (guichet unique / một cửa)"
)]
struct Cli {
    /// Configuration file (default: ./guichet.toml when it exists).
    #[arg(long, global = true, env = "GUICHET_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, ledger key).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and the API.
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Load demo data (once), print the demo logins, then serve.
    Demo {
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo data and exit without serving.
        #[arg(long)]
        load_only: bool,
    },
    /// Apply database migrations.
    Migrate,
    /// Recompute every ledger chain and checkpoint; exit 0 only when all verify.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign a checkpoint of every ledger stream that moved since its last one.
    Checkpoint,
    /// Write a backend-neutral backup archive (tar.gz).
    Backup { file: PathBuf },
    /// Restore a backup archive into an empty database (also the SQLite → PostgreSQL path).
    Restore { file: PathBuf },
    /// Manage local accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage offices.
    #[command(subcommand)]
    Office(OfficeCommand),
    /// Identifiers of people and businesses.
    #[command(subcommand)]
    Id(IdCommand),
    /// Public holidays, working days and the Vietnamese lunar calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The administrative units of Vietnam and France.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Official documents issued by guichet.
    #[command(subcommand)]
    Doc(DocCommand),
    /// Export an office's dossiers and their answers to a file.
    Export {
        /// Office code.
        #[arg(long)]
        office: String,
        /// Procedure code; all procedures when left out.
        #[arg(long)]
        procedure: Option<String>,
        /// csv, xlsx, ods or zip.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Comma-separated columns (default: all available).
        #[arg(long)]
        columns: Option<String>,
        /// Where to write the file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Records and archives: capture, archival packages, fixity audits, search.
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Civil-service pay of one person-month (Vietnamese or French rules).
    #[command(subcommand)]
    Pay(PayCommand),
    /// BagIt bags (RFC 8493) of any directory.
    #[command(subcommand)]
    Bag(BagCommand),
    /// The composed modules and slices: their routes, migrations, commands and the pages the
    /// accessibility journey visits (JSON).
    Slices,
    /// A domain slice's command (`guichet cooperation --help`).
    #[command(external_subcommand)]
    Slice(Vec<String>),
    /// Run the benchmarks and print a Markdown report.
    Bench {
        #[arg(long, default_value_t = 20_000)]
        ops: u64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 1_000_000)]
        verify_entries: u64,
        /// PostgreSQL server to benchmark on (a scratch database is created and dropped).
        #[arg(long)]
        postgres_url: Option<String>,
        /// `ledger` (appends and verification), `one-stop` (dossier filing over HTTP and the
        /// agent queue), `documents` (exports of `--queue-rows` dossiers, PDF receipts) or
        /// `records` (fixity vs sha256sum, BagIt vs bagit-python, search over `--queue-rows`
        /// records).
        #[arg(long, default_value = "ledger")]
        suite: String,
        /// Dossiers in the agent queue of the one-stop suite, exported by the documents suite,
        /// or records indexed by the records suite (default 1,000,000); people paid by the hr
        /// suite (default 100,000).
        #[arg(long)]
        queue_rows: Option<u64>,
    },
}

#[derive(Subcommand)]
enum PayCommand {
    /// Compute one person-month described in a JSON file (`-` reads stdin) and print the
    /// breakdown as JSON: gross, each allowance and deduction with its legal source, net.
    /// The input format is in docs/hr.md.
    Compute {
        /// vn or fr.
        #[arg(long)]
        country: String,
        #[arg(long)]
        input: PathBuf,
        /// Use only the legal parameters built into this release, without opening the
        /// database (values entered by administrators are then left out).
        #[arg(long)]
        builtin: bool,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Capture new dossier documents as records and write the 30-day due warnings (serve
    /// does this every `records_interval_secs`).
    Capture,
    /// Write an office's records as an archival package into a new directory.
    Export {
        #[arg(long)]
        office: String,
        /// bagit, seda (SEDA 2.2 ArchiveTransfer) or eark (E-ARK CSIP/SIP).
        #[arg(long, default_value = "bagit")]
        format: String,
        /// Comma-separated archival file references (default: every file).
        #[arg(long)]
        files: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a package guichet exported (all digests checked; all or nothing).
    Import {
        #[arg(long, default_value = "bagit")]
        format: String,
        dir: PathBuf,
    },
    /// Check every copy of every record's content; exit 0 only when nothing failed.
    Fixity {
        /// Rewrite missing or altered copies from an intact copy.
        #[arg(long)]
        repair: bool,
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the record search index from the database.
    Reindex,
    /// Search records (accent-insensitive).
    Search {
        query: String,
        #[arg(long)]
        office: Option<String>,
    },
}

#[derive(Subcommand)]
enum BagCommand {
    /// Turn a directory into a bag in place (its content moves under data/).
    Create {
        dir: PathBuf,
        /// Hashing threads (default: the machine's cores).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// Validate a bag; exit 0 only when it is valid.
    Validate {
        dir: PathBuf,
        #[arg(long)]
        workers: Option<usize>,
    },
}

#[derive(Subcommand)]
enum DocCommand {
    /// Print the offices' document public keys as JSON (the `/.well-known/guichet-keys`
    /// format), for offline checkers.
    Keys,
    /// Check a PDF issued by guichet: its seal, its signature, and (with the database) that it
    /// was issued and is not revoked. Exit 0 only when it is authentic.
    Verify {
        file: PathBuf,
        /// Public keys as served at /.well-known/guichet-keys: verify offline, without the
        /// database (revocation is then not checked).
        #[arg(long)]
        keys: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from the first line of standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// citizen, agent, office_admin, sysadmin or auditor.
        #[arg(long)]
        role: String,
        /// Office code, for agent and office_admin.
        #[arg(long)]
        office: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print `YYYY-MM-DD name` for each public holiday of a year.
    Holidays {
        #[arg(long)]
        country: String,
        /// alsace-moselle (France).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        year: i32,
    },
    /// Print the date N working days after a date.
    AddWorkingDays {
        #[arg(long)]
        country: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        from: String,
        #[arg(long)]
        days: u32,
    },
    /// Convert between the Vietnamese lunar calendar and the solar calendar.
    Lunar {
        /// A lunar date YYYY-MM-DD, with L after it for a leap month (e.g. 2023-02-01L).
        #[arg(long)]
        to_solar: Option<String>,
        /// A solar date YYYY-MM-DD.
        #[arg(long)]
        from_solar: Option<String>,
    },
}

#[derive(Subcommand)]
enum IdCommand {
    /// Read `KIND,VALUE` lines on standard input (KIND: cccd, cmnd, mst, nir, siren, siret,
    /// iban); print `KIND,VALUE,valid` or `KIND,VALUE,invalid,REASON` for each.
    Check,
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Convert a Vietnamese address written before 1 July 2025 ("Phường X, Quận Y, Thành phố
    /// Z") to today's commune and province; exit 3 when it cannot say for sure.
    Convert {
        address: String,
        #[arg(long)]
        json: bool,
    },
    /// Count the units in force on a date, by level and type.
    Stats {
        /// vn or fr.
        #[arg(long)]
        country: String,
        /// YYYY-MM-DD (default: today).
        #[arg(long)]
        at: Option<String>,
    },
    /// Show a unit (e.g. VN-P-01, VN-C-00004, FR-C-33063): versions, parents, lineage.
    Show {
        unit: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Search units by name or code; accents and case do not matter.
    Search {
        query: String,
        #[arg(long)]
        country: Option<String>,
        /// YYYY-MM-DD (default: today; "all" for every date).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
enum OfficeCommand {
    /// Create an office.
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// vn or fr.
        #[arg(long)]
        country: String,
    },
}

fn main() -> ExitCode {
    // The slices' commands are listed in the help; they are parsed by their own definitions.
    let slice_help = guichet::slices::COMMANDS
        .iter()
        .map(|c| {
            let cmd = (c.command)();
            format!(
                "  {:<12} {}",
                c.name,
                cmd.get_about().map(|a| a.to_string()).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let matches = <Cli as clap::CommandFactory>::command()
        .after_help(format!("Commands of the domain slices:\n{slice_help}"))
        .get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        config_file: cli.config,
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        listen,
    };
    if let Command::Slices = cli.command {
        println!(
            "{}",
            serde_json::to_string_pretty(&guichet::slices::describe())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Id(IdCommand::Check) = cli.command {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        guichet::idcheck::run(std::io::BufReader::with_capacity(1 << 16, stdin), stdout)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Calendar(c) = &cli.command {
        let text = match c {
            CalendarCommand::Holidays {
                country,
                region,
                year,
            } => guichet::calendar_cmd::holidays_text(country, region.as_deref(), *year)?,
            CalendarCommand::AddWorkingDays {
                country,
                region,
                from,
                days,
            } => guichet::calendar_cmd::add_working_days_text(
                country,
                region.as_deref(),
                from,
                *days,
            )?,
            CalendarCommand::Lunar {
                to_solar,
                from_solar,
            } => guichet::calendar_cmd::lunar_text(to_solar.as_deref(), from_solar.as_deref())?,
        };
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Bag(b) = &cli.command {
        let workers =
            |w: &Option<usize>| w.unwrap_or_else(guichet_records_formats::hashing::default_workers);
        return match b {
            BagCommand::Create { dir, workers: w } => {
                guichet::archive_cmd::bag_create(dir, workers(w))?;
                Ok(ExitCode::SUCCESS)
            }
            BagCommand::Validate { dir, workers: w } => {
                guichet::archive_cmd::bag_validate(dir, workers(w))
            }
        };
    }
    if let Command::Pay(PayCommand::Compute {
        country,
        input,
        builtin: true,
    }) = &cli.command
    {
        println!(
            "{}",
            guichet_hr::cli::compute_text(country, input, &guichet_pay::Parameters::builtin())
                .map_err(|e| anyhow::anyhow!("{e}"))?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let config = Config::load(&overrides)?;
    init_logging(&config.log);
    if let Command::Bench {
        ops,
        concurrency,
        verify_entries,
        postgres_url,
        suite,
        queue_rows,
    } = cli.command
    {
        if concurrency == 0 || ops == 0 {
            bail!("--ops and --concurrency must be positive");
        }
        let work_dir = config.data_dir.join("bench-scratch");
        let options = guichet::bench::BenchOptions {
            ops,
            concurrency,
            verify_entries,
            postgres_url,
            work_dir,
        };
        let report = match suite.as_str() {
            "ledger" => guichet::bench::run(options).await?,
            "one-stop" => {
                guichet::bench_one_stop::run(options, queue_rows.unwrap_or(1_000_000)).await?
            }
            "documents" => {
                guichet::bench_documents::run(options, queue_rows.unwrap_or(1_000_000)).await?
            }
            "records" => {
                guichet::bench_records::run(options, queue_rows.unwrap_or(1_000_000)).await?
            }
            "hr" => guichet::bench_hr::run(options, queue_rows.unwrap_or(100_000)).await?,
            other => bail!("unknown suite {other:?}: ledger, one-stop, documents, records or hr"),
        };
        println!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Doc(DocCommand::Verify {
        file,
        keys: Some(keys),
    }) = &cli.command
    {
        return guichet::documents_cmd::verify_offline(file, keys);
    }
    // A restore needs an empty database: do not load the shipped reference data into it (the
    // backup carries its own).
    let rt = if matches!(cli.command, Command::Restore { .. }) {
        Runtime::open_without_reference_data(config).await?
    } else {
        Runtime::open(config).await?
    };
    match cli.command {
        Command::Serve { .. } => rt.serve().await?,
        Command::Demo { load_only, .. } => {
            let loaded = demo::load(&rt).await?;
            println!(
                "{}",
                if loaded {
                    "Demo data loaded."
                } else {
                    "Demo data already present; nothing loaded."
                }
            );
            if load_only {
                println!("{}", demo::banner(&format!("http://{}/", rt.config.listen)));
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}", demo::banner(&format!("http://{}/", rt.config.listen)));
            rt.serve().await?;
        }
        Command::Migrate => {
            println!(
                "database is at schema version {} ({})",
                rt.store.schema_version().await?,
                rt.store.backend()
            );
        }
        Command::Verify { json } => return verify(&rt, json).await,
        Command::Doc(DocCommand::Keys) => guichet::documents_cmd::print_keys(&rt).await?,
        Command::Doc(DocCommand::Verify { file, .. }) => {
            return guichet::documents_cmd::verify_with_store(&rt, &file).await;
        }
        Command::Export {
            office,
            procedure,
            format,
            columns,
            out,
        } => {
            guichet::documents_cmd::export(
                &rt,
                &office,
                procedure.as_deref(),
                &format,
                columns.as_deref(),
                &out,
            )
            .await?;
        }
        Command::Pay(PayCommand::Compute { country, input, .. }) => {
            let context = rt.command_context();
            let text = async {
                let params = guichet_hr::cli::parameters(&context).await?;
                guichet_hr::cli::compute_text(&country, &input, &params)
            }
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{text}");
        }
        Command::Archive(a) => match a {
            ArchiveCommand::Capture => guichet::archive_cmd::capture(&rt).await?,
            ArchiveCommand::Export {
                office,
                format,
                files,
                out,
            } => {
                guichet::archive_cmd::export(&rt, &office, &format, files.as_deref(), &out).await?
            }
            ArchiveCommand::Import { format, dir } => {
                guichet::archive_cmd::import(&rt, &format, &dir).await?
            }
            ArchiveCommand::Fixity { repair, json } => {
                return guichet::archive_cmd::fixity(&rt, repair, json).await;
            }
            ArchiveCommand::Reindex => guichet::archive_cmd::reindex(&rt).await?,
            ArchiveCommand::Search { query, office } => {
                guichet::archive_cmd::search(&rt, &query, office.as_deref()).await?
            }
        },
        Command::Bag(_) => {}
        Command::Checkpoint => {
            let n = guichet_store::verify::checkpoint_streams(
                &*rt.store,
                &rt.key,
                rt.clock.now(),
                true,
            )
            .await?;
            println!("signed {n} checkpoint(s) with key {}", rt.key.key_id());
        }
        Command::Backup { file } => backup(&rt, &file).await?,
        Command::Restore { file } => return restore(&rt, &file).await,
        Command::User(UserCommand::Create {
            username,
            name,
            role,
            office,
            email,
        }) => {
            let role: Role = role.parse().map_err(|e| {
                anyhow::anyhow!("{e}: use citizen, agent, office_admin, sysadmin or auditor")
            })?;
            let office = match office {
                None => None,
                Some(code) => Some(
                    rt.identity
                        .list_offices()
                        .await?
                        .into_iter()
                        .find(|o| o.code == code)
                        .with_context(|| format!("no office has the code {code}"))?
                        .id,
                ),
            };
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let account = guichet_identity::NewAccount {
                username,
                display_name: name,
                email,
                password: password.trim_end_matches(['\r', '\n']).to_owned(),
                grants: vec![Grant::new(role, office)],
            };
            let user = rt.accounts().create("cli", account).await?;
            println!("created user {} ({})", user.username, user.id);
        }
        Command::Office(OfficeCommand::Create {
            code,
            name,
            country,
        }) => {
            let new = guichet_identity::offices::NewOffice {
                code,
                name,
                country,
            };
            let office = guichet_identity::offices::create_office(
                &*rt.identity,
                &*rt.clock,
                &*rt.entropy,
                "cli",
                new,
            )
            .await?;
            println!("created office {} ({})", office.code, office.id);
        }
        Command::Units(command) => return units(&rt, command).await,
        Command::Slice(args) => {
            let name = args.first().map(String::as_str).unwrap_or_default();
            let Some(slice) = guichet::slices::COMMANDS.iter().find(|c| c.name == name) else {
                bail!("unknown command {name:?}; see guichet --help");
            };
            let parsed = match (slice.command)().try_get_matches_from(&args) {
                Ok(parsed) => parsed,
                Err(e) => e.exit(),
            };
            let context = rt.command_context();
            let text = (slice.run)(&context, &parsed)
                .await
                .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            print!("{text}");
        }
        Command::Bench { .. } | Command::Id(_) | Command::Calendar(_) | Command::Slices => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn date_arg(at: Option<&str>, today: time::Date) -> anyhow::Result<time::Date> {
    match at {
        None => Ok(today),
        Some(s) => guichet_units::parse_date(s)
            .ok_or_else(|| anyhow::anyhow!("--at {s:?} is not a date (YYYY-MM-DD)")),
    }
}

fn country_arg(s: &str) -> anyhow::Result<guichet_core::Country> {
    guichet_core::Country::parse(s).ok_or_else(|| anyhow::anyhow!("--country {s:?}: use vn or fr"))
}

async fn units(rt: &Runtime, command: UnitsCommand) -> anyhow::Result<ExitCode> {
    use guichet::units_cmd;
    let reg = rt.units().await?;
    let today = rt.clock.now().date();
    match command {
        UnitsCommand::Convert { address, json } => {
            let result = guichet_units::address::convert(&reg, &address, today);
            if json {
                let value = match &result {
                    Ok(c) => serde_json::to_value(c)?,
                    Err(e) => serde_json::to_value(e)?,
                };
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print!("{}", units_cmd::print_conversion(&result));
            }
            let certain = matches!(
                &result,
                Ok(c) if !matches!(c.outcome, guichet_units::address::Outcome::Divided { .. })
            );
            return Ok(if certain {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            });
        }
        UnitsCommand::Stats { country, at } => {
            let stats = reg.stats(country_arg(&country)?, date_arg(at.as_deref(), today)?)?;
            print!("{}", units_cmd::print_stats(&stats));
        }
        UnitsCommand::Show { unit, at } => {
            let unit = guichet_units::UnitRef::parse(&unit)?;
            print!(
                "{}",
                units_cmd::print_unit(&reg, &unit, date_arg(at.as_deref(), today)?)?
            );
        }
        UnitsCommand::Search { query, country, at } => {
            let country = country.as_deref().map(country_arg).transpose()?;
            let at = match at.as_deref() {
                Some("all") => None,
                other => Some(date_arg(other, today)?),
            };
            let m = reg.search(&query, country, at, None, 20)?;
            print!("{}", units_cmd::print_search(&m));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(rt: &Runtime, json: bool) -> anyhow::Result<ExitCode> {
    let last_report = std::sync::Mutex::new(std::time::Instant::now());
    let progress = std::sync::Arc::new(move |stream: &str, n: u64| {
        let mut last = last_report.lock().unwrap_or_else(|p| p.into_inner());
        if last.elapsed().as_secs() >= 2 {
            eprintln!("verify: {stream}: {n} entries checked…");
            *last = std::time::Instant::now();
        }
    });
    let outcome = guichet_store::verify::verify_store(&rt.store, &rt.trusted, progress).await?;
    match outcome {
        Ok(report) => {
            if json {
                println!("{}", serde_json::json!({"ok": true, "report": report}));
            } else {
                for s in &report.streams {
                    println!(
                        "ok  {:<24} {:>9} entries  {:>4} checkpoints",
                        s.stream, s.entries, s.checkpoints
                    );
                }
                println!(
                    "ledger verified: {} entries in {} streams, {} signed checkpoints",
                    report.entries,
                    report.streams.len(),
                    report.checkpoints
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": false, "stream": broken.stream, "seq": broken.seq, "detail": broken.to_string()})
                );
            } else {
                println!("LEDGER BROKEN: {broken}");
            }
            Ok(ExitCode::from(1))
        }
    }
}

async fn backup(rt: &Runtime, file: &std::path::Path) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let manifest = guichet_store::backup::write_backup(
        &*rt.store,
        &mut buf,
        rt.clock.now(),
        rt.trusted.hex_keys(),
    )
    .await?;
    guichet::write_atomically(file, &buf)?;
    let rows: u64 = manifest.parts.iter().map(|p| p.rows).sum();
    println!(
        "backup written to {}: {} tables, {rows} rows, schema version {}, from {}",
        file.display(),
        manifest.parts.len(),
        manifest.schema_version,
        manifest.source_backend
    );
    Ok(())
}

async fn restore(rt: &Runtime, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let checked = guichet_store::backup::read_backup(bytes.as_slice(), &rt.store.tables())?;
    let rows = guichet_store::backup::restore(&*rt.store, &checked).await?;
    println!(
        "restored {rows} rows from a {} backup of {} into {}",
        checked.manifest.source_backend,
        checked.manifest.created_at,
        rt.store.backend()
    );
    let added = guichet::trust_keys(
        &rt.config,
        &rt.trusted,
        &checked.manifest.ledger_public_keys,
    )?;
    for k in &added {
        println!(
            "now trusting the backup's ledger key {k} (in {})",
            rt.config.trusted_keys_path().display()
        );
    }
    let reopened = Runtime::open(rt.config.clone()).await?;
    verify(&reopened, false).await
}
