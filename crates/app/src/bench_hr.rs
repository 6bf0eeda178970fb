//! `guichet bench --suite hr`: the monthly payroll of `--queue-rows` people (default 100,000)
//! in one run, on SQLite and (with `--postgres-url`) PostgreSQL: reading the pay situations
//! in effect, computing every payslip, storing the run with its payslips. Reports the time of
//! each part and the process's peak memory; the pay computation alone is also timed in memory.

use std::time::Instant;

use anyhow::Context;
use guichet_core::{IdGen, OfficeId, StaffId, TermId};
use guichet_hr::store::{StaffRow, StaffWrite, TermRow};
use guichet_one_stop::dossier::Actor;
use guichet_store::Audit;
use serde_json::json;
use time::macros::date;

use crate::bench::BenchOptions;
use crate::{Config, Runtime};

/// Peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A varied Vietnamese pay situation: scales, steps, leadership, beyond-frame, dependants.
fn vn_situation(i: u64) -> serde_json::Value {
    const SCALES: [(&str, u64); 8] = [
        ("A3.1", 6),
        ("A3.2", 6),
        ("A2.1", 8),
        ("A2.2", 8),
        ("A1", 9),
        ("A0", 10),
        ("B", 12),
        ("C1", 12),
    ];
    const KINDS: [&str; 4] = ["cong_chuc", "vien_chuc", "can_bo", "hop_dong"];
    let (scale, steps) = SCALES[(i % 8) as usize];
    let step = 1 + (i / 8) % steps;
    let mut v = json!({"staff_kind": KINDS[(i % 4) as usize], "scale": scale, "step": step, "dependants": i % 4});
    if i.is_multiple_of(5) {
        v["leadership_coefficient"] =
            json!(["0.20", "0.40", "0.60", "0.80", "1.00"][((i / 5) % 5) as usize]);
    }
    if step == steps && i.is_multiple_of(3) {
        v["last_step_since"] = json!("2018-01-01");
    }
    if i.is_multiple_of(7) {
        v["allowances"] = json!([{"name": "responsibility", "coefficient": "0.20"}]);
    }
    v
}

struct Timing {
    backend: &'static str,
    load_s: f64,
    payroll_s: f64,
    people: i64,
    peak_mib: Option<f64>,
}

async fn one_backend(
    backend: &'static str,
    url: String,
    opts: &BenchOptions,
    people: u64,
) -> anyhow::Result<Timing> {
    let dir = opts
        .work_dir
        .join(format!("hr-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let config = Config {
        data_dir: dir.clone(),
        database_url: url,
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
            code: "BENCH-HR".into(),
            name: "Sở Nội vụ (bench)".into(),
            country: "vn".into(),
        },
    )
    .await?;
    let load = Instant::now();
    load_people(&rt, office.id, people).await?;
    let load_s = load.elapsed().as_secs_f64();
    let hr = guichet_hr::Hr {
        store: guichet_hr::hr_store(&*rt.store)?,
        clock: &*rt.clock,
        entropy: &*rt.entropy,
    };
    let actor = Actor::named("bench");
    let start = Instant::now();
    let run = hr.compute_payroll(&actor, office.id, "2026-10").await?;
    let payroll_s = start.elapsed().as_secs_f64();
    let timing = Timing {
        backend,
        load_s,
        payroll_s,
        people: run.staff_count,
        peak_mib: peak_rss_mib(),
    };
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(timing)
}

async fn load_people(rt: &Runtime, office: OfficeId, people: u64) -> anyhow::Result<()> {
    let ids = IdGen {
        clock: &*rt.clock,
        entropy: &*rt.entropy,
    };
    let now = rt.clock.now();
    let mut batch = Vec::new();
    for i in 0..people {
        let staff = StaffRow {
            id: ids.id::<StaffId>(),
            office_id: office,
            user_id: None,
            number: format!("B-{i:07}"),
            family_name: "Nguyễn".into(),
            given_name: format!("Văn {i}"),
            birth_date: date!(1985 - 01 - 01),
            gender: if i % 2 == 0 { "f" } else { "m" }.into(),
            id_kind: "other".into(),
            id_number: String::new(),
            email: String::new(),
            phone: String::new(),
            education: String::new(),
            created_at: now,
        };
        let term = TermRow {
            id: ids.id::<TermId>(),
            staff_id: staff.id,
            office_id: office,
            kind: "pay".into(),
            valid_from: date!(2024 - 07 - 01),
            valid_to: None,
            unit_code: String::new(),
            position_code: String::new(),
            data: vn_situation(i),
            note: String::new(),
            created_at: now,
            created_by: None,
        };
        batch.push(StaffWrite {
            staff,
            terms: vec![term],
        });
        if batch.len() == 5000 || i + 1 == people {
            guichet_hr::hr_store(&*rt.store)?
                .add_staff(
                    std::mem::take(&mut batch),
                    &Audit {
                        at: now,
                        events: Vec::new(),
                    },
                )
                .await
                .context("loading bench staff")?;
        }
    }
    Ok(())
}

/// The pay computation alone, in memory: the same situations, no database.
fn compute_only(people: u64) -> anyhow::Result<(f64, i64)> {
    let params = guichet_pay::Parameters::builtin();
    let inputs: Vec<serde_json::Value> = (0..people).map(vn_situation).collect();
    let day = date!(2026 - 10 - 01);
    let start = Instant::now();
    let mut gross = 0;
    for data in &inputs {
        gross +=
            guichet_hr::service::compute_pay(guichet_core::Country::Vn, data, day, &params)?.gross;
    }
    Ok((start.elapsed().as_secs_f64(), gross))
}

pub async fn run(opts: BenchOptions, people: u64) -> anyhow::Result<String> {
    std::fs::create_dir_all(&opts.work_dir)?;
    let (compute_s, _) = compute_only(people)?;
    let mut results = Vec::new();
    let sqlite_url = format!(
        "sqlite:{}",
        opts.work_dir
            .join(format!("hr-{}.db", uuid::Uuid::now_v7().simple()))
            .display()
    );
    results.push(one_backend("SQLite", sqlite_url.clone(), &opts, people).await?);
    if let Some(path) = sqlite_url.strip_prefix("sqlite:") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    if let Some(admin) = &opts.postgres_url {
        let url =
            guichet_store_sql::testing::create_scratch_database(admin, "guichet_bench").await?;
        let result = one_backend("PostgreSQL", url.clone(), &opts, people).await;
        if let Err(e) = guichet_store_sql::testing::drop_scratch_database(admin, &url).await {
            eprintln!("bench: could not drop scratch database: {e}");
        }
        results.push(result?);
    }
    let mut out = format!(
        "## Payroll (issue 9)\n\n- {people} Vietnamese pay situations (8 scales, all steps, leadership, beyond-frame, allowances, dependants)\n- Pay computation alone, in memory, one core: **{:.2} s** ({:.1} µs per payslip)\n\n",
        compute_s,
        compute_s * 1e6 / people as f64
    );
    out.push_str("| backend | people paid | payroll run (read, compute, store) | goal < 5 s | loading the staff (setup) | peak memory of the process |\n|---|---|---|---|---|---|\n");
    for r in &results {
        out.push_str(&format!(
            "| {} | {} | **{:.2} s** | {} | {:.1} s | {} |\n",
            r.backend,
            r.people,
            r.payroll_s,
            if r.payroll_s < 5.0 { "met" } else { "not met" },
            r.load_s,
            r.peak_mib
                .map_or_else(|| "n/a".into(), |m| format!("{m:.0} MiB"))
        ));
    }
    Ok(out)
}
