//! Official documents: the one-stop forms and result documents as typst templates rendered to
//! PDF in-process (fonts compiled into the binary), sealed with the office's Ed25519 key, with a
//! QR code that leads to the public verification page. No storage here: the services crate
//! decides when a document is issued and stores it.

pub mod render;
pub mod seal;

use serde_json::{Value, json};

pub use render::Renderer;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The template does not compile: where and why, for the administrator who edits it.
    #[error("{file}, line {line}, column {column}: {message}")]
    Template {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Internal(String),
}

/// The documents guichet issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// Form 01: receipt and appointment slip (at reception).
    Receipt,
    /// Form 02: request to supplement the dossier (at a correction request).
    Supplement,
    /// Form 03: refusal notice (at rejection).
    Refusal,
    /// Apology and new appointment (when a result will be late).
    Apology,
    /// Form 06: processing control sheet (when processing ends).
    ControlSheet,
    /// Handover log (when the result is handed over).
    Handover,
    /// The result: attestation, licence, certificate (at approval).
    Result,
    /// Attestation of implicit acceptance (CRPA L232-3): the deadline of a "silence means
    /// acceptance" procedure passed without a decision.
    ImplicitAcceptance,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 8] = [
        DocumentKind::Receipt,
        DocumentKind::Supplement,
        DocumentKind::Refusal,
        DocumentKind::Apology,
        DocumentKind::ControlSheet,
        DocumentKind::Handover,
        DocumentKind::Result,
        DocumentKind::ImplicitAcceptance,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::Supplement => "supplement",
            DocumentKind::Refusal => "refusal",
            DocumentKind::Apology => "apology",
            DocumentKind::ControlSheet => "control_sheet",
            DocumentKind::Handover => "handover",
            DocumentKind::Result => "result",
            DocumentKind::ImplicitAcceptance => "implicit_acceptance",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The template shipped with guichet (offices may replace it).
    pub fn builtin_template(self) -> &'static str {
        match self {
            DocumentKind::Receipt => include_str!("../templates/receipt.typ"),
            DocumentKind::Supplement => include_str!("../templates/supplement.typ"),
            DocumentKind::Refusal => include_str!("../templates/refusal.typ"),
            DocumentKind::Apology => include_str!("../templates/apology.typ"),
            DocumentKind::ControlSheet => include_str!("../templates/control_sheet.typ"),
            DocumentKind::Handover => include_str!("../templates/handover.typ"),
            DocumentKind::Result => include_str!("../templates/result.typ"),
            DocumentKind::ImplicitAcceptance => {
                include_str!("../templates/implicit_acceptance.typ")
            }
        }
    }

    /// Title in a language (vi, fr, en), for lists and file names.
    pub fn title(self, lang: &str) -> &'static str {
        let [vi, fr, en] = match self {
            DocumentKind::Receipt => [
                "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                "Accusé de réception et rendez-vous",
                "Receipt and appointment slip",
            ],
            DocumentKind::Supplement => [
                "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                "Demande de pièces complémentaires",
                "Request to supplement the dossier",
            ],
            DocumentKind::Refusal => [
                "Phiếu từ chối giải quyết hồ sơ",
                "Décision de refus",
                "Refusal notice",
            ],
            DocumentKind::Apology => [
                "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
                "Lettre d'excuse et nouveau rendez-vous",
                "Apology and new appointment",
            ],
            DocumentKind::ControlSheet => [
                "Phiếu kiểm soát quá trình giải quyết hồ sơ",
                "Fiche de suivi du traitement du dossier",
                "Dossier processing control sheet",
            ],
            DocumentKind::Handover => [
                "Biên bản trả kết quả",
                "Procès-verbal de remise du résultat",
                "Handover log",
            ],
            DocumentKind::Result => [
                "Kết quả giải quyết thủ tục hành chính",
                "Décision",
                "Result document",
            ],
            DocumentKind::ImplicitAcceptance => [
                "Giấy xác nhận chấp thuận do cơ quan im lặng",
                "Attestation d'acceptation implicite",
                "Attestation of implicit acceptance",
            ],
        };
        match lang {
            "vi" => vi,
            "fr" => fr,
            _ => en,
        }
    }
}

/// The shared part every template imports.
pub const LIB_TEMPLATE: &str = include_str!("../templates/lib.typ");

/// Largest template accepted (bytes).
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;

/// The QR code of `text` as an SVG image.
pub fn qr_svg(text: &str) -> Result<Vec<u8>, DocumentError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| DocumentError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build()
        .into_bytes())
}

/// Renders `template` (a document of `kind`) with `data` (see `sample_data` for its shape) and
/// a QR code of `qr_text`.
pub fn render(
    renderer: &Renderer,
    template: &str,
    data: &Value,
    qr_text: &str,
    today: time::Date,
) -> Result<Vec<u8>, DocumentError> {
    if template.len() > MAX_TEMPLATE_BYTES {
        return Err(DocumentError::Template {
            file: "main.typ".into(),
            line: 0,
            column: 0,
            message: format!("the template is larger than {MAX_TEMPLATE_BYTES} bytes"),
        });
    }
    let data = serde_json::to_vec(data).map_err(|e| DocumentError::Internal(e.to_string()))?;
    renderer.pdf(
        vec![
            render::Input {
                path: "/main.typ",
                bytes: template.as_bytes().to_vec(),
            },
            render::Input {
                path: "/lib.typ",
                bytes: LIB_TEMPLATE.as_bytes().to_vec(),
            },
            render::Input {
                path: "/data.json",
                bytes: data,
            },
            render::Input {
                path: "/qr.svg",
                bytes: qr_svg(qr_text)?,
            },
        ],
        today,
    )
}

/// Checks a template before it is saved: it must compile, in every language, for an office of
/// either country. Returns the first error with its line and reason.
pub fn check_template(renderer: &Renderer, template: &str) -> Result<(), DocumentError> {
    let today = time::macros::date!(2026 - 01 - 15);
    for (country, lang) in [("vn", "vi"), ("vn", "en"), ("fr", "fr"), ("fr", "en")] {
        render(
            renderer,
            template,
            &sample_data(country, lang),
            "https://guichet.example/verify/x",
            today,
        )?;
    }
    Ok(())
}

/// Sample data in the shape every template reads; used to check templates and in tests.
pub fn sample_data(country: &str, lang: &str) -> Value {
    let vn = country == "vn";
    json!({
        "lang": lang,
        "country": country,
        "office": if vn {
            json!({"code": "HN-HOANKIEM", "name": "Ủy ban nhân dân phường Hoàn Kiếm", "parent": "Thành phố Hà Nội"})
        } else {
            json!({"code": "FR-PREF-33", "name": "Préfecture de la Gironde", "parent": "Région Nouvelle-Aquitaine"})
        },
        "document": {
            "id": "01936f2a-0000-7000-8000-000000000001",
            "number": "HN-HOANKIEM-260115-0001/TN",
            "title": "Giấy tiếp nhận hồ sơ",
            "place_date": if vn { "Hà Nội, ngày 15 tháng 01 năm 2026" } else { "Bordeaux, le 15 janvier 2026" },
            "issued_at": "15/01/2026 09:30",
            "verify_url_short": "guichet.example/verify/01936f2a",
        },
        "signer": if vn { "Nguyễn Thị Hương" } else { "Élodie Lefèvre" },
        "dossier": {
            "code": "HN-HOANKIEM-260115-0001",
            "procedure": if vn { "Cấp bản sao trích lục khai sinh" } else { "Demande de titre de séjour" },
            "applicant": if vn { "Trần Văn Đức" } else { "Hélène Dupré" },
            "submitted": "14/01/2026 16:20",
            "received": "15/01/2026 09:30",
            "due": "20/01/2026",
            "decided": "19/01/2026",
            "timing": if vn { "Trước hạn" } else { "En avance" },
            "documents": [
                {"name": if vn { "Tờ khai đăng ký hộ kinh doanh" } else { "Formulaire CERFA 13750" }, "form": if vn { "Bản chính" } else { "Original" }, "count": 1},
                {"name": if vn { "Căn cước công dân" } else { "Passeport" }, "form": if vn { "Bản sao" } else { "Copie" }, "count": 1},
            ],
            "results": [if vn { "Giấy chứng nhận đăng ký hộ kinh doanh" } else { "Titre de séjour" }],
        },
        "reason": if vn { "Thiếu bản sao giấy tờ chứng minh chỗ ở hợp pháp." } else { "Justificatif de domicile manquant." },
        "new_due": "27/01/2026",
        "events": [
            {"when": "15/01/2026 09:30", "actor": if vn { "Lê Thị Mai" } else { "Élodie Lefèvre" }, "step": "receive", "note": ""},
            {"when": "19/01/2026 14:00", "actor": if vn { "Phạm Quốc Việt" } else { "Jérôme Müller" }, "step": "approve", "note": if vn { "Đủ điều kiện" } else { "Dossier complet" }},
        ],
        "result": {
            "title": if vn { "Giấy chứng nhận đăng ký hộ kinh doanh" } else { "Titre de séjour" },
            "basis": if vn { "Nghị định 168/2025/NĐ-CP" } else { "CESEDA, art. L421-1" },
            "answers": [
                {"label": if vn { "Tên hộ kinh doanh" } else { "Nom" }, "value": if vn { "Phở Hàng Trống" } else { "Dupré" }},
                {"label": if vn { "Địa chỉ" } else { "Adresse" }, "value": if vn { "12 phố Hàng Trống, phường Hoàn Kiếm" } else { "3 cours de l'Intendance, Bordeaux" }},
            ],
        },
    })
}

/// Templates of civil-service documents, rendered from data prepared by the caller (labels
/// already in the reader's language): the personnel record after form 2C, and the payslip.
pub mod hr_templates {
    pub const PERSONNEL_FORM: &str = include_str!("../templates/personnel_2c.typ");
    pub const PAYSLIP: &str = include_str!("../templates/payslip.typ");
}
