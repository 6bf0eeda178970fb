//! Packages written by guichet checked by independent tools: BagIt bags by bagit-python
//! (`bagit.py --validate`), SEDA 2.2 transfers by xmllint against the official XSD schemas
//! (committed under tests/fixtures with the W3C schemas they import, resolved through an XML
//! catalog, no network), E-ARK SIPs by eark-validator; and each read back unchanged.
//! `scripts/setup` installs the tools; under CI a missing tool fails the test.

use guichet_records_formats::package::{
    Agency, ClassMeta, ContentMeta, FileMeta, Package, RecordMeta,
};
use guichet_records_formats::{bagit, eark, hashing, seda};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::{date, datetime};
use uuid::Uuid;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A tool of the archive test kit (scripts/setup), or `None` (skip) outside CI.
fn tool(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let candidates = [
        home.join(".cache/guichet-reference/archive-tools/bin")
            .join(name),
        PathBuf::from("/usr/bin").join(name),
    ];
    let found = candidates.into_iter().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing: run scripts/setup"
        );
        eprintln!("skipped: {name} is missing (run scripts/setup)");
    }
    found
}

fn sample() -> (Package, HashMap<Uuid, Vec<u8>>) {
    let class = ClassMeta {
        id: Uuid::from_u128(0xC1),
        code: "02.05".into(),
        title: "Hồ sơ cấp giấy khai sinh".into(),
        retention_years: Some(10),
        final_action: "destroy".into(),
        trigger: "file_closed".into(),
        legal_reference: "Thông tư 10/2022/TT-BNV".into(),
    };
    let file = FileMeta {
        id: Uuid::from_u128(0xF1),
        reference: "2026/02.05/001".into(),
        title: "Đăng ký khai sinh — Nguyễn Văn A".into(),
        class_id: Some(class.id),
        opened_on: date!(2026 - 03 - 02),
        closed_on: Some(date!(2026 - 03 - 20)),
        due_on: Some(date!(2036 - 03 - 20)),
        dossier_code: Some("HN-HOANKIEM-260302-0001".into()),
    };
    let mut contents = HashMap::new();
    let mut record = |n: u128,
                      file_id: Option<Uuid>,
                      parent: Option<Uuid>,
                      name: &str,
                      body: &[u8],
                      number: Option<i64>| {
        let id = Uuid::from_u128(n);
        contents.insert(id, body.to_vec());
        RecordMeta {
            id,
            file_id,
            parent_id: parent,
            register: number.map(|_| "outgoing".to_owned()),
            year: number.map(|_| 2026),
            number,
            symbol: if number.is_some() {
                "QĐ-UBND".into()
            } else {
                String::new()
            },
            doc_type: if number.is_some() {
                "quyet_dinh".into()
            } else {
                "upload".into()
            },
            title: format!("Trích yếu <{n}> & \"dấu\""),
            doc_date: date!(2026 - 03 - 05),
            issuer: "UBND phường Hoàn Kiếm".into(),
            signer: "Trần Thị B".into(),
            recipients: "Nguyễn Văn A; Lưu trữ".into(),
            urgency: "khan".into(),
            confidentiality: "normal".into(),
            lang: "vi".into(),
            source: if number.is_some() {
                "register".into()
            } else {
                "upload".into()
            },
            dossier_code: Some("HN-HOANKIEM-260302-0001".into()),
            created_at: datetime!(2026-03-05 10:00 UTC),
            due_on: Some(date!(2036 - 03 - 20)),
            content: Some(ContentMeta {
                name: name.into(),
                content_type: "application/pdf".into(),
                size: body.len() as u64,
                sha256: hashing::sha256_bytes(body),
            }),
        }
    };
    let main = record(
        1,
        Some(file.id),
        None,
        "quyết định.pdf",
        b"%PDF-1.7 decision",
        Some(15),
    );
    let attachment = record(
        2,
        Some(file.id),
        Some(main.id),
        "phụ lục 1.pdf",
        b"%PDF-1.7 annex",
        None,
    );
    let loose = record(3, None, None, "giấy tờ.pdf", b"%PDF-1.7 loose", None);
    let package = Package {
        format: guichet_records_formats::package::FORMAT.into(),
        id: Uuid::from_u128(0xABC),
        created_at: datetime!(2026-12-01 09:30 UTC),
        office: Agency {
            identifier: "HN-HOANKIEM".into(),
            name: "UBND phường Hoàn Kiếm".into(),
        },
        country: "VN".into(),
        archival_agency: Agency {
            identifier: "LTLS-HN".into(),
            name: "Trung tâm Lưu trữ lịch sử Hà Nội".into(),
        },
        classes: vec![class],
        files: vec![file],
        records: vec![main, attachment, loose],
    };
    (package, contents)
}

fn opener(
    contents: &HashMap<Uuid, Vec<u8>>,
) -> impl FnMut(&RecordMeta) -> std::io::Result<Box<dyn std::io::Read + Send>> + '_ {
    move |r: &RecordMeta| {
        let bytes = contents.get(&r.id).cloned().unwrap_or_default();
        Ok(Box::new(std::io::Cursor::new(bytes)) as Box<dyn std::io::Read + Send>)
    }
}

#[test]
fn bagit_package_passes_bagit_python_and_reads_back() {
    let (package, contents) = sample();
    let dir = tempfile::tempdir().expect("tmp");
    let bag = dir.path().join("bag");
    bagit::write_package(&bag, &package, &mut opener(&contents), "2026-12-01").expect("write");
    assert_eq!(bagit::read_package(&bag).expect("read"), package);
    if let Some(bagit_py) = tool("bagit.py") {
        let out = Command::new(bagit_py)
            .arg("--validate")
            .arg(&bag)
            .output()
            .expect("run bagit.py");
        assert!(
            out.status.success(),
            "bagit.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // And it notices damage.
        std::fs::write(bag.join("data/records.json"), b"{}").expect("tamper");
        let out = Command::new(tool("bagit.py").expect("tool"))
            .arg("--validate")
            .arg(&bag)
            .output()
            .expect("run");
        assert!(!out.status.success(), "bagit.py accepted a tampered bag");
    }
    assert!(bagit::read_package(&bag).is_err());
}

#[test]
fn a_corrupt_source_is_never_packaged() {
    let (package, mut contents) = sample();
    contents.insert(Uuid::from_u128(2), b"changed".to_vec());
    let dir = tempfile::tempdir().expect("tmp");
    let err = bagit::write_package(
        &dir.path().join("bag"),
        &package,
        &mut opener(&contents),
        "2026-12-01",
    )
    .expect_err("must refuse");
    assert!(err.to_string().contains("the record says"), "{err}");
    let err = seda::write_transfer(&dir.path().join("seda"), &package, &mut opener(&contents))
        .expect_err("must refuse");
    assert!(err.to_string().contains("the record says"), "{err}");
}

fn xmllint_schema(xml: &Path) {
    let Some(xmllint) = tool("xmllint") else {
        return;
    };
    let out = Command::new(xmllint)
        .env("XML_CATALOG_FILES", fixtures().join("catalog.xml"))
        .args(["--noout", "--nonet", "--schema"])
        .arg(fixtures().join("seda-2.2/seda-2.2-main.xsd"))
        .arg(xml)
        .output()
        .expect("run xmllint");
    assert!(
        out.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn seda_transfer_validates_against_the_xsd_and_reads_back() {
    let (package, contents) = sample();
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("sip");
    seda::write_transfer(&root, &package, &mut opener(&contents)).expect("write");
    xmllint_schema(&root.join(seda::MANIFEST));
    let back = seda::read_transfer(&root).expect("read");
    assert_eq!(back, package);
    // Altered content is detected on import.
    let first = package.records[0].content_path().expect("path");
    std::fs::write(root.join(first), b"altered").expect("tamper");
    let err = seda::read_transfer(&root).expect_err("must refuse");
    assert!(err.to_string().contains("SHA-256"), "{err}");
}

#[test]
fn seda_schema_check_can_fail() {
    // The XSD check itself rejects a manifest missing a required element.
    let Some(xmllint) = tool("xmllint") else {
        return;
    };
    let (package, _) = sample();
    let xml = seda::manifest(&package)
        .replace("<MessageIdentifier>", "<Wrong>")
        .replace("</MessageIdentifier>", "</Wrong>");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("bad.xml");
    std::fs::write(&path, xml).expect("write");
    let out = Command::new(xmllint)
        .env("XML_CATALOG_FILES", fixtures().join("catalog.xml"))
        .args(["--noout", "--nonet", "--schema"])
        .arg(fixtures().join("seda-2.2/seda-2.2-main.xsd"))
        .arg(&path)
        .output()
        .expect("run xmllint");
    assert!(!out.status.success());
}

#[test]
fn eark_sip_passes_the_csip_rules_and_reads_back() {
    let (package, contents) = sample();
    let dir = tempfile::tempdir().expect("tmp");
    let sip = eark::write_sip(dir.path(), &package, &mut opener(&contents)).expect("write");
    assert_eq!(eark::check(&sip).expect("check"), Vec::<String>::new());
    assert_eq!(eark::read_sip(&sip).expect("read"), package);
    if let Some(python) =
        tool("python3").filter(|p| p.starts_with(std::env::var("HOME").unwrap_or_default()))
    {
        let out = Command::new(python)
            .arg(fixtures().join("eark_validate.py"))
            .arg(&sip)
            .output()
            .expect("run eark-validator");
        assert!(
            out.status.success(),
            "eark-validator: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let payload = eark::content_dir(&sip).join(package.records[0].content_path().expect("path"));
    std::fs::remove_file(payload).expect("remove");
    let problems = eark::check(&sip).expect("check");
    assert!(
        problems.iter().any(|p| p.contains("missing")),
        "{problems:?}"
    );
}
