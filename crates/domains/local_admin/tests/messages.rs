//! The slice's messages: vi, fr and en hold the same keys, every key its code and templates
//! name is defined (here or by the platform), and none shadows a platform key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Every string literal of the slice's sources and templates that looks like a message key
/// and is defined somewhere (here or by the platform), plus the literal keys the pages name
/// through `.t("…")`.
fn used_keys() -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = Vec::new();
    let mut dirs = vec![format!("{root}/src"), format!("{root}/templates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path.display().to_string());
            } else {
                files.push(path);
            }
        }
    }
    let mut used = std::collections::BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for marker in [".t(\"", ".t1(\"", ".tn(\"", "key: \""] {
            for part in text.split(marker).skip(1) {
                if let Some(end) = part.find('"') {
                    used.insert(part[..end].to_owned());
                }
            }
        }
    }
    used.retain(|k| {
        !k.is_empty()
            && !guichet_web::i18n::platform_defines(k)
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    used.into_iter().collect()
}

#[test]
fn every_message_exists_in_every_language_and_every_key_used_is_defined() {
    let used = used_keys();
    assert!(used.len() > 30, "the scan found the keys: {used:?}");
    let used: Vec<&str> = used.iter().map(String::as_str).collect();
    guichet_web::i18n::check_slice_messages(guichet_local_admin::web::MESSAGES, &used).unwrap();
    for (_, text) in guichet_local_admin::web::MESSAGES {
        for key in guichet_web::i18n::message_keys(text).unwrap() {
            assert!(
                !guichet_web::i18n::platform_defines(&key),
                "{key} is the platform's"
            );
        }
    }
}
