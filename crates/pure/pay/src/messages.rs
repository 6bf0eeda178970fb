//! The pay rules' refusals in the three languages guichet speaks. Each refusal is a rule name
//! with its values; the words live here, once per language, so that an HR agent reading
//! Vietnamese or French never meets an English sentence.

use std::fmt::Display;

use crate::PayError;

/// A rule the input breaks, with the values its message names (`{0}`, `{1}`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    pub rule: &'static str,
    pub args: Vec<String>,
}

/// The refusal of `rule`, naming `args`.
pub(crate) fn invalid(rule: &'static str, args: &[&dyn Display]) -> PayError {
    PayError::Invalid(InvalidInput {
        rule,
        args: args.iter().map(|a| a.to_string()).collect(),
    })
}

/// Every rule with its message in Vietnamese, French and English.
pub const RULES: &[(&str, [&str; 3])] = &[
    (
        "fr-limits",
        [
            "Tối đa 1.000 điểm NBI và 30 con.",
            "Au plus 1 000 points de NBI et 30 enfants.",
            "At most 1000 NBI points and 30 children.",
        ],
    ),
    (
        "fr-index",
        [
            "Chỉ số (indice majoré) {0} không hợp lý.",
            "L’indice majoré {0} n’est pas plausible.",
            "Indice majoré {0} is not a plausible index.",
        ],
    ),
    (
        "fr-zone",
        [
            "Vùng phụ cấp cư trú {0} không tồn tại (1, 2 hoặc 3).",
            "La zone d’indemnité de résidence {0} n’existe pas (1, 2 ou 3).",
            "Residence zone {0} does not exist (1, 2 or 3).",
        ],
    ),
    (
        "fr-withholding",
        [
            "Thuế suất khấu trừ tại nguồn {0} % nằm ngoài giới hạn.",
            "Le taux de prélèvement à la source {0} % est hors limites.",
            "Withholding rate {0} % is out of range.",
        ],
    ),
    (
        "negative",
        [
            "{0} không được âm.",
            "{0} ne peut pas être négatif.",
            "{0} may not be negative.",
        ],
    ),
    (
        "coefficient",
        [
            "{0} {1} không phải là hệ số hợp lý.",
            "{0} : {1} n’est pas un coefficient plausible.",
            "{0} {1} is not a plausible coefficient.",
        ],
    ),
    (
        "vn-limits",
        [
            "Tối đa 50 người phụ thuộc và 50 khoản phụ cấp.",
            "Au plus 50 personnes à charge et 50 indemnités.",
            "At most 50 dependants and 50 allowances.",
        ],
    ),
    (
        "position-salary-scheme",
        [
            "Lương theo vị trí việc làm (position_salary) chỉ dùng cho chế độ trả lương theo vị trí.",
            "Le salaire de l’emploi (position_salary) relève du régime de paie par emploi.",
            "position_salary belongs to the position scheme.",
        ],
    ),
    (
        "scale-or-coefficient",
        [
            "Hãy nhập ngạch và bậc, hoặc hệ số lương (không nhập cả hai).",
            "Indiquez soit l’échelle et l’échelon, soit le coefficient.",
            "Give either scale and step, or coefficient.",
        ],
    ),
    (
        "zero-coefficient",
        [
            "Hệ số lương không được bằng 0.",
            "Le coefficient de salaire ne peut pas être 0.",
            "The pay coefficient may not be 0.",
        ],
    ),
    (
        "beyond-frame-both",
        [
            "Hãy nhập tỷ lệ phụ cấp thâm niên vượt khung hoặc ngày xếp bậc cuối, không nhập cả hai.",
            "Indiquez le pourcentage hors cadre ou la date du dernier échelon, pas les deux.",
            "Give beyond_frame_percent or last_step_since, not both.",
        ],
    ),
    (
        "beyond-frame-scale",
        [
            "Ngày xếp bậc cuối (last_step_since) cần ngạch và bậc.",
            "La date du dernier échelon (last_step_since) demande une échelle et un échelon.",
            "last_step_since needs a scale and step.",
        ],
    ),
    (
        "beyond-frame-step",
        [
            "Phụ cấp thâm niên vượt khung chỉ dành cho bậc cuối của ngạch {0} (bậc {1}), không phải bậc {2}.",
            "L’indemnité hors cadre est pour le dernier échelon de {0} ({1}), pas l’échelon {2}.",
            "The beyond-frame allowance is for the last step of {0} ({1}), not step {2}.",
        ],
    ),
    (
        "position-salary-missing",
        [
            "Chế độ trả lương theo vị trí việc làm cần mức lương (position_salary).",
            "Le régime de paie par emploi demande le salaire de l’emploi (position_salary).",
            "The position scheme needs position_salary.",
        ],
    ),
    (
        "position-salary-positive",
        [
            "Mức lương theo vị trí việc làm phải lớn hơn 0.",
            "Le salaire de l’emploi doit être positif.",
            "position_salary must be positive.",
        ],
    ),
    (
        "position-replaces",
        [
            "Lương theo vị trí việc làm thay cho ngạch, hệ số, phụ cấp chức vụ và phụ cấp vượt khung.",
            "La paie par emploi remplace l’échelle, le coefficient, l’indemnité de fonction et le hors-cadre.",
            "Pay by position replaces scale, coefficient, leadership and beyond-frame pay.",
        ],
    ),
    (
        "allowance",
        [
            "Phụ cấp “{0}” cần hệ số hoặc số tiền không âm.",
            "L’indemnité « {0} » demande un coefficient ou un montant positif ou nul.",
            "Allowance “{0}” needs a coefficient or a non-negative amount.",
        ],
    ),
    (
        "decimal",
        [
            "“{0}” không phải là số thập phân.",
            "« {0} » n’est pas un nombre décimal.",
            "“{0}” is not a decimal number.",
        ],
    ),
    (
        "decimals",
        [
            "{0} {1} có quá {2} chữ số thập phân.",
            "{0} : {1} a plus de {2} décimales.",
            "{0} {1} has more than {2} decimals.",
        ],
    ),
    (
        "too-large",
        [
            "{0} {1} quá lớn.",
            "{0} : {1} est trop grand.",
            "{0} {1} is too large.",
        ],
    ),
    (
        "amount-range",
        [
            "{0} {1} nằm ngoài giới hạn (0 đến {2}).",
            "{0} : {1} est hors limites (0 à {2}).",
            "{0} {1} is out of range (0 to {2}).",
        ],
    ),
    (
        "date",
        [
            "“{0}” không phải là ngày (YYYY-MM-DD).",
            "« {0} » n’est pas une date (AAAA-MM-JJ).",
            "“{0}” is not a date (YYYY-MM-DD).",
        ],
    ),
    (
        "json",
        [
            "Dữ liệu vào không phải JSON hợp lệ: {0}",
            "L’entrée n’est pas un JSON valide : {0}",
            "The input is not valid JSON: {0}",
        ],
    ),
    (
        "country",
        [
            "Quốc gia không xác định “{0}” (vn hoặc fr).",
            "Pays inconnu « {0} » (vn ou fr).",
            "Unknown country “{0}” (vn or fr).",
        ],
    ),
    (
        "param-positive",
        [
            "{0} phải lớn hơn 0, không phải {1}.",
            "{0} doit être positif, pas {1}.",
            "{0} must be positive, not {1}.",
        ],
    ),
    (
        "param-plausible",
        [
            "{0} {1} không hợp lý (tối đa {2} {3}).",
            "{0} : {1} n’est pas plausible (au plus {2} {3}).",
            "{0} {1} is not plausible (at most {2} {3}).",
        ],
    ),
    (
        "param-reference",
        [
            "Giá trị của {0} cần căn cứ pháp lý.",
            "Une valeur de {0} demande sa référence juridique.",
            "A value of {0} needs its legal reference.",
        ],
    ),
];

fn fill(template: &str, args: &[String]) -> String {
    let mut out = template.to_owned();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

/// `lang`: `vi`, `fr`, anything else English.
fn column(lang: &str) -> usize {
    match lang {
        "vi" => 0,
        "fr" => 1,
        _ => 2,
    }
}

impl InvalidInput {
    pub fn message(&self, lang: &str) -> String {
        match RULES.iter().find(|(rule, _)| *rule == self.rule) {
            Some((_, texts)) => fill(texts[column(lang)], &self.args),
            // Unreachable while the test below holds; say what is known.
            None => format!("{}: {}", self.rule, self.args.join(", ")),
        }
    }
}

impl PayError {
    /// The refusal in `lang` (`vi`, `fr`, `en`).
    pub fn message(&self, lang: &str) -> String {
        let c = column(lang);
        match self {
            PayError::Invalid(i) => i.message(lang),
            PayError::UnknownScale(s) => fill(
                [
                    "Ngạch lương “{0}” không tồn tại.",
                    "Échelle de rémunération inconnue « {0} ».",
                    "Unknown pay scale “{0}”.",
                ][c],
                std::slice::from_ref(s),
            ),
            PayError::NoSuchStep { scale, step, max } => fill(
                [
                    "Bậc {0} không có trong ngạch {1} (bậc 1 đến {2}).",
                    "L’échelon {0} n’existe pas dans l’échelle {1} (échelons 1 à {2}).",
                    "Step {0} does not exist on scale {1} (steps 1 to {2}).",
                ][c],
                &[step.to_string(), scale.clone(), max.to_string()],
            ),
            PayError::BeforeParameters { name, date, first } => fill(
                [
                    "Chưa có giá trị {0} tại ngày {1}; giá trị đầu tiên áp dụng từ {2}.",
                    "Aucune valeur de {0} n’est connue au {1} ; la première date du {2}.",
                    "No value of {0} is known on {1}; the first is from {2}.",
                ][c],
                &[name.to_string(), crate::format_date(*date), first.clone()],
            ),
            PayError::Overlap { name, from } => fill(
                [
                    "{0} đã có giá trị từ {1}; các khoảng hiệu lực không được chồng nhau.",
                    "{0} a déjà une valeur à partir du {1} ; les périodes ne peuvent se chevaucher.",
                    "{0} already has a value from {1}; effective dates may not overlap.",
                ][c],
                &[name.to_string(), crate::format_date(*from)],
            ),
        }
    }
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message("en"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_speaks_three_languages_and_names_its_values() {
        let mut seen = std::collections::HashSet::new();
        for (rule, texts) in RULES {
            assert!(seen.insert(rule), "{rule} twice");
            let slots = |t: &str| (0..4).filter(|i| t.contains(&format!("{{{i}}}"))).count();
            for t in texts {
                assert!(!t.trim().is_empty(), "{rule}");
                assert_eq!(slots(t), slots(texts[2]), "{rule}: {t}");
            }
            assert_ne!(texts[0], texts[2], "{rule} has no Vietnamese text");
            assert_ne!(texts[1], texts[2], "{rule} has no French text");
        }
    }

    #[test]
    fn a_refusal_reads_in_the_language_asked() {
        let e = crate::parse_date("31/12/2025").unwrap_err();
        assert_eq!(
            e.message("vi"),
            "“31/12/2025” không phải là ngày (YYYY-MM-DD)."
        );
        assert_eq!(
            e.message("fr"),
            "« 31/12/2025 » n’est pas une date (AAAA-MM-JJ)."
        );
        assert_eq!(
            e.to_string(),
            "invalid input: “31/12/2025” is not a date (YYYY-MM-DD)."
        );
        let e = PayError::NoSuchStep {
            scale: "A1".into(),
            step: 12,
            max: 9,
        };
        assert_eq!(
            e.message("vi"),
            "Bậc 12 không có trong ngạch A1 (bậc 1 đến 9)."
        );
    }

    /// Every rule the code names has its words: the sources are read for `invalid("…"`.
    #[test]
    fn every_rule_used_has_its_words() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut used = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.ends_with("messages.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for part in text.split("invalid(\"").skip(1) {
                if let Some(end) = part.find('"') {
                    used.push(part[..end].to_owned());
                }
            }
        }
        assert!(used.len() > 20, "{used:?}");
        for rule in used {
            assert!(
                RULES.iter().any(|(r, _)| *r == rule),
                "rule {rule} has no message"
            );
        }
    }
}
