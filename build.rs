//! Embeds the suites under `suites/` into the binary, so an installed
//! `scimitar run` carries its cases and needs no files beside it.

#![allow(clippy::disallowed_macros, reason = "a build script talks to cargo on stdout")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=suites");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Suite files as (path under suites/, contents), sorted by path.\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under suites/").to_string_lossy().replace('\\', "/");
        writeln!(out, "    ({relative:?}, include_str!({:?})),", file.display().to_string())
            .expect("write to string");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_suites.rs");
    std::fs::write(dest, out).expect("write embedded_suites.rs");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
}
