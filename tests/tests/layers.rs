//! The layers of `docs/architecture.md`, checked: no import cycle between the files of the
//! server, the app or the contract, and no file importing a layer above its own. A file
//! "imports" another when it names a `crate::` / `super::` / `self::` path into it (test
//! modules at the end of a file are skipped).

#![allow(clippy::expect_used)] // a test: a missing source folder should fail it loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

type Module = Vec<String>;

/// Every `.rs` file under `root` by module path (`lib.rs`, `main.rs`, `mod.rs` name their
/// folder's module); unit-test files are left out.
fn modules(root: &Path) -> BTreeMap<Module, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .with_extension("");
            let mut parts: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let test_file = parts.last().is_some_and(|p| p.ends_with("_tests"))
                || parts[..parts.len() - 1].iter().any(|p| p == "tests");
            if test_file {
                continue;
            }
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            found.insert(parts, path);
        }
    }
    found
}

/// The source without comments and without the test module that ends a file.
fn code(path: &Path) -> String {
    let src = std::fs::read_to_string(path).expect("readable source");
    let line_comments = Regex::new(r"//[^\n]*").expect("regex");
    let block_comments = Regex::new(r"(?s)/\*.*?\*/").expect("regex");
    let src = line_comments.replace_all(&src, "");
    let src = block_comments.replace_all(&src, "").into_owned();
    match src.find("#[cfg(test)]") {
        Some(i) => src[..i].to_owned(),
        None => src,
    }
}

/// The module a path names, from module `here`.
fn resolve(
    mods: &BTreeMap<Module, PathBuf>,
    here: &Module,
    kind: &str,
    rest: &str,
) -> Option<Module> {
    let mut segs: Vec<&str> = rest.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Module = match kind {
        "crate" => Vec::new(),
        "super" => {
            let mut b = here[..here.len().saturating_sub(1)].to_vec();
            while segs.first() == Some(&"super") {
                b.pop();
                segs.remove(0);
            }
            b
        }
        _ => here.clone(),
    };
    base.extend(segs.iter().map(|s| (*s).to_owned()));
    (0..=base.len())
        .rev()
        .map(|n| base[..n].to_vec())
        .find(|m| mods.contains_key(m))
}

/// Which files each file imports, with one example path per edge.
fn imports(root: &Path) -> BTreeMap<Module, BTreeMap<Module, String>> {
    let mods = modules(root);
    let path = Regex::new(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)").expect("regex");
    let group =
        Regex::new(r"(?s)\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\}")
            .expect("regex");
    let item = Regex::new(r"[,\s{}]+").expect("regex");
    let mut edges: BTreeMap<Module, BTreeMap<Module, String>> = BTreeMap::new();
    for (here, file) in &mods {
        let src = code(file);
        let mut found: Vec<(String, String)> = Vec::new();
        for m in group.captures_iter(&src) {
            for name in item.split(&m[3]) {
                if !name.is_empty()
                    && name != "self"
                    && name.starts_with(|c: char| c.is_alphabetic() || c == '_')
                {
                    let first = name.split("::").next().unwrap_or(name);
                    found.push((m[1].to_owned(), format!("{}::{first}", &m[2])));
                }
            }
        }
        for m in path.captures_iter(&src) {
            found.push((m[1].to_owned(), m[2].to_owned()));
        }
        for (kind, rest) in found {
            if let Some(to) = resolve(&mods, here, &kind, &rest)
                && &to != here
                && !to.is_empty()
            {
                edges
                    .entry(here.clone())
                    .or_default()
                    .entry(to)
                    .or_insert(format!("{kind}{rest}"));
            }
        }
    }
    for m in mods.keys() {
        edges.entry(m.clone()).or_default();
    }
    edges
}

/// Sets of files that import each other in a ring (Tarjan's strongly connected components).
fn cycles(edges: &BTreeMap<Module, BTreeMap<Module, String>>) -> Vec<BTreeSet<Module>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<Module, BTreeMap<Module, String>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on: BTreeSet<Module>,
        out: Vec<BTreeSet<Module>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: &Module) {
            let n = self.index.len();
            self.index.insert(v.clone(), n);
            self.low.insert(v.clone(), n);
            self.stack.push(v.clone());
            self.on.insert(v.clone());
            let next: Vec<Module> = self
                .edges
                .get(v)
                .map(|e| e.keys().cloned().collect())
                .unwrap_or_default();
            for w in next {
                if !self.index.contains_key(&w) {
                    self.visit(&w);
                    let low = self.low[v].min(self.low[&w]);
                    self.low.insert(v.clone(), low);
                } else if self.on.contains(&w) {
                    let low = self.low[v].min(self.index[&w]);
                    self.low.insert(v.clone(), low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    self.on.remove(&w);
                    let done = &w == v;
                    comp.insert(w);
                    if done {
                        break;
                    }
                }
                if comp.len() > 1 {
                    self.out.push(comp);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.out
}

fn src(crate_dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src")
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "(crate root)".into()
    } else {
        m.join("/")
    }
}

fn assert_no_cycles(crate_dir: &str) {
    let edges = imports(&src(crate_dir));
    let rings: Vec<String> = cycles(&edges)
        .iter()
        .map(|ring| {
            let mut lines = vec![ring.iter().map(name).collect::<Vec<_>>().join(", ")];
            for a in ring {
                for (b, example) in &edges[a] {
                    if ring.contains(b) {
                        lines.push(format!("    {} -> {}  ({example})", name(a), name(b)));
                    }
                }
            }
            lines.join("\n")
        })
        .collect();
    assert!(
        rings.is_empty(),
        "{crate_dir}: import cycles:\n{}",
        rings.join("\n")
    );
}

/// Checks that every file imports only its own layer or layers below. `layers` lists, from
/// the bottom up, the module-path prefixes of each layer; the longest prefix decides.
fn assert_layers(crate_dir: &str, layers: &[&[&str]]) {
    let edges = imports(&src(crate_dir));
    let layer_of = |m: &Module| -> Option<usize> {
        let path = m.join("/");
        let mut best: Option<(usize, usize)> = None;
        for (i, prefixes) in layers.iter().enumerate() {
            for p in *prefixes {
                let hit = path == *p || path.starts_with(&format!("{p}/"));
                if hit && best.is_none_or(|(len, _)| p.len() > len) {
                    best = Some((p.len(), i));
                }
            }
        }
        best.map(|(_, i)| i)
    };
    let mut wrong = Vec::new();
    for (from, tos) in &edges {
        if from.is_empty() {
            continue; // lib.rs / main.rs declare every module
        }
        let Some(lf) = layer_of(from) else {
            wrong.push(format!("{} is in no layer", name(from)));
            continue;
        };
        for (to, example) in tos {
            if let Some(lt) = layer_of(to)
                && lt > lf
            {
                wrong.push(format!(
                    "{} (layer {lf}) imports {} (layer {lt}): {example}",
                    name(from),
                    name(to)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{crate_dir}: layering broken:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_server_has_no_import_cycle() {
    assert_no_cycles("server");
}

#[test]
fn the_app_has_no_import_cycle() {
    assert_no_cycles("app");
}

#[test]
fn the_contract_has_no_import_cycle() {
    assert_no_cycles("shared");
}

#[test]
fn server_files_import_only_their_layer_or_below() {
    assert_layers(
        "server",
        &[
            &[
                "config",
                "client_addr",
                "file_settings",
                "setting_parse",
                "error",
                "telemetry",
                "openapi",
            ],
            &[
                "db",
                "files/storage",
                "files/scan",
                "files/inspect",
                "cache",
                "auth/tokens",
                "auth/password",
                "chat_list/invalidations",
                "chat_list/marks",
                "realtime/events",
                "realtime/commands",
                "realtime/members",
                "realtime/registry",
                "realtime/bus",
                "search",
                "local_limits",
            ],
            &["state"],
            &[
                "auth",
                "limits",
                "presence",
                "members",
                "chat_list",
                "files",
                "realtime/deliver",
            ],
            &["realtime"],
            &["routes"],
            &["startup"],
        ],
    );
}

#[test]
fn app_files_import_only_their_layer_or_below() {
    assert_layers(
        "app",
        &[
            &[
                "api",
                "i18n",
                "config",
                "token_store",
                "transfers",
                "build_info",
                "cli",
            ],
            &["state"],
            &["action", "effect"],
            &["reduce/calls"],
            &["reduce"],
            &["net", "ui", "update", "store"],
            &["app", "testing", "bin"],
        ],
    );
}
