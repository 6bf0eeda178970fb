//! Civil-service management end to end, on SQLite and PostgreSQL: the demo's staff, chart
//! and payrolls; "who held which position on a date"; imports that are all or nothing with
//! problems by line; overlapping career entries refused; locked months frozen; who may see
//! what; pay parameters, the simulator, the pay API and `guichet pay compute`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use crate::support::{Db, TestApp};
use reqwest::multipart::{Form, Part};

on_both_backends!(
    demo_has_staff_chart_and_payrolls,
    who_held_which_position_on_a_date,
    imports_are_all_or_nothing_with_line_numbers,
    overlapping_terms_and_locked_months_are_refused,
    who_may_see_what,
    parameters_simulator_and_pay_api,
);

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let csrf = csrf(c, app).await;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    let r = c.post(app.url(path)).form(&fields).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

/// The CSRF token of a logged-in session (every page's logout form carries it).
async fn csrf(c: &reqwest::Client, app: &TestApp) -> String {
    crate::support::csrf_of(&page(c, app, "/").await.1)
}

async fn office(app: &TestApp, code: &str) -> guichet_store::Office {
    app.rt.identity.office_by_code(code).await.unwrap().unwrap()
}

async fn demo_has_staff_chart_and_payrolls(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let hr = app.client_as("an.vu").await;
    let (status, html) = page(&hr, &app, "/hr?office=HN-SONOIVU&on=2026-11-15").await;
    assert_eq!(status, 200);
    for text in [
        "Trần Đức Thắng",
        "Vũ Thị An",
        "SNV-011",
        "A3.1 / 4",
        "PCCV 1.00",
    ] {
        assert!(html.contains(text), "staff list shows {text}");
    }
    // Step raises due: the director's (A3.1 step 4 since 2019-08-01, due 2022-08-01, overdue)
    // is listed; not Vũ Thị An's (step 7 from 2026-11-01), nor Phạm Quốc Bảo's (last step).
    let raises = &html[html.find("Step raises due").unwrap()..html.find("<caption>").unwrap()];
    assert!(
        raises.contains("Trần Đức Thắng") && raises.contains("2022-08-01"),
        "{raises}"
    );
    assert!(
        !raises.contains("Vũ Thị An") && !raises.contains("Phạm Quốc Bảo"),
        "{raises}"
    );
    let (status, html) = page(&hr, &app, "/hr/chart?office=HN-SONOIVU&on=2026-11-15").await;
    assert_eq!(status, 200);
    for text in [
        "Ban Giám đốc Sở",
        "Phòng Lao động — Việc làm",
        "Phòng Chính quyền địa phương",
        "Trưởng phòng",
    ] {
        assert!(html.contains(text), "chart shows {text}");
    }
    // Before the 2025 reorganisation: no labour unit, the old name of XDCQ.
    let (_, html) = page(&hr, &app, "/hr/chart?office=HN-SONOIVU&on=2024-12-31").await;
    assert!(!html.contains("Phòng Lao động — Việc làm"));
    assert!(html.contains("Phòng Xây dựng chính quyền và công tác thanh niên"));
    // Staffing table: planned against filled (three heads of division for six planned posts).
    let o = office(&app, "HN-SONOIVU").await;
    let staffing = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .positions(o.id)
        .await
        .unwrap();
    assert_eq!(
        staffing
            .iter()
            .find(|p| p.code == "TP")
            .unwrap()
            .planned_posts,
        6
    );
    let filled = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .terms_on(o.id, "assignment", time::macros::date!(2026 - 11 - 15))
        .await
        .unwrap();
    assert_eq!(filled.iter().filter(|t| t.position_code == "TP").count(), 3);
    // Payrolls: October locked, November computed; the totals are the payslips' sums.
    for code in ["HN-SONOIVU", "FR-PREF-33"] {
        let o = office(&app, code).await;
        let runs = guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .payroll_runs(o.id)
            .await
            .unwrap();
        let states: Vec<(&str, &str)> = runs
            .iter()
            .map(|r| (r.month.as_str(), r.state.as_str()))
            .collect();
        assert_eq!(
            states,
            vec![("2026-11", "computed"), ("2026-10", "locked")],
            "{code}"
        );
        for r in &runs {
            let slips = guichet_hr::hr_store(&*app.rt.store)
                .unwrap()
                .payslips(r.id)
                .await
                .unwrap();
            assert_eq!(slips.len() as i64, r.staff_count);
            assert_eq!(slips.iter().map(|s| s.gross).sum::<i64>(), r.gross);
            assert_eq!(slips.iter().map(|s| s.net).sum::<i64>(), r.net);
            assert!(r.staff_count >= 8, "{code} has staff on the payroll");
        }
    }
    // November's page shows the step raise of Vũ Thị An against October.
    let runs = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_runs(o.id)
        .await
        .unwrap();
    let (status, html) = page(&hr, &app, &format!("/hr/payroll/{}", runs[0].id)).await;
    assert_eq!(status, 200);
    let diff =
        &html[html.find("Changes since last month").unwrap()..html.find("Payslips").unwrap()];
    assert!(diff.contains("Vũ Thị An"), "{diff}");
    assert!(
        !diff.contains("Trần Đức Thắng"),
        "unchanged pay is not listed"
    );
    // A payslip names its lines and their legal sources.
    let an = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_list(o.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == "SNV-003")
        .unwrap();
    let (status, html) = page(
        &hr,
        &app,
        &format!("/hr/payroll/{}/slip/{}", runs[0].id, an.id),
    )
    .await;
    assert_eq!(status, 200);
    for text in [
        "Leadership allowance",
        "Decree 73/2024/NĐ-CP",
        "Social insurance (BHXH)",
        "Net",
    ] {
        assert!(html.contains(text), "payslip shows {text}");
    }
    let r = hr
        .get(app.url(&format!("/hr/payroll/{}/slip/{}/pdf", runs[0].id, an.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf) {
        assert!(
            text.contains("Vũ Thị An") && text.contains("Decree 204/2004/NĐ-CP"),
            "{text}"
        );
    }
    let r = hr
        .get(app.url(&format!("/hr/staff/{}/record.pdf?on=2024-05-01", an.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    if let Some(text) = pdf_text(&r.bytes().await.unwrap()) {
        assert!(
            text.contains("SƠ YẾU LÝ LỊCH") || text.contains("PERSONNEL RECORD"),
            "{text}"
        );
        assert!(
            text.contains("TCBC · PTP"),
            "the position held on 2024-05-01: {text}"
        );
    }
    // The stored breakdown is what the pay crate computes from the pay situation.
    let slip = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payslips(runs[0].id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.staff_id == an.id)
        .unwrap();
    let term = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .terms_on(o.id, "pay", time::macros::date!(2026 - 11 - 01))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.staff_id == an.id)
        .unwrap();
    assert_eq!(term.data["step"], 7);
    let again = guichet_hr::service::compute_pay(
        guichet_core::Country::Vn,
        &term.data,
        time::macros::date!(2026 - 11 - 01),
        &guichet_pay::Parameters::builtin(),
    )
    .unwrap();
    assert_eq!(
        guichet_hr::service::payslip_json(&runs[0], &slip).unwrap(),
        again.to_json()
    );
    // 4.32 × 2,340,000 = 10,108,800 (A1 step 7), 0.60 × 2,340,000 = 1,404,000.
    assert_eq!(again.amount("salary"), 10_108_800);
    assert_eq!(again.amount("leadership_allowance"), 1_404_000);
    // CSV and XLSX exports of the payroll.
    let r = hr
        .get(app.url(&format!("/hr/payroll/{}/export?format=csv", runs[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("number,name,gross,salary"), "{csv}");
    assert!(csv.contains("SNV-003,Vũ Thị An,"));
    let r = hr
        .get(app.url(&format!("/hr/payroll/{}/export?format=xlsx", runs[0].id)))
        .send()
        .await
        .unwrap();
    let rows = guichet_one_stop::sheets::xlsx_rows(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len() as i64, runs[0].staff_count + 1);
    // The ledger has the HR changes and the payroll events, and verifies.
    let actions = app.recent_actions(400).await;
    for a in [
        "payroll.locked",
        "payroll.computed",
        "hr.staff_added",
        "hr.unit_saved",
        "hr.position_saved",
        "hr.assignment_added",
        "hr.pay_added",
    ] {
        assert!(actions.iter().any(|x| x == a), "ledger has {a}");
    }
    let report = guichet_store::verify::verify_store(
        &app.rt.store,
        &app.rt.trusted,
        std::sync::Arc::new(|_, _| {}),
    )
    .await
    .unwrap();
    assert!(report.is_ok(), "ledger verifies: {report:?}");
}

async fn who_held_which_position_on_a_date(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let hr = app.client_as("an.vu").await;
    let holder = |json: &serde_json::Value, unit: &str, position: &str| -> Vec<String> {
        json.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["unit"] == unit && s["position"] == position)
            .map(|s| s["number"].as_str().unwrap().to_owned())
            .collect()
    };
    let at = |date: &str| {
        let hr = hr.clone();
        let url = app.url(&format!("/api/v1/offices/HN-SONOIVU/staff?on={date}"));
        async move {
            let r = hr.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let may = at("2024-05-01").await;
    assert_eq!(holder(&may, "TCBC", "TP"), vec!["SNV-002"]);
    assert_eq!(holder(&may, "TCBC", "PTP"), vec!["SNV-003"]);
    let july = at("2024-07-01").await;
    assert_eq!(holder(&july, "TCBC", "TP"), vec!["SNV-003"]);
    assert_eq!(holder(&july, "GD", "PGD"), vec!["SNV-002"]);
    assert!(holder(&july, "TCBC", "PTP").is_empty());
    // Before anyone joined; the labour unit's staff only from March 2025.
    let early = at("2014-12-31").await;
    assert!(
        early
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["unit"].is_null())
    );
    assert!(holder(&at("2025-02-28").await, "LDVL", "TP").is_empty());
    assert_eq!(
        holder(&at("2025-03-01").await, "LDVL", "TP"),
        vec!["SNV-006"]
    );
    let r = hr
        .get(app.url("/api/v1/offices/HN-SONOIVU/staff?on=2024-13-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The CLI answers the same question.
    let out = hr_command(&app, &["hr", "on", "--office", "HN-SONOIVU", "2024-05-01"])
        .await
        .unwrap();
    assert!(
        out.lines()
            .any(|l| l.starts_with("SNV-002\tNguyễn Văn Hùng\tTCBC\tTP")),
        "{out}"
    );
    // A person's page marks what is in effect on the chosen date.
    let o = office(&app, "HN-SONOIVU").await;
    let hung = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_list(o.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == "SNV-002")
        .unwrap();
    let (_, html) = page(&hr, &app, &format!("/hr/staff/{}?on=2024-05-01", hung.id)).await;
    assert!(html.contains("TCBC · TP"));
    assert!(html.contains("GD · PGD"));
    assert!(html.contains("PCCV 0.60"));
}

fn csv_form(office: &str, name: &str, body: &str) -> Form {
    Form::new().text("office", office.to_owned()).part(
        "file",
        Part::bytes(body.as_bytes().to_vec()).file_name(name.to_owned()),
    )
}

async fn import(app: &TestApp, c: &reqwest::Client, form: Form) -> (u16, String) {
    let csrf = csrf(c, app).await;
    let r = c
        .post(app.url("/hr/import"))
        .multipart(form.text("csrf", csrf))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn nir(first13: &str) -> String {
    format!(
        "{first13}{:02}",
        guichet_rules::ids::nir_key(first13.as_bytes())
    )
}

async fn imports_are_all_or_nothing_with_line_numbers(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let hr = app.client_as("julien.bernard").await;
    let o = office(&app, "FR-PREF-33").await;
    let before = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_list(o.id)
        .await
        .unwrap()
        .len();
    let ledger_before = app.rt.store.recent_entries(10_000, 0).await.unwrap().len();
    let good = nir("2950633063201");
    let header = "number,family_name,given_name,birth_date,gender,id_kind,id_number,from,unit,position,status,indice_majore,nbi_points,residence_zone,children,bonuses";
    let bad = format!(
        "{header}\n\
         PR33-201,Roux,Emma,1995-06-01,f,nir,{good},2026-01-01,BEL,SA,titulaire,420,0,3,1,300.00\n\
         PR33-202,Blanc,,1990-02-30,q,nir,1234,2026-01-01,NOPE,SA,titulaire,420,0,3,0,\n\
         PR33-201,Faure,Paul,1989-01-01,m,other,,2026-01-01,BEL,XX,maybe,420,0,7,0,\n\
         PR33-203,Henry,Léa,1993-03-03,f,other,,2026-01-01,BEL,SA,titulaire,,,,,\n"
    );
    let (status, html) = import(&app, &hr, csv_form("FR-PREF-33", "staff.csv", &bad)).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Nothing was imported"));
    // Each problem is reported against its line (the header is line 1).
    let report = &html[html.find("Problems by line").unwrap()..];
    for (line, column) in [
        (3, "given_name"),
        (3, "birth_date"),
        (3, "gender"),
        (3, "id_number"),
        (3, "unit"),
        (4, "number"),
        (4, "position"),
        (4, "status"),
        (4, "pay"),
    ] {
        assert!(
            report.contains(&format!("<td>{line}</td><td><code>{column}</code></td>")),
            "line {line} column {column} reported"
        );
    }
    assert!(!report.contains("<td>2</td>"), "line 2 is fine");
    assert!(!report.contains("<td>5</td>"), "line 5 is fine");
    // The same refusals read in French, with no English sentence among them (pay rules too).
    let token = csrf(&hr, &app).await;
    let html = hr
        .post(app.url("/hr/import"))
        .header("accept-language", "fr")
        .multipart(csv_form("FR-PREF-33", "staff.csv", &bad).text("csrf", token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let table = &html[html.find("<tbody>").unwrap()..];
    for text in [
        "« q » n’est pas f, m ou x.",
        "« 1990-02-30 » n’est pas une date (AAAA-MM-JJ).",
        "L’unité NOPE n’existe pas au 2026-01-01.",
        "Le matricule PR33-201 figure aussi ligne 2.",
        "La zone d’indemnité de résidence 7 n’existe pas (1, 2 ou 3).",
    ] {
        assert!(table.contains(text), "{text}: {table}");
    }
    for english in [" is not ", " does not exist", " is also on line"] {
        assert!(!table.contains(english), "English left: {english}");
    }
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .staff_list(o.id)
            .await
            .unwrap()
            .len(),
        before,
        "nothing half-imported"
    );
    assert_eq!(
        app.rt.store.recent_entries(10_000, 0).await.unwrap().len(),
        ledger_before,
        "nothing ledgered"
    );
    // The corrected file goes in whole; semicolons (French spreadsheets) are understood.
    let fixed = format!(
        "{}\nPR33-201;Roux;Emma;1995-06-01;f;nir;{good};2026-01-01;BEL;SA;titulaire;420;0;3;1;300.00\nPR33-203;Henry;Léa;1993-03-03;f;other;;2026-01-01;BEL;SA;titulaire;;;;;\n",
        header.replace(',', ";")
    );
    let r = {
        let csrf = csrf(&hr, &app).await;
        hr.post(app.url("/hr/import"))
            .multipart(csv_form("FR-PREF-33", "staff.csv", &fixed).text("csrf", csrf))
            .send()
            .await
            .unwrap()
    };
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let staff = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_list(o.id)
        .await
        .unwrap();
    assert_eq!(staff.len(), before + 2);
    let emma = staff.iter().find(|s| s.number == "PR33-201").unwrap();
    assert_eq!(
        emma.id_number.replace(' ', ""),
        good,
        "stored in its normal form"
    );
    let terms = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_terms(emma.id)
        .await
        .unwrap();
    let kinds: Vec<&str> = terms.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, vec!["assignment", "pay", "status"]);
    assert_eq!(terms[1].data["indice_majore"], 420);
    assert_eq!(terms[1].data["bonuses"], "300.00");
    // The export imports back: every row is then a duplicate, refused by line.
    let r = hr
        .get(app.url("/hr/export?office=FR-PREF-33&on=2026-11-15&format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.unwrap().to_vec();
    let rows = guichet_one_stop::sheets::xlsx_rows(&xlsx).unwrap();
    assert_eq!(rows.len(), staff.len() + 1);
    assert_eq!(rows[0][0], "number");
    let form = Form::new()
        .text("office", "FR-PREF-33")
        .part("file", Part::bytes(xlsx).file_name("staff.xlsx"));
    let (status, html) = import(&app, &hr, form).await;
    assert_eq!(status, 422);
    assert_eq!(
        html.matches("is already used in this office").count(),
        staff.len()
    );
    // Unknown columns and empty uploads get a clear message.
    let (status, html) = import(
        &app,
        &hr,
        csv_form(
            "FR-PREF-33",
            "x.csv",
            "number,family_name,given_name,birth_date,salary\n",
        ),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Unknown column “salary”"), "{html}");
    // The command line refuses the same bad file with the same lines.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    std::fs::write(&file, &bad).unwrap();
    let refused = hr_command(
        &app,
        &[
            "hr",
            "import",
            "--office",
            "FR-PREF-33",
            file.to_str().unwrap(),
        ],
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(refused.starts_with("line "), "{refused}");
    assert!(refused.contains("nothing imported"), "{refused}");
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .staff_list(o.id)
            .await
            .unwrap()
            .len(),
        before + 2
    );
}

async fn overlapping_terms_and_locked_months_are_refused(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let hr = app.client_as("an.vu").await;
    let o = office(&app, "HN-SONOIVU").await;
    let an = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_list(o.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == "SNV-003")
        .unwrap();
    let terms_before = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_terms(an.id)
        .await
        .unwrap();
    // A pay situation for 2025–2026 would overlap the one from 2026-11-01: refused whole (the
    // earlier entry is not ended either).
    let (status, _, html) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/terms", an.id),
        &[
            ("kind", "pay"),
            ("from", "2025-01-01"),
            ("to", "2027-01-01"),
            ("pay_staff_kind", "cong_chuc"),
            ("pay_scale", "A1"),
            ("pay_step", "6"),
            ("pay_leadership_coefficient", "0.6"),
            ("pay_dependants", "2"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("overlap"), "{html}");
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .staff_terms(an.id)
            .await
            .unwrap(),
        terms_before
    );
    // A step that does not exist, a date before the unit existed: clear refusals.
    let (status, _, html) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/terms", an.id),
        &[
            ("kind", "pay"),
            ("from", "2027-01-01"),
            ("pay_staff_kind", "cong_chuc"),
            ("pay_scale", "A1"),
            ("pay_step", "12"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Step 12 does not exist on scale A1 (steps 1 to 9)."),
        "{html}"
    );
    let (status, _, html) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/terms", an.id),
        &[
            ("kind", "assignment"),
            ("from", "2025-01-01"),
            ("unit", "LDVL"),
            ("position", "TP"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Unit LDVL does not exist on 2025-01-01."),
        "{html}"
    );
    // A good new assignment ends the current one the day it starts.
    let (status, location, _) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/terms", an.id),
        &[
            ("kind", "assignment"),
            ("from", "2027-01-01"),
            ("unit", "CCVC"),
            ("position", "TP"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/hr/staff/{}", an.id).as_str())
    );
    let assignments: Vec<_> = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_terms(an.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "assignment")
        .collect();
    assert_eq!(assignments.len(), 3);
    assert_eq!(
        assignments[1].valid_to,
        Some(time::macros::date!(2027 - 01 - 01))
    );
    // A pay situation with other allowances typed as text.
    let (status, _, html) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/terms", an.id),
        &[
            ("kind", "pay"),
            ("from", "2027-02-01"),
            ("pay_staff_kind", "cong_chuc"),
            ("pay_scale", "A1"),
            ("pay_step", "7"),
            ("pay_leadership_coefficient", "0.6"),
            ("pay_allowances", "trach_nhiem=0.2; an_trua=730000 đ"),
            ("pay_dependants", "2"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = page(&hr, &app, &format!("/hr/staff/{}?on=2027-02-01", an.id)).await;
    assert!(
        html.contains("trach_nhiem=0.2; an_trua=730000 đ"),
        "summary shows the allowances"
    );
    assert!(html.contains("468.000 ₫"), "0.2 × 2,340,000 on the payslip");
    let (status, _, html) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/terms", an.id),
        &[
            ("kind", "pay"),
            ("from", "2027-03-01"),
            ("pay_staff_kind", "cong_chuc"),
            ("pay_scale", "A1"),
            ("pay_step", "7"),
            ("pay_allowances", "trach_nhiem"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("is not name=coefficient"), "{html}");
    // October is locked: computing it again is refused and changes nothing.
    let runs = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_runs(o.id)
        .await
        .unwrap();
    let october = runs.iter().find(|r| r.month == "2026-10").unwrap().clone();
    let slips = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payslips(october.id)
        .await
        .unwrap();
    let (status, _, html) = post(
        &hr,
        &app,
        "/hr/payroll",
        &[("office", "HN-SONOIVU"), ("month", "2026-10")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("The payroll of 2026-10 is locked."), "{html}");
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .payroll_run(october.id)
            .await
            .unwrap()
            .unwrap(),
        october
    );
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .payslips(october.id)
            .await
            .unwrap(),
        slips
    );
    let (status, _, _) = post(&hr, &app, &format!("/hr/payroll/{}/lock", october.id), &[]).await;
    assert_eq!(status, 409);
    // November can be recomputed (same result), then locked.
    let november = runs.iter().find(|r| r.month == "2026-11").unwrap().clone();
    let (status, location, _) = post(
        &hr,
        &app,
        "/hr/payroll",
        &[("office", "HN-SONOIVU"), ("month", "2026-11")],
    )
    .await;
    assert_eq!(
        (status, location),
        (303, format!("/hr/payroll/{}", november.id))
    );
    let recomputed = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_run(november.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (recomputed.gross, recomputed.net),
        (november.gross, november.net)
    );
    let (status, _, _) = post(&hr, &app, &format!("/hr/payroll/{}/lock", november.id), &[]).await;
    assert_eq!(status, 303);
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .payroll_run(november.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "locked"
    );
    // A month with a bad value: nobody is paid half.
    let (status, _, html) = post(
        &hr,
        &app,
        "/hr/payroll",
        &[("office", "HN-SONOIVU"), ("month", "2019-01")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("vn_base_salary"), "{html}");
    assert!(
        !guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .payroll_runs(o.id)
            .await
            .unwrap()
            .iter()
            .any(|r| r.month == "2019-01")
    );
}

async fn who_may_see_what(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let o = office(&app, "HN-SONOIVU").await;
    let hoa = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_list(o.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.number == "SNV-004")
        .unwrap();
    // An agent of the office: no HR pages, but their own record, read-only.
    let agent = app.client_as("hoa.le").await;
    let (status, _) = page(&agent, &app, "/hr?office=HN-SONOIVU").await;
    assert_eq!(status, 403);
    let (status, _) = page(&agent, &app, &format!("/hr/staff/{}", hoa.id)).await;
    assert_eq!(status, 403);
    let (status, html) = page(&agent, &app, "/hr/me").await;
    assert_eq!(status, 200);
    assert!(html.contains("Lê Thị Hoa") && html.contains("SNV-004"));
    assert!(html.contains("Pay on") && html.contains("Net"));
    assert!(!html.contains("Add a career entry"), "read-only");
    let (status, location, _) = post(
        &agent,
        &app,
        "/hr/me/correction",
        &[("text", "Trình độ: Thạc sĩ Luật (2024), không phải Cử nhân")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/hr/me?notice=requested")
    );
    let terms = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .staff_terms(hoa.id)
        .await
        .unwrap();
    let request = terms.iter().find(|t| t.kind == "correction").unwrap();
    assert!(request.note.contains("Thạc sĩ Luật"));
    assert_eq!(app.recent_actions(5).await[0], "hr.correction_added");
    let request = request.clone();
    // HR sees the request waiting, answers it; the person then reads the answer.
    let hr = app.client_as("an.vu").await;
    let (_, html) = page(&hr, &app, "/hr?office=HN-SONOIVU").await;
    assert!(html.contains("Correction requests waiting") && html.contains("không phải Cử nhân"));
    let (status, _, _) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/corrections/{}", hoa.id, request.id),
        &[("answer", "")],
    )
    .await;
    assert_eq!(status, 422, "an answer is needed");
    let (status, _, _) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/corrections/{}", hoa.id, request.id),
        &[("answer", "Đã cập nhật theo bằng Thạc sĩ")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&hr, &app, "/hr?office=HN-SONOIVU").await;
    assert!(!html.contains("Correction requests waiting"));
    let (_, html) = page(&agent, &app, "/hr/me").await;
    assert!(html.contains("Đã cập nhật theo bằng Thạc sĩ"));
    let (status, _, _) = post(
        &hr,
        &app,
        &format!("/hr/staff/{}/corrections/{}", hoa.id, request.id),
        &[("answer", "again")],
    )
    .await;
    assert_eq!(status, 422, "answered once");
    // Their own payslips: listed on their record, readable and printable by them only.
    let (_, html) = page(&agent, &app, "/hr/me").await;
    let runs = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_runs(o.id)
        .await
        .unwrap();
    assert!(html.contains(&format!("/hr/me/payslips/{}", runs[0].id)) && html.contains("2026-10"));
    let (status, html) = page(&agent, &app, &format!("/hr/me/payslips/{}", runs[0].id)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Lê Thị Hoa") && html.contains("Social insurance (BHXH)"));
    let r = agent
        .get(app.url(&format!("/hr/me/payslips/{}/pdf", runs[0].id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    // Not someone else's run (the préfecture's), and not the office's payroll page.
    let fr = office(&app, "FR-PREF-33").await;
    let fr_run = &guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_runs(fr.id)
        .await
        .unwrap()[0];
    let (status, _) = page(&agent, &app, &format!("/hr/me/payslips/{}", fr_run.id)).await;
    assert_eq!(status, 404);
    let (status, _) = page(&agent, &app, &format!("/hr/payroll/{}", runs[0].id)).await;
    assert_eq!(status, 403);
    // Their record prints as a PDF (after form 2C); another person's does not.
    let r = agent
        .get(app.url("/hr/me/record.pdf?on=2026-11-15"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    let (status, _) = page(&agent, &app, &format!("/hr/staff/{}/record.pdf", hoa.id)).await;
    assert_eq!(status, 403);
    // They cannot add terms to their own record.
    let (status, _, _) = post(
        &agent,
        &app,
        &format!("/hr/staff/{}/terms", hoa.id),
        &[("kind", "reward"), ("from", "2026-01-01"), ("note", "x")],
    )
    .await;
    assert_eq!(status, 403);
    // A citizen has no staff record.
    let citizen = app.client_as("thu.pham").await;
    let (status, html) = page(&citizen, &app, "/hr/me").await;
    assert_eq!(status, 404);
    assert!(html.contains("not linked to a staff record"));
    // The administrator of another office sees nothing of this one.
    let other = app.client_as("minh.tran").await;
    let (status, html) = page(&other, &app, "/hr?office=HN-SONOIVU").await;
    assert_eq!(status, 403, "another office's staff list is refused");
    assert!(!html.contains("Lê Thị Hoa"));
    // Their own office's list, without naming it, still opens.
    let (status, _) = page(&other, &app, "/hr").await;
    assert_eq!(status, 200);
    let (status, _) = page(&other, &app, &format!("/hr/staff/{}", hoa.id)).await;
    assert_eq!(status, 403);
    let r = other
        .get(app.url("/api/v1/offices/HN-SONOIVU/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let run = &guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_runs(o.id)
        .await
        .unwrap()[0];
    let (status, _) = page(&other, &app, &format!("/hr/payroll/{}", run.id)).await;
    assert_eq!(status, 403);
    // The auditor reads but does not change.
    let auditor = app.client_as("kiem.tran").await;
    let (status, html) = page(&auditor, &app, "/hr?office=HN-SONOIVU").await;
    assert_eq!(status, 200);
    assert!(html.contains("Lê Thị Hoa"));
    assert!(!html.contains("Add a person"));
    let (status, _, _) = post(
        &auditor,
        &app,
        "/hr/payroll",
        &[("office", "HN-SONOIVU"), ("month", "2026-12")],
    )
    .await;
    assert_eq!(status, 403);
    // Anonymous visitors are sent to log in; the API answers 401.
    let anon = crate::support::client();
    let r = anon
        .get(app.url("/hr?office=HN-SONOIVU"))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 303 || r.status() == 401, "{}", r.status());
    let r = anon
        .get(app.url("/api/v1/offices/HN-SONOIVU/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The legal parameters: HR, auditors and sysadmins read them; a front-desk agent does not.
    let (status, _) = page(&agent, &app, "/hr/parameters").await;
    assert_eq!(status, 403);
    let (status, _) = page(&auditor, &app, "/hr/parameters").await;
    assert_eq!(status, 200);
    // Only a system administrator enters pay parameters.
    let hr = app.client_as("an.vu").await;
    let (status, _, _) = post(
        &hr,
        &app,
        "/hr/parameters",
        &[
            ("name", "vn_base_salary"),
            ("from", "2027-01-01"),
            ("value", "2600000"),
            ("source", "x"),
        ],
    )
    .await;
    assert_eq!(status, 403);
}

async fn parameters_simulator_and_pay_api(db: Db) {
    let Some(app) = crate::support::spawn_app(db).await else {
        return;
    };
    let sys = app.client_as("admin").await;
    // A later base salary entered with its reference; the same date twice is refused.
    let (status, _, _) = post(
        &sys,
        &app,
        "/hr/parameters",
        &[
            ("name", "vn_base_salary"),
            ("from", "2027-01-01"),
            ("value", "2600000"),
            ("source", "Nghị định (giả định) 2026"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, html) = post(
        &sys,
        &app,
        "/hr/parameters",
        &[
            ("name", "vn_base_salary"),
            ("from", "2027-01-01"),
            ("value", "2700000"),
            ("source", "x"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("effective dates may not overlap"), "{html}");
    let (status, _, html) = post(
        &sys,
        &app,
        "/hr/parameters",
        &[
            ("name", "fr_point_value"),
            ("from", "2027-01-01"),
            ("value", "4.97"),
            ("source", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("needs its legal reference"), "{html}");
    let (_, html) = page(&sys, &app, "/hr/parameters").await;
    assert!(
        html.contains("Nghị định (giả định) 2026") && html.contains("entered by an administrator")
    );
    assert!(html.contains("Decree 73/2024/NĐ-CP") && html.contains("4.92278"));
    // It applies from its date: January 2027 pays more than December 2026, coefficient by coefficient.
    let hr = app.client_as("an.vu").await;
    for month in ["2026-12", "2027-01"] {
        let (status, _, _) = post(
            &hr,
            &app,
            "/hr/payroll",
            &[("office", "HN-SONOIVU"), ("month", month)],
        )
        .await;
        assert_eq!(status, 303);
    }
    let o = office(&app, "HN-SONOIVU").await;
    let runs = guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .payroll_runs(o.id)
        .await
        .unwrap();
    let (jan, dec) = (&runs[0], &runs[1]);
    assert_eq!(
        (jan.month.as_str(), dec.month.as_str()),
        ("2027-01", "2026-12")
    );
    let salary = |run: &guichet_hr::store::PayrollRunRow| {
        let store = app.rt.store.clone();
        let id = run.id;
        async move {
            guichet_hr::hr_store(&*store)
                .unwrap()
                .payslips(id)
                .await
                .unwrap()
                .iter()
                .map(|s| {
                    let stored: guichet_hr::service::StoredSlip =
                        serde_json::from_str(&s.breakdown).unwrap();
                    stored
                        .lines
                        .iter()
                        .find(|l| l.code == "salary")
                        .map_or(0, |l| l.amount)
                })
                .sum::<i64>()
        }
    };
    // January is compared with December of the year before: everyone's pay rose.
    let (_, html) = page(&hr, &app, &format!("/hr/payroll/{}", jan.id)).await;
    let diff =
        &html[html.find("Changes since last month").unwrap()..html.find("Payslips").unwrap()];
    assert!(
        diff.contains("Trần Đức Thắng") && diff.contains("Ngô Thị Mai"),
        "{diff}"
    );
    // Coefficient salaries are exact multiples of the base salary.
    assert_eq!(salary(jan).await * 2_340_000, salary(dec).await * 2_600_000);
    // The simulator: the same question without storing anything.
    let (status, html) = page(
        &hr,
        &app,
        "/hr/payroll?office=HN-SONOIVU&month=2026-12&param=vn_base_salary&value=2600000",
    )
    .await;
    assert_eq!(status, 200);
    let sim = &html[html.find("Simulated totals").unwrap()..];
    assert!(sim.contains(&super_money(dec.gross)), "current gross shown");
    let mut params = guichet_pay::Parameters::builtin();
    params
        .add(
            guichet_pay::ParamName::VnBaseSalary,
            time::macros::date!(2026 - 12 - 01),
            2_600_000,
            "x",
        )
        .unwrap();
    let mut expected = 0;
    for t in guichet_hr::hr_store(&*app.rt.store)
        .unwrap()
        .terms_on(o.id, "pay", time::macros::date!(2026 - 12 - 01))
        .await
        .unwrap()
    {
        expected += guichet_hr::service::compute_pay(
            guichet_core::Country::Vn,
            &t.data,
            time::macros::date!(2026 - 12 - 01),
            &params,
        )
        .unwrap()
        .gross;
    }
    assert!(expected > dec.gross);
    assert!(
        sim.contains(&super_money(expected)),
        "simulated gross is the recomputation with the new value"
    );
    assert!(
        sim.contains("Paid by job position"),
        "pay-by-position comparison"
    );
    assert_eq!(
        guichet_hr::hr_store(&*app.rt.store)
            .unwrap()
            .payroll_runs(o.id)
            .await
            .unwrap()
            .len(),
        runs.len(),
        "simulation stores nothing"
    );
    let (_, html) = page(
        &hr,
        &app,
        "/hr/payroll?office=HN-SONOIVU&month=2026-12&param=vn_base_salary&value=abc",
    )
    .await;
    assert!(html.contains("is not a decimal number"));
    // The pay API and the CLI agree with a hand-worked fixture.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pure/pay/tests/fixtures");
    for (country, file) in [("vn", "vn/08.json"), ("fr", "fr/20.json")] {
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixtures.join(file)).unwrap()).unwrap();
        let r = hr
            .post(app.url(&format!("/api/v1/pay/compute?country={country}")))
            .header("content-type", "application/json")
            .body(fixture["input"].to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let out: serde_json::Value = r.json().await.unwrap();
        assert_eq!(out["net"], fixture["expected"]["net"], "{file}");
        assert_eq!(out["gross"], fixture["expected"]["gross"], "{file}");
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("input.json");
        std::fs::write(&input, fixture["input"].to_string()).unwrap();
        let cli = std::process::Command::new(env!("CARGO_BIN_EXE_guichet"))
            .args([
                "pay",
                "compute",
                "--builtin",
                "--country",
                country,
                "--input",
            ])
            .arg(&input)
            .output()
            .unwrap();
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let printed: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
        assert_eq!(printed, out, "CLI and API print the same breakdown");
    }
    let r = hr
        .post(app.url("/api/v1/pay/compute?country=vn"))
        .header("content-type", "application/json")
        .body(r#"{"date":"2025-01-01","staff_kind":"cong_chuc","scale":"A1","step":10}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("step 10 does not exist on scale A1")
    );
}

/// The text of a PDF through pdftotext (scripts/setup installs it). Outside CI a missing
/// pdftotext skips the PDF checks with a note; under CI it fails, as the other PDF tests do.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "pdftotext missing ({e}): run scripts/setup"
            );
            eprintln!("skipped: the PDF's text (pdftotext is missing; run scripts/setup)");
            return None;
        }
    };
    assert!(out.status.success(), "pdftotext failed on the payslip");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Money as the pages print it for Vietnam.
fn super_money(v: i64) -> String {
    guichet_hr::web::money(guichet_core::Country::Vn, v)
}

/// Runs the HR slice's `guichet hr …` command on the test's instance.
async fn hr_command(
    app: &TestApp,
    args: &[&str],
) -> Result<String, guichet_web::slice::SliceError> {
    let command = &guichet_hr::cli::COMMAND;
    let matches = (command.command)().try_get_matches_from(args)?;
    let context = app.rt.command_context().await?;
    Ok((command.run)(&context, &matches).await?.text)
}
