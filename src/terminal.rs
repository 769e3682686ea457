//! The terminal edge: reading keys from standard input (decoded by
//! `key_decode`, not crossterm's reader, which could wait for ever on an
//! unfinished escape sequence), and putting the terminal into and out of
//! kiosk mode (raw, alternate screen, bracketed paste) on every exit path.

use std::io::{self, Stdout};
use std::thread::ThreadId;

use crossterm::cursor::{Hide, Show};
use std::os::fd::AsFd;
use std::time::Instant;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;

use crate::frame_out::{FrameGate, FrameOut};
use crate::key_decode::{Decoded, Decoder};

pub type KioskTerminal = Terminal<CrosstermBackend<FrameOut<Stdout>>>;

/// Kiosk mode on the real terminal: raw mode (so Ctrl-C, Ctrl-Z and Ctrl-\
/// arrive as keys, not signals), the alternate screen, no cursor. Dropping
/// the guard restores the terminal, on every exit path but a hard kill.
pub struct TerminalGuard {
    pub terminal: KioskTerminal,
    /// Holds each frame back until it is whole (`frame_out`).
    pub frames: FrameGate,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        enable_raw_mode()?;
        let entered = execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            Hide
        )
        .map(|()| FrameOut::new(io::stdout()))
        .and_then(|out| {
            let frames = out.gate();
            Terminal::new(CrosstermBackend::new(out)).map(|terminal| (terminal, frames))
        });
        match entered {
            Ok((terminal, frames)) => Ok(TerminalGuard { terminal, frames }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as the shell had it. Safe to call twice; errors
/// are ignored, there being nowhere left to report them.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
}

/// A panic on the UI thread restores the terminal *before* the panic is
/// printed (to stderr, which is the log file while the kiosk runs). A panic
/// on another thread leaves the screen alone: the kiosk goes on.
pub fn install_panic_hook(ui_thread: ThreadId) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore();
        }
        previous(info);
    }));
}

/// What the key reader hands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermInput {
    Key(String),
    /// A bracketed paste, `bytes` long: it does nothing.
    Paste {
        bytes: usize,
    },
    /// Standard input ended or failed: the terminal is gone.
    Closed,
}

/// Reads standard input until it ends, decoding keys with [`Decoder`] and
/// handing each to `deliver` (which returns `false` to stop). Sleeps in
/// `poll` until a byte or the decoder's deadline, so a half-read escape
/// sequence is given up on time even when no further byte comes.
pub fn read_keys(mut deliver: impl FnMut(TermInput) -> bool) {
    let stdin = io::stdin();
    let fd = stdin.as_fd();
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 4096];
    loop {
        let timeout = decoder
            .next_deadline()
            .map(|at| at.saturating_duration_since(Instant::now()))
            .and_then(|left| Timespec::try_from(left).ok());
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let ready = match poll(&mut fds, timeout.as_ref()) {
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(_) => {
                deliver(TermInput::Closed);
                return;
            }
        };
        let now = Instant::now();
        let decoded = if ready == 0 {
            decoder.handle_timeout(now)
        } else {
            match rustix::io::read(fd, &mut buf) {
                Ok(0) => {
                    deliver(TermInput::Closed);
                    return;
                }
                Ok(n) => decoder.feed(&buf[..n], now),
                Err(Errno::INTR | Errno::AGAIN) => continue,
                Err(_) => {
                    deliver(TermInput::Closed);
                    return;
                }
            }
        };
        for item in decoded {
            let input = match item {
                Decoded::Key(name) => TermInput::Key(name),
                Decoded::Paste { bytes } => TermInput::Paste { bytes },
            };
            if !deliver(input) {
                return;
            }
        }
    }
}
