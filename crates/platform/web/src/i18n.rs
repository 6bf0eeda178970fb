//! Translations: Fluent bundles in `locales/{vi,fr,en}/main.ftl`, compiled into the binary,
//! and the messages each composed slice brings (`WebSlice::messages`, registered at startup).
//! The test `every_key_exists_in_every_language` fails when a key is missing in one language;
//! [`check_slice_messages`] is the same test for a slice's files.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{LazyLock, RwLock};

use fluent_templates::fluent_bundle::concurrent::FluentBundle;
use fluent_templates::fluent_bundle::{FluentArgs, FluentResource, FluentValue};
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

/// A slice's messages: (language code, Fluent source) for each of vi, fr and en.
pub type SliceMessages = &'static [(&'static str, &'static str)];

/// The composed slices' bundles, one per language (in `Language::ALL` order), by slice name.
type SliceBundles = Vec<(&'static str, Vec<FluentBundle<FluentResource>>)>;

static SLICE_BUNDLES: LazyLock<RwLock<SliceBundles>> = LazyLock::new(RwLock::default);

fn parse(lang: &str, text: &str) -> Result<FluentResource, String> {
    FluentResource::try_new(text.to_owned()).map_err(|(_, errors)| {
        format!(
            "{lang}: {} Fluent syntax error(s): {errors:?}",
            errors.len()
        )
    })
}

/// Adds `slice`'s messages to every translator (once per slice name; later calls for the same
/// slice change nothing). Keys of the platform's own files win over a slice's.
pub fn register(slice: &'static str, messages: SliceMessages) -> Result<(), String> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut bundles = Vec::with_capacity(Language::ALL.len());
    for lang in Language::ALL {
        let (_, text) = messages
            .iter()
            .find(|(code, _)| *code == lang.code())
            .ok_or_else(|| format!("slice {slice} has no {} messages", lang.code()))?;
        let mut bundle = FluentBundle::new_concurrent(vec![
            lang.code()
                .parse::<LanguageIdentifier>()
                .unwrap_or_default(),
        ]);
        bundle.set_use_isolating(false);
        bundle
            .add_resource(parse(lang.code(), text)?)
            .map_err(|e| format!("slice {slice}, {}: {e:?}", lang.code()))?;
        bundles.push(bundle);
    }
    let mut all = SLICE_BUNDLES.write().map_err(|_| "i18n lock poisoned")?;
    if !all.iter().any(|(name, _)| *name == slice) {
        all.push((slice, bundles));
    }
    Ok(())
}

/// Checks a slice's messages: vi, fr and en present, each valid Fluent, with the same keys,
/// and `used` (keys the slice's code and templates name) all defined. A slice's tests call it.
pub fn check_slice_messages(messages: SliceMessages, used: &[&str]) -> Result<(), String> {
    let mut keys = Vec::new();
    for lang in Language::ALL {
        let (_, text) = messages
            .iter()
            .find(|(code, _)| *code == lang.code())
            .ok_or_else(|| format!("no {} messages", lang.code()))?;
        keys.push((lang.code(), message_keys(text)?));
    }
    let (_, en) = keys
        .iter()
        .find(|(code, _)| *code == "en")
        .ok_or("no en messages")?;
    for (code, other) in &keys {
        let missing: Vec<_> = en.difference(other).collect();
        let extra: Vec<_> = other.difference(en).collect();
        if !missing.is_empty() || !extra.is_empty() {
            return Err(format!("{code} lacks {missing:?} and has extra {extra:?}"));
        }
    }
    let undefined: Vec<_> = used.iter().filter(|k| !en.contains(**k)).collect();
    if !undefined.is_empty() {
        return Err(format!("keys used but not defined: {undefined:?}"));
    }
    Ok(())
}

/// Whether the platform's own files define `key` (a slice must not reuse one).
pub fn platform_defines(key: &str) -> bool {
    // The keys of the platform's own file (the same in every language, which a test checks);
    // a lookup would miss the messages that need arguments.
    static KEYS: LazyLock<std::collections::BTreeSet<String>> =
        LazyLock::new(|| message_keys(include_str!("../locales/en/main.ftl")).unwrap_or_default());
    KEYS.contains(key)
}

/// The message keys of a Fluent file.
pub fn message_keys(text: &str) -> Result<std::collections::BTreeSet<String>, String> {
    let resource = parse("", text)?;
    Ok(resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect())
}

fn slice_lookup(lang: Language, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let index = Language::ALL.iter().position(|l| *l == lang)?;
    let all = SLICE_BUNDLES.read().ok()?;
    all.iter().find_map(|(_, bundles)| {
        let bundle = bundles.get(index)?;
        let pattern = bundle.get_message(key)?.value()?;
        let mut errors = Vec::new();
        Some(
            bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned(),
        )
    })
}

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
        self.lookup(key).unwrap_or_else(|| format!("[{key}]"))
    }

    /// The message for a computed key, if it exists.
    pub fn lookup(&self, key: &str) -> Option<String> {
        LOCALES
            .try_lookup(self.id(), key)
            .or_else(|| slice_lookup(self.lang, key, None))
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
            .or_else(|| {
                let mut fluent_args = FluentArgs::new();
                for (k, v) in &args {
                    fluent_args.set(k.clone(), v.clone());
                }
                slice_lookup(self.lang, key, Some(&fluent_args))
            })
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
