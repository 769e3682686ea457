//! The sound output: the clip player opens the default device exactly as
//! the kiosk does (cpal over ALSA). ALSA writes its complaints straight to
//! stderr; while the probe runs they go to a file instead, so doctor's own
//! lines stay readable and the first complaint can be quoted.

use std::fs::{self, File};
use std::path::PathBuf;
use std::time::Duration;

use super::probe::Pending;
use super::{nothing, Check};
use crate::messages::Message;
use crate::msg;
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
fn no_cards() -> Option<Message> {
    let cards = fs::read_to_string("/proc/asound/cards").ok();
    match cards {
        None => Some(msg!("doctor.sound_no_alsa")),
        Some(c) if c.contains("no soundcards") || c.trim().is_empty() => {
            Some(msg!("doctor.sound_no_card"))
        }
        Some(_) => None,
    }
}

/// `; A; B` for each of `parts`, nothing for none.
fn more(parts: Vec<Message>) -> Message {
    parts.into_iter().rev().fold(nothing(), |rest, part| {
        msg!("doctor.more", detail = part, more = rest)
    })
}

impl SoundProbe {
    pub fn finish(self) -> Check {
        let answer = self.pending.wait();
        let alsa = self.captured.and_then(Captured::finish);
        let mut parts: Vec<Message> = no_cards().into_iter().collect();
        parts.extend(alsa.map(|said| msg!("doctor.sound_alsa_said", said = said)));
        match answer {
            Some(Ok(device)) => Check::pass("sound", msg!("doctor.sound_ok", device = device)),
            Some(Err(e)) => Check::fail(
                "sound",
                msg!("doctor.sound_failed", error = e, more = more(parts)),
            ),
            None => Check::fail(
                "sound",
                msg!(
                    "doctor.sound_hung",
                    seconds = BOUND.as_secs(),
                    more = more(parts),
                ),
            ),
        }
    }
}
