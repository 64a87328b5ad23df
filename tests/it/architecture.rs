//! The module graph has no cycles: at every level of `src/`, the sibling
//! modules under one parent depend on each other in one direction only. A
//! cycle means two concepts that cannot be understood, tested or moved
//! apart, and it is how a constant ends up imported through three modules.
//!
//! Every `crate::`, `super::` and `self::` path in a module's code (its
//! tests left out) is resolved to the module it names; the path from module
//! M to module R is an edge between the children of their common ancestor
//! that hold each.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

/// Every source file with its module path (`runner/step.rs` is `runner::step`).
fn modules(src: &Path) -> Vec<(ModPath, PathBuf)> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut segments: ModPath = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                if matches!(segments.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    segments.pop();
                }
                out.push((segments, path));
            }
        }
    }
    out
}

/// The code of a file without its tests and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The absolute module paths a file's code names, from `crate::`, `super::`
/// and `self::` paths, groups (`{a, b::c}`) expanded.
fn referenced(code: &str, module: &ModPath, is_dir_module: bool) -> Vec<ModPath> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..chars.len().min(i + 7)].iter().collect();
        let word_start =
            i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        let base: Option<(ModPath, usize)> = if !word_start {
            None
        } else if rest.starts_with("crate::") {
            Some((Vec::new(), 7))
        } else if rest.starts_with("super::") {
            // `super` of a directory module's file is its parent; of a file module, its directory.
            let mut base = module.clone();
            base.pop();
            let mut j = i + 7;
            while chars[j..].iter().collect::<String>().starts_with("super::") {
                base.pop();
                j += 7;
            }
            Some((base, j - i))
        } else if rest.starts_with("self::") && is_dir_module {
            Some((module.clone(), 6))
        } else {
            None
        };
        let Some((base, skip)) = base else {
            i += 1;
            continue;
        };
        i += skip;
        parse_tree(&chars, &mut i, base, &mut out);
    }
    out
}

/// Parses `a::b::{c, d::e}` at `i`, pushing each path prefixed by `base`.
fn parse_tree(chars: &[char], i: &mut usize, base: ModPath, out: &mut Vec<ModPath>) {
    let mut path = base;
    loop {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
        if *i < chars.len() && chars[*i] == '{' {
            *i += 1;
            loop {
                parse_tree(chars, i, path.clone(), out);
                while *i < chars.len() && chars[*i].is_whitespace() {
                    *i += 1;
                }
                match chars.get(*i) {
                    Some(',') => *i += 1,
                    Some('}') => {
                        *i += 1;
                        return;
                    }
                    _ => return,
                }
                while *i < chars.len() && chars[*i].is_whitespace() {
                    *i += 1;
                }
                if chars.get(*i) == Some(&'}') {
                    *i += 1;
                    return;
                }
            }
        }
        let start = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
            *i += 1;
        }
        if start == *i {
            out.push(path);
            return;
        }
        path.push(chars[start..*i].iter().collect());
        if chars[*i..].iter().take(2).collect::<String>() == "::" {
            *i += 2;
        } else {
            out.push(path);
            return;
        }
    }
}

/// Cycles among the nodes of `graph`: its strongly connected components of more than one node.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: finish order on the graph, then components on its reverse.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<String>,
        order: &mut Vec<String>,
    ) {
        if !seen.insert(n.to_string()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            visit(m, g, seen, order);
        }
        order.push(n.to_string());
    }
    let nodes: BTreeSet<String> =
        graph.keys().cloned().chain(graph.values().flat_map(|s| s.iter().cloned())).collect();
    let (mut seen, mut order) = (BTreeSet::new(), Vec::new());
    for n in &nodes {
        visit(n, graph, &mut seen, &mut order);
    }
    let mut reverse: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph {
        for to in tos {
            reverse.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        let mut component = Vec::new();
        visit(n, &reverse, &mut assigned, &mut component);
        if component.len() > 1 {
            component.sort();
            out.push(component);
        }
    }
    out
}

#[test]
fn no_module_depends_on_a_sibling_that_depends_back_on_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let known: BTreeSet<ModPath> = files.iter().map(|(m, _)| m.clone()).collect();
    // Edges between siblings, by parent.
    let mut graphs: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut edges = 0;
    for (module, path) in &files {
        let is_dir_module =
            path.file_name().is_some_and(|f| f == "mod.rs" || f == "lib.rs" || f == "main.rs");
        let text = std::fs::read_to_string(path).unwrap();
        for target in referenced(&code(&text), module, is_dir_module) {
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            let (Some(from), Some(to)) = (module.get(common), target.get(common)) else { continue };
            // Only modules count: `super::Audit` names an item of the parent.
            if !known.contains(&target[..=common]) {
                continue;
            }
            graphs
                .entry(module[..common].to_vec())
                .or_default()
                .entry(from.clone())
                .or_default()
                .insert(to.clone());
            edges += 1;
        }
    }
    assert!(edges > 100, "the scan found only {edges} dependencies: it reads nothing");
    assert!(graphs.get(&Vec::new()).is_some_and(|g| g.get("runner").is_some_and(|d| d.contains("suite"))));
    let found: Vec<String> = graphs
        .iter()
        .flat_map(|(parent, graph)| {
            let at = if parent.is_empty() { "crate".to_string() } else { parent.join("::") };
            cycles(graph).into_iter().map(move |c| format!("in {at}: {}", c.join(" <-> ")))
        })
        .collect();
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_scan_sees_a_cycle_when_there_is_one() {
    let m = |s: &str| s.split("::").map(str::to_string).collect::<ModPath>();
    let paths = referenced("use crate::{a::{b, c::D}, e};\nuse super::super::f::g;", &m("x::y::z"), false);
    assert_eq!(paths, [m("a::b"), m("a::c::D"), m("e"), m("x::f::g")]);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
        ("d".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(cycles(&graph), [vec!["a".to_string(), "b".to_string(), "c".to_string()]]);
}
