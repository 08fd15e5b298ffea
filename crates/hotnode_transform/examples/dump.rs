//! Prints what hotnode makes of one file: the transformed code, then the facts.
//!
//! `cargo run -p hotnode_transform --example dump -- <file> [esm|cjs]`

use std::path::PathBuf;

use hotnode_transform::{ModuleFormat, TransformOptions, transform};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(file) = args.next() else {
        eprintln!("usage: dump <file> [esm|cjs]");
        std::process::exit(2);
    };
    let format = match args.next().as_deref() {
        Some("cjs") => ModuleFormat::Cjs,
        _ => ModuleFormat::Esm,
    };
    let path = PathBuf::from(&file);
    let source = match std::fs::read_to_string(&path) {
        Ok(source) => source,
        Err(err) => {
            eprintln!("{file}: {err}");
            std::process::exit(1);
        }
    };
    let url = format!("file://{}", path.display());
    match transform(&source, &TransformOptions::new(path, url, format)) {
        Ok(out) => {
            println!("{}", out.code);
            println!("----- facts -----\n{:#?}", out.facts);
        }
        Err(err) => {
            eprintln!("{err:#?}");
            std::process::exit(1);
        }
    }
}
