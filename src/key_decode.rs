//! Terminal bytes to key names, the way the key map, the config and the
//! trace spell them (`1`, `a`, `Enter`, `Up`, `F5`, `Ctrl-c`, `Alt-x`).
//!
//! Pure, with time as an input (the engine's shape): `feed(bytes, now)` and
//! `handle_timeout(now)` return what was decoded, `next_deadline()` says
//! when a half-read escape sequence must be given up. crossterm's own reader
//! waited for ever on an escape sequence that never ended (Alt-[ sends
//! `ESC [`, after which every digit was taken as a parameter), freezing the
//! keypad for every later customer; here no byte sequence can hold keys
//! back for longer than [`ESCAPE_TIMEOUT`] (a sequence a terminal sends
//! arrives in one write, far quicker), or, inside a bracketed paste whose
//! end marker never comes, [`PASTE_QUIET`] of silence.

use std::time::{Duration, Instant};

/// How long the bytes of one escape sequence may take to arrive.
pub const ESCAPE_TIMEOUT: Duration = Duration::from_millis(50);
/// A bracketed paste with no end marker ends after this long with no byte.
pub const PASTE_QUIET: Duration = Duration::from_millis(300);
/// Longer than any sequence a terminal sends for a key.
const MAX_SEQUENCE: usize = 32;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// One thing read from the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A key press, named as `input::is_key_name` accepts.
    Key(String),
    /// A bracketed paste: one event that does nothing, however long.
    Paste { bytes: usize },
}

/// The decoder's state between reads.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of a sequence (or UTF-8 character) not yet complete.
    pending: Vec<u8>,
    /// When the first pending byte arrived.
    pending_since: Option<Instant>,
    paste: Option<Paste>,
}

#[derive(Debug)]
struct Paste {
    bytes: usize,
    last_byte: Instant,
    /// How much of the end marker the last bytes matched.
    matched: usize,
}

/// What the parser makes of the start of a byte slice.
enum Parse {
    /// `len` bytes were a key (or nothing a customer can press, `None`).
    Done(usize, Option<String>),
    /// The bytes so far begin a sequence: more may come.
    Incomplete,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes bytes read at `now`.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Decoded> {
        // Whatever was overdue ends first: the next read came too late to
        // finish a sequence, or after the quiet that ends an unended paste.
        let mut out = self.handle_timeout(now);
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.paste.is_some() {
                rest = self.eat_paste(rest, now, &mut out);
                continue;
            }
            if self.pending.is_empty() {
                self.pending_since = Some(now);
            }
            self.pending.push(rest[0]);
            rest = &rest[1..];
            self.parse_pending(now, &mut out);
        }
        out
    }

    /// When a half-read sequence or an unended paste must be given up.
    pub fn next_deadline(&self) -> Option<Instant> {
        if let Some(paste) = &self.paste {
            return Some(paste.last_byte + PASTE_QUIET);
        }
        self.pending_since.map(|since| since + ESCAPE_TIMEOUT)
    }

    /// Gives up what is overdue at `now`: a lone `ESC` becomes the Esc key,
    /// `ESC [` becomes Alt-[ and the bytes after it keys of their own.
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<Decoded> {
        let mut out = Vec::new();
        if let Some(paste) = &self.paste {
            if now.saturating_duration_since(paste.last_byte) >= PASTE_QUIET {
                let bytes = paste.bytes;
                self.paste = None;
                out.push(Decoded::Paste { bytes });
            }
            return out;
        }
        if let Some(since) = self.pending_since {
            if now.saturating_duration_since(since) >= ESCAPE_TIMEOUT {
                self.give_up_pending(&mut out);
            }
        }
        out
    }

    /// Parses the pending bytes as far as they go.
    fn parse_pending(&mut self, now: Instant, out: &mut Vec<Decoded>) {
        loop {
            if self.pending.is_empty() {
                self.pending_since = None;
                return;
            }
            if self.pending.starts_with(PASTE_START) {
                let after = self.pending.split_off(PASTE_START.len());
                self.pending.clear();
                self.pending_since = None;
                self.paste = Some(Paste {
                    bytes: 0,
                    last_byte: now,
                    matched: 0,
                });
                // Bytes after the marker are the paste's (none, as fed now).
                let _ = self.eat_paste(&after, now, out);
                return;
            }
            match parse(&self.pending, false) {
                Parse::Incomplete if self.pending.len() < MAX_SEQUENCE => return,
                Parse::Incomplete => self.give_up_pending(out),
                Parse::Done(len, key) => {
                    self.pending.drain(..len);
                    out.extend(key.map(Decoded::Key));
                    if !self.pending.is_empty() {
                        // What is left started after the last complete key.
                        self.pending_since = Some(now);
                    }
                }
            }
        }
    }

    /// Reads what is pending as if no more bytes could come.
    fn give_up_pending(&mut self, out: &mut Vec<Decoded>) {
        let mut bytes = std::mem::take(&mut self.pending);
        self.pending_since = None;
        while !bytes.is_empty() {
            match parse(&bytes, true) {
                Parse::Done(len, key) => {
                    bytes.drain(..len.max(1));
                    out.extend(key.map(Decoded::Key));
                }
                // Unreachable with `at_end`, but never loop on it.
                Parse::Incomplete => bytes.clear(),
            }
        }
    }

    /// Discards pasted bytes up to the end marker; returns what follows it.
    fn eat_paste<'a>(&mut self, bytes: &'a [u8], now: Instant, out: &mut Vec<Decoded>) -> &'a [u8] {
        let Some(paste) = self.paste.as_mut() else {
            return bytes;
        };
        paste.last_byte = now;
        for (i, &b) in bytes.iter().enumerate() {
            paste.bytes = paste.bytes.saturating_add(1);
            paste.matched = if b == PASTE_END[paste.matched] {
                paste.matched + 1
            } else if b == PASTE_END[0] {
                1
            } else {
                0
            };
            if paste.matched == PASTE_END.len() {
                let pasted = paste.bytes.saturating_sub(PASTE_END.len());
                self.paste = None;
                out.push(Decoded::Paste { bytes: pasted });
                return &bytes[i + 1..];
            }
        }
        &[]
    }
}

/// Parses one key from the start of `bytes`. With `at_end`, no more bytes
/// will come, so a prefix of a sequence is read as the keys it spells.
fn parse(bytes: &[u8], at_end: bool) -> Parse {
    let Some(&first) = bytes.first() else {
        return Parse::Done(0, None);
    };
    match first {
        0x1b => parse_escape(bytes, at_end),
        _ if first < 0x80 => Parse::Done(1, control_or_ascii(first)),
        _ => parse_utf8(bytes, at_end),
    }
}

/// A byte below 0x80 that does not start an escape sequence.
fn control_or_ascii(b: u8) -> Option<String> {
    Some(match b {
        b'\r' | b'\n' => "Enter".into(),
        b'\t' => "Tab".into(),
        0x7f | 0x08 => "Backspace".into(),
        b' ' => "Space".into(),
        0x00 => "Ctrl-Space".into(),
        0x01..=0x1a => format!("Ctrl-{}", char::from(b - 1 + b'a')),
        0x1c => "Ctrl-\\".into(),
        0x1d => "Ctrl-]".into(),
        0x1e => "Ctrl-^".into(),
        0x1f => "Ctrl-_".into(),
        _ => char::from(b).to_string(),
    })
}

fn parse_utf8(bytes: &[u8], at_end: bool) -> Parse {
    let want = match bytes[0] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        // A stray continuation or invalid lead byte: nothing to press.
        _ => return Parse::Done(1, None),
    };
    let have = bytes.len().min(want);
    if bytes[1..have].iter().any(|b| b & 0xc0 != 0x80) {
        return Parse::Done(1, None);
    }
    if have < want {
        return if at_end {
            Parse::Done(have, None)
        } else {
            Parse::Incomplete
        };
    }
    match std::str::from_utf8(&bytes[..want]) {
        Ok(s) => Parse::Done(want, Some(s.to_string()).filter(|s| is_printable(s))),
        Err(_) => Parse::Done(1, None),
    }
}

fn is_printable(s: &str) -> bool {
    s.chars().all(|c| !c.is_control() && !c.is_whitespace())
}

fn parse_escape(bytes: &[u8], at_end: bool) -> Parse {
    let Some(&second) = bytes.get(1) else {
        return if at_end {
            Parse::Done(1, Some("Esc".into()))
        } else {
            Parse::Incomplete
        };
    };
    let sequence = match second {
        b'[' => parse_csi(bytes),
        b'O' => parse_ss3(bytes),
        _ => None,
    };
    match sequence {
        Some(Parse::Incomplete) if at_end => {}
        Some(found) => return found,
        None => {}
    }
    // ESC then a key is that key with Alt (Alt-x, Alt-Enter); ESC then
    // another ESC, or a byte that is no key, is the Esc key, and the rest is
    // read again on its own.
    if second == 0x1b {
        return Parse::Done(1, Some("Esc".into()));
    }
    match parse(&bytes[1..], at_end) {
        // A Ctrl key with Alt is still a Ctrl key (and does nothing).
        Parse::Done(len, Some(key)) if key.starts_with("Ctrl-") => Parse::Done(1 + len, Some(key)),
        Parse::Done(len, Some(key)) => Parse::Done(1 + len, Some(format!("Alt-{key}"))),
        Parse::Incomplete if !at_end => Parse::Incomplete,
        _ => Parse::Done(1, Some("Esc".into())),
    }
}

/// `ESC O x`: F1-F4, arrows and the keypad in application mode.
fn parse_ss3(bytes: &[u8]) -> Option<Parse> {
    let Some(&c) = bytes.get(2) else {
        return Some(Parse::Incomplete);
    };
    let name = match c {
        b'A' => "Up",
        b'B' => "Down",
        b'C' => "Right",
        b'D' => "Left",
        b'H' => "Home",
        b'F' => "End",
        b'E' => "Begin",
        b'P' => "F1",
        b'Q' => "F2",
        b'R' => "F3",
        b'S' => "F4",
        b'M' => "Enter",
        b'j' => "*",
        b'k' => "+",
        b'm' => "-",
        b'n' => ".",
        b'o' => "/",
        b'p'..=b'y' => {
            return Some(Parse::Done(
                3,
                Some(char::from(c - b'p' + b'0').to_string()),
            ))
        }
        _ => return None,
    };
    Some(Parse::Done(3, Some(name.to_string())))
}

/// `ESC [ params intermediates final`; `None` when the bytes cannot be one.
fn parse_csi(bytes: &[u8]) -> Option<Parse> {
    // The Linux console's F1-F5: `ESC [ [ A` … `ESC [ [ E`.
    if bytes.get(2) == Some(&b'[') {
        return match bytes.get(3) {
            None => Some(Parse::Incomplete),
            Some(&c @ b'A'..=b'E') => Some(Parse::Done(4, Some(format!("F{}", c - b'A' + 1)))),
            Some(_) => None,
        };
    }
    for (i, &b) in bytes.iter().enumerate().skip(2) {
        match b {
            0x20..=0x3f => continue,
            0x40..=0x7e => {
                let key = csi_key(&bytes[2..i], b);
                return Some(Parse::Done(i + 1, key));
            }
            // A byte no sequence holds: the sequence was never one.
            _ => return None,
        }
    }
    Some(Parse::Incomplete)
}

/// The key a complete CSI sequence stands for, if any.
fn csi_key(params: &[u8], final_byte: u8) -> Option<String> {
    let text = std::str::from_utf8(params).ok()?;
    if text.starts_with(['<', '=', '>', '?']) {
        // Private sequences (mouse, terminal replies): never keys.
        return None;
    }
    let mut fields = text.split(';');
    let first: Option<u32> = fields.next().and_then(|f| f.parse().ok());
    let modifiers: u32 = fields
        .next()
        .and_then(|f| f.split(':').next())
        .and_then(|f| f.parse().ok())
        .unwrap_or(1);
    let base = match final_byte {
        b'A' => "Up".to_string(),
        b'B' => "Down".into(),
        b'C' => "Right".into(),
        b'D' => "Left".into(),
        b'H' => "Home".into(),
        b'F' => "End".into(),
        b'E' | b'G' => "Begin".into(),
        b'Z' => "BackTab".into(),
        b'P' => "F1".into(),
        b'Q' => "F2".into(),
        b'S' => "F4".into(),
        b'~' => tilde_key(first?)?,
        // The kitty keyboard protocol, should a terminal send it unasked.
        b'u' => {
            let c = char::from_u32(first?)?;
            match c {
                '\r' => "Enter".into(),
                '\t' => "Tab".into(),
                '\x1b' => "Esc".into(),
                '\x7f' => "Backspace".into(),
                ' ' => "Space".into(),
                c if !c.is_control() => c.to_string(),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(with_modifiers(base, modifiers))
}

/// `ESC [ n ~` keys.
fn tilde_key(n: u32) -> Option<String> {
    let name = match n {
        1 | 7 => "Home",
        2 => "Insert",
        3 => "Delete",
        4 | 8 => "End",
        5 => "PageUp",
        6 => "PageDown",
        11..=15 => return Some(format!("F{}", n - 10)),
        17..=21 => return Some(format!("F{}", n - 11)),
        23 | 24 => return Some(format!("F{}", n - 12)),
        _ => return None,
    };
    Some(name.to_string())
}

/// xterm's modifier parameter: 1 + (shift 1, alt 2, ctrl 4).
fn with_modifiers(base: String, parameter: u32) -> String {
    let bits = parameter.saturating_sub(1);
    if bits & 4 != 0 {
        format!("Ctrl-{base}")
    } else if bits & 2 != 0 {
        format!("Alt-{base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> Instant {
        Instant::now()
    }

    fn keys(out: &[Decoded]) -> Vec<&str> {
        out.iter()
            .filter_map(|d| match d {
                Decoded::Key(k) => Some(k.as_str()),
                Decoded::Paste { .. } => None,
            })
            .collect()
    }

    /// Feeds each chunk as one read, `gap` apart, then lets every timer run.
    fn decode_reads(chunks: &[&[u8]], gap: Duration) -> Vec<Decoded> {
        let mut d = Decoder::new();
        let mut now = t0();
        let mut out = Vec::new();
        for chunk in chunks {
            if let Some(at) = d.next_deadline().filter(|&at| at <= now) {
                out.extend(d.handle_timeout(at));
            }
            out.extend(d.feed(chunk, now));
            now += gap;
        }
        while let Some(at) = d.next_deadline() {
            out.extend(d.handle_timeout(at));
        }
        out
    }

    fn one_read(bytes: &[u8]) -> Vec<String> {
        keys(&decode_reads(&[bytes], Duration::ZERO))
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn plain_keys_are_named_as_the_key_map_spells_them() {
        assert_eq!(one_read(b"1"), ["1"]);
        assert_eq!(one_read(b" "), ["Space"]);
        assert_eq!(one_read(b"\r"), ["Enter"]);
        assert_eq!(one_read(b"\x7f"), ["Backspace"]);
        assert_eq!(one_read(b"\x03"), ["Ctrl-c"]);
        assert_eq!(one_read(b"\x1c"), ["Ctrl-\\"]);
        assert_eq!(one_read(b"\x1a"), ["Ctrl-z"]);
        assert_eq!(one_read("あ".as_bytes()), ["あ"]);
        assert_eq!(one_read(b"A"), ["A"]);
    }

    #[test]
    fn escape_sequences_become_named_keys() {
        assert_eq!(one_read(b"\x1b[A"), ["Up"]);
        assert_eq!(one_read(b"\x1bOF"), ["End"]);
        assert_eq!(one_read(b"\x1b[5~"), ["PageUp"]);
        assert_eq!(one_read(b"\x1b[2~"), ["Insert"]);
        assert_eq!(one_read(b"\x1b[3~"), ["Delete"]);
        assert_eq!(one_read(b"\x1b[E"), ["Begin"]);
        assert_eq!(one_read(b"\x1b[24~"), ["F12"]);
        assert_eq!(one_read(b"\x1bOP"), ["F1"]);
        assert_eq!(one_read(b"\x1b[[E"), ["F5"]);
        assert_eq!(one_read(b"\x1b[1;5A"), ["Ctrl-Up"]);
        assert_eq!(one_read(b"\x1b[24;3~"), ["Alt-F12"]);
        assert_eq!(one_read(b"\x1bOp"), ["0"]);
        assert_eq!(one_read(b"\x1bOM"), ["Enter"]);
        assert_eq!(one_read(b"\x1bx"), ["Alt-x"]);
        assert_eq!(one_read(b"\x1b\r"), ["Alt-Enter"]);
        assert_eq!(one_read(b"\x1b\x03"), ["Ctrl-c"]);
        assert_eq!(one_read(b"\x1b"), ["Esc"]);
        assert_eq!(one_read(b"\x1b\x1b"), ["Esc", "Esc"]);
        assert_eq!(one_read(b"\x1b[?1;2c"), Vec::<String>::new());
    }

    #[test]
    fn every_key_name_is_a_valid_config_key_name() {
        for bytes in [
            &b"1"[..],
            b" ",
            b"\r",
            b"\x7f",
            b"\x1b[A",
            b"\x1b[E",
            b"\x1b[2~",
            b"\x1b[3~",
            b"\x1b[24~",
            b"\x1bOP",
            b"\x1b",
            b"\x03",
            b"\x1b[1;5A",
            b"\x1bx",
            b"*",
        ] {
            for name in one_read(bytes) {
                assert!(crate::input::is_key_name(&name), "{name:?}");
            }
        }
    }

    // See: issue 11, defect 1 (Alt-[ froze the keypad until a `c` or `u`).
    #[test]
    fn alt_bracket_then_keys_never_freezes_the_keypad() {
        let gap = Duration::from_millis(200);
        let out = decode_reads(&[b"1", b"\x1b[", b"?", b"1", b"2", b"+", b"\r"], gap);
        assert_eq!(keys(&out), ["1", "Alt-[", "?", "1", "2", "+", "Enter"]);
    }

    #[test]
    fn keys_just_after_an_unfinished_sequence_act_once_it_times_out() {
        // The rest of the "sequence" comes within the timeout, in later
        // reads, but never finishes it.
        let out = decode_reads(&[b"\x1b[", b"?", b"1", b"1"], Duration::from_millis(5));
        assert_eq!(keys(&out), ["Alt-[", "?", "1", "1"]);
    }

    #[test]
    fn a_control_byte_ends_an_unfinished_sequence_at_once() {
        let mut d = Decoder::new();
        let out = d.feed(b"\x1b[1\r", t0());
        assert_eq!(keys(&out), ["Alt-[", "1", "Enter"]);
        let out = d.feed(b"\x1b[1\x1b[A", t0());
        assert_eq!(keys(&out), ["Alt-[", "1", "Up"]);
        assert_eq!(d.next_deadline(), None);
    }

    #[test]
    fn a_read_after_the_timeout_first_ends_the_old_sequence() {
        let mut d = Decoder::new();
        let start = t0();
        assert!(d.feed(b"\x1b[", start).is_empty());
        let out = d.feed(b"A", start + ESCAPE_TIMEOUT);
        assert_eq!(keys(&out), ["Alt-[", "A"]);
    }

    // See: issue 11, defect 9 (a 400 KB paste became 200,000 keys).
    #[test]
    fn a_bracketed_paste_is_one_event_however_it_is_split() {
        let mut body = b"\x1b[200~".to_vec();
        body.extend(std::iter::repeat_n(b'1', 400_000));
        body.extend_from_slice(b"\x1b[A\x1b[201~2");
        let chunks: Vec<&[u8]> = body.chunks(1000).collect();
        let out = decode_reads(&chunks, Duration::from_millis(1));
        assert_eq!(
            out,
            [Decoded::Paste { bytes: 400_003 }, Decoded::Key("2".into())]
        );
    }

    #[test]
    fn a_key_read_after_the_quiet_is_a_key_even_before_the_timer_ran() {
        let mut d = Decoder::new();
        let start = t0();
        assert!(d.feed(b"\x1b[200~abc", start).is_empty());
        let out = d.feed(b"1", start + PASTE_QUIET);
        assert_eq!(out, [Decoded::Paste { bytes: 3 }, Decoded::Key("1".into())]);
    }

    #[test]
    fn a_paste_that_never_ends_gives_the_keys_back_after_a_quiet_moment() {
        let mut d = Decoder::new();
        let start = t0();
        assert!(d.feed(b"\x1b[200~abc", start).is_empty());
        let quiet = d.next_deadline().unwrap();
        assert_eq!(quiet, start + PASTE_QUIET);
        assert_eq!(d.handle_timeout(quiet), [Decoded::Paste { bytes: 3 }]);
        assert_eq!(keys(&d.feed(b"1", quiet)), ["1"]);
    }

    /// Every byte that can follow a stream without belonging to a sequence.
    fn probe_keys() -> Vec<u8> {
        b"1".to_vec()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(4000)
        ))]

        // No byte stream can stop keys from acting: after any stream and
        // its timers, a `1` read on its own is the key `1`.
        #[test]
        fn no_byte_stream_stalls_the_keys(
            chunks in proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        Just(0x1bu8), Just(b'['), Just(b'O'), Just(b';'), Just(b'~'),
                        Just(b'2'), Just(b'0'), Just(b'1'), Just(b'?'), any::<u8>(),
                    ],
                    0..12,
                ),
                0..24,
            ),
            gaps in proptest::collection::vec(0u64..120, 24),
        ) {
            let mut d = Decoder::new();
            let mut now = t0();
            for (chunk, gap) in chunks.iter().zip(&gaps) {
                if let Some(at) = d.next_deadline().filter(|&at| at <= now) {
                    let _ = d.handle_timeout(at);
                }
                let _ = d.feed(chunk, now);
                now += Duration::from_millis(*gap);
            }
            let mut bound = 0;
            while let Some(at) = d.next_deadline() {
                prop_assert!(at <= now + PASTE_QUIET, "a deadline beyond every timeout");
                let _ = d.handle_timeout(at.max(now));
                now = now.max(at);
                bound += 1;
                prop_assert!(bound < 4, "timers never settle");
            }
            now += Duration::from_secs(1);
            let out = d.feed(&probe_keys(), now);
            let later = d.handle_timeout(now + PASTE_QUIET);
            let all: Vec<Decoded> = out.into_iter().chain(later).collect();
            prop_assert_eq!(all, vec![Decoded::Key("1".into())]);
        }

        #[test]
        fn every_decoded_key_is_a_valid_key_name(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut d = Decoder::new();
            let start = t0();
            let mut out = d.feed(&bytes, start);
            out.extend(d.handle_timeout(start + PASTE_QUIET));
            for decoded in out {
                if let Decoded::Key(name) = decoded {
                    prop_assert!(crate::input::is_key_name(&name), "{:?}", name);
                }
            }
        }
    }
}
