//! The module graph has no cycles: at every level of `src/`, the sibling
//! modules under one parent depend on each other in one direction only. A
//! cycle means two concepts that cannot be understood, tested or moved
//! apart, and it is how a constant ends up imported through three modules.
//!
//! Each file is parsed with `syn`. Every `crate::`, `super::` and `self::`
//! path in its code (tests left out), in `use` trees, in expressions and
//! types, and inside macro arguments, is resolved to the module that
//! defines what it names, following `pub use` re-exports; a call of one of
//! the crate's own macros (`outln!`) depends on the module that defines it.
//! The path from module M to module R is an edge between the children of
//! their common ancestor that hold each.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use syn::visit::{self, Visit};

type ModPath = Vec<String>;

fn mod_path(s: &str) -> ModPath {
    if s.is_empty() { Vec::new() } else { s.split("::").map(str::to_string).collect() }
}

/// One source file: its module path (`runner/step.rs` is `runner::step`) and code.
struct Source {
    module: ModPath,
    text: String,
}

/// Every source file under `src`.
fn sources(src: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap().with_extension("");
                let mut module: ModPath = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    module.pop();
                }
                out.push(Source { module, text: std::fs::read_to_string(&path).unwrap() });
            }
        }
    }
    out
}

/// What one file names, before resolution.
#[derive(Default)]
struct Scan {
    /// Absolute paths (from the crate root) the code names.
    paths: Vec<ModPath>,
    /// `pub use` items: the name they bind in this module, and what it names.
    reexports: Vec<(String, ModPath)>,
    /// `pub use path::*`.
    glob_reexports: Vec<ModPath>,
    /// Macros called by a bare name.
    macros_called: BTreeSet<String>,
    /// `macro_rules!` defined here.
    macros_defined: BTreeSet<String>,
}

struct Visitor<'a> {
    module: &'a ModPath,
    scan: Scan,
}

impl Visitor<'_> {
    /// `crate::a`, `super::a`, `self::a` as an absolute path; other paths
    /// (std, other crates, local names) are none of the graph's business,
    /// except a child module named from its parent, which is no sibling edge.
    fn absolute(&self, segments: &[String]) -> Option<ModPath> {
        let (mut base, rest) = match segments.first().map(String::as_str)? {
            "crate" => (Vec::new(), &segments[1..]),
            "self" => (self.module.clone(), &segments[1..]),
            "super" => {
                let mut base = self.module.clone();
                let mut rest = segments;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                (base, rest)
            }
            _ => return None,
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn name(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.scan.paths.push(path);
        }
    }

    /// Every path a `use` tree names, with the name it binds (none for a glob).
    fn use_tree(tree: &syn::UseTree, prefix: &mut ModPath, out: &mut Vec<(ModPath, Option<String>)>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                Self::use_tree(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                // `use a::b::{self}` names `a::b` and binds `b`.
                let mut path = prefix.clone();
                if name != "self" {
                    path.push(name.clone());
                }
                let bound = if name == "self" { prefix.last().cloned() } else { Some(name) };
                out.push((path, bound));
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                path.push(r.ident.to_string());
                out.push((path, Some(r.rename.to_string())));
            }
            syn::UseTree::Glob(_) => out.push((prefix.clone(), None)),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    Self::use_tree(tree, prefix, out);
                }
            }
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.meta.require_list().is_ok_and(|l| l.tokens.to_string() == "test")
    })
}

/// `crate :: a :: b` and the like, in the tokens of a macro call.
fn paths_in_tokens(tokens: proc_macro2::TokenStream, out: &mut Vec<ModPath>) {
    let mut flat: Vec<String> = Vec::new();
    fn flatten(tokens: proc_macro2::TokenStream, flat: &mut Vec<String>, out: &mut Vec<ModPath>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Group(g) => {
                    let mut inner = Vec::new();
                    flatten(g.stream(), &mut inner, out);
                    collect(&inner, out);
                    flat.push(String::new());
                }
                proc_macro2::TokenTree::Ident(i) => flat.push(i.to_string()),
                proc_macro2::TokenTree::Punct(p) => flat.push(p.as_char().to_string()),
                proc_macro2::TokenTree::Literal(_) => flat.push(String::new()),
            }
        }
    }
    fn collect(flat: &[String], out: &mut Vec<ModPath>) {
        let mut i = 0;
        while i < flat.len() {
            let starts = matches!(flat[i].as_str(), "crate" | "super" | "self")
                && (i == 0 || flat[i - 1] != ":")
                && flat.get(i + 1).is_some_and(|c| c == ":");
            if !starts {
                i += 1;
                continue;
            }
            let mut path = vec![flat[i].clone()];
            i += 1;
            while flat.get(i).is_some_and(|c| c == ":")
                && flat.get(i + 1).is_some_and(|c| c == ":")
                && flat
                    .get(i + 2)
                    .is_some_and(|n| n.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_'))
            {
                path.push(flat[i + 2].clone());
                i += 3;
            }
            out.push(path);
        }
    }
    flatten(tokens, &mut flat, out);
    collect(&flat, out);
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => &[],
        };
        if !is_test_only(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut named = Vec::new();
        Self::use_tree(&item.tree, &mut Vec::new(), &mut named);
        let public = !matches!(item.vis, syn::Visibility::Inherited);
        for (path, bound) in named {
            let Some(absolute) = self.absolute(&path).or_else(|| {
                // `use child::Item` in a parent: the child, relative to here.
                let mut p = self.module.clone();
                p.extend(path.iter().cloned());
                (!path.is_empty()).then_some(p)
            }) else {
                continue;
            };
            if public {
                match bound {
                    Some(name) => self.scan.reexports.push((name, absolute.clone())),
                    None => self.scan.glob_reexports.push(absolute.clone()),
                }
            }
            self.scan.paths.push(absolute);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.name(&segments);
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if let Some(name) = mac.path.get_ident() {
            self.scan.macros_called.insert(name.to_string());
        }
        let mut found = Vec::new();
        paths_in_tokens(mac.tokens.clone(), &mut found);
        for path in found {
            self.name(&path);
        }
        visit::visit_macro(self, mac);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if item.mac.path.is_ident("macro_rules")
            && let Some(name) = &item.ident
        {
            self.scan.macros_defined.insert(name.to_string());
            // A macro's body is expanded where it is called, not read here.
            return;
        }
        visit::visit_item_macro(self, item);
    }
}

fn scan(source: &Source) -> Scan {
    let file = syn::parse_file(&source.text)
        .unwrap_or_else(|e| panic!("src/{} does not parse: {e}", source.module.join("/")));
    let mut visitor = Visitor { module: &source.module, scan: Scan::default() };
    visitor.visit_file(&file);
    visitor.scan
}

/// The edges between sibling modules, by their parent, for a crate made of `sources`.
fn sibling_graphs(sources: &[Source]) -> BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> {
    let known: BTreeSet<ModPath> = sources.iter().map(|s| s.module.clone()).collect();
    let scans: Vec<Scan> = sources.iter().map(scan).collect();
    let mut reexports: BTreeMap<ModPath, ModPath> = BTreeMap::new();
    let mut globs: BTreeMap<ModPath, Vec<ModPath>> = BTreeMap::new();
    let mut macros: BTreeMap<String, ModPath> = BTreeMap::new();
    for (source, scan) in sources.iter().zip(&scans) {
        for (name, target) in &scan.reexports {
            let mut alias = source.module.clone();
            alias.push(name.clone());
            reexports.insert(alias, target.clone());
        }
        globs.insert(source.module.clone(), scan.glob_reexports.clone());
        for name in &scan.macros_defined {
            macros.insert(name.clone(), source.module.clone());
        }
    }
    // The module that defines what `path` names: its longest known prefix,
    // after following re-exports of the name right after that prefix.
    let resolve = |path: &ModPath| -> ModPath {
        let mut path = path.clone();
        for _ in 0..16 {
            let depth = (0..=path.len()).rev().find(|&n| known.contains(&path[..n])).unwrap_or(0);
            let module = path[..depth].to_vec();
            let Some(next) = path.get(depth) else { return module };
            let mut alias = module.clone();
            alias.push(next.clone());
            if let Some(target) = reexports.get(&alias) {
                path = target.iter().chain(&path[depth + 1..]).cloned().collect();
                continue;
            }
            // A glob re-export whose target module defines it.
            let through_glob = globs.get(&module).into_iter().flatten().find(|target| {
                let mut candidate = (*target).clone();
                candidate.push(next.clone());
                known.contains(&candidate) || reexports.contains_key(&candidate)
            });
            match through_glob {
                Some(target) => path = target.iter().chain(&path[depth..]).cloned().collect(),
                None => return module,
            }
        }
        panic!("re-exports of {} go round in circles", path.join("::"));
    };
    let mut graphs: BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (source, scan) in sources.iter().zip(&scans) {
        let module = &source.module;
        let called = scan.macros_called.iter().filter_map(|m| macros.get(m).cloned());
        for target in scan.paths.iter().map(&resolve).chain(called) {
            let common = module.iter().zip(&target).take_while(|(a, b)| a == b).count();
            let (Some(from), Some(to)) = (module.get(common), target.get(common)) else { continue };
            graphs
                .entry(module[..common].to_vec())
                .or_default()
                .entry(from.clone())
                .or_default()
                .insert(to.clone());
        }
    }
    graphs
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

fn all_cycles(graphs: &BTreeMap<ModPath, BTreeMap<String, BTreeSet<String>>>) -> Vec<String> {
    graphs
        .iter()
        .flat_map(|(parent, graph)| {
            let at = if parent.is_empty() { "crate".to_string() } else { parent.join("::") };
            cycles(graph).into_iter().map(move |c| format!("in {at}: {}", c.join(" <-> ")))
        })
        .collect()
}

#[test]
fn no_module_depends_on_a_sibling_that_depends_back_on_it() {
    let graphs = sibling_graphs(&sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")));
    let edges: usize = graphs.values().flat_map(|g| g.values()).map(BTreeSet::len).sum();
    assert!(edges > 100, "the scan found only {edges} dependencies: it reads nothing");
    let root = &graphs[&Vec::new()];
    assert!(root["runner"].contains("suite"), "a plain `use crate::` path");
    assert!(root["commands"].contains("output"), "a call of the crate's own macros");
    assert!(graphs[&mod_path("report")]["junit"].contains("run"), "`super::RunReport`, a re-export");
    let found = all_cycles(&graphs);
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_scan_sees_a_cycle_however_it_is_written() {
    let crate_of = |files: &[(&str, &str)]| -> Vec<Source> {
        files.iter().map(|(m, text)| Source { module: mod_path(m), text: text.to_string() }).collect()
    };
    let base = [
        ("", "#[macro_export] macro_rules! say { () => {} }\npub mod a; pub mod b; pub mod out;"),
        ("a", "pub mod x; pub use x::Thing;"),
        ("a::x", "pub struct Thing;"),
        ("out", "pub fn print() {}"),
    ];
    let ways_to_depend_back = [
        "use crate::a::x::Thing;",
        "use crate::{a::{x::{Thing}}};",
        "use super::a::Thing;",
        "fn f() -> crate::a::Thing { crate::a::Thing }",
        "fn f() { let _ = format!(\"{:?}\", crate::a::x::Thing); }",
        "use crate::a::*;",
    ];
    for back in ways_to_depend_back {
        let mut files = base.to_vec();
        files.push(("b", back));
        // `a` depends on `b`, from its child.
        files[2] = ("a::x", "pub struct Thing; fn g() { crate::b::h(); }");
        let found = all_cycles(&sibling_graphs(&crate_of(&files)));
        assert_eq!(found, ["in crate: a <-> b"], "{back}");
    }
    // Tests, comments and strings are not dependencies.
    let mut files = base.to_vec();
    files[2] = ("a::x", "pub struct Thing; fn g() { crate::b::h(); }");
    files.push((
        "b",
        "// crate::a::Thing\nfn h() { let _ = \"crate::a::Thing\"; }\n#[cfg(test)]\nmod tests { use crate::a::Thing; }",
    ));
    assert_eq!(all_cycles(&sibling_graphs(&crate_of(&files))), Vec::<String>::new());
    // A macro defined in a module depends its callers on it.
    let files = crate_of(&[
        ("", "pub mod m; pub mod n;"),
        ("m", "#[macro_export] macro_rules! shout { () => {} }\nfn f() { crate::n::g(); }"),
        ("n", "pub fn g() { shout!(); }"),
    ]);
    assert_eq!(all_cycles(&sibling_graphs(&files)), ["in crate: m <-> n"]);
}
