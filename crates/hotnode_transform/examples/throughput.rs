//! Transform throughput: every JavaScript/TypeScript file under a folder (outside
//! `node_modules`), read once into memory, transformed on one thread and then on every core.
//!
//! `cargo run --release -p hotnode_transform --example throughput -- <folder> [rounds]`
//!
//! Prints one JSON line: files, bytes, and files/s for one thread and for all cores (the best of
//! `rounds`, default 3), so the benchmark can put it in its table.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hotnode_transform::{ModuleFormat, TransformOptions, transform};
use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: throughput <folder> [rounds]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3).max(1);
    let mut paths = Vec::new();
    collect(Path::new(&root), &mut paths);
    let inputs: Vec<(TransformOptions, String)> = paths
        .into_iter()
        .filter_map(|path| {
            let source = std::fs::read_to_string(&path).ok()?;
            let url = format!("file://{}", path.display());
            Some((TransformOptions::new(path, url, ModuleFormat::Esm), source))
        })
        .collect();
    let bytes: usize = inputs.iter().map(|(_, s)| s.len()).sum();
    let run = |parallel: bool| -> f64 {
        (0..rounds)
            .map(|_| {
                let started = Instant::now();
                let failed = if parallel {
                    inputs.par_iter().filter(|(o, s)| transform(s, o).is_err()).count()
                } else {
                    inputs.iter().filter(|(o, s)| transform(s, o).is_err()).count()
                };
                assert_eq!(failed, 0, "every input transforms");
                inputs.len() as f64 / started.elapsed().as_secs_f64()
            })
            .fold(0.0, f64::max)
    };
    let one_thread = run(false);
    let all_cores = run(true);
    println!(
        "{{\"files\":{},\"bytes\":{bytes},\"threads\":{},\"files_per_s_one_thread\":{one_thread:.0},\"files_per_s_all_cores\":{all_cores:.0}}}",
        inputs.len(),
        rayon::current_num_threads()
    );
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "node_modules" {
                collect(&path, out);
            }
        } else if path.extension().is_some_and(|e| ["js", "mjs", "ts", "mts", "tsx", "jsx"].iter().any(|x| e == *x)) {
            out.push(path);
        }
    }
}
