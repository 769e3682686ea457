//! One journal line to a borrowed record. The journal writer always emits
//! the same field order (DESIGN section 5), so a hand-checked scanner reads
//! that canonical form without allocating a string; any line it does not
//! recognise (escapes, other spacing, another field order, a torn tail) goes
//! through `serde_json`, which decides whether it is a record, a record of
//! another schema version, or corrupt.

use std::borrow::Cow;

use serde::Deserialize;

use crate::journal::{Answer, SCHEMA_VERSION};
use crate::record::PrintResult;

/// The fields of a step visit the report needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StepVisit<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    pub answer: Answer,
    pub ms: u64,
    pub repeats: u64,
    pub help: u64,
    /// A print step's result after a yes (issue 16), when there is one.
    #[serde(default)]
    pub print: Option<PrintResult>,
}

/// A schema-1 record as the report reads it. Every field of the schema must
/// be present (a line missing one is corrupt); the ones the report does not
/// count are checked and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rec<'a> {
    #[serde(borrow)]
    pub flow: Cow<'a, str>,
    #[serde(borrow)]
    pub kiosk: Cow<'a, str>,
    #[serde(borrow)]
    pub hour: Cow<'a, str>,
    #[serde(borrow)]
    pub lang: Cow<'a, str>,
    #[serde(borrow)]
    pub outcome: Cow<'a, str>,
    #[serde(borrow)]
    pub steps: Vec<StepVisit<'a>>,
}

/// What one line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// Empty or only whitespace: not a record, not counted.
    Blank,
    Record(Rec<'a>),
    /// Well-formed JSON with another `v`.
    UnknownVersion,
    /// Torn, corrupt, or missing a field.
    Corrupt,
}

/// The full schema-1 shape for the fallback path, so that a record missing
/// `flow_hash` or `duration_ms` counts as corrupt on both paths.
#[derive(Deserialize)]
struct Full<'a> {
    v: u64,
    #[serde(borrow)]
    flow: Cow<'a, str>,
    #[serde(borrow, rename = "flow_hash")]
    _flow_hash: Cow<'a, str>,
    #[serde(borrow)]
    kiosk: Cow<'a, str>,
    #[serde(borrow)]
    hour: Cow<'a, str>,
    #[serde(borrow)]
    lang: Cow<'a, str>,
    #[serde(borrow)]
    outcome: Cow<'a, str>,
    #[serde(borrow, rename = "end")]
    _end: Cow<'a, str>,
    #[serde(borrow)]
    steps: Vec<StepVisit<'a>>,
    #[serde(rename = "help")]
    _help: u64,
    #[serde(rename = "back")]
    _back: u64,
    #[serde(rename = "duration_ms")]
    _duration_ms: u64,
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u64,
}

/// Reads one line (without its `\n`).
pub fn parse_line(line: &[u8]) -> Line<'_> {
    let line = trim(line);
    if line.is_empty() {
        return Line::Blank;
    }
    if let Some(rec) = fast(line) {
        return Line::Record(rec);
    }
    slow(line)
}

fn trim(mut line: &[u8]) -> &[u8] {
    while let [rest @ .., last] = line {
        if last.is_ascii_whitespace() {
            line = rest;
        } else {
            break;
        }
    }
    while let [first, rest @ ..] = line {
        if first.is_ascii_whitespace() {
            line = rest;
        } else {
            break;
        }
    }
    line
}

fn slow(line: &[u8]) -> Line<'_> {
    match serde_json::from_slice::<Full<'_>>(line) {
        Ok(full) if full.v == u64::from(SCHEMA_VERSION) => Line::Record(Rec {
            flow: full.flow,
            kiosk: full.kiosk,
            hour: full.hour,
            lang: full.lang,
            outcome: full.outcome,
            steps: full.steps,
        }),
        Ok(_) => Line::UnknownVersion,
        Err(_) => match serde_json::from_slice::<VersionOnly>(line) {
            Ok(v) if v.v != u64::from(SCHEMA_VERSION) => Line::UnknownVersion,
            _ => Line::Corrupt,
        },
    }
}

/// The canonical layout the journal writer emits, checked byte by byte.
fn fast(line: &[u8]) -> Option<Rec<'_>> {
    // Control characters are never valid inside JSON strings; checking the
    // whole line at once (a loop the compiler vectorises) lets `string` look
    // only for quotes and backslashes.
    if line.iter().fold(false, |any, b| any | (*b < 0x20)) {
        return None;
    }
    let s = std::str::from_utf8(line).ok()?;
    let mut c = Cursor { s, i: 0 };
    c.lit("{\"v\":1,\"flow\":")?;
    let flow = c.string()?;
    c.lit(",\"flow_hash\":")?;
    c.string()?;
    c.lit(",\"kiosk\":")?;
    let kiosk = c.string()?;
    c.lit(",\"hour\":")?;
    let hour = c.string()?;
    c.lit(",\"lang\":")?;
    let lang = c.string()?;
    c.lit(",\"outcome\":")?;
    let outcome = c.string()?;
    c.lit(",\"end\":")?;
    c.string()?;
    c.lit(",\"steps\":[")?;
    let mut steps = Vec::with_capacity(8);
    if !c.eat(b']') {
        loop {
            c.lit("{\"id\":")?;
            let id = c.string()?;
            c.lit(",\"answer\":")?;
            let answer = match c.string()? {
                "yes" => Answer::Yes,
                "no" => Answer::No,
                "next" => Answer::Next,
                "back" => Answer::Back,
                "none" => Answer::None,
                _ => return None,
            };
            c.lit(",\"ms\":")?;
            let ms = c.uint()?;
            c.lit(",\"repeats\":")?;
            let repeats = c.uint()?;
            c.lit(",\"help\":")?;
            let help = c.uint()?;
            let print = if c.eat(b',') {
                c.lit("\"print\":")?;
                match c.string()? {
                    "ok" => Some(PrintResult::Ok),
                    "failed" => Some(PrintResult::Failed),
                    _ => return None,
                }
            } else {
                None
            };
            c.lit("}")?;
            steps.push(StepVisit {
                id: Cow::Borrowed(id),
                answer,
                ms,
                repeats,
                help,
                print,
            });
            if c.eat(b']') {
                break;
            }
            c.lit(",")?;
        }
    }
    c.lit(",\"help\":")?;
    c.uint()?;
    c.lit(",\"back\":")?;
    c.uint()?;
    c.lit(",\"duration_ms\":")?;
    c.uint()?;
    c.lit("}")?;
    if c.i != s.len() {
        return None;
    }
    Some(Rec {
        flow: Cow::Borrowed(flow),
        kiosk: Cow::Borrowed(kiosk),
        hour: Cow::Borrowed(hour),
        lang: Cow::Borrowed(lang),
        outcome: Cow::Borrowed(outcome),
        steps,
    })
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    // Inlined so that each literal's length is a constant and the compare
    // becomes a few word loads instead of a call to memcmp.
    #[inline(always)]
    fn lit(&mut self, lit: &str) -> Option<()> {
        let end = self.i + lit.len();
        if self.s.as_bytes().get(self.i..end)? == lit.as_bytes() {
            self.i = end;
            Some(())
        } else {
            None
        }
    }

    #[inline(always)]
    fn eat(&mut self, b: u8) -> bool {
        if self.s.as_bytes().get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// A string with no escapes (control characters were ruled out for
    /// the whole line); anything else is left to serde.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        if bytes.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let rest = bytes.get(start..)?;
        let j = start + memchr::memchr2(b'"', b'\\', rest)?;
        if bytes[j] != b'"' {
            return None;
        }
        self.i = j + 1;
        // Both ends sit on ASCII quotes, so this is a char boundary.
        self.s.get(start..j)
    }

    /// A JSON unsigned integer in canonical form (no sign, no leading zero,
    /// no fraction or exponent), within u64.
    #[inline(always)]
    fn uint(&mut self) -> Option<u64> {
        let bytes = self.s.as_bytes();
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(b) = bytes.get(self.i).filter(|b| b.is_ascii_digit()) {
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.i += 1;
        }
        let len = self.i - start;
        if len == 0 || (len > 1 && bytes[start] == b'0') {
            return None;
        }
        // A fraction or exponent right after: not this path's business.
        if matches!(bytes.get(self.i), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {

    /// `PROPTEST_CASES` when set (`scripts/fuzz`), else `default`.
    fn fuzz_cases(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    }
    use super::*;
    use crate::journal::{Record, StepRecord};
    use proptest::prelude::*;

    const LINE: &str = r#"{"v":1,"flow":"mfa-login","flow_hash":"3f2a9c1e","kiosk":"counter-1","hour":"2026-11-24T14","lang":"ja","outcome":"referred","end":"call_support","steps":[{"id":"welcome","answer":"yes","ms":4200,"repeats":0,"help":0},{"id":"call_support","answer":"none","ms":0,"repeats":0,"help":0}],"help":0,"back":0,"duration_ms":4200}"#;

    #[test]
    fn the_canonical_line_takes_the_fast_path() {
        let rec = fast(LINE.as_bytes()).unwrap();
        assert_eq!(rec.flow, "mfa-login");
        assert_eq!(rec.steps.len(), 2);
        assert_eq!(rec.steps[0].ms, 4200);
        assert_eq!(rec.steps[0].print, None);
        assert_eq!(Line::Record(rec), slow(LINE.as_bytes()));
        // A print step's result (issue 16) is read on the fast path too.
        let printed = LINE.replace(
            r#""help":0},{"id":"call"#,
            r#""help":0,"print":"failed"},{"id":"call"#,
        );
        let rec = fast(printed.as_bytes()).unwrap();
        assert_eq!(rec.steps[0].print, Some(PrintResult::Failed));
        assert_eq!(Line::Record(rec), slow(printed.as_bytes()));
        let odd = printed.replace(r#""print":"failed""#, r#""print":"maybe""#);
        assert_eq!(parse_line(odd.as_bytes()), Line::Corrupt);
    }

    #[test]
    fn other_spacing_and_escapes_take_the_slow_path() {
        let spaced = LINE.replace(",\"kiosk\"", ", \"kiosk\"");
        assert!(fast(spaced.as_bytes()).is_none());
        assert!(matches!(parse_line(spaced.as_bytes()), Line::Record(_)));
        let escaped = LINE.replace("counter-1", "counter\\u002d1");
        match parse_line(escaped.as_bytes()) {
            Line::Record(r) => assert_eq!(r.kiosk, "counter-1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn torn_missing_and_other_versions_are_told_apart() {
        assert_eq!(parse_line(&LINE.as_bytes()[..100]), Line::Corrupt);
        assert_eq!(parse_line(b"   \r"), Line::Blank);
        assert_eq!(
            parse_line(br#"{"v":2,"anything":[1,2]}"#),
            Line::UnknownVersion
        );
        assert_eq!(parse_line(br#"{"v":2,"anything":[1,2"#), Line::Corrupt);
        let no_hash = LINE.replace(r#""flow_hash":"3f2a9c1e","#, "");
        assert_eq!(parse_line(no_hash.as_bytes()), Line::Corrupt);
        let bad_answer = LINE.replace(r#""answer":"yes""#, r#""answer":"maybe""#);
        assert_eq!(parse_line(bad_answer.as_bytes()), Line::Corrupt);
        let float = LINE.replace(r#""ms":4200"#, r#""ms":4200.5"#);
        assert_eq!(parse_line(float.as_bytes()), Line::Corrupt);
        assert_eq!(parse_line(b"\xff\xfe"), Line::Corrupt);
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        let text = prop_oneof![
            "[a-z0-9_-]{0,12}",
            "[\\PC]{0,6}",
            Just("q\"uote\\back".to_string())
        ];
        let print = prop_oneof![
            Just(None),
            Just(Some(PrintResult::Ok)),
            Just(Some(PrintResult::Failed))
        ];
        let step = (
            text.clone(),
            0..5usize,
            any::<u64>(),
            0..4u32,
            0..3u32,
            print,
        )
            .prop_map(|(id, a, ms, repeats, help, print)| StepRecord {
                print,
                id,
                answer: [
                    Answer::Yes,
                    Answer::No,
                    Answer::Next,
                    Answer::Back,
                    Answer::None,
                ][a],
                ms,
                repeats,
                help,
            });
        (
            text.clone(),
            text.clone(),
            text,
            proptest::collection::vec(step, 0..6),
            any::<u64>(),
        )
            .prop_map(|(flow, kiosk, outcome, steps, duration_ms)| Record {
                v: 1,
                flow,
                flow_hash: "0011aabb".into(),
                kiosk,
                hour: "2026-11-24T14".into(),
                lang: "ja".into(),
                outcome,
                end: steps.last().map(|s| s.id.clone()).unwrap_or_default(),
                steps,
                help: 1,
                back: 0,
                duration_ms,
            })
    }

    proptest! {
        /// The fast path and serde agree on every line the writer can
        /// produce, and every prefix of such a line is blank or corrupt.
        #[test]
        fn fast_and_slow_paths_agree(r in arb_record(), cut in 0usize..400) {
            let line = r.to_line();
            let got = parse_line(line.as_bytes());
            prop_assert_eq!(&got, &slow(line.as_bytes()));
            match got {
                Line::Record(rec) => {
                    prop_assert_eq!(rec.flow.as_ref(), r.flow.as_str());
                    prop_assert_eq!(rec.steps.len(), r.steps.len());
                    for (a, b) in rec.steps.iter().zip(&r.steps) {
                        prop_assert_eq!(a.id.as_ref(), b.id.as_str());
                        prop_assert_eq!(a.ms, b.ms);
                        prop_assert_eq!(a.answer, b.answer);
                        prop_assert_eq!(a.print, b.print);
                    }
                }
                other => prop_assert!(false, "{:?}", other),
            }
            let cut = cut.min(line.len().saturating_sub(1));
            let mut end = cut;
            while !line.is_char_boundary(end) { end -= 1; }
            let torn = parse_line(&line.as_bytes()[..end]);
            prop_assert!(matches!(torn, Line::Blank | Line::Corrupt), "{:?}", torn);
        }
    }

    /// One edit of a line: the kind of damage a torn write, a bad disk or a
    /// hand edit does, and the numbers and escapes that test the edges.
    #[derive(Debug, Clone)]
    enum Edit {
        Delete(usize, usize),
        Insert(usize, Vec<u8>),
        Replace(usize, u8),
        Duplicate(usize, usize),
    }

    fn arb_edit() -> impl Strategy<Value = Edit> {
        let piece = prop_oneof![
            proptest::collection::vec(any::<u8>(), 1..4),
            Just(b"18446744073709551616".to_vec()),
            Just(b"18446744073709551615".to_vec()),
            Just(b"-1".to_vec()),
            Just(b"1e3".to_vec()),
            Just(b"\\u0000".to_vec()),
            Just(b"\\ud800".to_vec()),
            Just(b"\"".to_vec()),
            Just(b",".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\n".to_vec()),
            Just("\u{1b}é".as_bytes().to_vec()),
        ];
        prop_oneof![
            (0usize..400, 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
            (0usize..400, piece).prop_map(|(at, p)| Edit::Insert(at, p)),
            (0usize..400, any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
            (0usize..400, 1usize..60).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        ]
    }

    fn apply(line: &mut Vec<u8>, edit: &Edit) {
        let len = line.len();
        match edit {
            Edit::Delete(at, n) => {
                let at = (*at).min(len);
                line.drain(at..(at + n).min(len));
            }
            Edit::Insert(at, piece) => {
                let at = (*at).min(len);
                line.splice(at..at, piece.iter().copied());
            }
            Edit::Replace(at, b) => {
                if len > 0 {
                    line[*at % len] = *b;
                }
            }
            Edit::Duplicate(at, n) => {
                let at = (*at).min(len);
                let copy: Vec<u8> = line[at..(at + n).min(len)].to_vec();
                line.splice(at..at, copy);
            }
        }
    }

    /// Whatever the line, the fast path agrees with serde, and the whole
    /// verdict is serde's.
    fn paths_agree(line: &[u8]) -> Result<(), TestCaseError> {
        let got = parse_line(line);
        let trimmed = trim(line);
        if trimmed.is_empty() {
            prop_assert_eq!(got, Line::Blank);
            return Ok(());
        }
        if let Some(rec) = fast(trimmed) {
            prop_assert_eq!(Line::Record(rec), slow(trimmed));
        }
        prop_assert_eq!(got, slow(trimmed));
        Ok(())
    }

    /// A JSON-ish alphabet, so that random bytes get past the first byte.
    fn jsonish() -> impl Strategy<Value = Vec<u8>> {
        let alphabet: &'static [u8] =
            b"{}[]\":,.-+e0123456789 \\uvflowstepidanswrychk_1\t\x1b\xc3\xa9";
        proptest::collection::vec(proptest::sample::select(alphabet), 0..200)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(fuzz_cases(2500)))]

        /// See: the parser is fed whatever is on disk; no input panics.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            jsonish(),
        ]) {
            paths_agree(&bytes)?;
        }

        #[test]
        fn damaged_records_parse_the_same_on_both_paths(
            r in arb_record(),
            edits in proptest::collection::vec(arb_edit(), 1..4),
        ) {
            let mut line = r.to_line().into_bytes();
            for e in &edits {
                apply(&mut line, e);
            }
            paths_agree(&line)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(fuzz_cases(300)))]

        /// The whole pipeline on a journal of good, damaged and random
        /// lines: every line is a session, a bad line, a line of another
        /// version or blank, and nothing is lost or counted twice.
        #[test]
        fn every_line_is_counted_once(
            lines in proptest::collection::vec(
                prop_oneof![
                    arb_record().prop_map(|r| r.to_line().into_bytes()),
                    (arb_record(), proptest::collection::vec(arb_edit(), 1..3)).prop_map(|(r, edits)| {
                        let mut line = r.to_line().into_bytes();
                        for e in &edits {
                            apply(&mut line, e);
                        }
                        line
                    }),
                    jsonish(),
                    Just(br#"{"v":2,"x":1}"#.to_vec()),
                ],
                1..16,
            ),
        ) {
            use crate::report::aggregate::Aggregate;
            use crate::report::filter::Filter;
            let mut journal = Vec::new();
            for l in &lines {
                journal.extend_from_slice(l);
                journal.push(b'\n');
            }
            // An edit may have added newlines: count the lines as split.
            let pieces: Vec<&[u8]> = journal[..journal.len() - 1].split(|b| *b == b'\n').collect();
            let blank = pieces.iter().filter(|l| trim(l).is_empty()).count() as u64;
            let mut agg = Aggregate::new(Filter::default(), None);
            agg.add_chunk(&journal[..journal.len() - 1]);
            if agg.failed.is_none() {
                prop_assert_eq!(
                    agg.sessions + agg.skipped_lines + agg.unknown_version_lines + blank,
                    pieces.len() as u64
                );
            }
        }
    }
}
