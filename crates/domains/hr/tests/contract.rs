//! The HR slice's storage contract, run unchanged on SQLite and PostgreSQL: effective-dated
//! units and terms, all-or-nothing staff writes, payroll runs that lock, and its tables in the
//! backup (restored identically).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use guichet_core::{OfficeId, OrgUnitId, PayrollId, PositionId, StaffId, TermId, UserId};
use time::Date;
use time::macros::date;

use guichet_hr::store::{
    HrStore, OrgUnitRow, PayParamRow, PayrollRunRow, PayslipRow, PositionRow, StaffRow, StaffWrite,
    TermRow,
};
use guichet_identity::contract::{T0, created, office, uid, user};
use guichet_store::{PlatformStore, StoreError};

pub fn unit(
    n: u128,
    office: OfficeId,
    code: &str,
    parent: Option<&str>,
    from: Date,
    to: Option<Date>,
) -> OrgUnitRow {
    OrgUnitRow {
        id: OrgUnitId(uid(40_000 + n)),
        office_id: office,
        code: code.into(),
        name: format!("Phòng {code}"),
        parent_code: parent.map(Into::into),
        admin_unit_code: Some("01".into()),
        valid_from: from,
        valid_to: to,
        created_at: T0,
    }
}

pub fn person(n: u128, office: OfficeId, number: &str) -> StaffRow {
    StaffRow {
        id: StaffId(uid(41_000 + n)),
        office_id: office,
        user_id: None,
        number: number.into(),
        family_name: "Nguyễn".into(),
        given_name: format!("Văn {number}"),
        birth_date: date!(1985 - 04 - 30),
        gender: "m".into(),
        id_kind: "cccd".into(),
        id_number: "001085012345".into(),
        email: String::new(),
        phone: String::new(),
        education: "Cử nhân Luật".into(),
        created_at: T0,
    }
}

pub fn term(
    n: u128,
    s: &StaffRow,
    kind: &str,
    from: Date,
    to: Option<Date>,
    position: &str,
) -> TermRow {
    TermRow {
        id: TermId(uid(42_000 + n)),
        staff_id: s.id,
        office_id: s.office_id,
        kind: kind.into(),
        valid_from: from,
        valid_to: to,
        unit_code: "VP".into(),
        position_code: position.into(),
        data: serde_json::json!({"scale": "A1", "step": 3, "note": "bậc 3"}),
        note: String::new(),
        created_at: T0,
        created_by: None,
    }
}

/// Rows of every HR table, for the backup round trip.
pub async fn fill_hr(store: &dyn HrStore, office: OfficeId, user: UserId) {
    store
        .put_org_unit(
            &unit(1, office, "VP", None, date!(2020 - 01 - 01), None),
            &created("unit"),
        )
        .await
        .unwrap();
    store
        .put_position(&position(1, office, "CV-TH"), &created("position"))
        .await
        .unwrap();
    let mut p = person(1, office, "NV-001");
    p.user_id = Some(user);
    let t = term(1, &p, "assignment", date!(2020 - 01 - 01), None, "CV-TH");
    store
        .add_staff(
            vec![StaffWrite {
                staff: p.clone(),
                terms: vec![t],
            }],
            &created("staff"),
        )
        .await
        .unwrap();
    store
        .add_pay_parameter(
            &param(1, "vn_base_salary", date!(2026 - 07 - 01), 2_530_000),
            &created("param"),
        )
        .await
        .unwrap();
    let run = run(1, office, "2026-10");
    store
        .save_payroll(&run, vec![slip(&run, &p, 7_000_000)], &created("payroll"))
        .await
        .unwrap();
}

fn position(n: u128, office: OfficeId, code: &str) -> PositionRow {
    PositionRow {
        id: PositionId(uid(43_000 + n)),
        office_id: office,
        code: code.into(),
        title: "Chuyên viên tổng hợp".into(),
        category: "professional".into(),
        unit_code: "VP".into(),
        planned_posts: 3,
        competencies: "Soạn thảo văn bản".into(),
        training: "Bồi dưỡng ngạch chuyên viên".into(),
        position_pay: Some(9_000_000),
        created_at: T0,
    }
}

fn param(n: u128, name: &str, from: Date, value: i64) -> PayParamRow {
    PayParamRow {
        id: uid(44_000 + n),
        name: name.into(),
        valid_from: from,
        value,
        source: "Nghị định (test)".into(),
        created_at: T0,
        created_by: None,
    }
}

fn run(n: u128, office: OfficeId, month: &str) -> PayrollRunRow {
    PayrollRunRow {
        id: PayrollId(uid(45_000 + n)),
        office_id: office,
        month: month.into(),
        state: "computed".into(),
        currency: "VND".into(),
        staff_count: 1,
        gross: 7_000_000,
        net: 6_000_000,
        created_at: T0,
        created_by: None,
        locked_at: None,
        locked_by: None,
        sources: r#"{"salary":"Nghị định 204/2004/NĐ-CP"}"#.into(),
    }
}

fn slip(run: &PayrollRunRow, s: &StaffRow, gross: i64) -> PayslipRow {
    PayslipRow {
        run_id: run.id,
        staff_id: s.id,
        gross,
        net: gross - 1_000_000,
        breakdown: serde_json::json!({"gross": gross, "lines": []}).to_string(),
    }
}

/// Units and terms answer "as of a date" queries; exclusive terms never overlap; an import is
/// all or nothing; a pay parameter value is unique per date; a locked payroll never changes.
async fn hr_effective_dates_and_payroll(store: Arc<dyn HrStore>) {
    let o = office(1, "HN-SNV");
    store.create_office(&o, &created("office")).await.unwrap();
    // A unit renamed on 2025-07-01 (the two-level reform) keeps its code: two versions.
    store
        .put_org_unit(
            &unit(
                1,
                o.id,
                "TCCB",
                None,
                date!(2015 - 01 - 01),
                Some(date!(2025 - 07 - 01)),
            ),
            &created("u"),
        )
        .await
        .unwrap();
    let mut renamed = unit(2, o.id, "TCCB", None, date!(2025 - 07 - 01), None);
    renamed.name = "Phòng Tổ chức — Công chức".into();
    store.put_org_unit(&renamed, &created("u")).await.unwrap();
    let dup = unit(3, o.id, "TCCB", None, date!(2025 - 07 - 01), None);
    assert!(matches!(
        store.put_org_unit(&dup, &created("u")).await,
        Err(StoreError::Conflict(_))
    ));
    let units = store.org_units(o.id).await.unwrap();
    assert_eq!(units.len(), 2);
    let on = |d: Date| {
        units
            .iter()
            .find(|u| guichet_hr::store::in_effect(u.valid_from, u.valid_to, d))
            .map(|u| u.name.clone())
    };
    assert_eq!(on(date!(2025 - 06 - 30)).as_deref(), Some("Phòng TCCB"));
    assert_eq!(
        on(date!(2025 - 07 - 01)).as_deref(),
        Some("Phòng Tổ chức — Công chức")
    );

    store
        .put_position(&position(1, o.id, "TP"), &created("p"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .put_position(
                &PositionRow {
                    id: PositionId(uid(43_999)),
                    ..position(1, o.id, "TP")
                },
                &created("p")
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.positions(o.id).await.unwrap()[0].planned_posts, 3);

    // Two people: A was head of division until 2024-06-30, then B.
    let a = person(1, o.id, "NV-001");
    let b = person(2, o.id, "NV-002");
    let a_head = term(
        1,
        &a,
        "assignment",
        date!(2019 - 03 - 01),
        Some(date!(2024 - 07 - 01)),
        "TP",
    );
    let a_after = term(2, &a, "assignment", date!(2024 - 07 - 01), None, "CV");
    let b_head = term(3, &b, "assignment", date!(2024 - 07 - 01), None, "TP");
    let b_before = term(
        4,
        &b,
        "assignment",
        date!(2018 - 01 - 01),
        Some(date!(2024 - 07 - 01)),
        "CV",
    );
    let ledger_before = store.recent_entries(1000, 0).await.unwrap().len();
    // An import whose second person overlaps writes nothing at all.
    let c = person(3, o.id, "NV-003");
    let bad = vec![
        StaffWrite {
            staff: c.clone(),
            terms: vec![term(5, &c, "assignment", date!(2020 - 01 - 01), None, "CV")],
        },
        StaffWrite {
            staff: person(4, o.id, "NV-004"),
            terms: vec![
                term(
                    6,
                    &person(4, o.id, "NV-004"),
                    "pay",
                    date!(2020 - 01 - 01),
                    None,
                    "",
                ),
                term(
                    7,
                    &person(4, o.id, "NV-004"),
                    "pay",
                    date!(2023 - 01 - 01),
                    Some(date!(2024 - 01 - 01)),
                    "",
                ),
            ],
        },
    ];
    let err = store.add_staff(bad, &created("import")).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("overlap")),
        "{err}"
    );
    assert!(
        store.staff_list(o.id).await.unwrap().is_empty(),
        "nothing half-imported"
    );
    assert_eq!(
        store.recent_entries(1000, 0).await.unwrap().len(),
        ledger_before
    );
    // A duplicate staff number in the same file is refused as a whole too.
    let twice = vec![
        StaffWrite {
            staff: a.clone(),
            terms: vec![],
        },
        StaffWrite {
            staff: StaffRow {
                id: StaffId(uid(41_999)),
                ..a.clone()
            },
            terms: vec![],
        },
    ];
    assert!(matches!(
        store.add_staff(twice, &created("import")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.staff_list(o.id).await.unwrap().is_empty());

    store
        .add_staff(
            vec![
                StaffWrite {
                    staff: a.clone(),
                    terms: vec![a_head.clone(), a_after.clone()],
                },
                StaffWrite {
                    staff: b.clone(),
                    terms: vec![b_before, b_head],
                },
            ],
            &created("import"),
        )
        .await
        .unwrap();
    let holder = |d: Date| {
        let store = store.clone();
        async move {
            let mut who: Vec<(StaffId, String)> = store
                .terms_on(o.id, "assignment", d)
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.staff_id, t.position_code))
                .collect();
            who.sort();
            who
        }
    };
    assert_eq!(
        holder(date!(2024 - 05 - 01)).await,
        vec![(a.id, "TP".into()), (b.id, "CV".into())]
    );
    assert_eq!(
        holder(date!(2024 - 06 - 30)).await,
        vec![(a.id, "TP".into()), (b.id, "CV".into())]
    );
    assert_eq!(
        holder(date!(2024 - 07 - 01)).await,
        vec![(a.id, "CV".into()), (b.id, "TP".into())]
    );
    assert_eq!(holder(date!(2017 - 12 - 31)).await, vec![]);
    assert_eq!(
        holder(date!(2018 - 01 - 01)).await,
        vec![(b.id, "CV".into())]
    );

    // A new term that overlaps an open one is refused; ending the old one in the same write works.
    let a_new = term(8, &a, "assignment", date!(2026 - 01 - 01), None, "PP");
    let err = store
        .put_terms(vec![a_new.clone()], &created("t"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    assert_eq!(
        store.staff_terms(a.id).await.unwrap().len(),
        2,
        "the refused term was not kept"
    );
    let mut a_end = a_after.clone();
    a_end.valid_to = Some(date!(2026 - 01 - 01));
    store
        .put_terms(vec![a_end, a_new], &created("t"))
        .await
        .unwrap();
    assert_eq!(holder(date!(2026 - 01 - 01)).await[0], (a.id, "PP".into()));
    // Events (evaluations, rewards) may overlap freely.
    store
        .put_terms(
            vec![
                term(9, &a, "evaluation", date!(2025 - 12 - 15), None, ""),
                term(10, &a, "reward", date!(2025 - 12 - 15), None, ""),
            ],
            &created("t"),
        )
        .await
        .unwrap();
    assert_eq!(store.staff_terms(a.id).await.unwrap().len(), 5);
    assert_eq!(
        store.staff_member(b.id).await.unwrap().unwrap().number,
        "NV-002"
    );

    // Pay parameters: unique per name and date.
    store
        .add_pay_parameter(
            &param(1, "vn_base_salary", date!(2026 - 07 - 01), 2_530_000),
            &created("pp"),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_pay_parameter(
                &param(2, "vn_base_salary", date!(2026 - 07 - 01), 2_600_000),
                &created("pp")
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.pay_parameters().await.unwrap().len(), 1);

    // Payroll: recomputing replaces, locking freezes.
    let r1 = run(1, o.id, "2026-10");
    let saved = store
        .save_payroll(
            &r1,
            vec![slip(&r1, &a, 8_000_000), slip(&r1, &b, 9_000_000)],
            &created("pay"),
        )
        .await
        .unwrap();
    assert_eq!(saved.id, r1.id);
    let again = PayrollRunRow {
        id: PayrollId(uid(45_100)),
        gross: 1,
        ..r1.clone()
    };
    let saved = store
        .save_payroll(&again, vec![slip(&again, &a, 8_100_000)], &created("pay"))
        .await
        .unwrap();
    assert_eq!(saved.id, r1.id, "one run per office and month");
    let slips = store.payslips(r1.id).await.unwrap();
    assert_eq!(slips.len(), 1);
    assert_eq!(slips[0].gross, 8_100_000);
    assert_eq!(slips[0].breakdown, r#"{"gross":8100000,"lines":[]}"#);
    store
        .lock_payroll(r1.id, T0, None, &created("lock"))
        .await
        .unwrap();
    assert!(matches!(
        store.lock_payroll(r1.id, T0, None, &created("lock")).await,
        Err(StoreError::Stale(_))
    ));
    assert!(matches!(
        store.save_payroll(&again, vec![], &created("pay")).await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(
        store.payslips(r1.id).await.unwrap().len(),
        1,
        "a locked month keeps its payslips"
    );
    let runs = store.payroll_runs(o.id).await.unwrap();
    assert_eq!(
        (runs.len(), runs[0].state.as_str(), runs[0].gross),
        (1, "locked", 1)
    );
    assert_eq!(
        store.payroll_run(r1.id).await.unwrap().unwrap().month,
        "2026-10"
    );
    let r2 = PayrollRunRow {
        id: PayrollId(uid(45_002)),
        month: "2026-11".into(),
        ..r1.clone()
    };
    store
        .save_payroll(&r2, vec![slip(&r2, &a, 8_200_000)], &created("pay"))
        .await
        .unwrap();
    let mine: Vec<(String, i64)> = store
        .payslips_of(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(r, s)| (r.month, s.gross))
        .collect();
    assert_eq!(
        mine,
        vec![
            ("2026-11".to_owned(), 8_200_000),
            ("2026-10".to_owned(), 8_100_000)
        ]
    );
    assert!(
        store.payslips_of(b.id).await.unwrap().is_empty(),
        "b was recomputed out of October"
    );

    // A person linked to an account finds their record.
    let u = user(7, "an", vec![]);
    store.create_user(&u, &created("user")).await.unwrap();
    let mut d = person(9, o.id, "NV-009");
    d.user_id = Some(u.id);
    store
        .add_staff(
            vec![StaffWrite {
                staff: d.clone(),
                terms: vec![],
            }],
            &created("s"),
        )
        .await
        .unwrap();
    assert_eq!(store.staff_of_user(u.id).await.unwrap(), vec![d]);
}

type Both = (Arc<dyn guichet_identity::IdentityStore>, Arc<dyn HrStore>);

async fn sqlite() -> Both {
    let dir = std::env::temp_dir()
        .join("guichet-tests")
        .join(uuid::Uuid::now_v7().to_string());
    let store = Arc::new(
        guichet_store_sql::SqliteStore::open(&dir.join("g.db"), Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[&guichet_identity::MIGRATIONS, &guichet_hr::MIGRATIONS]),
    );
    store.migrate().await.unwrap();
    (store.clone(), store)
}

async fn postgres() -> Option<Both> {
    let url = guichet_store_sql::testing::postgres_for_tests().await?;
    let store = Arc::new(
        guichet_store_sql::PostgresStore::connect(&url, Arc::new(guichet_core::OsEntropy))
            .await
            .unwrap()
            .with_slices(&[&guichet_identity::MIGRATIONS, &guichet_hr::MIGRATIONS]),
    );
    store.migrate().await.unwrap();
    Some((store.clone(), store))
}

/// Every HR table is in the store's table list, and a backup of a filled store restores into
/// an empty one identically.
async fn tables_are_backed_up((source, hr): Both, (target, _): Both) {
    let in_db: std::collections::BTreeSet<String> =
        source.data_tables().await.unwrap().into_iter().collect();
    let described: std::collections::BTreeSet<String> =
        source.tables().iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(in_db, described);
    for t in guichet_hr::store::TABLES {
        assert!(described.contains(t.name), "{} not in the backup", t.name);
    }
    let a = office(1, "HN-SNV");
    source.create_office(&a, &created("office")).await.unwrap();
    let u = user(1, "lan", vec![]);
    source.create_user(&u, &created("user")).await.unwrap();
    fill_hr(&*hr, a.id, u.id).await;
    let mut archive = Vec::new();
    guichet_store::backup::write_backup(&*source, &mut archive, T0, vec![])
        .await
        .unwrap();
    let checked = guichet_store::backup::read_backup(archive.as_slice(), &source.tables()).unwrap();
    guichet_store::backup::restore(&*target, &checked)
        .await
        .unwrap();
    assert_eq!(
        guichet_identity::contract::dump(&*source).await,
        guichet_identity::contract::dump(&*target).await
    );
    let payslips = guichet_identity::contract::dump(&*target)
        .await
        .into_iter()
        .find(|(name, _)| name == "payslips")
        .unwrap();
    assert!(payslips.1.contains("7000000"), "{}", payslips.1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn effective_dates_and_payroll_on_sqlite() {
    hr_effective_dates_and_payroll(sqlite().await.1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn effective_dates_and_payroll_on_postgres() {
    if let Some((_, hr)) = postgres().await {
        hr_effective_dates_and_payroll(hr).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_are_backed_up_on_sqlite() {
    tables_are_backed_up(sqlite().await, sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_are_backed_up_on_postgres() {
    if let (Some(a), Some(b)) = (postgres().await, postgres().await) {
        tables_are_backed_up(a, b).await;
    }
}
