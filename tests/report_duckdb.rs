//! The README's DuckDB queries give what `kiosk report` gives: per-step
//! counts and medians, the stage funnel and the sticking-point ranking, on
//! the test journals. The SQL is read from README.md by
//! scripts/report_duckdb_check.py; DuckDB comes from PyPI into a venv under
//! target/ (scripts/report-duckdb), as in CI.

use std::process::Command;

#[test]
fn readme_duckdb_queries_match_the_report() {
    let out = Command::new("scripts/report-duckdb")
        .arg(env!("CARGO_BIN_EXE_kiosk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run scripts/report-duckdb");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("0 differences"), "{stdout}");
}
