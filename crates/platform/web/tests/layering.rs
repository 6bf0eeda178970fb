//! The web crate's layering: a domain's page module imports platform modules and its own
//! domain's modules, never another domain's (so each can move into its own slice crate), and
//! platform modules name domain modules only where the routes and the API document are
//! composed.

use std::collections::BTreeMap;
use std::path::Path;

/// Which domain each module serves; `platform` is shared by all.
const MODULES: &[(&str, &str)] = &[
    ("api", "platform"),
    ("chrome", "platform"),
    ("ctx", "platform"),
    ("error", "platform"),
    ("form_data", "platform"),
    ("helpers", "platform"),
    ("i18n", "platform"),
    ("json", "platform"),
    ("lib", "platform"),
    ("picker", "platform"),
    ("slice", "platform"),
    ("pages", "platform"),
];

/// Where platform code may name domain modules: the list of this crate's slices.
const COMPOSITION: &[&str] = &["lib"];

fn domain_of(module: &str) -> Option<&'static str> {
    MODULES.iter().find(|(m, _)| *m == module).map(|(_, d)| *d)
}

/// The crate modules a source file refers to (`crate::x::…`, `use crate::{x, …}`).
fn referenced_modules(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in source.match_indices("crate::") {
        let rest = &source[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if rest[name.len()..].starts_with("::") {
            found.push(name);
        } else if name.is_empty() && rest.starts_with('{') {
            let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
            for item in group.split(',') {
                let item = item.trim();
                if let Some((m, _)) = item.split_once("::") {
                    found.push(m.to_owned());
                }
            }
        }
    }
    found
}

#[test]
fn every_module_is_classified() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        assert!(
            domain_of(&name).is_some(),
            "src/{name}.rs is in no domain of tests/layering.rs: add it (platform or a domain)"
        );
    }
}

#[test]
fn no_web_module_imports_another_domains_module() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (module, domain) in MODULES {
        let source = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
        for target in referenced_modules(&source) {
            let Some(target_domain) = domain_of(&target) else {
                continue; // crate-root items such as `crate::App`
            };
            let allowed = target_domain == "platform"
                || target_domain == *domain
                || COMPOSITION.contains(module);
            if !allowed {
                offences
                    .entry((*module).to_owned())
                    .or_default()
                    .push(target);
            }
        }
    }
    assert!(
        offences.is_empty(),
        "modules importing another domain's module: {offences:?}"
    );
}

#[test]
fn the_checker_sees_imports() {
    // The checker itself: both spellings of an import are found.
    let found = referenced_modules(
        "use crate::hr_web::money;\nuse crate::{chrome::Chrome, helpers::page_error};\nlet x = crate::App;",
    );
    assert_eq!(found, ["hr_web", "chrome", "helpers"]);
}

/// The other slices' web modules a slice crate's source names (`guichet_<slice>::web…`).
fn foreign_web_modules(own: &str, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, _) in source.match_indices("guichet_") {
        let rest = &source[i + "guichet_".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name != own && name != "web" && rest[name.len()..].starts_with("::web") {
            found.push(name);
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_slice_crate_uses_another_slices_pages() {
    // A slice reads another slice through its store trait or service, never its web module.
    let domains = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../domains");
    let mut offences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut slices = 0;
    for entry in std::fs::read_dir(&domains).unwrap() {
        let dir = entry.unwrap().path();
        let own = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        slices += 1;
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for target in foreign_web_modules(&own, &source) {
                offences.entry(own.clone()).or_default().push(target);
            }
        }
    }
    assert!(
        slices >= 4,
        "the slice crates were not found under {domains:?}"
    );
    assert!(
        offences.is_empty(),
        "slice crates using another slice's web module: {offences:?}"
    );
}

#[test]
fn the_slice_checker_sees_foreign_pages() {
    let source = "use guichet_one_stop::web::one_stop::desk;\nguichet_web::App;\nguichet_records::web::service(&app);\nguichet_one_stop::one_stop_store(s);";
    assert_eq!(foreign_web_modules("records", source), ["one_stop"]);
    assert_eq!(foreign_web_modules("hr", source), ["one_stop", "records"]);
}
