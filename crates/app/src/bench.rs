//! `guichet bench`: the numbers in docs/benchmarks.md, each beside a reference measured in the
//! same run (the disk's raw fdatasync rate; raw SHA-256 throughput).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use guichet_core::{Clock, OsEntropy, SystemClock};
use guichet_ledger::{Event, TrustedKeys};
use guichet_store::{Audit, PlatformStore};
use sha2::Digest;

pub struct BenchOptions {
    pub ops: u64,
    pub concurrency: usize,
    pub verify_entries: u64,
    pub postgres_url: Option<String>,
    pub work_dir: std::path::PathBuf,
}

fn event(stream: usize, n: u64) -> Event {
    Event {
        stream: format!("BENCH-{stream:02}"),
        actor: "user:0192f3c4-5a6b-7c8d-9e0f-a1b2c3d4e5f6".into(),
        action: "dossier.transitioned".into(),
        object_type: "dossier".into(),
        object_id: format!("HN-HOANKIEM-261125-{n:06}"),
        payload: serde_json::json!({"from": "submitted", "to": "received", "reason": "Hồ sơ đầy đủ, đã tiếp nhận", "n": n}),
    }
}

/// Raw `fdatasync` rate of the disk holding `dir`: 100-byte appends, each synced, for 2 s.
pub fn fsync_rate(dir: &std::path::Path) -> anyhow::Result<f64> {
    let path = dir.join("fsync-probe.bin");
    let mut f = std::fs::File::create(&path)?;
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        f.write_all(&[7u8; 100])?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(&path);
    Ok(rate)
}

/// Raw single-core SHA-256 throughput in bytes per second.
pub fn sha256_rate() -> f64 {
    let buf = vec![0x5au8; 64 * 1024 * 1024];
    let start = Instant::now();
    let digest = sha2::Sha256::digest(&buf);
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(digest);
    buf.len() as f64 / secs
}

async fn fresh_postgres(admin_url: &str) -> anyhow::Result<(Arc<dyn PlatformStore>, String)> {
    let url =
        guichet_store_sql::testing::create_scratch_database(admin_url, "guichet_bench").await?;
    Ok((crate::open_store(&url, Arc::new(OsEntropy)).await?, url))
}

async fn drop_postgres(admin_url: &str, url: &str) {
    if let Err(e) = guichet_store_sql::testing::drop_scratch_database(admin_url, url).await {
        eprintln!("bench: could not drop scratch database: {e}");
    }
}

fn fresh_sqlite_url(opts: &BenchOptions, label: &str) -> String {
    let dir = opts
        .work_dir
        .join(format!("{label}-{}", uuid::Uuid::now_v7().simple()));
    format!("sqlite:{}", dir.join("bench.db").display())
}

/// Durable ledger appends: `ops` write transactions from `concurrency` tasks over 8 streams.
async fn ledger_appends(store: Arc<dyn PlatformStore>, opts: &BenchOptions) -> anyhow::Result<f64> {
    let clock = SystemClock;
    let per_task = opts.ops / opts.concurrency as u64;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..opts.concurrency {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_task {
                let n = t as u64 * per_task + i;
                store
                    .record(&Audit::one(clock.now(), event((n % 8) as usize, n)))
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((per_task * opts.concurrency as u64) as f64 / start.elapsed().as_secs_f64())
}

/// Verify throughput on `entries` entries (written in batches of 1,000 per transaction).
async fn verify_rate(store: Arc<dyn PlatformStore>, entries: u64) -> anyhow::Result<(f64, f64)> {
    let clock = SystemClock;
    let mut n = 0u64;
    while n < entries {
        let batch: Vec<Event> = (0..1000.min(entries - n))
            .map(|i| event(((n + i) % 8) as usize, n + i))
            .collect();
        n += batch.len() as u64;
        store
            .record(&Audit {
                at: clock.now(),
                events: batch,
            })
            .await?;
    }
    let sample = store.ledger_entries("BENCH-00", 0, 100).await?;
    let avg_hashed = sample
        .iter()
        .map(|e| e.payload.len() + 120 + e.actor.len() + e.action.len() + e.object_id.len())
        .sum::<usize>() as f64
        / sample.len().max(1) as f64;
    // Reading alone, to show how much of verification is the database.
    let start = Instant::now();
    let mut scanned = 0usize;
    for stream in store.stream_names().await? {
        let mut after = 0;
        loop {
            let batch = store.ledger_entries(&stream, after, 20_000).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            scanned += batch.len();
        }
    }
    eprintln!(
        "bench: read-only scan: {:.0} entries/s",
        scanned as f64 / start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let report = guichet_store::verify::verify_store(
        &store,
        &TrustedKeys::new(),
        guichet_store::verify::no_progress(),
    )
    .await?
    .map_err(|b| anyhow::anyhow!("benchmark ledger does not verify: {b}"))?;
    let rate = report.entries as f64 / start.elapsed().as_secs_f64();
    Ok((rate, avg_hashed))
}

/// Runs every benchmark and returns a Markdown report.
pub async fn run(opts: BenchOptions) -> anyhow::Result<String> {
    std::fs::create_dir_all(&opts.work_dir)
        .with_context(|| format!("cannot create {}", opts.work_dir.display()))?;
    let fsync = fsync_rate(&opts.work_dir)?;
    let sha = sha256_rate();
    let mut out = String::new();
    out.push_str(&format!(
        "Machine: {} cores; `guichet bench` on {} (UTC), release build.\n\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        SystemClock.now().date()
    ));
    out.push_str(&format!(
        "- Raw fdatasync rate of the disk (100-byte appends, 2 s): **{fsync:.0}/s**\n"
    ));
    out.push_str(&format!(
        "- Raw SHA-256 throughput (one core, 64 MiB): **{:.0} MB/s**\n\n",
        sha / 1e6
    ));
    out.push_str("| backend | durable ledger appends/s | vs fdatasync | verify entries/s | SHA-256 bound (entries/s) | verify / SHA-256 bound |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    let mut backends: Vec<(&str, Option<String>)> = vec![("sqlite", None)];
    if let Some(url) = &opts.postgres_url {
        backends.push(("postgres", Some(url.clone())));
    }
    for (label, pg) in backends {
        eprintln!(
            "bench: {label}: {} durable appends from {} tasks…",
            opts.ops, opts.concurrency
        );
        let (store, cleanup) = match &pg {
            Some(url) => {
                let (s, name) = fresh_postgres(url).await?;
                (s, Some(name))
            }
            None => (
                guichet_store_sql::open(&fresh_sqlite_url(&opts, "ledger"), Arc::new(OsEntropy))
                    .await?,
                None,
            ),
        };
        let appends = ledger_appends(store.clone(), &opts).await?;
        eprintln!(
            "bench: {label}: verify over {} entries…",
            opts.verify_entries
        );
        let (verify_store, cleanup2) = match &pg {
            Some(url) => {
                let (s, name) = fresh_postgres(url).await?;
                (s, Some(name))
            }
            None => (
                guichet_store_sql::open(&fresh_sqlite_url(&opts, "verify"), Arc::new(OsEntropy))
                    .await?,
                None,
            ),
        };
        let (verify, avg_bytes) = verify_rate(verify_store, opts.verify_entries).await?;
        // Each entry is hashed twice: its payload, then its header with the payload hash.
        let bound = sha / (avg_bytes + 64.0);
        out.push_str(&format!(
            "| {label} | {appends:.0} | {:.2}× | {verify:.0} | {bound:.0} | {:.2} |\n",
            appends / fsync,
            verify / bound
        ));
        if let (Some(url), Some(a), Some(b)) = (&pg, cleanup, cleanup2) {
            drop_postgres(url, &a).await;
            drop_postgres(url, &b).await;
        }
    }
    let _ = std::fs::remove_dir_all(&opts.work_dir);
    Ok(out)
}
