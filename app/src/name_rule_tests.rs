//! What to call a person (the display name, else the username) is one rule, the contract's
//! `natter_shared::api::users::shown_name`, reached through `name()` on `User`,
//! `ChatPartner`, `ChatMember` and `SearchSender`. No file of the app writes it again: a
//! copy drifts from the rule (and from the other copies) the day the rule changes.

use std::path::{Path, PathBuf};

/// The `.rs` files under `dir`, this one left out (it names what it looks for).
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "name_rule_tests.rs")
        {
            found.push(path);
        }
    }
}

#[test]
fn no_file_writes_the_display_name_else_username_rule_by_hand() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 50, "the sources were not found: {files:?}");
    // the two shapes the copies took, whitespace aside
    let copies = ["display_name.as_ref().map_or(", "username.as_str(),|"];
    let offenders: Vec<_> = files
        .iter()
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            copies.iter().any(|copy| text.contains(copy))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "use `name()` or `shown_name` instead: {offenders:?}"
    );
}
