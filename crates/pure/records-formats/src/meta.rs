//! The vocabulary of registered documents: the 29 types of administrative document of
//! Decree 30/2020/NĐ-CP (Appendix III) with the abbreviation each puts in the symbol (ký hiệu),
//! the kinds of captured one-stop documents, urgency and confidentiality levels, registers,
//! and how a number and symbol are written ("15/QĐ-UBND").

/// A type of document with its labels in vi/fr/en.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocType {
    /// Stable code stored in the database.
    pub code: &'static str,
    /// Abbreviation used in the symbol (empty: the symbol names the body and unit only).
    pub abbr: &'static str,
    pub vi: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

const fn t(
    code: &'static str,
    abbr: &'static str,
    vi: &'static str,
    fr: &'static str,
    en: &'static str,
) -> DocType {
    DocType {
        code,
        abbr,
        vi,
        fr,
        en,
    }
}

/// Decree 30/2020/NĐ-CP, Article 7 and Appendix III: types of administrative document.
pub const ADMINISTRATIVE_TYPES: &[DocType] = &[
    t("nghi_quyet", "NQ", "Nghị quyết", "Résolution", "Resolution"),
    t("quyet_dinh", "QĐ", "Quyết định", "Décision", "Decision"),
    t("chi_thi", "CT", "Chỉ thị", "Instruction", "Directive"),
    t("quy_che", "QC", "Quy chế", "Règlement", "Regulation"),
    t("quy_dinh", "QyĐ", "Quy định", "Règles", "Rules"),
    t("thong_cao", "TC", "Thông cáo", "Communiqué", "Communiqué"),
    t("thong_bao", "TB", "Thông báo", "Avis", "Notice"),
    t("huong_dan", "HD", "Hướng dẫn", "Guide", "Guidance"),
    t(
        "chuong_trinh",
        "CTr",
        "Chương trình",
        "Programme",
        "Programme",
    ),
    t("ke_hoach", "KH", "Kế hoạch", "Plan", "Plan"),
    t(
        "phuong_an",
        "PA",
        "Phương án",
        "Plan d'action",
        "Action plan",
    ),
    t("de_an", "ĐA", "Đề án", "Projet", "Scheme"),
    t("du_an", "DA", "Dự án", "Projet d'investissement", "Project"),
    t("bao_cao", "BC", "Báo cáo", "Rapport", "Report"),
    t("bien_ban", "BB", "Biên bản", "Procès-verbal", "Minutes"),
    t(
        "to_trinh",
        "TTr",
        "Tờ trình",
        "Note de présentation",
        "Submission",
    ),
    t("hop_dong", "HĐ", "Hợp đồng", "Contrat", "Contract"),
    t(
        "cong_van",
        "",
        "Công văn",
        "Courrier officiel",
        "Official letter",
    ),
    t(
        "cong_dien",
        "CĐ",
        "Công điện",
        "Télégramme officiel",
        "Official dispatch",
    ),
    t(
        "ban_ghi_nho",
        "GN",
        "Bản ghi nhớ",
        "Mémorandum d'accord",
        "Memorandum",
    ),
    t(
        "ban_thoa_thuan",
        "TTh",
        "Bản thỏa thuận",
        "Accord",
        "Agreement",
    ),
    t(
        "giay_uy_quyen",
        "GUQ",
        "Giấy ủy quyền",
        "Procuration",
        "Power of attorney",
    ),
    t("giay_moi", "GM", "Giấy mời", "Invitation", "Invitation"),
    t(
        "giay_gioi_thieu",
        "GGT",
        "Giấy giới thiệu",
        "Lettre d'introduction",
        "Letter of introduction",
    ),
    t(
        "giay_nghi_phep",
        "GNP",
        "Giấy nghỉ phép",
        "Autorisation de congé",
        "Leave permit",
    ),
    t(
        "phieu_gui",
        "PG",
        "Phiếu gửi",
        "Bordereau d'envoi",
        "Dispatch slip",
    ),
    t(
        "phieu_chuyen",
        "PC",
        "Phiếu chuyển",
        "Bordereau de transmission",
        "Transfer slip",
    ),
    t(
        "phieu_bao",
        "PB",
        "Phiếu báo",
        "Fiche d'information",
        "Notification slip",
    ),
    t(
        "thu_cong",
        "",
        "Thư công",
        "Lettre officielle",
        "Public letter",
    ),
];

/// Kinds of record captured from the one-stop service (not registered by hand).
pub const CAPTURED_TYPES: &[DocType] = &[
    t(
        "upload",
        "",
        "Tài liệu nộp kèm",
        "Pièce déposée",
        "Uploaded document",
    ),
    t("message", "", "Trao đổi", "Message", "Message"),
    t(
        "note",
        "",
        "Ghi chú nội bộ",
        "Note interne",
        "Internal note",
    ),
    t(
        "receipt",
        "",
        "Giấy tiếp nhận",
        "Accusé de réception",
        "Receipt",
    ),
    t(
        "supplement",
        "",
        "Phiếu yêu cầu bổ sung",
        "Demande de compléments",
        "Request to supplement",
    ),
    t("refusal", "", "Phiếu từ chối", "Refus", "Refusal"),
    t(
        "apology",
        "",
        "Phiếu xin lỗi",
        "Lettre d'excuse",
        "Apology letter",
    ),
    t(
        "control_sheet",
        "",
        "Phiếu kiểm soát",
        "Fiche de suivi",
        "Control sheet",
    ),
    t(
        "handover",
        "",
        "Sổ theo dõi",
        "Registre de remise",
        "Handover log",
    ),
    t("result", "", "Kết quả", "Résultat", "Result"),
    t(
        "implicit_acceptance",
        "",
        "Xác nhận chấp thuận do im lặng",
        "Attestation d'acceptation implicite",
        "Attestation of implicit acceptance",
    ),
    t(
        "destruction_certificate",
        "",
        "Biên bản hủy",
        "Procès-verbal d'élimination",
        "Destruction certificate",
    ),
];

/// The type with this code, among registered and captured types.
pub fn doc_type(code: &str) -> Option<&'static DocType> {
    ADMINISTRATIVE_TYPES
        .iter()
        .chain(CAPTURED_TYPES)
        .find(|t| t.code == code)
}

/// Incoming (văn bản đến, courrier arrivé) or outgoing (văn bản đi, courrier départ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Register {
    Incoming,
    Outgoing,
}

impl Register {
    pub const ALL: [Register; 2] = [Register::Incoming, Register::Outgoing];

    pub fn code(self) -> &'static str {
        match self {
            Register::Incoming => "incoming",
            Register::Outgoing => "outgoing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// A level with its stored code and labels (urgency, confidentiality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub code: &'static str,
    pub vi: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

/// Decree 30/2020, Article 15: urgency of a document.
pub const URGENCY: &[Level] = &[
    Level {
        code: "normal",
        vi: "Thường",
        fr: "Normal",
        en: "Normal",
    },
    Level {
        code: "khan",
        vi: "Khẩn",
        fr: "Urgent",
        en: "Urgent",
    },
    Level {
        code: "thuong_khan",
        vi: "Thượng khẩn",
        fr: "Très urgent",
        en: "Very urgent",
    },
    Level {
        code: "hoa_toc",
        vi: "Hỏa tốc",
        fr: "Extrême urgence",
        en: "Flash",
    },
];

/// Levels of state secrecy (Law on Protection of State Secrets 2018): the stamp a document
/// carries; French equivalents after IGI 1300.
pub const CONFIDENTIALITY: &[Level] = &[
    Level {
        code: "normal",
        vi: "Thường",
        fr: "Non protégé",
        en: "Unclassified",
    },
    Level {
        code: "mat",
        vi: "Mật",
        fr: "Diffusion restreinte",
        en: "Confidential",
    },
    Level {
        code: "toi_mat",
        vi: "Tối mật",
        fr: "Secret",
        en: "Secret",
    },
    Level {
        code: "tuyet_mat",
        vi: "Tuyệt mật",
        fr: "Très secret",
        en: "Top secret",
    },
];

pub fn urgency(code: &str) -> Option<&'static Level> {
    URGENCY.iter().find(|l| l.code == code)
}

pub fn confidentiality(code: &str) -> Option<&'static Level> {
    CONFIDENTIALITY.iter().find(|l| l.code == code)
}

/// The symbol an office gives a document of `doc_type`: type abbreviation and the office's
/// abbreviation ("QĐ-UBND"), or the office and the drafting unit for a letter ("UBND-VP").
pub fn symbol(doc_type: &DocType, office_abbr: &str, unit: &str) -> String {
    match (doc_type.abbr, unit.is_empty()) {
        ("", true) => office_abbr.to_owned(),
        ("", false) => format!("{office_abbr}-{unit}"),
        (abbr, _) => format!("{abbr}-{office_abbr}"),
    }
}

/// Number and symbol as printed: the number has at least two digits ("01/QĐ-UBND"), so the
/// first document of the year is "01".
pub fn number_and_symbol(number: i64, symbol: &str) -> String {
    if symbol.is_empty() {
        format!("{number:02}")
    } else {
        format!("{number:02}/{symbol}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_nine_types_with_unique_codes() {
        assert_eq!(ADMINISTRATIVE_TYPES.len(), 29);
        let mut codes: Vec<_> = ADMINISTRATIVE_TYPES
            .iter()
            .chain(CAPTURED_TYPES)
            .map(|t| t.code)
            .collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }

    #[test]
    fn numbers_and_symbols_are_written_as_the_decree_shows() {
        let qd = doc_type("quyet_dinh").expect("type");
        assert_eq!(number_and_symbol(15, &symbol(qd, "UBND", "")), "15/QĐ-UBND");
        let cv = doc_type("cong_van").expect("type");
        assert_eq!(
            number_and_symbol(123, &symbol(cv, "UBND", "VP")),
            "123/UBND-VP"
        );
        assert_eq!(number_and_symbol(1, &symbol(qd, "UBND", "")), "01/QĐ-UBND");
        assert_eq!(number_and_symbol(7, ""), "07");
    }
}
