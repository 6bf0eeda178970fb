//! The slice's messages: vi, fr and en hold the same keys, every key its pages and templates
//! name is defined (here or by the platform), and none shadows a platform key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn every_message_exists_in_every_language_and_every_key_used_is_defined() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut used = std::collections::BTreeSet::new();
    for dir in ["templates", "src/web", "src"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // A service error's key (`invalid("file-type", …)`) is shown as `svc-file-type`.
            let text = text.replace("invalid(\"", "invalid(\"svc-");
            for marker in [".t(\"", ".t1(\"", ".tn(\"", "invalid(\""] {
                for part in text.split(marker).skip(1) {
                    if let Some(end) = part.find(['"', '{']) {
                        let key = part[..end].to_owned();
                        // A computed key (`"state-{}"`) is checked where its parts are known.
                        if !key.ends_with('-') && part[end..].starts_with('"') {
                            used.insert(key);
                        }
                    }
                }
            }
        }
    }
    used.retain(|k| {
        !guichet_web::i18n::platform_defines(k)
            && !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    assert!(used.len() > 100, "the scan found the keys: {used:?}");
    let used: Vec<&str> = used.iter().map(String::as_str).collect();
    guichet_web::i18n::check_slice_messages(guichet_one_stop::web::one_stop::MESSAGES, &used)
        .unwrap();
    for (_, text) in guichet_one_stop::web::one_stop::MESSAGES {
        for key in guichet_web::i18n::message_keys(text).unwrap() {
            assert!(
                !guichet_web::i18n::platform_defines(&key),
                "{key} is the platform's"
            );
        }
    }
}
