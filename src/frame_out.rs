//! The kiosk's frames on their way to the terminal: each frame leaves in
//! one write, inside a synchronized update (DEC private mode 2026), so the
//! terminal paints whole frames only.
//!
//! Why: ratatui writes a frame as many small writes (the standard output's
//! 1 KiB line buffer cut the welcome step's frame at the same bytes every
//! time), and foot paints whatever has arrived when its render timer fires.
//! In scripts/vm, foot 1.13 then lost the right half of one wide glyph of
//! the welcome step in 4 of 30 start-overs (always the same cell, until
//! it was drawn again); with whole frames, in none of 30. A terminal that
//! does not know mode 2026 ignores it, as terminals do with private modes
//! they do not know, and still gets each frame in one write.

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;

/// Begin and end of a synchronized update.
const BEGIN: &[u8] = b"\x1b[?2026h";
const END: &[u8] = b"\x1b[?2026l";

/// Holds a frame back while it is being written: the UI thread keeps one,
/// the terminal's [`FrameOut`] the other (ratatui gives no way back to its
/// writer but an unstable API).
#[derive(Clone, Default)]
pub struct FrameGate(Rc<Cell<bool>>);

impl FrameGate {
    /// Starts a frame: flushes keep what is written.
    pub fn hold(&self) {
        self.0.set(true);
    }

    /// Ends the frame: the next flush sends it, whole.
    pub fn open(&self) {
        self.0.set(false);
    }

    fn held(&self) -> bool {
        self.0.get()
    }
}

/// Collects what ratatui and crossterm write, and sends it on a flush the
/// gate does not hold back.
pub struct FrameOut<W: Write> {
    out: W,
    /// The frame so far, after its BEGIN (kept in place, so that sending
    /// it copies nothing).
    pending: Vec<u8>,
    gate: FrameGate,
}

impl<W: Write> FrameOut<W> {
    pub fn new(out: W) -> FrameOut<W> {
        let mut pending = Vec::with_capacity(64 * 1024);
        pending.extend_from_slice(BEGIN);
        FrameOut {
            out,
            pending,
            gate: FrameGate::default(),
        }
    }

    pub fn gate(&self) -> FrameGate {
        self.gate.clone()
    }

    fn send(&mut self) -> io::Result<()> {
        if self.pending.len() == BEGIN.len() {
            return self.out.flush();
        }
        self.pending.extend_from_slice(END);
        let written = self.out.write_all(&self.pending);
        // Dropped even when the write fails: a gone terminal must not make
        // the kiosk hoard frames.
        self.pending.truncate(BEGIN.len());
        written?;
        self.out.flush()
    }
}

impl<W: Write> Write for FrameOut<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gate.held() {
            Ok(())
        } else {
            self.send()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each write the terminal would get.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl Write for Writes {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.push(bytes.to_vec());
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_held_frame_leaves_in_one_write_inside_a_synchronized_update() {
        let mut out = FrameOut::new(Writes::default());
        let gate = out.gate();
        gate.hold();
        out.write_all(b"\x1b[2J").unwrap();
        out.flush().unwrap();
        out.write_all("て、".as_bytes()).unwrap();
        out.flush().unwrap();
        assert!(out.out.0.is_empty(), "nothing leaves while held");
        gate.open();
        out.flush().unwrap();
        let want = [BEGIN, b"\x1b[2J", "て、".as_bytes(), END].concat();
        assert_eq!(out.out.0, vec![want]);
    }

    #[test]
    fn a_flush_outside_a_frame_sends_at_once_and_an_empty_one_sends_nothing() {
        let mut out = FrameOut::new(Writes::default());
        out.flush().unwrap();
        assert!(out.out.0.is_empty());
        out.write_all(b"x").unwrap();
        out.flush().unwrap();
        assert_eq!(out.out.0, vec![[BEGIN, b"x", END].concat()]);
        out.gate().hold();
        out.gate().open();
        out.flush().unwrap();
        assert_eq!(out.out.0.len(), 1, "an empty frame is not sent");
    }

    struct Gone;

    impl Write for Gone {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
    }

    #[test]
    fn a_gone_terminal_gives_an_error_and_the_frame_is_not_kept() {
        let mut out = FrameOut::new(Gone);
        out.gate().hold();
        out.write_all(&[b'x'; 1000]).unwrap();
        out.gate().open();
        assert!(out.flush().is_err());
        assert_eq!(out.pending, BEGIN, "nothing of the frame is kept");
    }
}
