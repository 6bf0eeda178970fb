//! `guichet bench --suite documents`: CSV export of a million dossiers with 20 answers each
//! (time and peak memory of the real `guichet export` process), XLSX and ODS exports of
//! 100,000 rows, and PDF receipts rendered and sealed per second.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use guichet_one_stop::procedure::Services;

use crate::bench::BenchOptions;
use crate::bench_one_stop::{bench_answers, bench_procedure};
use crate::{Config, Runtime, demo};

struct Run {
    what: String,
    rows: u64,
    secs: f64,
    peak_rss_mb: f64,
    bytes: u64,
}

/// Peak resident memory of the largest finished child process, in MB (Linux `ru_maxrss`).
fn children_peak_rss_mb() -> f64 {
    // SAFETY: getrusage writes into the struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc == 0 {
        usage.ru_maxrss as f64 / 1024.0
    } else {
        f64::NAN
    }
}

/// Bulk-inserts `rows` dossiers of a procedure, each with the 20 answers of the one-stop bench.
async fn fill(
    rt: &Runtime,
    office: &guichet_store::Office,
    procedure: &guichet_one_stop::store::ProcedureRecord,
    rows: u64,
    tag: &str,
) -> anyhow::Result<()> {
    let mut answers = bench_answers(0);
    answers["business_name"] = serde_json::Value::from("@@N@@");
    let text = answers.to_string().replace('\'', "''");
    let (pre, post) = text.split_once("@@N@@").context("marker")?;
    let office_id = office.id.as_uuid().simple().to_string();
    let proc_id = procedure.id.as_uuid().simple().to_string();
    // Ids rise with insertion, as UUIDv7 ids made at filing time do (a distinct prefix per
    // procedure keeps them unique).
    let series = if tag == "BULK" { 1 } else { 2 };
    let prefix = format!(
        "{}{series:02x}",
        &uuid::Uuid::now_v7().simple().to_string()[..6]
    );
    let sql = match rt.store.backend() {
        guichet_store::Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
             INSERT INTO dossiers (id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, \
             applicant_email, state, answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
             paused_on, decided_on, assigned_to, idempotency_key) \
             SELECT unhex(printf('{prefix}%024x', i)), '{tag}-' || i, X'{office_id}', X'{proc_id}', 1, NULL, 'Người nộp ' || i, NULL, \
             CASE i % 4 WHEN 0 THEN 'submitted' WHEN 1 THEN 'received' ELSE 'approved' END, \
             '{pre}Hộ kinh doanh số ' || i || '{post}', NULL, 1, '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', \
             '2026-11-01T08:00:00Z', '2026-11-02T08:00:00Z', date('2026-10-01', '+' || (i % 120) || ' days'), NULL, \
             CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN NULL ELSE date('2026-10-01', '+' || (i % 110) || ' days') END, NULL, NULL FROM n"
        ),
        guichet_store::Backend::Postgres => format!(
            "INSERT INTO dossiers (id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, \
             applicant_email, state, answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
             paused_on, decided_on, assigned_to, idempotency_key) \
             SELECT ('{prefix}' || lpad(to_hex(i), 24, '0'))::uuid, '{tag}-' || i, '{office_id}', '{proc_id}', 1, NULL, 'Người nộp ' || i, NULL, \
             CASE i % 4 WHEN 0 THEN 'submitted' WHEN 1 THEN 'received' ELSE 'approved' END, \
             '{pre}Hộ kinh doanh số ' || i || '{post}', NULL, 1, '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', \
             '2026-11-01T08:00:00Z', '2026-11-02T08:00:00Z', to_char(DATE '2026-10-01' + (i % 120), 'YYYY-MM-DD'), NULL, \
             CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN NULL ELSE to_char(DATE '2026-10-01' + (i % 110), 'YYYY-MM-DD') END, NULL, NULL \
             FROM generate_series(1, {rows}) AS i"
        ),
    };
    rt.store.execute_raw(&sql).await?;
    Ok(())
}

/// Runs `guichet export` as a child process, as an operator would; measures its wall time and
/// its peak memory.
fn export(
    data_dir: &std::path::Path,
    url: &str,
    procedure: &str,
    format: &str,
    rows: u64,
) -> anyhow::Result<Run> {
    let exe = std::env::current_exe()?;
    let out = data_dir.join(format!("bench-export.{format}"));
    let started = Instant::now();
    let status = Command::new(exe)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(url)
        .args([
            "export",
            "--office",
            "HN-HOANKIEM",
            "--procedure",
            procedure,
            "--format",
            format,
            "--out",
        ])
        .arg(&out)
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .status()?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(status.success(), "guichet export {format} failed");
    let bytes = std::fs::metadata(&out)?.len();
    let _ = std::fs::remove_file(&out);
    Ok(Run {
        what: format!("{} export, {procedure}", format.to_uppercase()),
        rows,
        secs,
        peak_rss_mb: children_peak_rss_mb(),
        bytes,
    })
}

pub async fn run(opts: BenchOptions, rows: u64) -> anyhow::Result<String> {
    std::fs::create_dir_all(&opts.work_dir)?;
    let dir = opts
        .work_dir
        .join(format!("documents-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite:{}", dir.join("guichet.db").display());
    let config = Config {
        data_dir: dir.clone(),
        database_url: url.clone(),
        log: "warn".into(),
        mail_transport: "none".into(),
        ..Config::default()
    };
    let rt = Runtime::open(config).await?;
    demo::load(&rt).await?;
    let office = rt
        .identity
        .office_by_code("HN-HOANKIEM")
        .await?
        .context("demo office")?;
    let services = Services {
        store: guichet_one_stop::one_stop_store(&*rt.store)?,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
    };
    let big = services
        .create("bench", &office, "BENCH-1M", "business", bench_procedure())
        .await?;
    services.publish("bench", &office, &big).await?;
    let mid = services
        .create(
            "bench",
            &office,
            "BENCH-100K",
            "business",
            bench_procedure(),
        )
        .await?;
    services.publish("bench", &office, &mid).await?;
    let filling = Instant::now();
    fill(&rt, &office, &big, rows, "BULK").await?;
    fill(&rt, &office, &mid, 100_000, "MID").await?;
    rt.store.execute_raw("ANALYZE").await?;
    let fill_secs = filling.elapsed().as_secs_f64();

    // Children run one after another; RUSAGE_CHILDREN keeps the largest peak so far, so the
    // small exports run first and the million-row CSV last.
    let runs = vec![
        export(&dir, &url, "BENCH-100K", "csv", 100_000)?,
        export(&dir, &url, "BENCH-100K", "xlsx", 100_000)?,
        export(&dir, &url, "BENCH-100K", "ods", 100_000)?,
        export(&dir, &url, "BENCH-1M", "csv", rows)?,
    ];

    // PDF receipts: rendered with the built-in template and sealed, on every core.
    let renderer = std::sync::Arc::new(guichet_documents::Renderer::new());
    let signer = std::sync::Arc::new(guichet_documents::seal::OfficeSigner::new(
        "HN-HOANKIEM",
        [7; 32],
    ));
    let data = guichet_documents::sample_data("vn", "vi");
    let template = guichet_documents::DocumentKind::Receipt.builtin_template();
    let today = time::macros::date!(2026 - 01 - 15);
    // Warm-up: the first render loads fonts and fills typst's caches.
    guichet_documents::render(&renderer, template, &data, "https://x/verify/1", today)?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let per_thread = 100usize;
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..threads {
        let (renderer, signer, data) = (renderer.clone(), signer.clone(), data.clone());
        handles.push(std::thread::spawn(move || -> anyhow::Result<usize> {
            let mut bytes = 0;
            for i in 0..per_thread {
                let url = format!("https://guichet.example/verify/{t}-{i}");
                let pdf = guichet_documents::render(&renderer, template, &data, &url, today)?;
                let (sealed, _) = guichet_documents::seal::seal_pdf(pdf, &url, "receipt", &signer);
                bytes += sealed.len();
            }
            Ok(bytes)
        }));
    }
    let mut pdf_bytes = 0;
    for h in handles {
        pdf_bytes += h
            .join()
            .map_err(|_| anyhow::anyhow!("render thread panicked"))??;
    }
    let pdf_secs = started.elapsed().as_secs_f64();
    let pdfs = (threads * per_thread) as f64;
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }

    let mut report = String::new();
    writeln!(
        report,
        "## Documents and exports ({})",
        rt.clock.now().date()
    )?;
    writeln!(report)?;
    writeln!(
        report,
        "SQLite, {rows} + 100,000 dossiers with 20 answers each, bulk-inserted in {fill_secs:.1} s. Each export is the real `guichet export` process (release build), reading page by page; peak RSS is that process's `ru_maxrss`."
    )?;
    writeln!(report)?;
    writeln!(
        report,
        "| export | rows | wall time | rows/s | peak RSS | file |"
    )?;
    writeln!(report, "|---|---:|---:|---:|---:|---:|")?;
    for r in &runs {
        writeln!(
            report,
            "| {} | {} | {:.2} s | {:.0} | {:.0} MB | {:.1} MB |",
            r.what,
            r.rows,
            r.secs,
            r.rows as f64 / r.secs,
            r.peak_rss_mb,
            r.bytes as f64 / 1e6
        )?;
    }
    writeln!(report)?;
    writeln!(
        report,
        "PDF receipts (typst render + Ed25519 seal, built-in template, {threads} threads): {pdfs:.0} in {pdf_secs:.2} s = **{:.1} per second**, {:.0} KB each.",
        pdfs / pdf_secs,
        pdf_bytes as f64 / pdfs / 1024.0
    )?;
    Ok(report)
}
