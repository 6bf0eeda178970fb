//! Every built-in template renders in vi, fr and en for offices of both countries, and the text
//! pdftotext (poppler, an independent PDF reader) extracts from the PDF carries the Vietnamese
//! and French diacritics intact. Needs `pdftotext` (installed by scripts/setup); under CI its
//! absence fails the test instead of skipping it.

use std::process::Command;

use guichet_documents::{
    DocumentError, DocumentKind, Renderer, check_template, render, sample_data,
};

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).ok()?;
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn have_pdftotext() -> bool {
    let found = Command::new("pdftotext").arg("-v").output().is_ok();
    if !found && std::env::var("CI").is_ok() {
        panic!("pdftotext is missing: run scripts/setup");
    }
    found
}

/// Collapses runs of whitespace (layout mode pads columns).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_template_in_every_language_keeps_its_diacritics() {
    if !have_pdftotext() {
        return;
    }
    let renderer = Renderer::new();
    let today = time::macros::date!(2026 - 01 - 15);
    for kind in DocumentKind::ALL {
        for (country, lang) in [
            ("vn", "vi"),
            ("vn", "fr"),
            ("vn", "en"),
            ("fr", "fr"),
            ("fr", "vi"),
            ("fr", "en"),
        ] {
            let data = sample_data(country, lang);
            let pdf = render(
                &renderer,
                kind.builtin_template(),
                &data,
                "https://guichet.example/verify/x?s=abc",
                today,
            )
            .unwrap_or_else(|e| panic!("{} {country}/{lang}: {e}", kind.code()));
            assert!(pdf.starts_with(b"%PDF-"), "{}", kind.code());
            let text = squash(&pdftotext(&pdf).expect("pdftotext reads the PDF"));
            let expect: Vec<&str> = if country == "vn" {
                vec![
                    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                    "Độc lập - Tự do - Hạnh phúc",
                    "Nguyễn Thị Hương",
                    "ỦY BAN NHÂN DÂN PHƯỜNG",
                    "Ủy ban nhân dân phường Hoàn Kiếm",
                    "Hà Nội, ngày 15 tháng 01 năm 2026",
                ]
            } else {
                vec![
                    "RÉPUBLIQUE FRANÇAISE",
                    "Liberté",
                    "Égalité",
                    "Fraternité",
                    "Élodie Lefèvre",
                    "Préfecture de la Gironde",
                ]
            };
            for needle in expect {
                assert!(
                    text.contains(needle),
                    "{} {country}/{lang}: {needle:?} not in {text}",
                    kind.code()
                );
            }
            let applicant = if country == "vn" {
                "Trần Văn Đức"
            } else {
                "Hélène Dupré"
            };
            assert!(
                text.contains(applicant),
                "{} {country}/{lang}: applicant missing in {text}",
                kind.code()
            );
            if kind != DocumentKind::Result {
                let title = squash(&kind.title(lang).to_uppercase());
                assert!(
                    text.contains(&title),
                    "{} {country}/{lang}: title {title:?} not in {text}",
                    kind.code()
                );
            }
        }
    }
}

#[test]
fn a_broken_template_is_refused_with_its_line_and_reason() {
    let renderer = Renderer::new();
    let template =
        "#import \"/lib.typ\": *\n#show: page-setup\n#header()\n#data.dossier.nonexistent\n";
    match check_template(&renderer, template) {
        Err(DocumentError::Template {
            file,
            line,
            message,
            ..
        }) => {
            assert_eq!(file, "main.typ");
            assert_eq!(line, 4, "{message}");
            assert!(message.contains("nonexistent"), "{message}");
        }
        other => panic!("expected a template error, got {other:?}"),
    }
    match check_template(&renderer, "#let x = (\n") {
        Err(DocumentError::Template { line, .. }) => assert!(line >= 1),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    for kind in DocumentKind::ALL {
        assert_eq!(
            check_template(&renderer, kind.builtin_template()),
            Ok(()),
            "{}",
            kind.code()
        );
    }
}
