//! `guichet bench --suite records`: the fixity audit's throughput against `sha256sum` on the
//! same files; BagIt create + validate against bagit-python on 5,000 files of 4 KiB and on
//! one 1 GiB file; search latency (p50, p99) on an index of `--queue-rows` records (default
//! one million). Each comparison is measured in the same run, on the same files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use guichet_records::store::{RecordRow, RecordWrite};
use guichet_records_formats::search::{IndexedRecord, SearchIndex};

use crate::bench::BenchOptions;
use crate::{Config, Runtime};

/// Deterministic pseudo-random bytes (xorshift), so files do not compress or deduplicate.
fn fill_random(buf: &mut [u8], mut seed: u64) {
    for chunk in buf.chunks_mut(8) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let b = seed.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
}

fn bagit_py() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let p = home.join(".cache/guichet-reference/archive-tools/bin/bagit.py");
    if p.exists() {
        Ok(p)
    } else {
        bail!("bagit.py is missing: run scripts/setup")
    }
}

fn timed(mut cmd: Command) -> anyhow::Result<f64> {
    let start = Instant::now();
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(start.elapsed().as_secs_f64())
}

fn make_payload(dir: &Path, files: usize, size: usize, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut buf = vec![0u8; size.min(8 << 20)];
    for i in 0..files {
        let path = dir.join(format!("sub{:02}/f{i:05}.bin", i % 50));
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let mut left = size;
        let mut k = 0u64;
        while left > 0 {
            let n = left.min(buf.len());
            fill_random(&mut buf[..n], seed ^ (i as u64) << 20 ^ k);
            std::io::Write::write_all(&mut f, &buf[..n])?;
            left -= n;
            k += 1;
        }
    }
    Ok(())
}

struct BagRun {
    what: String,
    ours: f64,
    theirs: f64,
}

/// Create + validate with `guichet bag` and with bagit.py (SHA-256 only, 2 processes), each
/// on its own copy of the same payload.
fn bag_compare(work: &Path, what: &str, files: usize, size: usize) -> anyhow::Result<BagRun> {
    let exe = std::env::current_exe()?;
    let workers = guichet_records_formats::hashing::default_workers().to_string();
    let ours_dir = work.join(format!("{what}-guichet"));
    let theirs_dir = work.join(format!("{what}-bagitpy"));
    make_payload(&ours_dir, files, size, 1)?;
    make_payload(&theirs_dir, files, size, 1)?;
    let mut c = Command::new(&exe);
    c.args(["bag", "create", "--workers", &workers])
        .arg(&ours_dir);
    let mut v = Command::new(&exe);
    v.args(["bag", "validate", "--workers", &workers])
        .arg(&ours_dir);
    let ours = timed(c)? + timed(v)?;
    let py = bagit_py()?;
    let mut c = Command::new(&py);
    c.args(["--sha256", "--processes", &workers])
        .arg(&theirs_dir);
    let mut v = Command::new(&py);
    v.args(["--validate", "--processes", &workers])
        .arg(&theirs_dir);
    let theirs = timed(c)? + timed(v)?;
    let _ = std::fs::remove_dir_all(&ours_dir);
    let _ = std::fs::remove_dir_all(&theirs_dir);
    Ok(BagRun {
        what: what.to_owned(),
        ours,
        theirs,
    })
}

const WORDS: &[&str] = &[
    "hồ sơ",
    "đăng ký",
    "khai sinh",
    "quyết định",
    "phê duyệt",
    "kế hoạch",
    "công văn",
    "báo cáo",
    "thống kê",
    "hộ tịch",
    "đất đai",
    "khiếu nại",
    "cải cách",
    "hành chính",
    "lưu trữ",
    "số hóa",
    "giấy mời",
    "tập huấn",
    "ngân sách",
    "xây dựng",
    "giáo dục",
    "y tế",
    "décision",
    "préfecture",
    "arrêté",
    "courrier",
    "demande",
    "titre de séjour",
    "permis",
    "élection",
    "subvention",
    "association",
    "urbanisme",
    "environnement",
    "recrutement",
    "formation",
    "budget",
    "marché public",
    "état civil",
    "naturalisation",
];

/// p50 and p99 of searches over an index of `n` synthetic records in ten offices.
fn search_bench(dir: &Path, n: u64) -> anyhow::Result<(f64, f64, f64, u64)> {
    let (index, _) = SearchIndex::open(dir)?;
    let offices: Vec<uuid::Uuid> = (0..10u128).map(|i| uuid::Uuid::from_u128(i + 1)).collect();
    let build = Instant::now();
    let mut batch = Vec::with_capacity(10_000);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..n {
        let w = |k: u64| WORDS[(k % WORDS.len() as u64) as usize];
        let (a, b, c, d) = (next(), next(), next(), next());
        batch.push(IndexedRecord {
            id: uuid::Uuid::from_u128(u128::from(i) + 1_000),
            office: offices[(i % 10) as usize],
            title: format!("{} {} số {}/QĐ-UBND {}", w(a), w(b), i % 9000, w(c)),
            body: format!(
                "{} {} Phường {} {} năm {}",
                w(d),
                w(a >> 8),
                i % 3321,
                w(b >> 8),
                2000 + i % 26
            ),
        });
        if batch.len() == 10_000 {
            index.add_fresh(&batch)?;
            batch.clear();
        }
    }
    index.add_fresh(&batch)?;
    index.commit()?;
    let build_secs = build.elapsed().as_secs_f64();
    let mut times = Vec::new();
    for q in 0..1000u64 {
        let query = format!(
            "{} {}",
            guichet_units::fold::fold(WORDS[(q * 7 % WORDS.len() as u64) as usize]),
            guichet_units::fold::fold(WORDS[(q * 13 % WORDS.len() as u64) as usize])
        );
        let scope = [offices[(q % 10) as usize]];
        let start = Instant::now();
        let hits = index.search(Some(&scope), &query, 20)?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(hits);
    }
    times.sort_by(f64::total_cmp);
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    Ok((p50, p99, build_secs, index.len()))
}

pub async fn run(opts: BenchOptions, search_rows: u64) -> anyhow::Result<String> {
    std::fs::create_dir_all(&opts.work_dir)?;
    let dir = opts
        .work_dir
        .join(format!("records-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let result = run_in(&dir, search_rows).await;
    if std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn run_in(dir: &Path, search_rows: u64) -> anyhow::Result<String> {
    let config = Config {
        data_dir: dir.to_owned(),
        database_url: format!("sqlite:{}", dir.join("guichet.db").display()),
        log: "warn".into(),
        mail_transport: "none".into(),
        ..Config::default()
    };
    let rt = Runtime::open(config).await?;
    let office = guichet_identity::offices::create_office(
        &*rt.identity,
        &*rt.clock,
        &*rt.entropy,
        "bench",
        guichet_identity::offices::NewOffice {
            code: "BENCH".into(),
            name: "Bench".into(),
            country: "vn".into(),
        },
    )
    .await?;

    // Fixity: 512 files of 1 MiB in each of two copies (1 GiB read per audit).
    let archive = rt.archive()?;
    let (count, size) = (512usize, 1usize << 20);
    let mut rows = Vec::with_capacity(count);
    let mut buf = vec![0u8; size];
    let mut paths = Vec::new();
    for i in 0..count {
        fill_random(&mut buf, i as u64 + 7);
        let sha = guichet_records_formats::hashing::sha256_bytes(&buf);
        let id: guichet_core::RecordId = guichet_core::IdGen {
            clock: &*rt.clock,
            entropy: &*rt.entropy,
        }
        .id();
        let key = format!("records/{}/{id}", office.id);
        for copy in 0..2 {
            let path = archive.local_path(copy, &key).context("local copy")?;
            std::fs::create_dir_all(path.parent().context("parent")?)?;
            std::fs::write(&path, &buf)?;
            paths.push(path);
        }
        rows.push(RecordWrite {
            record: RecordRow {
                id,
                office_id: office.id,
                file_id: None,
                parent_id: None,
                register: None,
                year: None,
                number: None,
                symbol: String::new(),
                original_ref: String::new(),
                doc_type: "upload".into(),
                title: format!("bench {i}"),
                doc_date: rt.clock.now().date(),
                issuer: String::new(),
                signer: String::new(),
                recipients: String::new(),
                urgency: "normal".into(),
                confidentiality: "normal".into(),
                lang: "vi".into(),
                source: "import".into(),
                source_id: None,
                dossier_id: None,
                name: Some(format!("f{i}.bin")),
                content_type: Some("application/octet-stream".into()),
                size: size as i64,
                sha256: Some(sha),
                storage_key: Some(key),
                text: String::new(),
                created_at: rt.clock.now(),
                created_by: None,
                due_on: None,
                warned_at: None,
                state: "active".into(),
                destroyed_at: None,
                disposition_id: None,
            },
            number: None,
        });
    }
    let audit = guichet_store::Audit::one(
        rt.clock.now(),
        guichet_ledger::Event {
            stream: "BENCH".into(),
            actor: "bench".into(),
            action: "bench.records".into(),
            object_type: "bench".into(),
            object_id: "fixity".into(),
            payload: serde_json::json!({}),
        },
    );
    guichet_records::records_store(&*rt.store)?
        .add_records(rows, &audit)
        .await?;
    let total_bytes = (count * size * 2) as f64;
    // Warm the page cache for both, then time sha256sum (one process, as the audit hashes
    // one file at a time) and the audit, each twice, keeping the better run.
    let sha256sum = |paths: &[PathBuf]| -> anyhow::Result<f64> {
        let mut cmd = Command::new("sha256sum");
        cmd.args(paths).stdout(std::process::Stdio::null());
        timed(cmd)
    };
    sha256sum(&paths)?;
    let files = rt.files();
    let records = guichet_records::service::Records {
        store: guichet_records::records_store(&*rt.store)?,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
        archive: &archive,
        files: &files,
        index: None,
    };
    let mut ours = f64::MAX;
    let mut theirs = f64::MAX;
    for _ in 0..2 {
        theirs = theirs.min(sha256sum(&paths)?);
        let start = Instant::now();
        let run = records.fixity_audit(false, &|_, _| {}).await?;
        ours = ours.min(start.elapsed().as_secs_f64());
        if run.failed != 0 || run.ok != (count * 2) as i64 {
            bail!("the fixity bench found damage: {run:?}");
        }
    }
    drop(paths);

    let small = bag_compare(dir, "5000x4KiB", 5000, 4096)?;
    let big = bag_compare(dir, "1x1GiB", 1, 1 << 30)?;

    let (p50, p99, build, indexed) = search_bench(&dir.join("search-bench"), search_rows)?;

    let mut out = String::new();
    let date = time::OffsetDateTime::now_utc().date();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    writeln!(
        out,
        "## Records benchmark ({date}, {cores} cores, SQLite)\n"
    )?;
    writeln!(out, "| measure | guichet | reference | ratio | goal |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    let mib = total_bytes / (1 << 20) as f64;
    writeln!(
        out,
        "| fixity audit, {count} × 1 MiB × 2 copies | {:.0} MiB/s ({ours:.2} s) | sha256sum {:.0} MiB/s ({theirs:.2} s) | {:.2} | ≥ 0.90 |",
        mib / ours,
        mib / theirs,
        theirs / ours
    )?;
    for b in [&small, &big] {
        writeln!(
            out,
            "| BagIt create + validate, {} | {:.2} s | bagit.py {:.2} s | {:.2}× faster | {} |",
            b.what,
            b.ours,
            b.theirs,
            b.theirs / b.ours,
            if b.what.starts_with("5000") {
                "> 1"
            } else {
                "≥ 0.9"
            }
        )?;
    }
    writeln!(
        out,
        "| search over {indexed} records (one office of ten), 1000 queries | p50 {p50:.2} ms, p99 {p99:.2} ms (index built in {build:.0} s) | — | — | p50 < 10 ms |"
    )?;
    Ok(out)
}
