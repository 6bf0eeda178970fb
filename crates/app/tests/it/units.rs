//! The admin-unit registry through the web pages, the API and the CLI, on both backends: the
//! data comes from the store each backend loaded at migrate time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{Db, client, spawn_app};

on_both_backends!(
    unit_pages_browse_search_and_show_history_in_three_languages,
    units_api_lists_searches_and_explains_bad_input,
    address_conversion_over_the_api_and_the_page,
    address_picker_works_without_javascript,
    units_are_loaded_once_ledgered_and_in_the_backup_tables,
);

async fn get(app: &crate::support::TestApp, path: &str, lang: &str) -> (u16, String) {
    let r = client()
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn json(app: &crate::support::TestApp, path: &str) -> (u16, serde_json::Value) {
    let r = client().get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn unit_pages_browse_search_and_show_history_in_three_languages(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    for (lang, words) in [
        ("vi", ["Đơn vị hành chính", "Lịch sử", "sáp nhập"]),
        ("fr", ["Unités administratives", "Historique", "fusion"]),
        ("en", ["Administrative units", "History", "merger"]),
    ] {
        let (status, html) = get(&app, "/units?country=vn", lang).await;
        assert_eq!(status, 200);
        assert!(html.contains(words[0]), "{lang}");
        assert!(
            html.contains("Thành phố Hà Nội") && html.contains("/units/VN-P-01?at="),
            "{lang}"
        );
        assert!(
            !html.contains("[units-") && !html.contains("[unit-"),
            "{lang}: missing keys"
        );
        let (status, html) = get(&app, "/units/VN-C-00004?at=2026-01-01", lang).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Phường Ba Đình") && html.contains("Phường Trúc Bạch"),
            "{lang}"
        );
        assert!(html.contains(words[1]) && html.contains(words[2]), "{lang}");
        assert!(
            !html.contains("[units-") && !html.contains("[unit-"),
            "{lang}: missing keys"
        );
    }
    // Accent-insensitive search on the page.
    let (_, html) = get(&app, "/units?country=vn&q=HA+NOI", "en").await;
    assert!(html.contains("Thành phố Hà Nội"));
    // A typo gets suggestions.
    let (_, html) = get(&app, "/units?country=fr&q=Bordaeux", "en").await;
    assert!(
        html.contains("Did you mean") && html.contains("Bordeaux"),
        "{html}"
    );
    // A district that no longer exists shows its last version and where its communes went.
    let (status, html) = get(&app, "/units/VN-D-001", "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Quận Ba Đình") && html.contains("2025-07-01"));
    // Dates before the data are refused with a clear message; unknown units are 404.
    let (_, html) = get(&app, "/units?country=vn&at=2020-01-01", "en").await;
    assert!(html.contains("The registry starts on 2025-01-01"), "{html}");
    assert_eq!(get(&app, "/units/VN-C-99999", "en").await.0, 404);
    assert_eq!(get(&app, "/units/not-a-ref", "en").await.0, 404);
}

async fn units_api_lists_searches_and_explains_bad_input(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let (status, v) = json(&app, "/api/v1/units?country=vn&at=2026-01-01").await;
    assert_eq!(status, 200);
    assert_eq!(v["units"].as_array().unwrap().len(), 34);
    for q in ["ha%20noi", "H%C3%A0%20N%E1%BB%99i", "HANOI"] {
        let (_, v) = json(
            &app,
            &format!("/api/v1/units?country=vn&at=2026-01-01&q={q}"),
        )
        .await;
        assert_eq!(v["units"][0]["ref"], "VN-P-01", "{q}");
    }
    let (_, v) = json(&app, "/api/v1/units?parent=VN-P-01&at=2025-06-30").await;
    assert_eq!(v["units"].as_array().unwrap().len(), 30);
    let (status, v) = json(&app, "/api/v1/units/vn-c-00004?at=2025-06-30").await;
    assert_eq!(status, 200);
    assert_eq!(v["unit"]["name"], "Phường Trúc Bạch");
    assert_eq!(v["unit"]["within"][0], "Quận Ba Đình");
    assert_eq!(v["versions"].as_array().unwrap().len(), 2);
    let (status, v) = json(&app, "/api/v1/units/VN-C-00004/lineage").await;
    assert_eq!(status, 200);
    let preds = v[1]["predecessors"].as_array().unwrap();
    assert!(
        preds
            .iter()
            .any(|l| l["unit"]["name"] == "Phường Trúc Bạch" && l["kind"] == "merge")
    );
    assert!(
        v[0]["successors"][0]["legal_ref"]
            .as_str()
            .unwrap()
            .contains("UBTVQH15")
    );
    let (status, v) = json(&app, "/api/v1/units/FR-C-33063").await;
    assert_eq!(
        (status, v["unit"]["name"].as_str()),
        (200, Some("Bordeaux"))
    );
    // Bad input: problem+json with a stable code.
    for (path, status, code) in [
        ("/api/v1/units?at=2020-01-01&country=vn", 400, "before-data"),
        ("/api/v1/units?at=yesterday", 400, "bad-date"),
        ("/api/v1/units?country=de", 400, "bad-country"),
        ("/api/v1/units?level=canton&q=x", 400, "bad-level"),
        ("/api/v1/units/XX-1", 400, "bad-unit-ref"),
        ("/api/v1/units/VN-C-99999", 404, "unknown-unit"),
        (
            "/api/v1/units/VN-D-001?at=2026-01-01",
            404,
            "unit-not-in-force",
        ),
    ] {
        let r = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(v["type"].as_str().unwrap().ends_with(code), "{path}: {v}");
    }
    let (_, doc) = json(&app, "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/units",
        "/api/v1/units/{unit}",
        "/api/v1/units/{unit}/lineage",
        "/api/v1/addresses/convert",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

async fn address_conversion_over_the_api_and_the_page(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let c = client();
    let r = c
        .post(app.url("/api/v1/addresses/convert"))
        .json(&serde_json::json!({"address": "12 Hàng Bông, P. Hàng Gai, Q. Hoàn Kiếm, Hà Nội"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "certain");
    assert_eq!(v["current"]["commune"]["name"], "Phường Hoàn Kiếm");
    assert_eq!(v["current"]["province"]["code"], "01");
    assert_eq!(v["street"], "12 Hàng Bông");
    // A divided commune: candidates, not a guess.
    let r = c
        .post(app.url("/api/v1/addresses/convert"))
        .json(&serde_json::json!({"address": "Phường 15, Quận Tân Bình, TP HCM"}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "divided");
    assert!(v["candidates"].as_array().unwrap().len() >= 2);
    // Unknown part: 422 with suggestions.
    let r = c
        .post(app.url("/api/v1/addresses/convert"))
        .json(&serde_json::json!({"address": "Phường Hàng Gaii, Quận Hoàn Kiếm, Hà Nội"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "unknown");
    assert_eq!(v["suggestions"][0]["name"], "Phường Hàng Gai");
    // The page, in Vietnamese.
    let (status, html) = get(
        &app,
        "/units/convert?address=Ph%C6%B0%E1%BB%9Dng+Ph%C3%BAc+X%C3%A1%2C+Qu%E1%BA%ADn+Ba+%C4%90%C3%ACnh%2C+H%C3%A0+N%E1%BB%99i",
        "vi",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Hiện nay") && html.contains("Phường Hồng Hà"),
        "{html}"
    );
    let (_, html) = get(&app, "/units/convert?address=H%C3%A0+N%E1%BB%99i", "en").await;
    assert!(html.contains("Write the commune, the district and the province"));
}

async fn address_picker_works_without_javascript(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    // Step 1: provinces only.
    let (_, html) = get(&app, "/units/pick?country=vn", "en").await;
    assert!(html.contains("<select id=\"province\" name=\"province\">"));
    assert!(!html.contains("id=\"commune\""));
    // Step 2: the province's communes appear.
    let (_, html) = get(&app, "/units/pick?country=vn&province=VN-P-01", "en").await;
    assert!(
        html.contains("<option value=\"VN-C-00004\">Phường Ba Đình</option>"),
        "{html}"
    );
    // Step 3: the choice is shown.
    let (_, html) = get(
        &app,
        "/units/pick?country=vn&province=VN-P-01&commune=VN-C-00004",
        "en",
    )
    .await;
    assert!(
        html.contains("Chosen: Phường Ba Đình, Thành phố Hà Nội [VN-C-00004]"),
        "{html}"
    );
    // France: départements, then their communes.
    let (_, html) = get(&app, "/units/pick?country=fr&province=FR-D-33", "fr").await;
    assert!(html.contains("33 – Gironde") && html.contains(">Bordeaux</option>"));
    // The type-ahead script is served.
    let r = client()
        .get(app.url("/static/picker.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("/api/v1/units"));
}

async fn units_are_loaded_once_ledgered_and_in_the_backup_tables(db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let store = guichet_local_admin::units_store(&*app.rt.store).unwrap();
    let datasets = store.unit_datasets().await.unwrap();
    assert_eq!(datasets.len(), 2);
    // Opening again does not reload (same dataset version), and the load is in the ledger.
    let loaded = guichet_local_admin::load::sync_shipped(&*app.rt.store, &*app.rt.clock)
        .await
        .unwrap();
    assert!(loaded.is_empty());
    let entries = store.ledger_entries("system", 0, 1000).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "units.dataset_loaded")
            .count(),
        2
    );
    let (units, links) = store.load_units().await.unwrap();
    assert_eq!(
        units.len() as i64,
        datasets.iter().map(|d| d.units).sum::<i64>()
    );
    assert_eq!(
        links.len() as i64,
        datasets.iter().map(|d| d.links).sum::<i64>()
    );
    let tables = store.data_tables().await.unwrap();
    for t in ["admin_units", "admin_unit_links", "admin_unit_datasets"] {
        assert!(tables.iter().any(|x| x == t), "{t}");
        assert!(
            store.tables().iter().any(|s| s.name == t),
            "{t} is backed up"
        );
    }
}

fn guichet(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_guichet"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("GUICHET_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run guichet")
}

#[test]
fn cli_counts_units_and_converts_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let out = guichet(
        dir.path(),
        &["units", "stats", "--country", "vn", "--at", "2025-07-01"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in [
        "province         34",
        "commune        3321",
        "xa                           2621",
        "phuong                        687",
        "dac_khu                        13",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    let out = guichet(
        dir.path(),
        &["units", "stats", "--country", "fr", "--at", "2026-01-01"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("commune                     34969"));
    let out = guichet(
        dir.path(),
        &[
            "units",
            "convert",
            "Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("today: Phường Hồng Hà [00097], Thành phố Hà Nội [01]"),
        "{text}"
    );
    // Not certain: exit 3 with the candidates.
    let out = guichet(
        dir.path(),
        &["units", "convert", "Phường 15, Quận Tân Bình, Hồ Chí Minh"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("divided"));
    // Bad input: a clear error, exit 2.
    let out = guichet(
        dir.path(),
        &["units", "stats", "--country", "vn", "--at", "2024-01-01"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("starts on 2025-01-01"));
}
