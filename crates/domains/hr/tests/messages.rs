//! The slice's messages: vi, fr and en hold the same keys, every key its code and templates
//! name is defined (here or by the platform), and none shadows a platform key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn every_message_exists_in_every_language_and_every_key_used_is_defined() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut used = std::collections::BTreeSet::new();
    for dir in ["templates", "src"] {
        for entry in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // The service's keys are its errors' (`invalid("hr-date", …)`), shown as `svc-hr-date`.
            let text = if path.ends_with("service.rs") {
                text.replace("\"hr-", "\"svc-hr-")
            } else {
                // `invalid_said(` and `pay_refusal(` name a service key too, on the same
                // line or the next.
                let text = text
                    .replace("invalid(\"hr-", "invalid(\"svc-hr-")
                    .replace("pay_refusal(\"hr-", "pay_refusal(\"svc-hr-");
                let mut parts = text.split("invalid_said(");
                let mut joined = parts.next().unwrap_or_default().to_owned();
                for part in parts {
                    let rest = part.trim_start();
                    joined.push_str("invalid_said(");
                    match rest.strip_prefix("\"hr-") {
                        Some(after) => {
                            joined.push_str("\"svc-hr-");
                            joined.push_str(after);
                        }
                        None => joined.push_str(part),
                    }
                }
                joined
            };
            for marker in [
                ".t(\"",
                ".t1(\"",
                ".tn(\"",
                "key: \"",
                "(\"hr-",
                " \"hr-",
                "\"svc-hr-",
            ] {
                for part in text.split(marker).skip(1) {
                    if let Some(end) = part.find(['"', '{']) {
                        let key = match marker {
                            "(\"hr-" | " \"hr-" => format!("hr-{}", &part[..end]),
                            "\"svc-hr-" => format!("svc-hr-{}", &part[..end]),
                            _ => part[..end].to_owned(),
                        };
                        // A computed key (`"hr-run-{}"`) is checked where its parts are known.
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
    guichet_web::i18n::check_slice_messages(guichet_hr::web::MESSAGES, &used).unwrap();
    for (_, text) in guichet_hr::web::MESSAGES {
        for key in guichet_web::i18n::message_keys(text).unwrap() {
            assert!(
                !guichet_web::i18n::platform_defines(&key),
                "{key} is the platform's"
            );
        }
    }
}
