//! Line breaking for the kiosk's Japanese and English text. This module owns
//! how a string becomes screen lines: widths are terminal cells (CJK is two
//! cells wide), English breaks at spaces, and Japanese may break between any
//! two characters except where kinsoku shori (禁則処理) forbids it, so that no
//! line starts with "。" or "ー" and none ends with "「". Everything here is a
//! pure function of the text and the width, so screens can rewrap on resize
//! and tests need no terminal.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The width of `s` in terminal cells, as ratatui will draw it.
///
/// Ambiguous-width characters (such as "…" and curly quotes) count as one
/// cell, the same choice ratatui makes.
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Breaks `text` into lines of at most `width` cells.
///
/// - Every `\n` is a hard break, so `"a\n\nb"` gives `["a", "", "b"]` and a
///   trailing `\n` gives a trailing empty line (like [`str::split`]).
/// - English words stay whole where they fit; the spaces at a break are
///   dropped. A word longer than the line is broken between characters.
/// - Japanese breaks between any two characters, but the break moves
///   earlier (the previous characters are carried down) rather than start a
///   line with closing punctuation, small kana or "ー", or end one with an
///   opening bracket. When no allowed break fits, the line is broken anyway.
/// - Trailing whitespace is trimmed from every line; leading whitespace is
///   kept only at the start of a paragraph, and only when it leaves room
///   for the first character.
///
/// No line is wider than `width`, with one exception: a character that is
/// wider than `width` on its own (a CJK character at width 1) is put on a
/// line by itself, with any zero-width marks that follow it. A `width` of
/// 0 fits nothing and gives no lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if width == 0 {
        return lines;
    }
    for paragraph in text.split('\n') {
        wrap_paragraph(paragraph, width, &mut lines);
    }
    lines
}

/// The longest prefix of `s` that fits in `width` cells. When `s` has to
/// be cut, the prefix (minus trailing whitespace) ends in "…", which counts
/// as one cell. Meant for single lines; a `\n` in `s` is not treated
/// specially.
pub fn truncate_to_width(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let budget = width - 1;
    let mut end = 0;
    for (start, c) in s.char_indices() {
        let next = start + c.len_utf8();
        if display_width(&s[..next]) > budget {
            break;
        }
        end = next;
    }
    let mut out = s[..end].trim_end().to_owned();
    out.push('…');
    out
}

/// How strict a search for a break point is.
#[derive(Clone, Copy)]
enum Rule {
    /// A real break opportunity (a space, or a Japanese character on
    /// either side) that also obeys kinsoku.
    Full,
    /// Any point between characters that obeys kinsoku: used to split an
    /// overlong English word without leaving "." at a line start.
    KinsokuOnly,
}

fn wrap_paragraph(paragraph: &str, width: usize, out: &mut Vec<String>) {
    let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
    let n = chars.len();
    // Byte offset of char index `i`; `n` maps to the end of the paragraph.
    let byte = |i: usize| chars.get(i).map_or(paragraph.len(), |&(b, _)| b);

    let mut pos = 0;
    // Indentation is kept only if the first visible character still fits
    // beside it; otherwise the first line would hold nothing but spaces.
    if let Some(first) = chars.iter().position(|&(_, c)| !c.is_whitespace()) {
        if first > 0 && display_width(&paragraph[..byte(first + 1)]) > width {
            pos = first;
        }
    }

    loop {
        // `end` is the furthest char index such that every line
        // `pos..b` with `b <= end` fits. Whitespace never stops the scan:
        // it is trimmed from the end of a line, so it costs nothing there.
        // Each prefix is measured as a string rather than by summing char
        // widths, because emoji sequences and "\r\n" are not additive.
        let mut end = pos;
        while let Some(&(_, c)) = chars.get(end) {
            if !c.is_whitespace() && display_width(&paragraph[byte(pos)..byte(end + 1)]) > width {
                break;
            }
            end += 1;
        }

        if end == n {
            out.push(paragraph[byte(pos)..].trim_end().to_owned());
            return;
        }

        let cut = if end == pos {
            // A single character wider than the whole line: it goes on a
            // line of its own, together with any zero-width marks (accents,
            // variation selectors) that belong to it.
            let mut cut = pos + 1;
            while chars.get(cut).is_some_and(|&(_, c)| is_zero_width(c)) {
                cut += 1;
            }
            cut
        } else {
            last_break(&chars, pos, end, Rule::Full)
                .or_else(|| last_break(&chars, pos, end, Rule::KinsokuOnly))
                // No allowed break at all (e.g. "ちょ" at width 4 before
                // "っ"): break as late as fits rather than overflow.
                .unwrap_or(end)
        };

        out.push(paragraph[byte(pos)..byte(cut)].trim_end().to_owned());

        // The spaces at a break point are dropped, not carried down.
        pos = cut;
        while chars.get(pos).is_some_and(|&(_, c)| c.is_whitespace()) {
            pos += 1;
        }
        if pos == n {
            return;
        }
    }
}

/// The last char index `b` in `pos + 1..=end` where the line `pos..b` may
/// end under `rule`. Only breaks just before a visible character are
/// considered; a break inside a run of spaces is the same break.
fn last_break(chars: &[(usize, char)], pos: usize, end: usize, rule: Rule) -> Option<usize> {
    (pos + 1..=end).rev().find(|&b| {
        let Some(&(_, next)) = chars.get(b) else {
            return false;
        };
        if next.is_whitespace() {
            return false;
        }
        let Some(&(_, prev)) = chars[pos..b].iter().rev().find(|(_, c)| !c.is_whitespace()) else {
            // The line would hold nothing but spaces.
            return false;
        };
        let gap = chars[b - 1].1.is_whitespace();
        match rule {
            Rule::Full => may_break(prev, gap, next),
            Rule::KinsokuOnly => kinsoku_ok(prev, next),
        }
    })
}

/// Whether a line may end after `prev` and the next one start with `next`,
/// where `gap` says whether whitespace separates them.
fn may_break(prev: char, gap: bool, next: char) -> bool {
    (gap || is_ideographic(prev) || is_ideographic(next)) && kinsoku_ok(prev, next)
}

fn kinsoku_ok(prev: char, next: char) -> bool {
    !no_line_start(next) && !no_line_end(prev)
}

/// Characters that may be broken around without a space: anything two
/// cells wide (kanji, kana, full-width forms, emoji) plus the half-width
/// katakana and the kana blocks' narrow members. Curly quotes are left out
/// on purpose: English uses them inside words ("don’t").
fn is_ideographic(c: char) -> bool {
    c.width() == Some(2)
        || matches!(c, '\u{3000}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF61}'..='\u{FF9F}')
}

/// Kinsoku: characters that must not begin a line. Closing brackets and
/// punctuation, small kana, the prolonged sound mark and iteration marks,
/// their half-width forms, and zero-width marks, which belong to the
/// character before them.
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '・'
            | '：'
            | '；'
            | '？'
            | '！'
            | 'ー'
            | '…'
            | '‥'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '］'
            | '｝'
            | '〙'
            | '〗'
            | '〟'
            | '｠'
            | '’'
            | '”'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ゎ'
            | 'ゕ'
            | 'ゖ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | 'ヮ'
            | 'ヵ'
            | 'ヶ'
            | 'ㇰ'..='ㇿ'
            | '々'
            | '〻'
            | 'ゝ'
            | 'ゞ'
            | 'ヽ'
            | 'ヾ'
            | '〜'
            | '～'
            | '゠'
            | '｡'
            | '｣'
            | '､'
            | '･'
            | 'ｰ'
            | 'ｧ'..='ｯ'
            | '‼'
            | '⁇'
            | '⁈'
            | '⁉'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | '!'
            | '?'
            | ':'
            | ';'
    ) || is_zero_width(c)
}

/// Kinsoku: characters that must not end a line. Opening brackets and
/// quotes, and the zero-width joiner, which belongs to what follows.
fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「'
            | '『'
            | '【'
            | '〔'
            | '〈'
            | '《'
            | '［'
            | '｛'
            | '〘'
            | '〖'
            | '〝'
            | '｟'
            | '｢'
            | '‘'
            | '“'
            | '('
            | '['
            | '{'
            | '\u{200D}'
    )
}

fn is_zero_width(c: char) -> bool {
    c.width() == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(text: &str, width: usize) -> Vec<String> {
        wrap(text, width)
    }

    // ----- kinsoku -----

    #[test]
    fn question_mark_never_starts_a_line() {
        // At 18 cells "？" would open line two; "か" is carried down.
        assert_eq!(w("ご自分の携帯ですか？", 18), ["ご自分の携帯です", "か？"]);
        assert_eq!(w("ご自分の携帯ですか？", 20), ["ご自分の携帯ですか？"]);
    }

    #[test]
    fn closing_bracket_never_starts_a_line() {
        assert_eq!(
            w("「認証手帳」をご用意ください", 10),
            ["「認証手", "帳」をご用", "意ください"]
        );
    }

    #[test]
    fn opening_bracket_never_ends_a_line() {
        // "これは「" is exactly 8 cells; the bracket moves down instead.
        assert_eq!(
            w("これは「認証手帳」です。", 8),
            ["これは", "「認証手", "帳」で", "す。"]
        );
    }

    #[test]
    fn long_vowel_and_small_kana_never_start_a_line() {
        assert_eq!(
            w("パスワードをリセット", 6),
            ["パス", "ワード", "をリ", "セット"]
        );
        assert_eq!(w("まちがった", 6), ["まち", "がった"]);
    }

    #[test]
    fn ascii_punctuation_follows_the_word_it_closes() {
        assert_eq!(w("abcd.", 4), ["abc", "d."]);
        assert_eq!(w("登録(済み)です", 5), ["登録", "(済", "み)で", "す"]);
    }

    #[test]
    fn kinsoku_gives_way_when_nothing_else_fits() {
        // "ち" / "ょ" / "っ" cannot be kept apart legally at 4 cells.
        assert_eq!(w("ちょっと", 4), ["ちょ", "っと"]);
        assert_eq!(w("あ。", 2), ["あ", "。"]);
    }

    // ----- English -----

    #[test]
    fn english_breaks_at_spaces_and_drops_them() {
        assert_eq!(
            w("Please enter the code from your phone.", 12),
            ["Please enter", "the code", "from your", "phone."]
        );
        assert_eq!(w("hello world", 5), ["hello", "world"]);
        assert_eq!(w("hello   world   ", 8), ["hello", "world"]);
    }

    #[test]
    fn overlong_word_is_broken_by_characters() {
        assert_eq!(w("Authentication", 5), ["Authe", "ntica", "tion"]);
        assert_eq!(w("a verylongword", 5), ["a", "veryl", "ongwo", "rd"]);
    }

    #[test]
    fn indentation_is_kept_only_where_it_fits() {
        assert_eq!(w("  ab cd", 5), ["  ab", "cd"]);
        assert_eq!(w("    abc", 3), ["abc"]);
    }

    // ----- mixed -----

    #[test]
    fn latin_run_then_kana() {
        assert_eq!(
            w("SMSのコードが届きます。", 10),
            ["SMSのコー", "ドが届きま", "す。"]
        );
        assert_eq!(
            w("SMSのコードが届きます。", 4),
            ["SMS", "の", "コー", "ドが", "届き", "ま", "す。"]
        );
        assert_eq!(
            w("SMSのコードが届きます。", 40),
            ["SMSのコードが届きます。"]
        );
    }

    #[test]
    fn english_word_inside_japanese_stays_whole() {
        assert_eq!(
            w("認証アプリGoogle Authenticatorを開く", 12),
            ["認証アプリ", "Google", "Authenticato", "rを開く"]
        );
    }

    // ----- hard breaks and edge widths -----

    #[test]
    fn newlines_are_hard_breaks() {
        assert_eq!(w("一行目\n\n三行目", 20), ["一行目", "", "三行目"]);
        assert_eq!(w("abc\n", 20), ["abc", ""]);
        assert_eq!(w("a\r\nb", 20), ["a", "b"]);
        assert_eq!(w("", 20), [""]);
        assert_eq!(w("   ", 20), [""]);
    }

    #[test]
    fn width_zero_fits_nothing() {
        assert!(w("", 0).is_empty());
        assert!(w("あいう\nabc", 0).is_empty());
    }

    #[test]
    fn width_one_puts_wide_characters_alone() {
        assert_eq!(w("あい", 1), ["あ", "い"]);
        assert_eq!(w("ab c", 1), ["a", "b", "c"]);
        assert_eq!(w("aあb", 1), ["a", "あ", "b"]);
        // The space after an over-wide character is a break, not a line.
        assert_eq!(w("あ b ", 1), ["あ", "b"]);
        // The combining accent stays with its base character.
        assert_eq!(w("が\u{3099}x", 1), ["が\u{3099}", "x"]);
    }

    #[test]
    fn width_two() {
        assert_eq!(w("あいう", 2), ["あ", "い", "う"]);
        assert_eq!(w("a b", 2), ["a", "b"]);
        assert_eq!(w("abc", 2), ["ab", "c"]);
    }

    // ----- display_width and truncate_to_width -----

    #[test]
    fn widths_count_cells() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("認証"), 4);
        assert_eq!(display_width("SMSのコード"), 11);
        assert_eq!(display_width(""), 0);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_to_width("abc", 3), "abc");
        assert_eq!(truncate_to_width("Hello world", 8), "Hello w…");
        assert_eq!(truncate_to_width("Hello world", 7), "Hello…");
        assert_eq!(truncate_to_width("認証コード", 5), "認証…");
        assert_eq!(truncate_to_width("認証コード", 4), "認…");
        assert_eq!(truncate_to_width("abcd", 1), "…");
        assert_eq!(truncate_to_width("abcd", 0), "");
        assert_eq!(truncate_to_width("", 0), "");
    }

    // ----- properties -----

    /// Text drawn mostly from what the kiosk shows: ASCII, kana, kanji,
    /// the kinsoku characters, spaces and newlines, plus any char at all
    /// one time in sixteen. One weighted pool rather than `prop_oneof!`,
    /// which is several times slower to generate in debug builds.
    fn text() -> impl Strategy<Value = String> {
        let kinsoku = "、。，．・：；？！ー…‥）」』】〕〉》］｝’”ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ\
                       )]},.!?:;（「『【〔〈《［｛‘“([{";
        let mut pool: Vec<char> = ('a'..='z').chain('0'..='9').collect();
        pool.extend(std::iter::repeat_n(' ', 24));
        pool.extend(['\n', '\n', '\n', '\u{3000}', '\t', '\r']);
        pool.extend('ぁ'..='ゖ');
        pool.extend('ァ'..='ヺ');
        pool.extend("認証手帳携帯電話番号確認自分".repeat(2).chars());
        pool.extend(kinsoku.repeat(2).chars());
        pool.extend(['\u{3099}', '\u{301}', '\u{200D}', '\u{FE0F}', '😀']);
        let piece = (prop::sample::select(pool), any::<char>(), 0u8..16)
            .prop_map(|(common, rare, dice)| if dice == 0 { rare } else { common });
        prop::collection::vec(piece, 0..120).prop_map(|cs| cs.into_iter().collect())
    }

    /// Widths 0..=120, with the tiny ones (where the fallbacks run) drawn
    /// far more often than a uniform draw would.
    fn width() -> impl Strategy<Value = usize> {
        prop_oneof![1 => 0usize..=6, 2 => 0usize..=120]
    }

    fn visible(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Whether `line` holds a legal break point, i.e. it could have given
    /// its last characters up to the next line.
    fn has_inner_break(line: &str) -> bool {
        let cs: Vec<char> = line.chars().collect();
        (1..cs.len()).any(|j| {
            let next = cs[j];
            let prev = cs[..j].iter().rev().find(|c| !c.is_whitespace());
            !next.is_whitespace()
                && prev.is_some_and(|&p| may_break(p, cs[j - 1].is_whitespace(), next))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn lines_fit_unless_one_wide_character(s in text(), width in width()) {
            for line in wrap(&s, width) {
                let marks = line.chars().filter(|&c| !is_zero_width(c)).count();
                prop_assert!(
                    display_width(&line) <= width || marks == 1,
                    "{line:?} is {} cells at width {width}",
                    display_width(&line)
                );
            }
        }

        #[test]
        fn no_visible_character_lost_or_duplicated(s in text(), width in width()) {
            let lines = wrap(&s, width);
            if width == 0 {
                prop_assert!(lines.is_empty());
            } else {
                prop_assert_eq!(visible(&lines.concat()), visible(&s));
            }
        }

        #[test]
        fn lines_are_trimmed_and_paragraphs_kept(s in text(), width in width()) {
            let lines = wrap(&s, width);
            let by_paragraph: Vec<String> = s.split('\n').flat_map(|p| wrap(p, width)).collect();
            prop_assert_eq!(&lines, &by_paragraph);
            for line in &lines {
                prop_assert_eq!(line.trim_end(), line.as_str());
            }
            for p in s.split('\n') {
                let para = wrap(p, width);
                prop_assert_eq!(para.is_empty(), width == 0);
                for line in para.iter().skip(1) {
                    prop_assert!(!line.starts_with(char::is_whitespace), "{line:?}");
                    prop_assert!(!line.is_empty());
                }
            }
        }

        #[test]
        fn kinsoku_breaks_only_when_unavoidable(s in text(), width in width()) {
            for p in s.split('\n') {
                let lines = wrap(p, width);
                for pair in lines.windows(2) {
                    let (before, after) = (&pair[0], &pair[1]);
                    let (Some(last), Some(first)) = (before.chars().last(), after.chars().next())
                    else {
                        continue;
                    };
                    if no_line_start(first) || no_line_end(last) {
                        prop_assert!(
                            !has_inner_break(before),
                            "{before:?} could have given up a character to {after:?}"
                        );
                    }
                }
            }
        }

        #[test]
        fn truncation_fits_and_is_a_prefix(s in text(), width in width()) {
            let t = truncate_to_width(&s, width);
            prop_assert!(display_width(&t) <= width, "{t:?} at {width}");
            if t != s {
                let kept = t.strip_suffix('…').unwrap_or(&t);
                prop_assert!(s.starts_with(kept));
                prop_assert!(width == 0 || t.ends_with('…'));
            }
        }
    }
}
