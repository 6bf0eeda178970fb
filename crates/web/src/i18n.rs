//! Translations: Fluent bundles in `locales/{vi,fr,en}/main.ftl`, compiled into the binary.
//! The test `every_key_exists_in_every_language` fails when a key is missing in one language.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use guichet_core::Language;
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they break copy-paste and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static IDS: LazyLock<[LanguageIdentifier; 3]> = LazyLock::new(|| {
    Language::ALL.map(|l| l.code().parse::<LanguageIdentifier>().unwrap_or_default())
});

/// A translator for one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Language,
}

impl Tr {
    pub fn new(lang: Language) -> Self {
        Self { lang }
    }

    fn id(&self) -> &'static LanguageIdentifier {
        let i = Language::ALL
            .iter()
            .position(|l| *l == self.lang)
            .unwrap_or(0);
        &IDS[i]
    }

    /// The message for `key`; a missing key shows as `[key]` (and fails the key test).
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| format!("[{key}]"))
    }

    /// The message for a computed key, if it exists.
    pub fn lookup(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// The message for `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        self.tn(key, &[(name, value.to_string())])
    }

    /// The message for `key` with named arguments.
    pub fn tn(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &args)
            .unwrap_or_else(|| format!("[{key}]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> BTreeSet<String> {
        let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let resource = fluent_syntax::parser::parse(text.as_str())
            .unwrap_or_else(|(_, errs)| panic!("{path}: {errs:?}"));
        resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_key_exists_in_every_language() {
        let en = keys("en");
        assert!(en.len() > 50);
        for lang in ["vi", "fr"] {
            let other = keys(lang);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let en = keys("en");
        let root = env!("CARGO_MANIFEST_DIR");
        let mut used = BTreeSet::new();
        for dir in ["templates", "src"] {
            for entry in std::fs::read_dir(format!("{root}/{dir}")).expect("dir") {
                let path = entry.expect("entry").path();
                if path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                for marker in [".t(\"", ".t1(\"", "key: \""] {
                    for part in text.split(marker).skip(1) {
                        if let Some(end) = part.find('"') {
                            used.insert(part[..end].to_owned());
                        }
                    }
                }
            }
        }
        assert!(used.len() > 40, "scan found the keys in use: {used:?}");
        let unknown: Vec<_> = used.iter().filter(|k| !en.contains(*k)).collect();
        assert!(unknown.is_empty(), "keys used but not defined: {unknown:?}");
    }

    #[test]
    fn vietnamese_french_and_arguments_render() {
        assert_eq!(Tr::new(Language::Vi).t("nav-login"), "Đăng nhập");
        assert_eq!(Tr::new(Language::Fr).t("nav-logout"), "Se déconnecter");
        assert_eq!(
            Tr::new(Language::En).t1("signed-in-as", "name", "Lan"),
            "Signed in as Lan"
        );
        assert_eq!(Tr::new(Language::En).t("no-such-key"), "[no-such-key]");
    }
}
