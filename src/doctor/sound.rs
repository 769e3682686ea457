//! The sound output: the clip player opens the default device exactly as
//! the kiosk does (cpal over ALSA). ALSA writes its complaints straight to
//! stderr; while the probe runs they go to a file instead, so doctor's own
//! lines stay readable and the first complaint can be quoted.

use std::fs::{self, File};
use std::path::PathBuf;
use std::time::Duration;

use super::probe::Pending;
use super::Check;
use crate::speech::player::Player;

/// Opening a device takes milliseconds; a wedged sound server can hang.
const BOUND: Duration = Duration::from_secs(5);
/// The clips' rate, which the kiosk asks the device for.
const CLIP_RATE: u32 = 24_000;

pub struct SoundProbe {
    pending: Pending<Result<String, String>>,
    captured: Option<Captured>,
}

/// stderr sent to a file for as long as this lives.
struct Captured {
    saved: rustix::fd::OwnedFd,
    path: PathBuf,
}

impl Captured {
    fn start() -> Option<Captured> {
        let path = std::env::temp_dir().join(format!("kiosk-doctor-{}.stderr", std::process::id()));
        let file = File::create(&path).ok()?;
        let saved = rustix::io::dup(std::io::stderr()).ok()?;
        rustix::stdio::dup2_stderr(&file).ok()?;
        Some(Captured { saved, path })
    }

    /// Puts stderr back; the first line written meanwhile.
    fn finish(self) -> Option<String> {
        let _ = rustix::stdio::dup2_stderr(&self.saved);
        let text = fs::read_to_string(&self.path).unwrap_or_default();
        let _ = fs::remove_file(&self.path);
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| l.trim_start_matches("ALSA lib ").to_string())
    }
}

pub fn start() -> SoundProbe {
    start_with(true)
}

/// As [`start`]; with `capture` false, stderr stays where it is (the
/// running kiosk's log, for the staff screen).
pub fn start_with(capture: bool) -> SoundProbe {
    let captured = if capture { Captured::start() } else { None };
    let pending = Pending::spawn("doctor-sound", BOUND, || {
        Player::open(CLIP_RATE)
            .map(|player| player.device_name.clone())
            .map_err(|e| e.to_string())
    });
    SoundProbe { pending, captured }
}

/// What /proc/asound/cards says, when it says there is no card.
fn no_cards() -> Option<&'static str> {
    let cards = fs::read_to_string("/proc/asound/cards").ok();
    match cards {
        None => Some("no ALSA in this system (/proc/asound missing)"),
        Some(c) if c.contains("no soundcards") || c.trim().is_empty() => {
            Some("no sound card: /proc/asound/cards lists none")
        }
        Some(_) => None,
    }
}

impl SoundProbe {
    pub fn finish(self) -> Check {
        let answer = self.pending.wait();
        let alsa = self.captured.and_then(Captured::finish);
        let detail = |e: String| {
            let mut parts = vec![e];
            parts.extend(no_cards().map(str::to_string));
            parts.extend(alsa.clone().map(|a| format!("ALSA: {a}")));
            parts.join("; ")
        };
        match answer {
            Some(Ok(device)) => {
                Check::pass("sound", format!("sound: output device \"{device}\" opens"))
            }
            Some(Err(e)) => Check::fail(
                "sound",
                format!(
                    "sound: no sound output device: ALSA's default device cannot be opened \
                     ({}); the kiosk would run silent with the [音声なし] mark",
                    detail(e)
                ),
            ),
            None => Check::fail(
                "sound",
                format!(
                    "sound: the output device did not open within {} s ({}); the kiosk \
                     would run silent",
                    BOUND.as_secs(),
                    detail("it hangs".into())
                ),
            ),
        }
    }
}
