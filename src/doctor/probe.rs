//! Running a probe that may hang (a device, a daemon, a program) on a
//! thread of its own, and giving up on it after a bound. A probe that
//! hangs is left behind: the process ends when doctor has printed.

use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// A probe under way.
pub struct Pending<T> {
    rx: Option<Receiver<T>>,
    deadline: Instant,
}

impl<T: Send + 'static> Pending<T> {
    pub fn spawn(name: &str, within: Duration, probe: impl FnOnce() -> T + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        let spawned = thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let _ = tx.send(probe());
            });
        Pending {
            rx: spawned.ok().map(|_| rx),
            deadline: Instant::now() + within,
        }
    }

    /// The answer, or `None` when the probe could not start or missed its
    /// bound.
    pub fn wait(self) -> Option<T> {
        let rx = self.rx?;
        rx.recv_timeout(self.deadline.saturating_duration_since(Instant::now()))
            .ok()
    }
}

/// Runs a program with a bound, for its standard output; killed (by its
/// own PID) when it takes longer.
pub fn output(program: &str, args: &[&str], within: Duration) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    // Read on a thread: a full pipe would otherwise stall the child.
    let reader = Pending::spawn("probe-read", within, move || {
        std::io::read_to_string(stdout).unwrap_or_default()
    });
    let text = reader.wait();
    if text.is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_that_hangs_is_given_up_on_time() {
        let started = Instant::now();
        let pending = Pending::spawn("hang", Duration::from_millis(50), || {
            thread::sleep(Duration::from_secs(5));
        });
        assert_eq!(pending.wait(), None);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_program_that_hangs_is_killed() {
        let started = Instant::now();
        assert_eq!(output("sleep", &["5"], Duration::from_millis(100)), None);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            output("echo", &["hi"], Duration::from_secs(5)).as_deref(),
            Some("hi\n")
        );
    }
}
