//! Records and archives end to end, on SQLite and PostgreSQL: the demo's registers, file plan,
//! disposition run with a hold and exported packages (checked by bagit-python and xmllint);
//! registration over HTTP with gap-free numbers and refusals that store nothing; dossier
//! documents captured; fixity repair after a copy is corrupted or deleted; a hold placed after
//! approval still blocks destruction; packages round-trip into another instance; search is
//! accent-insensitive and scoped to the reader's offices.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Db, TestApp};
use guichet_records::service::{PackageFormat, Records};
use guichet_records::store::{RecordQuery, RecordRow};
use reqwest::multipart::{Form, Part};

on_both_backends!(
    demo_shows_registers_plan_disposition_with_hold_and_exports,
    registration_numbers_and_refusals,
    fixity_repairs_a_corrupted_and_a_deleted_copy,
    a_hold_placed_after_approval_still_blocks_destruction,
    packages_round_trip_into_another_instance,
    search_is_accent_insensitive_and_scoped,
    secrecy_levels_are_read_only_with_a_clearance,
);

/// A tool of the archive test kit (scripts/setup), or `None` (skipped) outside CI.
fn tool(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let found = [
        home.join(".cache/guichet-reference/archive-tools/bin")
            .join(name),
        PathBuf::from("/usr/bin").join(name),
    ]
    .into_iter()
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing: run scripts/setup"
        );
        eprintln!("skipped: {name} is missing (run scripts/setup)");
    }
    found
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../pure/records-formats/tests/fixtures")
}

fn bagit_py_validates(bag: &Path) -> bool {
    let Some(bagit) = tool("bagit.py") else {
        return true;
    };
    let out = Command::new(bagit)
        .arg("--validate")
        .arg(bag)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!("bagit.py: {}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

fn seda_validates(manifest: &Path) -> bool {
    let Some(xmllint) = tool("xmllint") else {
        return true;
    };
    let out = Command::new(xmllint)
        .env("XML_CATALOG_FILES", fixtures().join("catalog.xml"))
        .args(["--noout", "--nonet", "--schema"])
        .arg(fixtures().join("seda-2.2/seda-2.2-main.xsd"))
        .arg(manifest)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!("xmllint: {}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

struct Parts {
    files: guichet_one_stop::files::Files,
    archive: guichet_records::service::ArchiveStorage,
    search: Option<std::sync::Arc<guichet_records_formats::search::SearchIndex>>,
}

async fn parts(app: &TestApp) -> Parts {
    Parts {
        files: app.rt.files(),
        archive: app.rt.archive().unwrap(),
        search: app.rt.search().await,
    }
}

fn records<'a>(app: &'a TestApp, p: &'a Parts) -> Records<'a> {
    Records {
        store: guichet_records::records_store(&*app.rt.store).unwrap(),
        clock: &*app.rt.clock,
        entropy: &*app.rt.entropy,
        archive: &p.archive,
        files: &p.files,
        index: p.search.as_deref(),
    }
}

async fn office(app: &TestApp, code: &str) -> guichet_store::Office {
    app.rt.identity.office_by_code(code).await.unwrap().unwrap()
}

async fn all_records(app: &TestApp, code: &str) -> Vec<RecordRow> {
    let o = office(app, code).await;
    guichet_records::records_store(&*app.rt.store)
        .unwrap()
        .records(&RecordQuery {
            office: Some(o.id),
            limit: 10_000,
            ..RecordQuery::default()
        })
        .await
        .unwrap()
}

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn demo_shows_registers_plan_disposition_with_hold_and_exports(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let admin = app.client_as("minh.tran").await;
    // Registers: outgoing numbers of this year start at 01, incoming carry the sender's reference.
    let (status, html) = page(&admin, &app, "/records?office=HN-HOANKIEM").await;
    assert_eq!(status, 200);
    assert!(html.contains("01/QĐ-UBND"), "outgoing register");
    let (_, html) = page(
        &admin,
        &app,
        "/records?office=HN-HOANKIEM&register=incoming",
    )
    .await;
    assert!(html.contains("245/SNV-CCHC"), "incoming register");
    // File plan: classes with retention and files.
    let (status, html) = page(&admin, &app, "/records/plan?office=HN-HOANKIEM").await;
    assert_eq!(status, 200);
    for text in ["02.05", "03.02", "Permanent", "10 years", "2015"] {
        assert!(html.contains(text), "plan shows {text}");
    }
    // The disposition run: executed, the held letter kept, the others tombstones.
    let rows = all_records(&app, "HN-HOANKIEM").await;
    let destroyed: Vec<&RecordRow> = rows.iter().filter(|r| r.state == "destroyed").collect();
    assert_eq!(destroyed.len(), 3, "two letters and a reviewed report");
    for r in &destroyed {
        assert!(r.storage_key.is_none() && r.text.is_empty() && r.sha256.is_some());
        assert!(r.disposition_id.is_some());
    }
    let held = rows
        .iter()
        .find(|r| r.title.contains("khiếu nại"))
        .expect("the held letter");
    assert_eq!(held.state, "active");
    let o = office(&app, "HN-HOANKIEM").await;
    let runs = guichet_records::records_store(&*app.rt.store)
        .unwrap()
        .dispositions(o.id)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].state, "executed");
    let items = runs[0].items.as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["outcome"] == "held" && i["record"] == held.id.to_string())
    );
    let certificate = guichet_records::records_store(&*app.rt.store)
        .unwrap()
        .record_row(runs[0].certificate_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(certificate.doc_type, "destruction_certificate");
    assert!(certificate.due_on.is_none(), "the certificate is kept");
    let (_, html) = page(
        &admin,
        &app,
        &format!("/records/disposition/{}", runs[0].id),
    )
    .await;
    assert!(html.contains("Kept by a hold"));
    // The 30-day warning.
    let (_, html) = page(&admin, &app, "/records/disposition?office=HN-HOANKIEM").await;
    assert!(html.contains("become due within 30 days"), "warning shown");
    assert!(
        app.recent_actions(500)
            .await
            .contains(&"records.due_warning".to_owned())
    );
    // Dossier documents were captured into the dossier's archival file.
    assert!(
        rows.iter()
            .any(|r| r.source == "file" && r.doc_type == "receipt" && r.file_id.is_some())
    );
    assert!(
        rows.iter()
            .any(|r| r.source == "file" && r.doc_type == "upload")
    );
    // The exports: a BagIt bag and a SEDA transfer, valid for independent tools.
    let exports = app.dir.path().join("archive-exports");
    let bag = exports.join("HN-HOANKIEM-bagit");
    assert!(
        guichet_records_formats::bagit::validate(&bag, 2)
            .unwrap()
            .is_valid()
    );
    assert!(bagit_py_validates(&bag), "bagit.py accepts the demo bag");
    assert!(
        seda_validates(&exports.join("FR-PREF-33-seda/manifest.xml")),
        "the SEDA transfer validates"
    );
    // The records page of a destroyed record is a tombstone without download.
    let (status, html) = page(&admin, &app, &format!("/records/r/{}", destroyed[0].id)).await;
    assert_eq!(status, 200);
    assert!(html.contains("was destroyed"));
    let r = admin
        .get(app.url(&format!("/records/r/{}/content", destroyed[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Another office's agent, a citizen and a visitor cannot read these records.
    let other = app.client_as("hoa.le").await;
    let r = other
        .get(app.url(&format!("/records/r/{}", held.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let citizen = app.client_as("thu.pham").await;
    assert_eq!(
        citizen
            .get(app.url("/records"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        crate::support::client()
            .get(app.url("/records"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

fn registration_form(csrf: &str, register: &str, original_ref: &str, title: &str) -> Form {
    registration_from(csrf, register, original_ref, title, "Sở Tư pháp Hà Nội")
}

fn registration_from(
    csrf: &str,
    register: &str,
    original_ref: &str,
    title: &str,
    issuer: &str,
) -> Form {
    Form::new()
        .text("csrf", csrf.to_owned())
        .text("office", "HN-HOANKIEM")
        .text("register", register.to_owned())
        .text("doc_type", "cong_van")
        .text("title", title.to_owned())
        .text("original_ref", original_ref.to_owned())
        .text("issuer", issuer.to_owned())
        .text("signer", "Ngô Văn Tư")
        .text("recipients", "UBND phường")
        .text("urgency", "khan")
        .text("confidentiality", "normal")
}

async fn registration_numbers_and_refusals(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let agent = app.client_as("lan.nguyen").await;
    let (_, html) = page(&agent, &app, "/records?office=HN-HOANKIEM").await;
    let csrf = crate::support::csrf_of(&html);
    let before = all_records(&app, "HN-HOANKIEM").await;
    let max_out = |rows: &[RecordRow]| {
        rows.iter()
            .filter(|r| {
                r.register.as_deref() == Some("outgoing")
                    && r.year == Some(i64::from(time::OffsetDateTime::now_utc().year()))
            })
            .filter_map(|r| r.number)
            .max()
            .unwrap_or(0)
    };
    let first = max_out(&before);
    // A file whose declared SHA-256 differs is refused; nothing is stored, no number taken.
    let body = b"Noi dung cong van".to_vec();
    let form = registration_form(&csrf, "outgoing", "", "V/v kiểm tra")
        .text("sha256", "00".repeat(32))
        .part("content", Part::bytes(body.clone()).file_name("cv.txt"));
    let r = agent
        .post(app.url("/records/register"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("does not match the declared SHA-256")
    );
    assert_eq!(all_records(&app, "HN-HOANKIEM").await.len(), before.len());
    // A good one, with an attachment, gets the next number.
    let form = registration_form(&csrf, "outgoing", "", "V/v kiểm tra hồ sơ lưu trữ")
        .text(
            "sha256",
            guichet_records_formats::hashing::sha256_bytes(&body),
        )
        .part("content", Part::bytes(body.clone()).file_name("cv.txt"))
        .part(
            "attachments",
            Part::bytes(b"phu luc".to_vec()).file_name("phu-luc.txt"),
        );
    let r = agent
        .post(app.url("/records/register"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let after = all_records(&app, "HN-HOANKIEM").await;
    assert_eq!(
        after.len(),
        before.len() + 2,
        "the document and its attachment"
    );
    assert_eq!(
        max_out(&after),
        first + 1,
        "gap-free: the refused one took no number"
    );
    let new = after
        .iter()
        .find(|r| r.number == Some(first + 1) && r.register.as_deref() == Some("outgoing"))
        .unwrap();
    assert_eq!(new.symbol, "UBND");
    let attachment = after.iter().find(|r| r.parent_id == Some(new.id)).unwrap();
    assert_eq!(attachment.name.as_deref(), Some("phu-luc.txt"));
    // Both copies hold the content.
    let p = parts(&app).await;
    let states = p
        .archive
        .check(
            new.storage_key.as_ref().unwrap(),
            new.sha256.as_ref().unwrap(),
        )
        .await;
    assert_eq!(states, vec![guichet_records::service::CopyState::Ok; 2]);
    // The same incoming document twice is refused.
    let form = registration_from(
        &csrf,
        "incoming",
        "245/SNV-CCHC",
        "Trùng",
        "Sở Nội vụ Thành phố Hà Nội",
    );
    let r = agent
        .post(app.url("/records/register"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already registered"));
    // An incoming document without its sender's reference, or without a summary, is refused.
    let r = agent
        .post(app.url("/records/register"))
        .multipart(registration_form(&csrf, "incoming", "", "Thiếu số"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = agent
        .post(app.url("/records/register"))
        .multipart(registration_form(&csrf, "outgoing", "", " "))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Concurrent registrations through the service: gap-free numbers.
    let o = office(&app, "HN-HOANKIEM").await;
    let mut tasks = Vec::new();
    for n in 0..12 {
        let (rt_store, clock, entropy) = (
            app.rt.store.clone(),
            app.rt.clock.clone(),
            app.rt.entropy.clone(),
        );
        let (files, archive) = (p.files.clone(), p.archive.clone());
        let o = o.clone();
        tasks.push(tokio::spawn(async move {
            let r = Records {
                store: guichet_records::records_store(&*rt_store).unwrap(),
                clock: &*clock,
                entropy: &*entropy,
                archive: &archive,
                files: &files,
                index: None,
            };
            let input = guichet_records::service::Registration {
                register: "outgoing".into(),
                doc_type: "thong_bao".into(),
                title: format!("Thông báo số {n}"),
                urgency: "normal".into(),
                confidentiality: "normal".into(),
                ..Default::default()
            };
            r.register(
                &o,
                &guichet_one_stop::dossier::Actor {
                    id: None,
                    name: "t".into(),
                },
                input,
            )
            .await
            .unwrap()
            .number
            .unwrap()
        }));
    }
    let mut got: Vec<i64> = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort();
    assert_eq!(got, ((first + 2)..(first + 14)).collect::<Vec<_>>());
    // A class whose retention counts from the document's date schedules a record at once.
    let r = Records {
        store: guichet_records::records_store(&*app.rt.store).unwrap(),
        clock: &*app.rt.clock,
        entropy: &*app.rt.entropy,
        archive: &p.archive,
        files: &p.files,
        index: None,
    };
    let who = guichet_one_stop::dossier::Actor {
        id: None,
        name: "t".into(),
    };
    let class = r
        .put_class(
            &o,
            &who,
            None,
            "05.01",
            "Giấy mời họp",
            Some(3),
            "destroy",
            "record_date",
            "demo",
            false,
        )
        .await
        .unwrap();
    let file = r
        .open_file(&o, &who, class.id, "Giấy mời 2020", None)
        .await
        .unwrap();
    let old = time::macros::date!(2020 - 03 - 10);
    let invite = r
        .register(
            &o,
            &who,
            guichet_records::service::Registration {
                register: "incoming".into(),
                doc_type: "giay_moi".into(),
                original_ref: "5/GM-UBND".into(),
                title: "Giấy mời họp giao ban".into(),
                doc_date: Some(old),
                issuer: "UBND quận".into(),
                urgency: "normal".into(),
                confidentiality: "normal".into(),
                file_id: Some(file.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(invite.due_on, Some(time::macros::date!(2023 - 03 - 10)));
    // Another office's agent and a citizen may not register here.
    let other = app.client_as("hoa.le").await;
    let (_, html) = page(&other, &app, "/records").await;
    let r = other
        .post(app.url("/records/register"))
        .multipart(registration_form(
            &crate::support::csrf_of(&html),
            "outgoing",
            "",
            "x",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn fixity_repairs_a_corrupted_and_a_deleted_copy(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let p = parts(&app).await;
    let r = records(&app, &p);
    let clean = r.fixity_audit(false, &|_, _| {}).await.unwrap();
    assert!(clean.objects > 10);
    assert_eq!((clean.failed, clean.repaired), (0, 0));
    let rows: Vec<RecordRow> = all_records(&app, "HN-HOANKIEM")
        .await
        .into_iter()
        .filter(|r| r.storage_key.is_some())
        .collect();
    let (a, b, c) = (&rows[0], &rows[1], &rows[2]);
    let path = |copy: usize, r: &RecordRow| {
        p.archive
            .local_path(copy, r.storage_key.as_ref().unwrap())
            .unwrap()
    };
    // Copy A of one record corrupted, copy B of another deleted.
    std::fs::write(path(0, a), b"bit rot").unwrap();
    std::fs::remove_file(path(1, b)).unwrap();
    let found = r.fixity_audit(false, &|_, _| {}).await.unwrap();
    assert_eq!((found.failed, found.repaired), (2, 0));
    let problems = found.report.as_array().unwrap();
    assert!(problems.iter().any(|x| x["record"] == a.id.to_string()
        && x["problem"] == "altered"
        && x["copy"] == "copy-a"));
    assert!(problems.iter().any(|x| x["record"] == b.id.to_string()
        && x["problem"] == "missing"
        && x["copy"] == "copy-b"));
    // Reads still serve the intact copy.
    let bytes = p
        .archive
        .get(a.storage_key.as_ref().unwrap(), a.sha256.as_ref().unwrap())
        .await
        .unwrap();
    assert_eq!(
        guichet_records_formats::hashing::sha256_bytes(&bytes),
        *a.sha256.as_ref().unwrap()
    );
    // Repair, then everything is intact again, on disk too.
    let repaired = r.fixity_audit(true, &|_, _| {}).await.unwrap();
    assert_eq!((repaired.failed, repaired.repaired), (0, 2));
    for (copy, rec) in [(0, a), (1, b)] {
        let (sha, _) = guichet_records_formats::hashing::sha256_file(&path(copy, rec)).unwrap();
        assert_eq!(Some(sha), rec.sha256.clone());
    }
    assert_eq!(r.fixity_audit(false, &|_, _| {}).await.unwrap().failed, 0);
    // Both copies damaged: reported as lost, never "repaired" from a bad copy.
    std::fs::write(path(0, c), b"x").unwrap();
    std::fs::write(path(1, c), b"y").unwrap();
    let lost = r.fixity_audit(true, &|_, _| {}).await.unwrap();
    assert_eq!((lost.failed, lost.repaired), (2, 0));
    assert!(
        lost.report
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["action"] == "lost")
    );
    // Every run is in the ledger, and the ledger verifies.
    let actions = app.recent_actions(50).await;
    assert!(actions.iter().filter(|a| *a == "fixity.audited").count() >= 5);
    let out = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args([
            "--data-dir",
            app.dir.path().to_str().unwrap(),
            "--database-url",
            &app.rt.config.database_url,
            "verify",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The CLI exits non-zero while a failure remains; the page lets the auditor check but
    // not repair.
    let out = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args([
            "--data-dir",
            app.dir.path().to_str().unwrap(),
            "--database-url",
            &app.rt.config.database_url,
            "archive",
            "fixity",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let auditor = app.client_as("kiem.tran").await;
    let (status, html) = page(&auditor, &app, "/records/fixity").await;
    assert_eq!(status, 200);
    assert!(html.contains("copy-a"));
    let csrf = crate::support::csrf_of(&html);
    let r = auditor
        .post(app.url("/records/fixity"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = auditor
        .post(app.url("/records/fixity"))
        .form(&[("csrf", csrf.as_str()), ("repair", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

async fn a_hold_placed_after_approval_still_blocks_destruction(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let admin = app.client_as("minh.tran").await;
    let agent = app.client_as("lan.nguyen").await;
    let o = office(&app, "HN-HOANKIEM").await;
    let hold = guichet_records::records_store(&*app.rt.store)
        .unwrap()
        .holds(o.id)
        .await
        .unwrap()
        .remove(0);
    let held = hold.record_id.unwrap();
    // Release the demo hold: the letter becomes destroyable.
    let (_, html) = page(&admin, &app, "/records/disposition?office=HN-HOANKIEM").await;
    let csrf = crate::support::csrf_of(&html);
    let r = admin
        .post(app.url(&format!("/records/holds/{}/release", hold.id)))
        .form(&[
            ("csrf", csrf.as_str()),
            ("office", "HN-HOANKIEM"),
            ("reason", "Đã giải quyết xong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The records officer proposes; she may not approve.
    let (_, html) = page(&agent, &app, "/records/disposition?office=HN-HOANKIEM").await;
    let acsrf = crate::support::csrf_of(&html);
    let r = agent
        .post(app.url("/records/disposition"))
        .form(&[("csrf", acsrf.as_str()), ("office", "HN-HOANKIEM")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let run = r.headers()["location"].to_str().unwrap().to_owned();
    let r = agent
        .post(app.url(&format!("{run}/decide")))
        .form(&[("csrf", acsrf.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The head approves, then a new hold arrives before execution.
    let r = admin
        .post(app.url(&format!("{run}/decide")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("decision", "approve"),
            ("note", "OK"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = admin
        .post(app.url(&format!("/records/r/{held}/hold")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("scope", "file"),
            ("reason", "Thanh tra mở lại vụ việc"),
            ("legal_reference", "Luật Thanh tra 2022"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = admin
        .post(app.url(&format!("{run}/execute")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let record = guichet_records::records_store(&*app.rt.store)
        .unwrap()
        .record_row(held)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, "active", "the hold on its file kept it");
    let p = parts(&app).await;
    assert_eq!(
        p.archive
            .check(
                record.storage_key.as_ref().unwrap(),
                record.sha256.as_ref().unwrap()
            )
            .await,
        vec![guichet_records::service::CopyState::Ok; 2]
    );
    let (_, html) = page(&admin, &app, &run).await;
    assert!(html.contains("Kept by a hold") && html.contains("Executed"));
    // A run the head proposed himself needs another person's approval.
    let p = parts(&app).await;
    let r = records(&app, &p);
    let me = guichet_one_stop::dossier::Actor {
        id: app
            .rt
            .identity
            .user_by_username("minh.tran")
            .await
            .unwrap()
            .map(|u| u.id),
        name: "Minh".into(),
    };
    let own = r.propose_disposition(&o, &me, None).await.unwrap();
    let err = r
        .decide_disposition(&o, &me, own.id, true, &[], "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another person"), "{err}");
    // Four eyes hold for actors without an account too (the command line, a script): such an
    // actor decides nothing, not even a run another nameless actor proposed.
    let script = guichet_one_stop::dossier::Actor::named("cli");
    let err = r
        .decide_disposition(&o, &script, own.id, true, &[], "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("person with an account"), "{err}");
    let err = r
        .decide_disposition(&o, &me, own.id, false, &[], "no")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another person"), "{err}");
    let run_row = r.store.disposition(own.id).await.unwrap().unwrap();
    assert_eq!(run_row.state, "proposed", "nothing was decided");
}

async fn packages_round_trip_into_another_instance(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let p = parts(&app).await;
    let r = records(&app, &p);
    let o = office(&app, "HN-HOANKIEM").await;
    let actor = guichet_one_stop::dossier::Actor {
        id: None,
        name: "test".into(),
    };
    let agency = guichet_records_formats::package::Agency {
        identifier: "LTLS-HN".into(),
        name: "Lưu trữ lịch sử".into(),
    };
    let out = tempfile::tempdir().unwrap();
    let source: Vec<RecordRow> = all_records(&app, "HN-HOANKIEM")
        .await
        .into_iter()
        .filter(|r| r.state == "active")
        .collect();
    for (format, name) in [
        (PackageFormat::Bagit, "bag"),
        (PackageFormat::Seda, "seda"),
        (PackageFormat::Eark, "eark"),
    ] {
        let (dir, n) = r
            .export(
                &o,
                &actor,
                format,
                &[],
                agency.clone(),
                &out.path().join(name),
            )
            .await
            .unwrap();
        assert_eq!(n, source.len());
        match format {
            PackageFormat::Bagit => assert!(bagit_py_validates(&dir)),
            PackageFormat::Seda => assert!(seda_validates(&dir.join("manifest.xml"))),
            PackageFormat::Eark => assert_eq!(
                guichet_records_formats::eark::check(&dir).unwrap(),
                Vec::<String>::new()
            ),
        }
        // Into a fresh instance that has the office and nothing else.
        let (other, _keep) = empty_instance(db).await;
        let q = Parts {
            files: other.files(),
            archive: other.archive().unwrap(),
            search: other.search().await,
        };
        let target = Records {
            store: guichet_records::records_store(&*other.store).unwrap(),
            clock: &*other.clock,
            entropy: &*other.entropy,
            archive: &q.archive,
            files: &q.files,
            index: q.search.as_deref(),
        };
        let first = target.import(&actor, format, &dir).await.unwrap();
        assert_eq!((first.records, first.already_present), (n, 0));
        let again = target.import(&actor, format, &dir).await.unwrap();
        assert_eq!((again.records, again.already_present), (0, n));
        for s in &source {
            let t = guichet_records::records_store(&*other.store)
                .unwrap()
                .record_row(s.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (
                    &t.title,
                    &t.number,
                    &t.year,
                    &t.symbol,
                    &t.sha256,
                    t.doc_date,
                    &t.register,
                    &t.urgency,
                    &t.parent_id
                ),
                (
                    &s.title,
                    &s.number,
                    &s.year,
                    &s.symbol,
                    &s.sha256,
                    s.doc_date,
                    &s.register,
                    &s.urgency,
                    &s.parent_id
                )
            );
            assert_eq!(t.file_id.is_some(), s.file_id.is_some());
            if let (Some(key), Some(sha)) = (&t.storage_key, &t.sha256) {
                assert_eq!(
                    q.archive.check(key, sha).await,
                    vec![guichet_records::service::CopyState::Ok; 2]
                );
            }
        }
        let classes = guichet_records::records_store(&*other.store)
            .unwrap()
            .record_classes(
                other
                    .identity
                    .office_by_code("HN-HOANKIEM")
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            )
            .await
            .unwrap();
        assert!(
            classes
                .iter()
                .any(|c| c.code == "03.02" && c.retention_years == Some(5))
        );
    }
    // Into an instance whose register already used those numbers (its own demo, loaded anew:
    // other record ids, the same numbers): refused, nothing imported.
    let other = crate::support::spawn_app_loading_demo(db).await.unwrap();
    let before = guichet_records::records_store(&*other.rt.store)
        .unwrap()
        .count_records(None)
        .await
        .unwrap();
    let q = parts(&other).await;
    let err = records(&other, &q)
        .import(&actor, PackageFormat::Bagit, &out.path().join("bag"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("nothing was imported"), "{err}");
    assert_eq!(
        guichet_records::records_store(&*other.rt.store)
            .unwrap()
            .count_records(None)
            .await
            .unwrap(),
        before
    );
    // A tampered bag is refused and nothing is imported.
    let bag = out.path().join("bag");
    let victim = std::fs::read_dir(bag.join("data/content"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let file = std::fs::read_dir(&victim)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&file, b"tampered").unwrap();
    let (other, _keep) = empty_instance(db).await;
    let q = Parts {
        files: other.files(),
        archive: other.archive().unwrap(),
        search: None,
    };
    let target = Records {
        store: guichet_records::records_store(&*other.store).unwrap(),
        clock: &*other.clock,
        entropy: &*other.entropy,
        archive: &q.archive,
        files: &q.files,
        index: None,
    };
    let err = target
        .import(&actor, PackageFormat::Bagit, &bag)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("SHA-256") || err.to_string().contains("not valid"),
        "{err}"
    );
    assert_eq!(
        guichet_records::records_store(&*other.store)
            .unwrap()
            .count_records(None)
            .await
            .unwrap(),
        0
    );
}

/// An instance with only the office HN-HOANKIEM.
async fn empty_instance(db: Db) -> (guichet::Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::fresh_url(db, dir.path()).await.unwrap();
    let config = guichet::Config {
        data_dir: dir.path().to_owned(),
        database_url: url,
        ..guichet::Config::default()
    };
    let rt = guichet::Runtime::open(config).await.unwrap();
    guichet_identity::offices::create_office(
        &*rt.identity,
        &*rt.clock,
        &*rt.entropy,
        "test",
        guichet_identity::offices::NewOffice {
            code: "HN-HOANKIEM".into(),
            name: "UBND phường Hoàn Kiếm".into(),
            country: "vn".into(),
        },
    )
    .await
    .unwrap();
    (rt, dir)
}

async fn search_is_accent_insensitive_and_scoped(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let admin = app.client_as("minh.tran").await;
    let (status, html) = page(&admin, &app, "/records?office=HN-HOANKIEM&q=so+hoa+ho+so").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("số hóa hồ sơ"),
        "unaccented query finds the accented summary"
    );
    let (_, html) = page(&admin, &app, "/records?office=HN-HOANKIEM&q=cooperation").await;
    assert!(
        !html.contains("coopération franco"),
        "the préfecture's record is not this office's"
    );
    let fr = app.client_as("claire.martin").await;
    let (_, html) = page(&fr, &app, "/records?office=FR-PREF-33&q=cooperation+franco").await;
    assert!(html.contains("coopération franco-vietnamienne"));
    let (_, html) = page(&fr, &app, "/records?office=HN-HOANKIEM&q=so+hoa").await;
    assert!(
        !html.contains("số hóa hồ sơ"),
        "an agent of another office sees none of them"
    );
}

/// A role reads only unprotected records; above that, a clearance of the office at the
/// record's level or higher is needed, on every path (page, content, register, search, API,
/// export), and the ledger does not spell out a protected summary. Clearances are set by the
/// head of the office, never by oneself, and ledgered.
async fn secrecy_levels_are_read_only_with_a_clearance(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let rows = all_records(&app, "HN-HOANKIEM").await;
    let find = |level: &str| {
        rows.iter()
            .find(|r| r.confidentiality == level && r.register.as_deref() == Some("incoming"))
            .unwrap_or_else(|| panic!("the demo's {level} letter"))
            .clone()
    };
    let (mat, toi_mat) = (find("mat"), find("toi_mat"));
    let normal = rows
        .iter()
        .find(|r| r.confidentiality == "normal" && r.state == "active" && r.register.is_some())
        .unwrap()
        .clone();
    let status = |c: reqwest::Client, path: String| {
        let app = &app;
        async move { page(&c, app, &path).await }
    };
    let record = |r: &RecordRow| format!("/records/r/{}", r.id);

    // lan.nguyen, agent cleared "mật": reads the mật letter, not the tối mật one.
    let lan = app.client_as("lan.nguyen").await;
    let (code, html) = status(lan.clone(), record(&mat)).await;
    assert_eq!(code, 200);
    assert!(html.contains(&mat.title));
    assert_eq!(status(lan.clone(), record(&toi_mat)).await.0, 403);
    assert_eq!(
        status(lan.clone(), format!("{}/content", record(&toi_mat)))
            .await
            .0,
        403
    );
    let (_, register) = status(
        lan.clone(),
        "/records?office=HN-HOANKIEM&register=incoming".into(),
    )
    .await;
    assert!(register.contains(&mat.title));
    assert!(
        !register.contains(&toi_mat.title),
        "the summary is withheld"
    );
    assert!(!register.contains(&toi_mat.issuer), "so is its sender");
    assert!(register.contains("withheld"), "the line says why");
    let (_, found) = status(
        lan.clone(),
        "/records?office=HN-HOANKIEM&q=phong+thu+dan+su".into(),
    )
    .await;
    assert!(!found.contains(&toi_mat.title), "search does not reveal it");
    assert_eq!(
        status(lan.clone(), format!("/api/v1/records/{}", toi_mat.id))
            .await
            .0,
        403
    );
    let (_, listed) = status(
        lan.clone(),
        "/api/v1/records?office=HN-HOANKIEM&register=incoming".into(),
    )
    .await;
    assert!(listed.contains(&mat.id.to_string()));
    assert!(!listed.contains(&toi_mat.id.to_string()));

    // minh.tran, head of the office cleared "tối mật", reads both.
    let minh = app.client_as("minh.tran").await;
    let (code, html) = status(minh.clone(), record(&toi_mat)).await;
    assert_eq!(code, 200);
    assert!(html.contains(&toi_mat.title));
    // The auditor and the system administrator read unprotected records only.
    let kiem = app.client_as("kiem.tran").await;
    assert_eq!(status(kiem.clone(), record(&normal)).await.0, 200);
    assert_eq!(status(kiem.clone(), record(&mat)).await.0, 403);
    let admin = app.client_as("admin").await;
    assert_eq!(status(admin.clone(), record(&mat)).await.0, 403);
    // A package carries content: the uncleared system administrator may not export the office.
    let csrf = crate::support::csrf_of(
        &page(&admin, &app, "/records/plan?office=HN-HOANKIEM")
            .await
            .1,
    );
    let r = admin
        .post(app.url("/records/export"))
        .multipart(
            Form::new()
                .text("csrf", csrf)
                .text("office", "HN-HOANKIEM")
                .text("format", "bagit"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The ledger binds the protected summary by its hash and does not spell it out.
    let entries = app.rt.store.recent_entries(2000, 0).await.unwrap();
    let registered = |id: String| {
        let e = entries
            .iter()
            .find(|e| e.action == "record.registered" && e.object_id == id)
            .expect("registration entry");
        serde_json::from_str::<serde_json::Value>(&e.payload).unwrap()
    };
    let p = registered(toi_mat.id.to_string());
    assert!(p["title"].is_null(), "{p}");
    assert_eq!(p["confidentiality"], "toi_mat");
    assert_eq!(p["title_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        registered(normal.id.to_string())["title"],
        normal.title.as_str()
    );

    // The head of the office clears the auditor for "mật"; then withdraws it.
    let set = |c: reqwest::Client, who: &'static str, office: &'static str, level: &'static str| {
        let app = &app;
        async move {
            let csrf = crate::support::csrf_of(&page(&c, app, "/admin").await.1);
            c.post(app.url("/admin/clearances"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", who),
                    ("office", office),
                    ("level", level),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = set(minh.clone(), "kiem.tran", "HN-HOANKIEM", "mat").await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(kiem.clone(), record(&mat)).await.0, 200);
    assert_eq!(status(kiem.clone(), record(&toi_mat)).await.0, 403);
    let (_, admin_page) = page(&minh, &app, "/admin").await;
    assert!(
        admin_page.contains("Confidential (Mật"),
        "the clearance is listed"
    );
    assert_eq!(app.recent_actions(1).await, ["user.clearance_set"]);
    // Nobody clears themselves; nor another office's head for this office.
    let r = set(minh.clone(), "minh.tran", "HN-HOANKIEM", "tuyet_mat").await;
    assert_eq!(r.status(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Nobody sets their own clearance")
    );
    let r = set(minh.clone(), "kiem.tran", "FR-PREF-33", "tuyet_mat").await;
    assert_eq!(r.status(), 403);
    let r = set(minh.clone(), "kiem.tran", "HN-HOANKIEM", "bi_mat").await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.recent_actions(1).await,
        ["user.clearance_set"],
        "refusals write nothing"
    );
    let r = set(minh.clone(), "kiem.tran", "HN-HOANKIEM", "normal").await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(kiem.clone(), record(&mat)).await.0, 403);
    // An agent may not set clearances at all.
    let r = set(lan.clone(), "kiem.tran", "HN-HOANKIEM", "mat").await;
    assert_eq!(r.status(), 403);
}
