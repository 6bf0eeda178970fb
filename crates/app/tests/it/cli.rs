//! The `guichet` binary as an operator uses it: demo, verify, tampering, backup and restore
//! across backends, and its answers to bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use guichet_core::OsEntropy;

fn guichet(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
    cmd.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.args(args)
        .env_remove("GUICHET_DATABASE_URL")
        .env("RUST_LOG", "warn");
    cmd.output().expect("run guichet")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("guichet.db").display())
}

#[test]
fn verify_passes_on_demo_data_and_names_a_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let out = guichet(dir.path(), None, &["demo", "--load-only"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("guichet-demo-2026"),
        "prints the demo logins"
    );
    let out = guichet(dir.path(), None, &["demo", "--load-only"]);
    assert!(
        text(&out).contains("already present"),
        "loading twice changes nothing"
    );
    let out = guichet(dir.path(), None, &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Every entry the demo wrote (the streams' heads hold their last sequence numbers) was
    // walked, whatever the composed slices' demos add.
    let demo_entries: i64 = rt.block_on(async {
        let store = guichet::open_store(&sqlite_url(dir.path()), Arc::new(OsEntropy))
            .await
            .unwrap();
        store
            .stream_heads()
            .await
            .unwrap()
            .iter()
            .map(|h| h.seq)
            .sum()
    });
    assert!(demo_entries > 150, "{demo_entries}");
    assert!(
        text(&out).contains(&format!(
            "ledger verified: {demo_entries} entries in 4 streams, 4 signed checkpoints"
        )),
        "{}",
        text(&out)
    );

    rt.block_on(async {
        let store = guichet::open_store(&sqlite_url(dir.path()), Arc::new(OsEntropy)).await.unwrap();
        store.execute_raw("UPDATE ledger_entries SET object_id = 'someone-else' WHERE stream = 'system' AND seq = 5").await.unwrap();
    });
    let out = guichet(dir.path(), None, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("stream \"system\", entry 5: entry altered"),
        "{}",
        text(&out)
    );
    let out = guichet(dir.path(), None, &["verify", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (json["ok"].as_bool(), json["seq"].as_i64()),
        (Some(false), Some(5))
    );
}

async fn dump(url: &str) -> Vec<(String, String)> {
    let store = guichet::open_store(url, Arc::new(OsEntropy)).await.unwrap();
    guichet_identity::contract::dump(&*store).await
}

/// SQLite → backup → PostgreSQL → backup → SQLite (in another data directory, with another
/// signing key), and every table is identical at each step and the ledger verifies.
#[test]
fn backup_restores_between_sqlite_and_postgres_both_ways() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(pg_url) = rt.block_on(guichet_store_sql::testing::postgres_for_tests()) else {
        return;
    };
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    assert!(
        guichet(first.path(), None, &["demo", "--load-only"])
            .status
            .success()
    );
    let sqlite_backup = first.path().join("from-sqlite.tar.gz");
    let out = guichet(
        first.path(),
        None,
        &["backup", sqlite_backup.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("from sqlite"));

    let out = guichet(
        first.path(),
        Some(&pg_url),
        &["restore", sqlite_backup.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("into postgres") && text(&out).contains("ledger verified"),
        "{}",
        text(&out)
    );
    let sqlite_rows = rt.block_on(dump(&sqlite_url(first.path())));
    assert_eq!(
        sqlite_rows,
        rt.block_on(dump(&pg_url)),
        "PostgreSQL holds exactly what SQLite held"
    );

    let pg_backup = first.path().join("from-postgres.tar.gz");
    assert!(
        guichet(
            first.path(),
            Some(&pg_url),
            &["backup", pg_backup.to_str().unwrap()]
        )
        .status
        .success()
    );
    let out = guichet(
        second.path(),
        None,
        &["restore", pg_backup.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("now trusting the backup's ledger key"),
        "a new instance learns the old key: {}",
        text(&out)
    );
    assert_eq!(
        sqlite_rows,
        rt.block_on(dump(&sqlite_url(second.path()))),
        "and back to SQLite, unchanged"
    );
    assert_eq!(
        guichet(second.path(), None, &["verify"]).status.code(),
        Some(0)
    );

    // Restoring into a database that holds data is refused, and writes nothing.
    let out = guichet(
        second.path(),
        None,
        &["restore", pg_backup.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("already holds data"), "{}", text(&out));
    assert_eq!(sqlite_rows, rt.block_on(dump(&sqlite_url(second.path()))));
    rt.block_on(guichet_store_sql::testing::drop_scratch_database(
        &guichet_store_sql::testing::postgres_admin_url(),
        &pg_url,
    ))
    .unwrap();
}

#[test]
fn bad_input_gets_one_clear_line_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"this is not an archive").unwrap();
    let cases: Vec<(Vec<&str>, Option<&str>, &str)> = vec![
        (
            vec!["restore", junk.to_str().unwrap()],
            None,
            "not a guichet backup",
        ),
        (
            vec!["restore", "/no/such/file"],
            None,
            "cannot read /no/such/file",
        ),
        (
            vec!["migrate"],
            Some("postgres://postgres@127.0.0.1:1/nowhere"),
            "cannot open the database",
        ),
        (
            vec!["migrate"],
            Some("mysql://root@localhost/x"),
            "unsupported database URL",
        ),
        (
            vec![
                "user",
                "create",
                "--username",
                "x",
                "--name",
                "X",
                "--role",
                "king",
            ],
            None,
            "unknown role",
        ),
        (
            vec![
                "office",
                "create",
                "--code",
                "bad code",
                "--name",
                "X",
                "--country",
                "vn",
            ],
            None,
            "office code",
        ),
        (
            vec!["--config", "/no/such.toml", "migrate"],
            None,
            "does not exist",
        ),
    ];
    for (args, url, expected) in cases {
        let out = guichet(dir.path(), url, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{args:?}: {stderr}"));
        assert!(line.contains(expected), "{args:?}: {line}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn first_administrator_is_created_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "user",
            "create",
            "--username",
            "root.admin",
            "--name",
            "Nguyễn Văn An",
            "--role",
            "sysadmin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let user = rt.block_on(async {
        let store = guichet::open_store(&sqlite_url(dir.path()), Arc::new(OsEntropy))
            .await
            .unwrap();
        guichet_identity::identity_store(&*store)
            .unwrap()
            .user_by_username("root.admin")
            .await
            .unwrap()
            .unwrap()
    });
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert_eq!(
        guichet(dir.path(), None, &["verify"]).status.code(),
        Some(0)
    );
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

#[test]
fn id_check_answers_every_line_in_order() {
    let mut input = String::from(
        "nir,2 69 02 99 341 732 60\nsiret,73282932000074\ncccd,001205012345\nmst,0100109107\niban,FR76 3000 6000 0112 3456 7890 189\nfoo,1\n",
    );
    for i in 0..20_000 {
        input.push_str(&format!("siren,{:09}\n", 100_000_000 + i));
    }
    let out = run_with_stdin(&["id", "check"], input.as_bytes());
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 20_006);
    assert_eq!(lines[1], "siret,73282932000074,valid");
    assert_eq!(lines[2], "cccd,001205012345,valid");
    assert_eq!(lines[3], "mst,0100109107,invalid,check_digit");
    assert_eq!(lines[4], "iban,FR76 3000 6000 0112 3456 7890 189,valid");
    assert_eq!(lines[5], "foo,1,invalid,unknown_kind");
    let valid_sirens = lines[6..].iter().filter(|l| l.ends_with(",valid")).count();
    assert_eq!(valid_sirens, 2_000, "one number in ten passes Luhn");
}

#[test]
fn calendar_commands_work_and_refuse_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = guichet(
        dir.path(),
        None,
        &["calendar", "holidays", "--country", "fr", "--year", "2026"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 11);
    assert!(stdout.starts_with("2026-01-01 Jour de l'an\n"));
    let out = guichet(
        dir.path(),
        None,
        &[
            "calendar",
            "add-working-days",
            "--country",
            "vn",
            "--from",
            "2026-02-13",
            "--days",
            "5",
        ],
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "2026-02-27\n");
    let out = guichet(
        dir.path(),
        None,
        &["calendar", "lunar", "--from-solar", "1985-01-21"],
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "1985-01-01\n",
        "Tết 1985 in Vietnam"
    );
    for args in [
        vec!["calendar", "holidays", "--country", "xx", "--year", "2026"],
        vec!["calendar", "holidays", "--country", "vn", "--year", "1066"],
        vec!["calendar", "lunar", "--to-solar", "2024-02-31"],
    ] {
        let out = guichet(dir.path(), None, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{args:?}"
        );
    }
}

/// Every PDF under the data directory's document store.
fn issued_pdfs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.join("files").join("documents")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn doc_verify_accepts_issued_pdfs_and_refuses_a_changed_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = guichet(dir.path(), None, &["demo", "--load-only"]);
    assert!(out.status.success(), "{}", text(&out));
    let pdfs = issued_pdfs(dir.path());
    assert!(pdfs.len() >= 15, "the demo issues documents: {pdfs:?}");
    let keys = dir.path().join("keys.json");
    let out = guichet(dir.path(), None, &["doc", "keys"]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(&keys, &out.stdout).unwrap();
    let keys = keys.to_str().unwrap();
    for pdf in pdfs.iter().take(3) {
        let file = pdf.to_str().unwrap();
        let out = guichet(dir.path(), None, &["doc", "verify", file]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).starts_with("AUTHENTIC"), "{}", text(&out));
        let out = guichet(dir.path(), None, &["doc", "verify", file, "--keys", keys]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    // One byte changed anywhere in the PDF: both checkers refuse it.
    let original = std::fs::read(&pdfs[0]).unwrap();
    for at in [10, original.len() / 2, original.len() - 300] {
        let mut bytes = original.clone();
        bytes[at] ^= 0x01;
        let changed = dir.path().join("changed.pdf");
        std::fs::write(&changed, &bytes).unwrap();
        let changed = changed.to_str().unwrap();
        let out = guichet(dir.path(), None, &["doc", "verify", changed]);
        assert_eq!(out.status.code(), Some(1), "byte {at}: {}", text(&out));
        assert!(
            text(&out).contains("ALTERED") || text(&out).contains("NOT AUTHENTIC"),
            "{}",
            text(&out)
        );
        let out = guichet(
            dir.path(),
            None,
            &["doc", "verify", changed, "--keys", keys],
        );
        assert_eq!(out.status.code(), Some(1), "byte {at}: {}", text(&out));
    }
    // A file guichet never sealed.
    let plain = dir.path().join("plain.pdf");
    std::fs::write(&plain, b"%PDF-1.4\n%%EOF\n").unwrap();
    let out = guichet(
        dir.path(),
        None,
        &["doc", "verify", plain.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("no guichet seal"), "{}", text(&out));
}

/// LibreOffice (headless) converts a spreadsheet to CSV; None when it is not installed.
fn libreoffice_csv(file: &Path, profile: &Path) -> Option<String> {
    let out_dir = file
        .parent()?
        .join(format!("lo-{}", file.extension()?.to_str()?));
    let status = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(file)
        .output()
        .ok()?;
    assert!(status.status.success(), "soffice: {}", text(&status));
    std::fs::read_to_string(out_dir.join(format!("{}.csv", file.file_stem()?.to_str()?))).ok()
}

#[test]
fn exports_open_in_libreoffice_with_the_same_numbers() {
    if Command::new("soffice").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "LibreOffice is missing: run scripts/setup"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = guichet(dir.path(), None, &["demo", "--load-only"]);
    assert!(out.status.success(), "{}", text(&out));
    let columns = "code,procedure,version,state,applicant,due_date,decided_on,timing,answers.full_name,answers.cccd,answers.copies,answers.registered_at";
    for format in ["csv", "xlsx", "ods"] {
        let file = dir.path().join(format!("export.{format}"));
        let out = guichet(
            dir.path(),
            None,
            &[
                "export",
                "--office",
                "HN-HOANKIEM",
                "--procedure",
                "HT-TRICHLUC-KS",
                "--format",
                format,
                "--columns",
                columns,
                "--out",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains("exported 8 dossier(s)"),
            "{}",
            text(&out)
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("export.csv")).unwrap();
    assert_eq!(csv.lines().count(), 9);
    assert!(csv.contains(",1,"), "the version is a number");
    let profile = dir.path().join("lo-profile");
    for format in ["xlsx", "ods"] {
        let converted = libreoffice_csv(&dir.path().join(format!("export.{format}")), &profile)
            .unwrap_or_else(|| panic!("LibreOffice could not read the {format} export"));
        assert_eq!(
            converted, csv,
            "{format} read back by LibreOffice differs from the CSV"
        );
    }
}

/// A slice's command composes into the binary: listed in the help, parsed by its own
/// definition (bad input refused with clap's usage error), run on the demo data.
#[test]
fn slice_commands_are_composed_into_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let out = guichet(dir.path(), None, &["--help"]);
    assert!(text(&out).contains("cooperation"), "{}", text(&out));
    let out = guichet(dir.path(), None, &["demo", "--load-only"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = guichet(dir.path(), None, &["cooperation", "list"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("VN-FR-2025-2028"), "{}", text(&out));
    let csv = dir.path().join("coop.csv");
    let out = guichet(
        dir.path(),
        None,
        &[
            "cooperation",
            "export",
            "--format",
            "csv",
            "--agreement",
            "VN-FR-2022-2025",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let written = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        written.lines().count(),
        3,
        "a header and the agreement's two activities: {written}"
    );
    let out = guichet(
        dir.path(),
        None,
        &["cooperation", "export", "--format", "pdf", "--out", "x"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = guichet(dir.path(), None, &["no-such-command"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("unknown command"), "{}", text(&out));
}

/// `guichet pay compute … | head`: a reader that stops early closes the pipe; the command
/// ends quietly instead of panicking (exit 101 and a backtrace note).
#[test]
fn a_closed_output_pipe_ends_a_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pure/pay/tests/fixtures");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("vn/08.json")).unwrap())
            .unwrap();
    let input = dir.path().join("input.json");
    std::fs::write(&input, fixture["input"].to_string()).unwrap();
    // The reading end is closed before the command writes: every write fails with EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args(["pay", "compute", "--builtin", "--country", "vn", "--input"])
        .arg(&input)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
