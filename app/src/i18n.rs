//! The one translation layer: every string a person sees goes through [`tr`] / [`tr_args`].
//!
//! Translations live in `app/locales/{en,ru,uk}.yml` and are compiled in by `rust-i18n`.
//! The language is explicit (it is part of [`crate::state::AppState`]) rather than the
//! crate's global locale, so views stay pure functions of the state and tests can render
//! several languages side by side.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The languages the app is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "ru")]
    Russian,
    #[serde(rename = "uk")]
    Ukrainian,
}

impl Language {
    /// Every supported language, in the order the picker shows them.
    pub const ALL: [Language; 3] = [Language::English, Language::Russian, Language::Ukrainian];

    /// The locale code used for the translation files.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Russian => "ru",
            Language::Ukrainian => "uk",
        }
    }

    /// The language's own name for itself; shown untranslated in the picker, so a person can
    /// find their language whatever the current one is.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Russian => "Русский",
            Language::Ukrainian => "Українська",
        }
    }

    /// Picks the language for a BCP 47 / POSIX locale such as `uk-UA` or `ru_RU.UTF-8`;
    /// anything not translated falls back to English.
    pub fn from_locale(locale: &str) -> Language {
        let primary = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Language::Russian,
            "uk" => Language::Ukrainian,
            _ => Language::English,
        }
    }

    /// The language of the operating system's user locale.
    pub fn from_system() -> Language {
        sys_locale::get_locale()
            .map(|l| Language::from_locale(&l))
            .unwrap_or_default()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.native_name())
    }
}

/// The translation of `key` in `lang`, falling back to English.
pub fn tr(lang: Language, key: &str) -> String {
    match crate::_rust_i18n_try_translate(lang.code(), key) {
        Some(text) => text.into_owned(),
        None => {
            debug_assert!(false, "missing translation key {key:?}");
            key.to_owned()
        }
    }
}

/// [`tr`] with `%{name}` placeholders replaced.
pub fn tr_args(lang: Language, key: &str, args: &[(&str, String)]) -> String {
    let patterns: Vec<&str> = args.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = args.iter().map(|(_, value)| value.clone()).collect();
    rust_i18n::replace_patterns(&tr(lang, key), &patterns, &values)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(lang: Language) -> BTreeSet<String> {
        crate::_rust_i18n_backend()
            .messages_for_locale(lang.code())
            .unwrap_or_default()
            .into_iter()
            .map(|(key, _)| key.into_owned())
            .collect()
    }

    #[test]
    fn all_three_locales_have_exactly_the_same_keys() {
        let english = keys(Language::English);
        assert!(english.len() > 40, "the English file should be loaded");
        for lang in [Language::Russian, Language::Ukrainian] {
            let other = keys(lang);
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn no_translation_is_empty_and_placeholders_match_english() {
        let all: Vec<_> = Language::ALL
            .iter()
            .map(|l| {
                crate::_rust_i18n_backend()
                    .messages_for_locale(l.code())
                    .unwrap_or_default()
            })
            .collect();
        for (key, english) in &all[0] {
            let want = placeholders(english);
            for (lang, messages) in Language::ALL.iter().zip(&all).skip(1) {
                let Some((_, text)) = messages.iter().find(|(k, _)| k == key) else {
                    continue; // reported by the key test
                };
                assert!(!text.trim().is_empty(), "{}: {key} is empty", lang.code());
                assert_eq!(placeholders(text), want, "{}: {key}", lang.code());
            }
        }
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split("%{")
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    /// Every string literal in the views and here that looks like a key (`area.name`) exists,
    /// so a typo in a key cannot ship as raw text.
    #[test]
    fn every_key_used_in_the_sources_exists() {
        let english = keys(Language::English);
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.join("i18n.rs")];
        for entry in std::fs::read_dir(src.join("ui")).unwrap().flatten() {
            files.push(entry.path());
        }
        let mut used = BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            // odd pieces between quotes are (roughly) the string literals
            for literal in source.split('"').skip(1).step_by(2) {
                if looks_like_key(literal) {
                    used.insert(literal.to_owned());
                }
            }
        }
        assert!(used.len() > 40, "the scan should find the keys: {used:?}");
        let unknown: Vec<_> = used.difference(&english).collect();
        assert!(unknown.is_empty(), "unknown keys: {unknown:?}");
    }

    fn looks_like_key(literal: &str) -> bool {
        let mut parts = literal.split('.');
        literal.contains('.')
            && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    }

    #[test]
    fn system_locales_map_to_languages() {
        let cases = [
            ("ru-RU", Language::Russian),
            ("ru_RU.UTF-8", Language::Russian),
            ("uk-UA", Language::Ukrainian),
            ("UK", Language::Ukrainian),
            ("en-GB", Language::English),
            ("de-DE", Language::English),
            ("", Language::English),
        ];
        for (locale, want) in cases {
            assert_eq!(Language::from_locale(locale), want, "{locale}");
        }
    }
}
