//! `guichet bench --suite one-stop`: durable dossier submissions per second through the real
//! HTTP API (a realistic 20-field form), beside the hello-world ceiling of the same server and
//! the disk's raw fdatasync rate, measured in the same run; then page loads of an agent queue
//! holding a million dossiers. The load generator runs in-process on loopback: each worker
//! sends one request at a time and waits for its answer (closed loop).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use guichet_one_stop::form::{Choice, Field, FieldKind, FormSchema, Text};
use guichet_one_stop::procedure::{ProcedureBody, ServiceLevel, Services, TimeUnit};
use serde_json::json;

use crate::bench::{BenchOptions, fsync_rate};
use crate::{Config, Runtime, demo};

/// The benchmark's 20-field form: what a business-household registration asks.
pub fn bench_procedure() -> ProcedureBody {
    let t = |s: &str| Text::new(s, s, s);
    let f = |key: &str, kind: FieldKind| Field {
        key: key.into(),
        kind,
        label: t(key),
        help: Text::default(),
        required: true,
        show_if: None,
        prefill: None,
    };
    let choice = |v: &str| Choice {
        value: v.into(),
        label: t(v),
    };
    ProcedureBody {
        silence: Default::default(),
        identification: None,
        name: t("Bench: business-household registration"),
        description: Text::default(),
        level: ServiceLevel::Full,
        legal_basis: String::new(),
        fees: Text::default(),
        processing_time: 3,
        time_unit: TimeUnit::WorkingDays,
        documents: Vec::new(),
        result: Text::default(),
        form: FormSchema {
            fields: vec![
                f("business_name", FieldKind::ShortText { max_len: Some(120) }),
                f(
                    "activities",
                    FieldKind::LongText {
                        max_len: Some(2000),
                    },
                ),
                f(
                    "capital",
                    FieldKind::Money {
                        currency: "VND".into(),
                    },
                ),
                f(
                    "address",
                    FieldKind::Address {
                        country: "vn".into(),
                    },
                ),
                f("owner_name", FieldKind::ShortText { max_len: Some(100) }),
                f("owner_cccd", FieldKind::Identifier { id: "cccd".into() }),
                f("owner_birth", FieldKind::Date { past_only: true }),
                f(
                    "owner_gender",
                    FieldKind::SingleChoice {
                        options: vec![choice("f"), choice("m")],
                    },
                ),
                f("tax_code", FieldKind::Identifier { id: "mst".into() }),
                f("phone", FieldKind::Phone),
                f("email", FieldKind::Email),
                f(
                    "employees",
                    FieldKind::Number {
                        min: Some(0.0),
                        max: Some(500.0),
                        integer: true,
                    },
                ),
                f("household", FieldKind::YesNo),
                f(
                    "sector",
                    FieldKind::Dropdown {
                        options: vec![choice("retail"), choice("food"), choice("services")],
                    },
                ),
                f(
                    "channels",
                    FieldKind::MultipleChoice {
                        options: vec![choice("shop"), choice("online"), choice("market")],
                    },
                ),
                f("opening", FieldKind::Date { past_only: false }),
                f(
                    "area_m2",
                    FieldKind::Number {
                        min: Some(1.0),
                        max: Some(100000.0),
                        integer: false,
                    },
                ),
                f("bank_iban", FieldKind::ShortText { max_len: Some(40) }),
                f("website", FieldKind::ShortText { max_len: Some(200) }),
                f(
                    "notes",
                    FieldKind::LongText {
                        max_len: Some(2000),
                    },
                ),
            ],
        },
    }
}

pub fn bench_answers(n: u64) -> serde_json::Value {
    json!({
        "business_name": format!("Hộ kinh doanh Phở Hà Nội số {n}"),
        "activities": "Bán lẻ thực phẩm; dịch vụ ăn uống (phở, bún chả); không kinh doanh rượu.",
        "capital": "150.000.000",
        "address": {"unit": "VN-C-00004", "street": format!("{n} Hàng Bạc")},
        "owner_name": "Nguyễn Văn An",
        "owner_cccd": "001190012345",
        "owner_birth": "12/04/1980",
        "owner_gender": "m",
        "tax_code": "0100109106",
        "phone": "0912 345 678",
        "email": "an.nguyen@example.vn",
        "employees": "4",
        "household": "no",
        "sector": "food",
        "channels": ["shop", "online"],
        "opening": "01/12/2026",
        "area_m2": "45,5",
        "bank_iban": "VN00 0000 0000 0000",
        "website": "https://pho.example.vn",
        "notes": "Mở cửa 6:00–22:00 hằng ngày.",
    })
}

pub struct Load {
    pub ok: u64,
    pub failed: u64,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// `total` requests from `concurrency` closed-loop workers; `make(n)` builds request n.
async fn load<F>(
    client: &reqwest::Client,
    total: u64,
    concurrency: usize,
    expect: u16,
    make: F,
) -> Load
where
    F: Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, next, make) = (client.clone(), next.clone(), make.clone());
        workers.push(tokio::spawn(async move {
            let (mut times, mut failed) = (Vec::new(), 0u64);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let t = Instant::now();
                match make(&client, n).send().await {
                    Ok(r) if r.status().as_u16() == expect => {
                        let _ = r.bytes().await;
                        times.push(t.elapsed());
                    }
                    Ok(r) => {
                        failed += 1;
                        if failed < 3 {
                            eprintln!(
                                "bench: unexpected {}: {}",
                                r.status(),
                                r.text()
                                    .await
                                    .unwrap_or_default()
                                    .chars()
                                    .take(300)
                                    .collect::<String>()
                            );
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        if failed < 3 {
                            eprintln!("bench: request failed: {e}");
                        }
                    }
                }
            }
            (times, failed)
        }));
    }
    let (mut times, mut failed) = (Vec::new(), 0);
    for w in workers {
        if let Ok((t, f)) = w.await {
            times.extend(t);
            failed += f;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    times.sort();
    Load {
        ok: times.len() as u64,
        failed,
        per_sec: times.len() as f64 / secs,
        p50_ms: percentile(&times, 0.5),
        p99_ms: percentile(&times, 0.99),
    }
}

pub struct BackendResult {
    pub backend: &'static str,
    pub hello: Load,
    pub submit: Load,
    pub queue_rows: u64,
    pub fill_secs: f64,
    pub queue: Vec<(String, Load)>,
}

async fn one_backend(
    backend: &'static str,
    url: String,
    opts: &BenchOptions,
    queue_rows: u64,
) -> anyhow::Result<BackendResult> {
    let dir = opts.work_dir.join(format!(
        "one-stop-{backend}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir)?;
    let config = Config {
        data_dir: dir.clone(),
        database_url: url,
        log: "warn".into(),
        mail_transport: "none".into(),
        ..Config::default()
    };
    let rt = Runtime::open(config).await?;
    demo::load(&rt).await?;
    let offices = rt.identity.list_offices().await?;
    let office = offices
        .iter()
        .find(|o| o.code == "HN-HOANKIEM")
        .context("demo office")?
        .clone();
    let services = Services {
        store: guichet_one_stop::one_stop_store(&*rt.store)?,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
    };
    let p = services
        .create("bench", &office, "BENCH-20", "business", bench_procedure())
        .await?;
    services.publish("bench", &office, &p).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = rt.app().await?;
    let server = tokio::spawn(guichet_web::serve(app, listener, std::future::pending()));
    let accounts = rt.accounts();
    let bench_client = guichet_identity::ClientInfo {
        address: "bench".into(),
        user_agent: String::new(),
    };
    let citizen = accounts
        .login("thu.pham", demo::DEMO_PASSWORD, &bench_client)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let agent = accounts
        .login("lan.nguyen", demo::DEMO_PASSWORD, &bench_client)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()?;

    let url = format!("{base}/healthz");
    let hello = load(&client, opts.ops, opts.concurrency, 200, move |c, _| {
        c.get(&url)
    })
    .await;

    let url = format!("{base}/api/v1/dossiers");
    let cookie = format!("guichet_session={}", citizen.token);
    let submit = load(&client, opts.ops, opts.concurrency, 201, move |c, n| {
        c.post(&url).header("cookie", &cookie).json(
            &json!({"office": "HN-HOANKIEM", "procedure": "BENCH-20", "answers": bench_answers(n)}),
        )
    })
    .await;

    // A million dossiers in the office's queue, written in bulk (not through the API: this part
    // measures reading the queue, not writing it).
    let fill = Instant::now();
    let office_id = office.id.as_uuid().simple().to_string();
    let proc_id = p.id.as_uuid().simple().to_string();
    let sql = match rt.store.backend() {
        guichet_store::Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {queue_rows}) \
             INSERT INTO dossiers (id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, \
             applicant_email, state, answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
             paused_on, decided_on, assigned_to, idempotency_key) \
             SELECT randomblob(16), 'BULK-' || i, X'{office_id}', X'{proc_id}', 1, NULL, 'Người nộp ' || i, NULL, \
             CASE i % 5 WHEN 0 THEN 'submitted' WHEN 1 THEN 'awaiting_applicant' WHEN 2 THEN 'approved' ELSE 'received' END, \
             '{{}}', NULL, 1, '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', \
             '2026-11-02T08:00:00Z', date('2026-10-01', '+' || (i % 120) || ' days'), NULL, NULL, NULL, NULL FROM n"
        ),
        guichet_store::Backend::Postgres => format!(
            "INSERT INTO dossiers (id, code, office_id, procedure_id, procedure_version, applicant_id, applicant_name, \
             applicant_email, state, answers, secret_hash, rev, created_at, updated_at, submitted_at, received_at, due_date, \
             paused_on, decided_on, assigned_to, idempotency_key) \
             SELECT gen_random_uuid(), 'BULK-' || i, '{office_id}', '{proc_id}', 1, NULL, 'Người nộp ' || i, NULL, \
             CASE i % 5 WHEN 0 THEN 'submitted' WHEN 1 THEN 'awaiting_applicant' WHEN 2 THEN 'approved' ELSE 'received' END, \
             '{{}}', NULL, 1, '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z', \
             '2026-11-02T08:00:00Z', to_char(DATE '2026-10-01' + (i % 120), 'YYYY-MM-DD'), NULL, NULL, NULL, NULL \
             FROM generate_series(1, {queue_rows}) AS i"
        ),
    };
    rt.store.execute_raw(&sql).await?;
    if rt.store.backend() == guichet_store::Backend::Postgres {
        rt.store.execute_raw("ANALYZE dossiers").await?;
    } else {
        rt.store.execute_raw("ANALYZE").await?;
    }
    let fill_secs = fill.elapsed().as_secs_f64();

    let cookie = format!("guichet_session={}", agent.token);
    let mut queue = Vec::new();
    for (label, path) in [
        ("open, by due date, page 1", "/offices/HN-HOANKIEM/dossiers"),
        (
            "open, by due date, page 200",
            "/offices/HN-HOANKIEM/dossiers?page=199",
        ),
        ("overdue only", "/offices/HN-HOANKIEM/dossiers?due=late"),
        (
            "all states, newest first",
            "/offices/HN-HOANKIEM/dossiers?state=all&sort=newest",
        ),
        ("API: open, page 1", "/api/v1/dossiers?office=HN-HOANKIEM"),
    ] {
        let url = format!("{base}{path}");
        let cookie = cookie.clone();
        // One at a time: this is the latency an agent sees, not throughput.
        queue.push((
            label.to_owned(),
            load(&client, 100, 1, 200, move |c, _| {
                c.get(&url).header("cookie", &cookie)
            })
            .await,
        ));
    }
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(BackendResult {
        backend,
        hello,
        submit,
        queue_rows,
        fill_secs,
        queue,
    })
}

fn fmt(n: f64) -> String {
    let s = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub async fn run(opts: BenchOptions, queue_rows: u64) -> anyhow::Result<String> {
    std::fs::create_dir_all(&opts.work_dir)?;
    let fsync = fsync_rate(&opts.work_dir)?;
    let mut results = Vec::new();
    let sqlite_url = format!(
        "sqlite:{}",
        opts.work_dir
            .join(format!("one-stop-{}.db", uuid::Uuid::now_v7().simple()))
            .display()
    );
    results.push(one_backend("SQLite", sqlite_url.clone(), &opts, queue_rows).await?);
    if let Some(path) = sqlite_url.strip_prefix("sqlite:") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    if let Some(admin) = &opts.postgres_url {
        let url =
            guichet_store_sql::testing::create_scratch_database(admin, "guichet_bench").await?;
        let result = one_backend("PostgreSQL", url.clone(), &opts, queue_rows).await;
        if let Err(e) = guichet_store_sql::testing::drop_scratch_database(admin, &url).await {
            eprintln!("bench: could not drop scratch database: {e}");
        }
        results.push(result?);
    }
    let mut out = format!(
        "## One-stop filing (issue 6)\n\n- Raw fdatasync rate of the disk (100-byte appends, 2 s): **{}/s**\n- {} requests per run from {} concurrent closed-loop clients on loopback, in the same process as the server\n\n",
        fmt(fsync),
        fmt(opts.ops as f64),
        opts.concurrency
    );
    out.push_str("| backend | hello-world ceiling/s | durable submissions/s | vs ceiling | vs fdatasync | p50 ms | p99 ms | failed |\n|---|---|---|---|---|---|---|---|\n");
    for r in &results {
        out.push_str(&format!(
            "| {} | {} | **{}** | {:.2}× | {:.2}× | {:.1} | {:.1} | {} |\n",
            r.backend,
            fmt(r.hello.per_sec),
            fmt(r.submit.per_sec),
            r.submit.per_sec / r.hello.per_sec.max(1.0),
            r.submit.per_sec / fsync.max(1.0),
            r.submit.p50_ms,
            r.submit.p99_ms,
            r.submit.failed + r.hello.failed
        ));
    }
    for r in &results {
        out.push_str(&format!(
            "\n### Agent queue with {} dossiers — {} (filled in {:.1} s)\n\n| page | p50 ms | p99 ms |\n|---|---|---|\n",
            fmt(r.queue_rows as f64),
            r.backend,
            r.fill_secs
        ));
        for (label, l) in &r.queue {
            out.push_str(&format!(
                "| {label} | **{:.1}** | {:.1} |\n",
                l.p50_ms, l.p99_ms
            ));
        }
    }
    Ok(out)
}
