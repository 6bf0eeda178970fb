//! The `guichet` command line. Parses arguments and calls the library; see `guichet --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use guichet::{Config, Overrides, Runtime, demo};

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
    /// Identifiers of people and businesses.
    #[command(subcommand)]
    Id(IdCommand),
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
enum IdCommand {
    /// Read `KIND,VALUE` lines on standard input (KIND: cccd, cmnd, mst, nir, siren, siret,
    /// iban); print `KIND,VALUE,valid` or `KIND,VALUE,invalid,REASON` for each.
    Check,
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
    // A slice's command that needs no database runs before anything is opened.
    let slice_args = match &cli.command {
        Command::Slice(args) => Some(parse_slice_command(args)?),
        _ => None,
    };
    if let Some((slice, parsed)) = &slice_args
        && let Some(output) = (slice.offline)(parsed)
    {
        return print_output(slice.name, output);
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
        Command::Slice(_) => {
            if let Some((slice, parsed)) = &slice_args {
                let context = rt.command_context().await?;
                let output = (slice.run)(&context, parsed).await;
                return print_output(slice.name, output);
            }
        }
        Command::Bench { .. } | Command::Id(_) | Command::Slices => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The slice command `args` names (`args[0]`), with its arguments parsed by its definition
/// (a parse error or `--help` ends the process here, as clap does).
fn parse_slice_command(
    args: &[String],
) -> anyhow::Result<(&'static guichet_web::slice::SliceCommand, clap::ArgMatches)> {
    let name = args.first().map(String::as_str).unwrap_or_default();
    let Some(slice) = guichet::slices::COMMANDS.iter().find(|c| c.name == name) else {
        bail!("unknown command {name:?}; see guichet --help");
    };
    let parsed = match (slice.command)()
        .bin_name(format!("guichet {name}"))
        .try_get_matches_from(args)
    {
        Ok(parsed) => parsed,
        Err(e) => e.exit(),
    };
    Ok((slice, parsed))
}

/// Prints what a slice's command produced and ends with its status.
fn print_output(
    name: &str,
    output: Result<guichet_web::slice::Output, guichet_web::slice::SliceError>,
) -> anyhow::Result<ExitCode> {
    let output = output.map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    let written = std::io::Write::write_all(&mut stdout, output.text.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut stdout));
    match written {
        // A reader that stopped early (`| head`) wants no more: end quietly, as Unix tools do.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(anyhow::anyhow!("{name}: cannot write the output: {e}")),
        Ok(()) => {}
    }
    Ok(ExitCode::from(output.status))
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
