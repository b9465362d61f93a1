//! The web crate's layers (ARCHITECTURE.md, "Web layers"): each module imports only the
//! layers below it, the module graph has no cycle, views never touch the store, and no
//! markup is built with `format!` (maud escapes every inserted value; a hand-built string
//! is where an unescaped value would hide).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom up; a layer may import those before it only.
const ORDER: &[&str] = &["time", "metrics", "policy", "error", "service", "views", "http", "api", "handlers"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `src/handlers/reports.rs` → `handlers::reports`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let parts: Vec<String> = parts.into_iter().filter(|p| p != "mod").collect();
    parts.join("::")
}

/// The code of a file without its `#[cfg(test)]` module and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::a::b…` path a file names, as module paths that exist.
fn imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code = code(text);
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + 7..];
        let path: String =
            rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '{').collect();
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty() && !s.contains('{')).collect();
        // The longest prefix that is a module.
        for n in (1..=segments.len()).rev() {
            let m = segments[..n].join("::");
            if modules.contains(&m) {
                out.insert(m);
                break;
            }
        }
        // `crate::views::{a, b}`: each name that is a module.
        if let Some(open) = path.find('{') {
            let base = path[..open].trim_end_matches(':');
            let list = &rest[open + 1..rest[open..].find('}').map_or(open + 1, |c| open + c)];
            for item in list.split(',') {
                let m = format!("{base}::{}", item.trim().split("::").next().unwrap_or(""));
                if modules.contains(&m) {
                    out.insert(m);
                }
            }
        }
    }
    out
}

fn layer(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

struct Crate {
    files: BTreeMap<String, String>,
    graph: BTreeMap<String, BTreeSet<String>>,
}

fn read_crate() -> Crate {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    sources(&src, &mut paths);
    let files: BTreeMap<String, String> =
        paths.iter().map(|p| (module_of(&src, p), std::fs::read_to_string(p).unwrap())).collect();
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let graph = files
        .iter()
        .map(|(m, text)| {
            let mut deps = imports(text, &modules);
            deps.remove(m);
            (m.clone(), deps)
        })
        .collect();
    Crate { files, graph }
}

#[test]
fn layers_import_downwards_only() {
    let c = read_crate();
    let rank = |m: &str| ORDER.iter().position(|l| *l == layer(m));
    let mut wrong = Vec::new();
    for (m, deps) in &c.graph {
        let Some(mine) = rank(m) else { continue }; // lib.rs and demo.rs assemble the layers
        for d in deps {
            match rank(d) {
                Some(theirs) if theirs > mine => wrong.push(format!("{m} → {d}")),
                None if d != "lib" => wrong.push(format!("{m} → {d}")),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn no_import_cycle() {
    let c = read_crate();
    // Depth-first search; a back edge is a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(m, 1);
        stack.push(m);
        for d in graph.get(m).into_iter().flatten() {
            match state.get(d.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| *s == d).unwrap();
                    let mut cycle: Vec<String> = stack[at..].iter().map(|s| s.to_string()).collect();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(d, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in c.graph.keys() {
        if !state.contains_key(m.as_str()) {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(m, &c.graph, &mut state, &mut stack) {
                panic!("import cycle: {}", cycle.join(" → "));
            }
        }
    }
}

#[test]
fn nothing_imports_the_handlers() {
    let c = read_crate();
    let wrong: Vec<String> = c
        .graph
        .iter()
        .filter(|(m, _)| layer(m) != "handlers" && m.as_str() != "lib")
        .flat_map(|(m, deps)| {
            deps.iter().filter(|d| layer(d) == "handlers").map(move |d| format!("{m} → {d}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn views_never_see_the_store() {
    let c = read_crate();
    for (m, text) in c.files.iter().filter(|(m, _)| layer(m) == "views") {
        let code = code(text);
        for needle in ["Store", "AppState", ".await", "async fn"] {
            let hits: Vec<&str> = code
                .lines()
                .filter(|l| l.contains(needle) && !l.contains("StoreError") && !l.contains("StoredReport"))
                .collect();
            assert!(hits.is_empty(), "{m} uses {needle}: {hits:?}");
        }
    }
}

/// The string literals of some code (escapes kept as written; raw strings included).
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            // A char literal such as '"' or '<' (not a lifetime: those have no closing quote).
            '\'' if chars.get(i + 2) == Some(&'\'') => i += 3,
            '\'' if chars.get(i + 1) == Some(&'\\') && chars.get(i + 3) == Some(&'\'') => i += 4,
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        s.push(chars[i]);
                        i += 1;
                    }
                    if i < chars.len() {
                        s.push(chars[i]);
                    }
                    i += 1;
                }
                out.push(s);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

#[test]
fn no_markup_is_built_by_hand() {
    let c = read_crate();
    let mut found = Vec::new();
    for (m, text) in &c.files {
        let code = code(text);
        if code.contains("esc(") {
            found.push(format!("{m}: esc("));
        }
        // The API's French messages name the header's placeholder, « Bearer <jeton> ».
        for lit in string_literals(&code).into_iter().filter(|l| !l.contains("Bearer <jeton>")) {
            let b = lit.as_bytes();
            let tag = b
                .windows(2)
                .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'));
            if tag {
                found.push(format!("{m}: \"{lit}\""));
            }
        }
    }
    assert!(found.is_empty(), "markup written by hand (use maud's html!):\n{}", found.join("\n"));
}
