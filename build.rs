//! Embeds the bundled flow's clips (`audio/mfa-login/`) in the binary, so
//! `kiosk` speaks with its natural voice with no files around it (DESIGN
//! section 4). Generates a table of (path, bytes) and the manifest text;
//! both are empty until the clips have been rendered.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let clips = root.join("audio").join("mfa-login");
    println!("cargo:rerun-if-changed={}", clips.display());
    let manifest = clips.join("manifest.toml");
    println!("cargo:rerun-if-changed={}", manifest.display());

    let mut files = Vec::new();
    collect_oggs(&clips, &clips, &mut files);
    files.sort();
    let mut out = String::from("/// The bundled flow's clips: (path in the manifest, bytes).\n");
    out.push_str("pub static BUNDLED_CLIPS: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        let _ = writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        );
    }
    out.push_str("];\n");
    let manifest_expr = if manifest.exists() {
        format!("include_str!({:?})", manifest.display().to_string())
    } else {
        "\"\"".to_string()
    };
    let _ = writeln!(
        out,
        "/// The bundled flow's clip manifest (empty before rendering).\npub static BUNDLED_MANIFEST: &str = {manifest_expr};"
    );
    let dest = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("bundled_clips.rs");
    if let Err(e) = fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}

fn collect_oggs(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect_oggs(base, &path, out);
        } else if path.extension().is_some_and(|e| e == "ogg") {
            if let Ok(rel) = path.strip_prefix(base) {
                out.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
            }
        }
    }
}
