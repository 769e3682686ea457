//! How long a text takes to say at the default rate (level 3), estimated
//! from its letters, so `check` can warn about a step that keeps an older
//! customer listening too long before she can press anything.
//!
//! The estimate, per utterance (one clip: a say or text, one list item, or
//! a key prompt):
//!
//! - **Japanese** (`ja`): morae at [`JA_MORAE_PER_S`] per second. Each kana
//!   is one mora, except the small ゃゅょぁぃぅぇぉゎ (they join the kana
//!   before them); っ and ー are one each. A kanji counts
//!   [`KANJI_MORAE`] morae (most readings are one or two). A Latin letter
//!   counts as long as its kana name (S エス 2, H エイチ 3, W ダブリュー 4),
//!   a digit 2. Then pauses: [`COMMA_PAUSE_S`] at 、 , and
//!   [`PERIOD_PAUSE_S`] at 。 ？ ！ ? ! (and a line break).
//! - **English** (`en`): words at [`EN_WPM`] words a minute, a word weighed
//!   by its syllables ([`SYLLABLES_PER_WORD`] syllables count one word, so
//!   "verification" weighs more than "yes"; plain word counts missed too many
//!   clips by over 20 %), then the same pauses at commas and at . ? ! (and a
//!   line break). Syllables are vowel groups, a silent final e and -ed
//!   dropped; an all-capital word (SMS) is spelled, a syllable a letter;
//!   a digit is one (seven and zero two). 150 wpm is the pace the English
//!   clips are rendered at for older listeners.
//! - Each utterance also costs [`UTTERANCE_S`]: the voice's lead-in and
//!   tail of silence.
//!
//! Other languages have no calibrated model and get no estimate. The
//! constants were fitted to the bundled clips (see the calibration test in
//! `tests/speech_length.rs`).

/// Japanese speaking rate of the bundled voice at level 3, in morae a second.
pub const JA_MORAE_PER_S: f64 = 7.5;

/// Morae counted for one kanji (a reading of one or two morae, most often).
pub const KANJI_MORAE: f64 = 1.8;

/// English speaking rate the estimate assumes, in words a minute.
pub const EN_WPM: f64 = 150.0;

/// Syllables that make one word of average length in spoken English.
pub const SYLLABLES_PER_WORD: f64 = 1.4;

/// The pause at a comma (、 ,), in seconds.
pub const COMMA_PAUSE_S: f64 = 0.3;

/// The pause at the end of a sentence (。 ？ ！ . ? ! or a line break).
pub const PERIOD_PAUSE_S: f64 = 0.5;

/// Silence before and after each utterance, in seconds.
pub const UTTERANCE_S: f64 = 0.3;

/// The estimate of one utterance, in its parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The voice speaking (morae or words at the rate).
    pub speaking_s: f64,
    /// Pauses at commas and between sentences.
    pub pauses_s: f64,
}

impl Estimate {
    /// Speaking, pauses and the utterance's lead-in and tail.
    pub fn total_s(self) -> f64 {
        self.speaking_s + self.pauses_s + UTTERANCE_S
    }
}

/// How saying `text` in `lang` at the default rate is estimated, where the
/// language has a model (`ja`, `en`).
pub fn estimate(lang: &str, text: &str) -> Option<Estimate> {
    let primary = lang.split('-').next().unwrap_or(lang);
    let speaking_s = match primary {
        "ja" => japanese_morae(text) / JA_MORAE_PER_S,
        "en" => english_words(text) * 60.0 / EN_WPM,
        _ => return None,
    };
    Some(Estimate {
        speaking_s,
        pauses_s: pauses(text),
    })
}

/// Seconds that saying `text` in `lang` takes at the default rate, where the
/// language has a model (`ja`, `en`).
pub fn estimate_secs(lang: &str, text: &str) -> Option<f64> {
    estimate(lang, text).map(Estimate::total_s)
}

/// Morae of a Japanese text by the rules of the module docs.
pub fn japanese_morae(text: &str) -> f64 {
    let mut morae = 0.0;
    for c in text.chars() {
        let c = narrow(c);
        morae += if is_small_kana(c) {
            0.0
        } else if is_kana(c) || c == 'ー' || c == 'ｰ' {
            1.0
        } else if is_kanji(c) {
            KANJI_MORAE
        } else if c.is_ascii_alphabetic() {
            f64::from(letter_morae(c))
        } else if c.is_ascii_digit() {
            2.0
        } else {
            0.0
        };
    }
    morae
}

/// Words of an English text, each weighed by its syllables (see the module
/// docs): [`english_syllables`] over [`SYLLABLES_PER_WORD`].
pub fn english_words(text: &str) -> f64 {
    english_syllables(text) as f64 / SYLLABLES_PER_WORD
}

/// Syllables of an English text, by the rules of the module docs.
pub fn english_syllables(text: &str) -> usize {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(word_syllables)
        .sum()
}

fn word_syllables(word: &str) -> usize {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word
            .chars()
            .map(|c| if matches!(c, '0' | '7') { 2 } else { 1 })
            .sum();
    }
    let letters = word.chars().filter(char::is_ascii_alphabetic).count();
    if letters >= 2
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        // Spelled out: S-M-S; W is "double-u".
        return word.chars().map(|c| if c == 'W' { 3 } else { 1 }).sum();
    }
    let lower = word.to_lowercase();
    let is_vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut groups = 0;
    let mut in_vowels = false;
    for c in lower.chars() {
        let vowel = is_vowel(c);
        if vowel && !in_vowels {
            groups += 1;
        }
        in_vowels = vowel;
    }
    let ends = |s: &str| lower.ends_with(s);
    let silent_e = ends("e") && !ends("le") && !ends("ee") && !ends("ye");
    let silent_ed = ends("ed") && !ends("ted") && !ends("ded");
    if groups > 1 && (silent_e || silent_ed) {
        groups -= 1;
    }
    groups.max(1)
}

/// The pauses at commas and sentence ends, in seconds. A run of marks
/// ("?!", "。\n") is one pause, the longest of them.
fn pauses(text: &str) -> f64 {
    let mut total = 0.0;
    let mut run: f64 = 0.0;
    for c in text.trim().chars() {
        let pause = match c {
            '、' | ',' | '，' => COMMA_PAUSE_S,
            '。' | '？' | '！' | '.' | '?' | '!' | '．' | '\n' => PERIOD_PAUSE_S,
            _ => {
                if !c.is_whitespace() {
                    total += run;
                    run = 0.0;
                }
                continue;
            }
        };
        run = run.max(pause);
    }
    // A closing mark is the end of the utterance, not a pause within it.
    total
}

/// Full-width ASCII (Ａ, ６) as its ASCII letter.
fn narrow(c: char) -> char {
    match c {
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

fn is_kana(c: char) -> bool {
    ('ぁ'..='ゖ').contains(&c) || ('ァ'..='ヺ').contains(&c) || ('ｦ'..='ﾝ').contains(&c)
}

fn is_small_kana(c: char) -> bool {
    matches!(
        c,
        'ゃ' | 'ゅ'
            | 'ょ'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'ゎ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ヮ'
            | 'ｬ'
            | 'ｭ'
            | 'ｮ'
            | 'ｧ'
            | 'ｨ'
            | 'ｩ'
            | 'ｪ'
            | 'ｫ'
    )
}

fn is_kanji(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c) || c == '々'
}

/// Morae of a Latin letter's name in Japanese (A エー, H エイチ, W ダブリュー).
fn letter_morae(c: char) -> u8 {
    match c.to_ascii_uppercase() {
        'H' | 'R' | 'Z' => 3,
        'W' | 'X' => 4,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_kana_join_the_kana_before_them_and_long_marks_count() {
        // き ゅ う → 2; し ゃ → 1; が っ こ う → 4; ケ ー キ → 3.
        assert_eq!(japanese_morae("きゅう"), 2.0);
        assert_eq!(japanese_morae("しゃ"), 1.0);
        assert_eq!(japanese_morae("がっこう"), 4.0);
        assert_eq!(japanese_morae("ケーキ"), 3.0);
    }

    #[test]
    fn kanji_latin_letters_and_digits_are_counted_by_their_readings() {
        assert!((japanese_morae("電話") - 3.6).abs() < 1e-9);
        // エス エム エス.
        assert_eq!(japanese_morae("SMS"), 6.0);
        assert_eq!(japanese_morae("ＳＭＳ"), 6.0);
        assert_eq!(japanese_morae("6けた"), 4.0);
    }

    #[test]
    fn english_counts_words_at_150_a_minute_with_pauses() {
        assert_eq!(english_syllables("Press 1 for yes, or 2 for no."), 8);
        assert_eq!(english_syllables("Don't worry — it's fine."), 5);
        assert_eq!(english_syllables("verification"), 5);
        assert_eq!(english_syllables("SMS"), 3);
        assert_eq!(english_syllables("asked for a code"), 4);
        let secs = estimate_secs("en", "Press 1 for yes, or 2 for no.").unwrap();
        let words = 8.0 / SYLLABLES_PER_WORD;
        assert!((secs - (words * 0.4 + COMMA_PAUSE_S + UTTERANCE_S)).abs() < 1e-9);
    }

    #[test]
    fn a_closing_mark_is_no_pause_and_a_run_of_marks_is_one() {
        let plain = estimate_secs("ja", "はい").unwrap();
        assert_eq!(estimate_secs("ja", "はい。").unwrap(), plain);
        let two = estimate_secs("ja", "はい？！ いいえ").unwrap();
        let expected = 5.0 / JA_MORAE_PER_S + PERIOD_PAUSE_S + UTTERANCE_S;
        assert!((two - expected).abs() < 1e-9);
    }

    #[test]
    fn languages_without_a_model_get_no_estimate() {
        assert_eq!(estimate_secs("de", "Guten Tag"), None);
        assert!(estimate_secs("en-GB", "Hello").is_some());
    }
}
