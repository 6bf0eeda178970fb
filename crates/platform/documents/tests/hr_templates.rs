//! The civil-service templates compile in every language and country and print their data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use guichet_documents::{Renderer, hr_templates, render};
use serde_json::json;

fn header(lang: &str, country: &str) -> serde_json::Value {
    json!({
        "lang": lang, "country": country,
        "office": {"code": "X", "name": "Sở Nội vụ Thành phố Hà Nội", "parent": ""},
        "document": {"title": "T", "number": "SNV-003", "id": "X-SNV-003", "place_date": "ngày 01 tháng 12 năm 2026"},
    })
}

fn text_of(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn personnel_form_and_payslip_render() {
    let renderer = Renderer::new();
    let today = time::macros::date!(2026 - 12 - 01);
    for (lang, country) in [("vi", "vn"), ("en", "vn"), ("fr", "fr"), ("en", "fr")] {
        let mut form = header(lang, country);
        form["person_name"] = json!("Vũ Thị An");
        form["on"] = json!("2026-12-01");
        form["identity"] = json!([
            ["Ngày sinh", "1981-05-19"],
            ["Số định danh", "CCCD 001181120002"]
        ]);
        form["current"] = json!([["Bố trí công tác", "TCBC · TP"]]);
        form["career"] = json!([{"from": "2019-01-01", "to": "2024-07-01", "kind": "Bố trí", "text": "TCBC · PTP"}]);
        form["events"] = json!([]);
        let pdf = render(&renderer, hr_templates::PERSONNEL_FORM, &form, "x", today).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        if let Some(text) = text_of(&pdf) {
            assert!(
                text.contains("Vũ Thị An") && text.contains("TCBC · PTP"),
                "{text}"
            );
        }
        let mut slip = header(lang, country);
        slip["month"] = json!("2026-11");
        slip["person_name"] = json!("Vũ Thị An");
        slip["number"] = json!("SNV-003");
        slip["state"] = json!("locked");
        slip["gross"] = json!("11.512.800 ₫");
        slip["deductions"] = json!("1.094.260 ₫");
        slip["net"] = json!("10.418.540 ₫");
        slip["lines"] = json!([
            {"label": "Lương theo ngạch, bậc", "rate": "4.32", "base": "2.340.000 ₫", "amount": "10.108.800 ₫", "deduction": false, "info": false, "source": "Decree 204/2004/NĐ-CP"},
            {"label": "Bảo hiểm xã hội", "rate": "8%", "base": "11.512.800 ₫", "amount": "921.024 ₫", "deduction": true, "info": false, "source": "Law 58/2014/QH13 art. 85"},
            {"label": "Thu nhập tính thuế", "rate": "", "base": "", "amount": "0 ₫", "deduction": false, "info": true, "source": "Law 04/2007/QH12"},
        ]);
        let pdf = render(&renderer, hr_templates::PAYSLIP, &slip, "x", today).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        if let Some(text) = text_of(&pdf) {
            assert!(
                text.contains("10.418.540") && text.contains("Law 58/2014/QH13"),
                "{text}"
            );
        }
    }
}
