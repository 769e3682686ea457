//! The HTML report opened in headless Chromium (installed by
//! scripts/setup): the page loads from a file with no network and its DOM
//! holds the five charts' SVG elements with their bars.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn chromium_renders_the_five_charts() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let status = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args([
            "report",
            "tests/report/sample.jsonl",
            "--format",
            "html",
            "--lang",
            "en",
        ])
        .arg("--out")
        .arg(&page)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());

    let dom_file = dir.path().join("dom.html");
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            // Root in CI containers: Chromium's sandbox needs user namespaces.
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            // Containers often have a tiny /dev/shm.
            "--disable-dev-shm-usage",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .env("HOME", dir.path())
        .stdout(std::fs::File::create(&dom_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium (Debian package `chromium`, installed by scripts/setup)");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium failed: {status}");
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    for id in [
        "chart-outcomes",
        "chart-funnel",
        "chart-sticking",
        "chart-weeks",
        "chart-hours",
    ] {
        let at = dom
            .find(&format!("<svg id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing from the DOM"));
        let end = at + dom[at..].find("</svg>").unwrap();
        assert!(dom[at..end].contains("<rect"), "{id} has no bars");
    }
    assert!(dom.contains("<h1>Counter kiosk report</h1>"));
}
