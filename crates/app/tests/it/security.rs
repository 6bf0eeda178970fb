//! Security headers and limits (OWASP ASVS level 2, chapters 12–14): each header with its
//! value, HSTS only over TLS, cookies' flags, body and upload size limits, file types checked
//! on the content, the request timeout for slow bodies and the header timeout for slow
//! clients (slowloris).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use crate::support::{Db, client, csrf_of, spawn_app, spawn_app_with};
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("header {name} on {}", r.url()))
        .to_str()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_api_carry_the_security_headers() {
    let app = spawn_app(Db::Sqlite).await.unwrap();
    for path in [
        "/",
        "/login",
        "/procedures",
        "/api/v1/procedures",
        "/no-such-page",
    ] {
        let r = client().get(app.url(path)).send().await.unwrap();
        let csp = header(&r, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: CSP has {directive}: {csp}"
            );
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "referrer-policy"), "same-origin", "{path}");
        // Served over plain HTTP here: no HSTS (it would be ignored, or wrong behind no TLS).
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "{path}: no HSTS without TLS"
        );
    }
    // The session and CSRF cookies are out of scripts' reach and not sent cross-site.
    let c = client();
    let r = c.get(app.url("/login")).send().await.unwrap();
    let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
    assert!(!cookies.is_empty());
    for cookie in &cookies {
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(
            cookie.contains("SameSite=Lax") || cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("Secure"),
            "no Secure flag without TLS: {cookie}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_tls_hsts_is_sent_and_cookies_are_secure() {
    let app = spawn_app_with(Db::Sqlite, |c| c.secure_cookies = true)
        .await
        .unwrap();
    let c = client();
    for path in ["/", "/api/v1/procedures"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let hsts = header(&r, "strict-transport-security");
        let max_age: u64 = hsts
            .strip_prefix("max-age=")
            .and_then(|v| v.split(';').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(max_age >= 31_536_000, "HSTS for at least a year: {hsts}");
    }
    let r = client().get(app.url("/login")).send().await.unwrap();
    for cookie in r.headers().get_all("set-cookie") {
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.contains("Secure"), "{cookie}");
    }
}

/// A citizen's draft of the birth-extract procedure, its edit URL and the form's revision.
async fn draft(app: &crate::support::TestApp, c: &reqwest::Client) -> (String, String, String) {
    let html = c
        .get(app.url("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = c
        .post(app.url("/procedures/HN-HOANKIEM/HT-TRICHLUC-KS/start"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let edit = r.headers()["location"].to_str().unwrap().to_owned();
    let rev = rev_of(app, c, &edit).await;
    (edit, csrf, rev)
}

/// The draft's current revision (each save moves it on).
async fn rev_of(app: &crate::support::TestApp, c: &reqwest::Client, edit: &str) -> String {
    let html = c
        .get(app.url(edit))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"rev\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn scan_form(csrf: &str, rev: &str, name: &str, mime: &str, bytes: Vec<u8>) -> Form {
    Form::new()
        .text("csrf", csrf.to_owned())
        .text("rev", rev.to_owned())
        .text("go", "save")
        .part(
            "id_scan",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_limited_in_size_and_checked_on_their_content() {
    let app = spawn_app_with(Db::Sqlite, |c| c.upload_limit_bytes = 256 * 1024)
        .await
        .unwrap();
    let citizen = app.client_as("thu.pham").await;
    let (edit, csrf, _) = draft(&app, &citizen).await;
    let url = app.url(&edit);

    // A whole request over the upload limit: 413 before the body is read into memory.
    let big = vec![b'%'; 300 * 1024];
    let r = citizen
        .post(&url)
        .header("connection", "close")
        .multipart(scan_form(
            &csrf,
            &rev_of(&app, &citizen, &edit).await,
            "cccd.pdf",
            "application/pdf",
            big,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    // A type the field does not take, by name.
    let r = citizen
        .post(&url)
        .multipart(scan_form(
            &csrf,
            &rev_of(&app, &citizen, &edit).await,
            "tool.exe",
            "application/octet-stream",
            b"MZ\x90\x00".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not accepted"));

    // The right name on the wrong content: a Windows executable called cccd.pdf, a zip
    // called scan.png.
    for (name, bytes) in [
        (
            "cccd.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
        ),
        ("scan.png", b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec()),
    ] {
        let r = citizen
            .post(&url)
            .multipart(scan_form(
                &csrf,
                &rev_of(&app, &citizen, &edit).await,
                name,
                "application/pdf",
                bytes,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{name}");
        assert!(r.text().await.unwrap().contains("content is not"), "{name}");
    }
    // Nothing of the refused files was kept on the draft.
    let id = edit
        .trim_start_matches("/dossiers/")
        .trim_end_matches("/edit");
    let dossier: serde_json::Value = citizen
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        dossier["answers"]
            .get("id_scan")
            .is_none_or(serde_json::Value::is_null),
        "{dossier}"
    );

    // A real PDF under the limit is taken.
    let r = citizen
        .post(&url)
        .multipart(scan_form(
            &csrf,
            &rev_of(&app, &citizen, &edit).await,
            "cccd.pdf",
            "application/pdf",
            b"%PDF-1.7\n% scan\n".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
    let dossier: serde_json::Value = citizen
        .get(app.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        dossier["answers"]["id_scan"]["name"], "cccd.pdf",
        "{dossier}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_too_slowly_is_cut_off_with_408() {
    let app = spawn_app_with(Db::Sqlite, |c| c.request_timeout_secs = 1)
        .await
        .unwrap();
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Headers promise 1000 bytes; only a few arrive, then nothing.
    stream
        .write_all(
            format!(
                "POST /api/v1/pay/compute?country=vn HTTP/1.1\r\nHost: {address}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"a\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server answered a stalled body within its timeout"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = spawn_app_with(Db::Sqlite, |c| c.header_timeout_secs = 1)
        .await
        .unwrap();
    let address = app.base.trim_start_matches("http://").to_owned();
    // Slowloris: a request line and one header, then a header byte now and then, never the
    // blank line that ends the headers.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(format!("GET / HTTP/1.1\r\nHost: {address}\r\n").as_bytes())
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 1024];
        loop {
            // Keep trickling; the server must hang up regardless.
            if stream.write_all(b"X").await.is_err() {
                return;
            }
            match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return,
                Ok(Ok(_)) => {} // an error response before closing is fine
                Err(_) => {}    // nothing yet
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server closed the connection of a client stuck in its headers"
    );
    // The server still serves everybody else.
    let r = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_json_and_wrong_content_types_are_refused() {
    let app = spawn_app_with(Db::Sqlite, |c| c.body_limit_bytes = 64 * 1024)
        .await
        .unwrap();
    let admin = app.client_as("admin").await;
    let r = admin
        .post(app.url("/api/v1/offices"))
        .header("content-type", "application/json")
        .header("connection", "close")
        .body(format!(
            "{{\"code\":\"X\",\"name\":\"{}\",\"country\":\"vn\"}}",
            "x".repeat(100 * 1024)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // A page form sent as JSON (what a cross-site page cannot do with a form, and what the
    // pages never take).
    let html = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = admin
        .post(app.url("/admin/offices"))
        .header("content-type", "application/json")
        .body(format!("{{\"csrf\":\"{csrf}\",\"code\":\"HN-X\"}}"))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 403 || r.status() == 415, "{}", r.status());
}
