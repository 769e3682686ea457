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
    bounded("dot", &["-Tsvg"], source, limit)
}

/// `program args…` with `input` on its stdin; its stdout, within `limit`
/// (then it is killed).
fn bounded(
    program: &str,
    args: &[&str],
    input: &str,
    limit: Duration,
) -> Result<String, LayoutError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LayoutError::Missing {
                program: program.to_string(),
            },
            _ => LayoutError::Spawn(e),
        })?;
    // Feed and drain on their own threads: dot may fill its stdout pipe
    // before it has read all its input.
    let feeder = child.stdin.take().map(|mut stdin| {
        let source = input.to_string();
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
    if let Some(t) = feeder {
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
    fn a_child_that_hangs_is_stopped_at_the_limit() {
        let start = Instant::now();
        let got = bounded(
            "sh",
            &["-c", "exec sleep 30"],
            "",
            Duration::from_millis(200),
        );
        assert!(matches!(got, Err(LayoutError::Timeout(_))), "{got:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn large_input_and_output_do_not_deadlock_the_pipes() {
        // Far over a pipe's 64 KiB: `cat` blocks on its stdout until read.
        let input = "digraph {}\n".repeat(100_000);
        let got = bounded("cat", &[], &input, Duration::from_secs(20)).unwrap();
        assert_eq!(got.len(), input.len());
    }

    #[test]
    fn a_missing_program_and_a_failing_one_are_told_apart() {
        let missing = bounded("no-such-dot-here", &[], "", TIME_LIMIT);
        assert!(matches!(missing, Err(LayoutError::Missing { .. })));
        let message = missing.unwrap_err().to_string();
        assert!(message.contains("graphviz") && message.contains("scripts/setup"));
        let failed = bounded("sh", &["-c", "echo bad >&2; exit 3"], "", TIME_LIMIT);
        match failed {
            Err(LayoutError::Failed { stderr, .. }) => assert_eq!(stderr, "bad"),
            other => panic!("{other:?}"),
        }
    }

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
