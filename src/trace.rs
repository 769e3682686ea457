//! The benchmark trace (DESIGN section 9): one JSON object per line,
//! `t_us` first, then `ev`, then the event's fields in contract order.
//!
//! Calls on a [`Trace`] only stamp the time and send a small message over a
//! channel; a writer thread formats, buffers and flushes (at least every
//! 100 ms while events arrive, and at close). A failed write stops the
//! trace silently and raises [`Trace::failed`]; it never blocks or crashes
//! the kiosk.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// Longest time buffered lines wait before they reach the file.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Longest time `close` (and the drop of the last handle) waits.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// The process-wide zero: an `Instant` and the absolute `CLOCK_MONOTONIC`
/// nanoseconds read right beside it.
struct Zero {
    at: Instant,
    mono_ns: u64,
}

static ZERO: OnceLock<Zero> = OnceLock::new();

fn mono_now_ns() -> u64 {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nsecs = u64::try_from(ts.tv_nsec).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nsecs)
}

fn zero() -> &'static Zero {
    ZERO.get_or_init(|| Zero {
        at: Instant::now(),
        mono_ns: mono_now_ns(),
    })
}

/// Fixes the process-wide zero of `t_us`. Call it first thing in `main`;
/// later calls change nothing. Anything that needs the zero before it is
/// marked fixes it then.
pub fn mark_process_start() {
    zero();
}

/// Absolute `CLOCK_MONOTONIC` nanoseconds of the zero (the start line's
/// `mono_ns`).
pub fn process_start_mono_ns() -> u64 {
    zero().mono_ns
}

/// Microseconds from the zero to `at` (0 if `at` is earlier, saturating).
pub fn t_us(at: Instant) -> u64 {
    let micros = at.saturating_duration_since(zero().at).as_micros();
    u64::try_from(micros).unwrap_or(u64::MAX)
}

/// Microseconds from the zero to now.
pub fn now_us() -> u64 {
    t_us(Instant::now())
}

/// One event as sent to the writer thread, stamped at the call.
enum Msg {
    Key {
        t: u64,
        key: Box<str>,
        acted: bool,
        redraw: bool,
    },
    Frame {
        t: u64,
        step: Box<str>,
    },
    Speak {
        t: u64,
        id: u64,
        kind: Box<str>,
        backend: Box<str>,
        lang: Box<str>,
        chars: usize,
    },
    AudioStart {
        t: u64,
        id: u64,
    },
    AudioStop {
        t: u64,
        id: u64,
    },
    Other {
        t: u64,
        ev: Box<str>,
        extra: Map<String, Value>,
    },
    /// Flush, acknowledge, and stop.
    Close(Sender<()>),
}

/// A JSON string literal for `s`.
fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

fn head(out: &mut String, t: u64, ev: &str) {
    let _ = write!(out, "{{\"t_us\":{t},\"ev\":{}", json_str(ev));
}

/// Formats one line (with its newline) into `out`; nothing for `Close`.
fn format_line(msg: &Msg, out: &mut String) {
    out.clear();
    match msg {
        Msg::Key {
            t,
            key,
            acted,
            redraw,
        } => {
            head(out, *t, "key");
            let _ = write!(
                out,
                ",\"key\":{},\"acted\":{acted},\"redraw\":{redraw}",
                json_str(key)
            );
        }
        Msg::Frame { t, step } => {
            head(out, *t, "frame");
            let _ = write!(out, ",\"step\":{}", json_str(step));
        }
        Msg::Speak {
            t,
            id,
            kind,
            backend,
            lang,
            chars,
        } => {
            head(out, *t, "speak");
            let _ = write!(
                out,
                ",\"id\":{id},\"kind\":{},\"backend\":{},\"lang\":{},\"chars\":{chars}",
                json_str(kind),
                json_str(backend),
                json_str(lang)
            );
        }
        Msg::AudioStart { t, id } => {
            head(out, *t, "audio_start");
            let _ = write!(out, ",\"id\":{id}");
        }
        Msg::AudioStop { t, id } => {
            head(out, *t, "audio_stop");
            let _ = write!(out, ",\"id\":{id}");
        }
        Msg::Other { t, ev, extra } => {
            head(out, *t, ev);
            for (k, v) in extra {
                // `t_us` and `ev` are the line's own; never duplicate them.
                if k == "t_us" || k == "ev" {
                    continue;
                }
                let v = serde_json::to_string(v).unwrap_or_else(|_| String::from("null"));
                let _ = write!(out, ",{}:{v}", json_str(k));
            }
        }
        Msg::Close(_) => return,
    }
    out.push_str("}\n");
}

/// The writer thread: formats, buffers, flushes at least every
/// `FLUSH_EVERY` while lines wait, and stops on close, on the last sender
/// going away, or on the first failed write (raising `failed`).
fn writer_loop(file: File, rx: Receiver<Msg>, failed: Arc<AtomicBool>) {
    let mut out = BufWriter::new(file);
    let mut line = String::with_capacity(160);
    // When the oldest unflushed line was written, if any.
    let mut dirty_since: Option<Instant> = None;
    loop {
        let got = match dirty_since {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(since) => {
                let wait = FLUSH_EVERY.saturating_sub(since.elapsed());
                rx.recv_timeout(wait)
            }
        };
        let msg = match got {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => {
                if out.flush().is_err() {
                    failed.store(true, Ordering::Relaxed);
                    return;
                }
                dirty_since = None;
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => {
                if out.flush().is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                return;
            }
        };
        if let Msg::Close(ack) = msg {
            if out.flush().is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            let _ = ack.send(());
            return;
        }
        format_line(&msg, &mut line);
        if out.write_all(line.as_bytes()).is_err() {
            failed.store(true, Ordering::Relaxed);
            return;
        }
        let since = *dirty_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= FLUSH_EVERY {
            if out.flush().is_err() {
                failed.store(true, Ordering::Relaxed);
                return;
            }
            dirty_since = None;
        }
    }
}

struct Inner {
    tx: Sender<Msg>,
    /// Set by the first `close`; later events are dropped.
    closed: AtomicBool,
    /// Set by the writer thread when a write or flush fails.
    failed: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Inner {
    fn send(&self, msg: Msg) {
        // A closed or failed trace drops the event; a send error means the
        // writer has stopped, which is already reflected in `failed`.
        let _ = self.tx.send(msg);
    }

    fn live(&self) -> bool {
        !self.closed.load(Ordering::Relaxed) && !self.failed.load(Ordering::Relaxed)
    }

    fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let (ack_tx, ack_rx) = mpsc::channel();
        if self.tx.send(Msg::Close(ack_tx)).is_ok() {
            // Ok: flushed; Err: timed out (writer stuck, detach it) or the
            // writer already stopped.
            if ack_rx.recv_timeout(CLOSE_WAIT).is_err() {
                return;
            }
        }
        let handle = match self.thread.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(handle) = handle {
            // The writer returns right after acknowledging (or has already
            // returned after a failure); only join a thread that is done.
            if handle.is_finished() || self.failed.load(Ordering::Relaxed) {
                let _ = handle.join();
            } else {
                let deadline = Instant::now() + Duration::from_millis(50);
                while !handle.is_finished() && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(1));
                }
                if handle.is_finished() {
                    let _ = handle.join();
                }
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.close();
    }
}

/// A handle on the trace file; cheap to clone and usable from several
/// threads. A disabled trace does nothing at all.
#[derive(Clone, Default)]
pub struct Trace {
    inner: Option<Arc<Inner>>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("enabled", &self.is_enabled())
            .field("failed", &self.failed())
            .finish()
    }
}

impl Trace {
    /// A trace that records nothing.
    pub fn disabled() -> Trace {
        Trace { inner: None }
    }

    /// Opens `path` for appending (creating it), writes the start line
    /// `{"t_us":0,"ev":"start","mono_ns":N}` and starts the writer thread.
    pub fn open(path: &Path) -> io::Result<Trace> {
        let zero = zero();
        // Never a FIFO or device: opening one would block the first frame.
        let mut file = crate::regular_file::open_append(path, 0o644)?;
        let start = format!(
            "{{\"t_us\":0,\"ev\":\"start\",\"mono_ns\":{}}}\n",
            zero.mono_ns
        );
        file.write_all(start.as_bytes())?;
        Trace::start(file)
    }

    /// Starts the writer thread on `file` (the start line already written).
    fn start(file: File) -> io::Result<Trace> {
        let (tx, rx) = mpsc::channel();
        let failed = Arc::new(AtomicBool::new(false));
        let thread_failed = Arc::clone(&failed);
        let handle = thread::Builder::new()
            .name("trace-writer".into())
            .spawn(move || writer_loop(file, rx, thread_failed))?;
        Ok(Trace {
            inner: Some(Arc::new(Inner {
                tx,
                closed: AtomicBool::new(false),
                failed,
                thread: Mutex::new(Some(handle)),
            })),
        })
    }

    /// Whether this trace writes anything (not [`Trace::disabled`]).
    pub fn is_enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Whether writing the trace has failed (it has then stopped).
    pub fn failed(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.failed.load(Ordering::Relaxed))
    }

    /// The live writer, if events should be sent at all.
    fn live(&self) -> Option<&Inner> {
        self.inner.as_deref().filter(|i| i.live())
    }

    /// `{"t_us":…,"ev":"key","key":NAME,"acted":…,"redraw":…}`: the key
    /// read at `read_at` (its `t_us`), once the kiosk has handled it:
    /// whether it acted on it, and whether that draws a new frame (the
    /// App's `KeyVerdict` says what each means).
    pub fn key(&self, name: &str, read_at: Instant, acted: bool, redraw: bool) {
        if let Some(inner) = self.live() {
            inner.send(Msg::Key {
                t: t_us(read_at),
                key: name.into(),
                acted,
                redraw,
            });
        }
    }

    /// `{"t_us":…,"ev":"paste","bytes":N}`: a bracketed paste was read (and
    /// ignored).
    pub fn paste(&self, bytes: usize) {
        let mut extra = Map::new();
        extra.insert("bytes".into(), Value::from(bytes));
        self.event("paste", extra);
    }

    /// `{"t_us":…,"ev":"frame","step":ID}`: a draw has been flushed to the
    /// terminal while the session stood on step `step` (an addition to
    /// DESIGN section 9: which step the frame belongs to, so a test can see
    /// that the first frame after a key is already the next step's).
    pub fn frame(&self, step: &str) {
        if let Some(inner) = self.live() {
            inner.send(Msg::Frame {
                t: now_us(),
                step: step.into(),
            });
        }
    }

    /// `{"t_us":…,"ev":"speak","id":…,"kind":…,"backend":…,"lang":…,"chars":…}`:
    /// an utterance was handed to a backend.
    pub fn speak(&self, id: u64, kind: &str, backend: &str, lang: &str, chars: usize) {
        if let Some(inner) = self.live() {
            let t = now_us();
            inner.send(Msg::Speak {
                t,
                id,
                kind: kind.into(),
                backend: backend.into(),
                lang: lang.into(),
                chars,
            });
        }
    }

    /// `{"t_us":…,"ev":"audio_start","id":…}`: sound for `id` has begun.
    pub fn audio_start(&self, id: u64) {
        if let Some(inner) = self.live() {
            inner.send(Msg::AudioStart { t: now_us(), id });
        }
    }

    /// `{"t_us":…,"ev":"audio_stop","id":…}`: playback of `id` stopped or ended.
    pub fn audio_stop(&self, id: u64) {
        if let Some(inner) = self.live() {
            inner.send(Msg::AudioStop { t: now_us(), id });
        }
    }

    /// `audio_start` at the moment `at` it happened (the audio callback's
    /// clock reading), not when the trace heard of it.
    pub fn audio_start_at(&self, id: u64, at: Instant) {
        if let Some(inner) = self.live() {
            inner.send(Msg::AudioStart { t: t_us(at), id });
        }
    }

    /// `audio_stop` at the moment `at` it happened.
    pub fn audio_stop_at(&self, id: u64, at: Instant) {
        if let Some(inner) = self.live() {
            inner.send(Msg::AudioStop { t: t_us(at), id });
        }
    }

    /// Any other event: `{"t_us":…,"ev":EV,…extra}` with `extra`'s fields in
    /// its own (key) order; keys `t_us` and `ev` in `extra` are ignored.
    pub fn event(&self, ev: &str, extra: Map<String, Value>) {
        if let Some(inner) = self.live() {
            let t = now_us();
            inner.send(Msg::Other {
                t,
                ev: ev.into(),
                extra,
            });
        }
    }

    /// Flushes everything sent so far and stops the writer, waiting at most
    /// about a second. Later events are dropped; calling it again does
    /// nothing.
    pub fn close(&self) {
        if let Some(inner) = &self.inner {
            inner.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn field_u64(line: &str, key: &str) -> u64 {
        let v: Value = serde_json::from_str(line).unwrap();
        v[key].as_u64().unwrap()
    }

    fn open_tmp() -> (tempfile::TempDir, std::path::PathBuf, Trace) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace.jsonl");
        let trace = Trace::open(&path).unwrap();
        (dir, path, trace)
    }

    #[test]
    fn trace_start_line_has_plausible_mono_ns() {
        mark_process_start();
        mark_process_start();
        let (_dir, path, trace) = open_tmp();
        trace.close();
        let now_ns = mono_now_ns();
        let since_zero_ns = now_us() * 1000;
        let got = lines(&path);
        assert_eq!(got.len(), 1);
        let prefix = "{\"t_us\":0,\"ev\":\"start\",\"mono_ns\":";
        assert!(got[0].starts_with(prefix), "{}", got[0]);
        let mono_ns = field_u64(&got[0], "mono_ns");
        assert!(mono_ns > 0);
        assert!(mono_ns <= now_ns);
        assert_eq!(mono_ns, process_start_mono_ns());
        // The zero's mono_ns plus the elapsed t_us is CLOCK_MONOTONIC now.
        let implied = mono_ns + since_zero_ns;
        assert!(
            implied.abs_diff(now_ns) < 1_000_000_000,
            "{implied} vs {now_ns}"
        );
    }

    #[test]
    fn trace_events_in_order_with_exact_field_order() {
        let (_dir, path, trace) = open_tmp();
        trace.key("1", Instant::now(), true, false);
        trace.frame("welcome");
        trace.speak(7, "step", "clip", "ja", 24);
        trace.audio_start(7);
        trace.audio_stop(7);
        let mut extra = Map::new();
        extra.insert("n".into(), json!(3));
        extra.insert("ev".into(), json!("dup"));
        extra.insert("why".into(), json!("x\"y"));
        trace.event("idle_reset", extra);
        trace.close();
        let got = lines(&path);
        assert_eq!(got.len(), 7, "{got:?}");
        let strip = |l: &str| {
            let rest = l.strip_prefix("{\"t_us\":").unwrap();
            let comma = rest.find(',').unwrap();
            rest[..comma].parse::<u64>().unwrap();
            rest[comma..].to_owned()
        };
        assert_eq!(
            strip(&got[1]),
            ",\"ev\":\"key\",\"key\":\"1\",\"acted\":true,\"redraw\":false}"
        );
        assert_eq!(strip(&got[2]), ",\"ev\":\"frame\",\"step\":\"welcome\"}");
        assert_eq!(
            strip(&got[3]),
            ",\"ev\":\"speak\",\"id\":7,\"kind\":\"step\",\"backend\":\"clip\",\"lang\":\"ja\",\"chars\":24}"
        );
        assert_eq!(strip(&got[4]), ",\"ev\":\"audio_start\",\"id\":7}");
        assert_eq!(strip(&got[5]), ",\"ev\":\"audio_stop\",\"id\":7}");
        assert_eq!(
            strip(&got[6]),
            ",\"ev\":\"idle_reset\",\"n\":3,\"why\":\"x\\\"y\"}"
        );
        for line in &got {
            let _: Value = serde_json::from_str(line).unwrap();
        }
        let ts: Vec<u64> = got.iter().map(|l| field_u64(l, "t_us")).collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    }

    #[test]
    fn trace_key_names_are_escaped() {
        let (_dir, path, trace) = open_tmp();
        trace.key("\"", Instant::now(), true, true);
        trace.key("\\", Instant::now(), false, false);
        trace.close();
        let got = lines(&path);
        assert_eq!(got.len(), 3);
        assert!(
            got[1].ends_with(",\"ev\":\"key\",\"key\":\"\\\"\",\"acted\":true,\"redraw\":true}"),
            "{}",
            got[1]
        );
        assert!(
            got[2].ends_with(",\"ev\":\"key\",\"key\":\"\\\\\",\"acted\":false,\"redraw\":false}"),
            "{}",
            got[2]
        );
        let v: Value = serde_json::from_str(&got[1]).unwrap();
        assert_eq!(v["key"], "\"");
        let v: Value = serde_json::from_str(&got[2]).unwrap();
        assert_eq!(v["key"], "\\");
    }

    #[test]
    fn trace_t_us_is_the_call_time() {
        let (_dir, path, trace) = open_tmp();
        let before = now_us();
        trace.key("a", Instant::now(), true, false);
        std::thread::sleep(Duration::from_millis(30));
        trace.key("b", Instant::now(), true, false);
        let after = now_us();
        trace.close();
        let got = lines(&path);
        assert_eq!(got.len(), 3);
        let a = field_u64(&got[1], "t_us");
        let b = field_u64(&got[2], "t_us");
        assert!(before <= a && b <= after, "{before} {a} {b} {after}");
        assert!(b - a >= 30_000, "gap {}", b - a);
    }

    #[test]
    fn a_key_is_stamped_when_it_was_read_not_when_it_was_handled() {
        let (_dir, path, trace) = open_tmp();
        let read_at = Instant::now();
        // The UI thread draws and speaks before it writes the key's line.
        trace.frame("welcome");
        trace.key("1", read_at, true, true);
        trace.close();
        let got = lines(&path);
        assert_eq!(got.len(), 3);
        assert_eq!(field_u64(&got[2], "t_us"), t_us(read_at));
        assert!(field_u64(&got[2], "t_us") <= field_u64(&got[1], "t_us"));
        let v: Value = serde_json::from_str(&got[2]).unwrap();
        assert_eq!(v["acted"], true);
        assert_eq!(v["redraw"], true);
    }

    #[test]
    fn trace_flushes_without_close() {
        let (_dir, path, trace) = open_tmp();
        trace.frame("welcome");
        trace.key("Enter", Instant::now(), true, false);
        let deadline = Instant::now() + Duration::from_millis(400);
        loop {
            let got = lines(&path);
            if got.len() == 3 {
                assert!(got[2].contains("\"key\":\"Enter\""));
                break;
            }
            assert!(Instant::now() < deadline, "not flushed: {got:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!trace.failed());
        drop(trace);
    }

    #[test]
    fn trace_drop_of_last_handle_flushes() {
        let (_dir, path, trace) = open_tmp();
        let other = trace.clone();
        trace.frame("welcome");
        drop(trace);
        other.frame("welcome");
        drop(other);
        assert_eq!(lines(&path).len(), 3);
    }

    #[test]
    fn trace_disabled_does_nothing() {
        let trace = Trace::disabled();
        assert!(!trace.is_enabled());
        trace.key("a", Instant::now(), true, false);
        trace.frame("welcome");
        trace.speak(1, "step", "none", "en", 3);
        trace.audio_start(1);
        trace.audio_stop(1);
        trace.event("x", Map::new());
        trace.close();
        trace.close();
        assert!(!trace.failed());
        assert!(!Trace::default().is_enabled());
    }

    #[test]
    fn trace_close_twice_and_events_after_close_are_dropped() {
        let (_dir, path, trace) = open_tmp();
        trace.frame("welcome");
        trace.close();
        trace.close();
        trace.frame("welcome");
        trace.close();
        assert_eq!(lines(&path).len(), 2);
        assert!(!trace.failed());
    }

    #[test]
    fn trace_appends_to_existing_file() {
        let (_dir, path, trace) = open_tmp();
        trace.frame("welcome");
        trace.close();
        let again = Trace::open(&path).unwrap();
        again.frame("welcome");
        again.close();
        let got = lines(&path);
        assert_eq!(got.len(), 4);
        assert!(got[2].starts_with("{\"t_us\":0,\"ev\":\"start\""));
    }

    #[test]
    fn trace_usable_from_two_threads() {
        let (_dir, path, trace) = open_tmp();
        let handles: Vec<_> = (0..2u64)
            .map(|n| {
                let t = trace.clone();
                std::thread::spawn(move || {
                    for i in 0..200 {
                        t.audio_start(n * 1000 + i);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        trace.close();
        let got = lines(&path);
        assert_eq!(got.len(), 401);
        for n in 0..2u64 {
            let ids: Vec<u64> = got[1..]
                .iter()
                .map(|l| field_u64(l, "id"))
                .filter(|id| id / 1000 == n)
                .collect();
            let want: Vec<u64> = (0..200).map(|i| n * 1000 + i).collect();
            assert_eq!(ids, want);
        }
        let ts: Vec<u64> = got[1..].iter().map(|l| field_u64(l, "t_us")).collect();
        assert!(ts.iter().all(|&t| t > 0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn trace_write_failure_sets_failed_without_blocking() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let path = Path::new("/dev/full");
        if !path.exists() {
            return;
        }
        // The start line is written at open, so the failure shows there.
        assert!(Trace::open(path).is_err());
        // A write failing later (disk full mid-run) stops the trace quietly.
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let trace = Trace::start(file).unwrap();
        assert!(!trace.failed());
        let began = Instant::now();
        trace.frame("welcome");
        trace.close();
        assert!(trace.failed());
        trace.frame("welcome");
        trace.key("a", Instant::now(), true, false);
        trace.close();
        assert!(began.elapsed() < Duration::from_secs(1));
    }
}
