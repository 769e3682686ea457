//! Runs Graphviz `dot` as a child process: DOT on its stdin, SVG from its
//! stdout, bounded in time so a pathological flow can never hang `kiosk
//! graph` or the report. The SVG is then trimmed for inlining in a page.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long `dot` may take; the bundled flow lays out in well under 1 s.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "Graphviz `dot` was not found ({program}): install the Debian package `graphviz` \
(scripts/setup does), or use --format dot"
    )]
    Missing { program: String },
    #[error("Graphviz `dot` could not be run: {0}")]
    Spawn(std::io::Error),
    #[error("Graphviz `dot` took over {} s and was stopped", .0.as_secs())]
    Timeout(Duration),
    #[error("Graphviz `dot` failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
}

/// `dot -Tsvg` of `source` (`dot` from the `PATH`), within `limit`.
pub fn svg(source: &str, limit: Duration) -> Result<String, LayoutError> {
    let program = "dot".to_string();
    let mut child = Command::new(&program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LayoutError::Missing {
                program: program.clone(),
            },
            _ => LayoutError::Spawn(e),
        })?;
    // Feed and drain on their own threads: dot may fill its stdout pipe
    // before it has read all its input.
    let input = child.stdin.take().map(|mut stdin| {
        let source = source.to_string();
        std::thread::spawn(move || {
            let _ = stdin.write_all(source.as_bytes());
        })
    });
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        pipe.map(|mut p| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = p.read_to_end(&mut buf);
                buf
            })
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(LayoutError::Timeout(limit));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(LayoutError::Spawn(e)),
        }
    };
    if let Some(t) = input {
        let _ = t.join();
    }
    let join = |t: Option<std::thread::JoinHandle<Vec<u8>>>| {
        t.and_then(|t| t.join().ok()).unwrap_or_default()
    };
    let stdout = join(out);
    let stderr = join(err);
    if !status.success() {
        return Err(LayoutError::Failed {
            status: status.to_string(),
            stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

/// The `<svg>` element of a standalone SVG file, for inlining in HTML
/// (the XML declaration and doctype dropped), with `id` and `class` added.
pub fn inline(svg: &str, id: &str, class: &str) -> Option<String> {
    let at = svg.find("<svg")?;
    let body = svg[at..].trim_end();
    Some(format!(
        "<svg id=\"{id}\" class=\"{class}\"{}",
        &body["<svg".len()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_drops_the_prolog_and_adds_the_id() {
        let file = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg width=\"10pt\"><g/></svg>\n";
        assert_eq!(
            inline(file, "chart-flow", "flow").unwrap(),
            "<svg id=\"chart-flow\" class=\"flow\" width=\"10pt\"><g/></svg>"
        );
        assert!(inline("no svg here", "a", "b").is_none());
    }
}
