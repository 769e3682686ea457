//! The fixed kiosk phrases (key bar, prompts, idle warning, …) as a table of
//! named phrases. Japanese and English are built in; a flow's `[ui.LANG]`
//! table overrides any of them, and must give all of the first table's for
//! any other language; phrases added later fall back to English there (see
//! [`Since`]). Phrases ending in `_say` are the spoken form of the phrase of
//! the same name (kana for Japanese, so a kana-only voice reads it right);
//! where one is missing the shown text is spoken.

use std::fmt;

/// When a phrase joined the table. A flow in a language the kiosk has no
/// phrases for must give every phrase of the first table in `[ui.LANG]`; a
/// phrase added later (this round's and after) may be left out there, and
/// is then the English one, so a flow written before it existed still
/// loads. Every new phrase is `Later`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Since {
    /// In the table from the start: required for another language.
    First,
    /// Added later: optional for another language, English where not given.
    Later,
}

macro_rules! phrases {
    ($( $variant:ident = $name:literal, $fallback:expr, $since:ident, ja: $ja:literal, en: $en:literal; )*) => {
        /// One fixed phrase. The `name` is its key in `[ui.LANG]`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Phrase { $( $variant, )* }

        impl Phrase {
            pub const ALL: &'static [Phrase] = &[ $( Phrase::$variant, )* ];

            pub fn name(self) -> &'static str {
                match self { $( Phrase::$variant => $name, )* }
            }

            /// The phrase used when this one is not given (only `_say`
            /// phrases have one: their shown text).
            pub fn fallback(self) -> Option<Phrase> {
                match self { $( Phrase::$variant => $fallback, )* }
            }

            /// Whether the phrase is of the first table or added later.
            pub fn since(self) -> Since {
                match self { $( Phrase::$variant => Since::$since, )* }
            }

            fn builtin_ja(self) -> &'static str {
                match self { $( Phrase::$variant => $ja, )* }
            }

            fn builtin_en(self) -> &'static str {
                match self { $( Phrase::$variant => $en, )* }
            }
        }
    };
}

phrases! {
    KeyYes = "key_yes", None, First, ja: "はい", en: "Yes";
    KeyNo = "key_no", None, First, ja: "いいえ", en: "No";
    KeyNext = "key_next", None, First, ja: "次へ", en: "Next";
    KeyRepeat = "key_repeat", None, First, ja: "もう一度", en: "Repeat";
    KeyBack = "key_back", None, First, ja: "戻る", en: "Back";
    KeyHelp = "key_help", None, First, ja: "ヘルプ", en: "Help";
    KeyLanguage = "key_language", None, First, ja: "言語", en: "Language";
    KeyPause = "key_pause", None, First, ja: "一時停止", en: "Pause";
    KeySlower = "key_slower", None, First, ja: "ゆっくり", en: "Slower";
    KeyFaster = "key_faster", None, First, ja: "はやく", en: "Faster";
    KeyQuieter = "key_quieter", None, First, ja: "小さく", en: "Quieter";
    KeyLouder = "key_louder", None, First, ja: "大きく", en: "Louder";
    KeyStartOver = "key_start_over", None, First, ja: "最初から", en: "Start over";
    LanguageName = "language_name", None, First, ja: "日本語", en: "English";
    StageProgress = "stage_progress", None, First, ja: "第{n}段階 / {total}", en: "Stage {n} of {total}";
    PromptQuestion = "prompt_question", None, First,
        ja: "はいなら、いちを。いいえなら、にを おしてください。",
        en: "Press 1 for yes, or 2 for no.";
    PromptNote = "prompt_note", None, First,
        ja: "つづけるには、いちを おしてください。",
        en: "Press 1 to go on.";
    PromptEnding = "prompt_ending", None, First,
        ja: "さいしょの がめんに もどるには、いちを おしてください。",
        en: "Press 1 to return to the first screen.";
    EchoYes = "echo_yes", None, First, ja: "はい", en: "Yes";
    EchoNo = "echo_no", None, First, ja: "いいえ", en: "No";
    IdleWarning = "idle_warning", None, First,
        ja: "まだご利用中ですか？ どれかのキーを押すと続けられます。",
        en: "Are you still there? Press any key to go on.";
    IdleWarningSay = "idle_warning_say", Some(Phrase::IdleWarning), First,
        ja: "まだ ごりようちゅうですか？ どれかの キーを おすと、つづけられます。",
        en: "Are you still there? Press any key to go on.";
    IdleCountdown = "idle_countdown", None, First,
        ja: "あと{seconds}秒で最初の画面に戻ります",
        en: "Back to the first screen in {seconds} s";
    ConfirmStartOver = "confirm_start_over", None, First,
        ja: "最初からやり直しますか？",
        en: "Start again from the beginning?";
    ConfirmStartOverSay = "confirm_start_over_say", Some(Phrase::ConfirmStartOver), First,
        ja: "さいしょから やりなおしますか？ はいなら、いちを。いいえなら、にを おしてください。",
        en: "Start again from the beginning? Press 1 for yes, or 2 for no.";
    KeyGuide = "key_guide", None, First,
        ja: "1 はい・次へ\n2 いいえ\n0 もう一度聞く\n4 戻る\n9 もう一度押すと係の者を呼びます\n7 ゆっくり　8 はやく\n- 小さく　+ 大きく\n/ 言語を切り替える\n. 一時停止",
        en: "1 yes / next\n2 no\n0 hear it again\n4 back\n9 again to call staff\n7 slower   8 faster\n- quieter   + louder\n/ switch language\n. pause";
    KeyGuideSay = "key_guide_say", Some(Phrase::KeyGuide), First,
        ja: "いちは、はい。にーは、いいえ。ぜろで、もういちど ききます。よんで、もどります。きゅうを もういちど おすと、かかりのものを よびます。ななと はちで、はやさを かえます。マイナスと プラスで、おおきさを かえます。スラッシュで、ことばを かえます。",
        en: "1 is yes. 2 is no. 0 hears it again. 4 goes back. Press 9 once more to call staff. 7 and 8 change the speed. Minus and plus change the volume. Slash switches the language.";
    HelpOffer = "help_offer", None, First,
        ja: "わからないときは 9 を押してください。",
        en: "Not sure? Press 9 for help.";
    HelpOfferSay = "help_offer_say", Some(Phrase::HelpOffer), First,
        ja: "わからないときは、きゅうを おしてください。",
        en: "Not sure? Press 9 for help.";
    StaffCalled = "staff_called", None, First,
        ja: "係の者を呼びました。少しお待ちください。",
        en: "We have called a member of staff. Please wait a moment.";
    StaffCalledSay = "staff_called_say", Some(Phrase::StaffCalled), First,
        ja: "かかりのものを よびました。すこし おまちください。",
        en: "We have called a member of staff. Please wait a moment.";
    TooSmall = "too_small", None, First, ja: "画面が小さすぎます", en: "Screen too small";
    NoVoice = "no_voice", None, First, ja: "音声なし", en: "no voice";
    MarkFallbackFlow = "mark_fallback_flow", None, First, ja: "予備の案内", en: "bundled flow";
    MarkJournal = "mark_journal", None, First, ja: "記録エラー", en: "journal error";
    MarkConfig = "mark_config", None, First, ja: "設定エラー", en: "config error";
    MarkLog = "mark_log", None, First, ja: "ログなし", en: "no log";
}

impl Phrase {
    pub fn from_name(name: &str) -> Option<Phrase> {
        Phrase::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Built-in text for a language, where the kiosk has one.
    pub fn builtin(self, lang: &str) -> Option<&'static str> {
        match lang {
            "ja" => Some(self.builtin_ja()),
            "en" => Some(self.builtin_en()),
            _ => None,
        }
    }

    /// The `{…}` placeholders the kiosk fills in; an override should keep them.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Phrase::StageProgress => &["{n}", "{total}"],
            Phrase::IdleCountdown => &["{seconds}"],
            _ => &[],
        }
    }

    /// Whether every language must give this phrase (a `_say` need not be,
    /// nor a phrase added later).
    pub fn required(self) -> bool {
        required(self, self.since())
    }
}

fn required(phrase: Phrase, since: Since) -> bool {
    phrase.fallback().is_none() && since == Since::First
}

impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every phrase for one language, resolved (overrides over built-ins, `_say`
/// falling back to the shown text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseTable {
    texts: Vec<String>,
}

impl PhraseTable {
    /// Resolves the table for `lang` from its overrides. Returns the names of
    /// required phrases that neither the overrides nor the built-ins give.
    pub fn resolve(lang: &str, overrides: &[(Phrase, String)]) -> Result<PhraseTable, Vec<Phrase>> {
        Self::resolve_with(lang, overrides, Phrase::since)
    }

    /// [`PhraseTable::resolve`] with `since` saying when each phrase joined
    /// (so tests can try the rule for later phrases on any phrase).
    fn resolve_with(
        lang: &str,
        overrides: &[(Phrase, String)],
        since: impl Fn(Phrase) -> Since,
    ) -> Result<PhraseTable, Vec<Phrase>> {
        let given = |p: Phrase| -> Option<String> {
            overrides
                .iter()
                .rev()
                .find(|(q, _)| *q == p)
                .map(|(_, t)| t.clone())
                .or_else(|| p.builtin(lang).map(str::to_string))
        };
        let missing: Vec<Phrase> = Phrase::ALL
            .iter()
            .copied()
            .filter(|p| required(*p, since(*p)) && given(*p).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        // A `_say` first falls back to the shown text in the same language;
        // a later phrase that is still missing, to the English one.
        let texts = Phrase::ALL
            .iter()
            .map(|p| {
                given(*p)
                    .or_else(|| p.fallback().and_then(given))
                    .or_else(|| (since(*p) == Since::Later).then(|| p.builtin_en().to_string()))
                    .unwrap_or_default()
            })
            .collect();
        Ok(PhraseTable { texts })
    }

    pub fn get(&self, phrase: Phrase) -> &str {
        let ix = Phrase::ALL.iter().position(|p| *p == phrase).unwrap_or(0);
        self.texts.get(ix).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for p in Phrase::ALL {
            assert_eq!(Phrase::from_name(p.name()), Some(*p));
        }
        let mut names: Vec<_> = Phrase::ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Phrase::ALL.len());
    }

    #[test]
    fn builtins_keep_their_placeholders() {
        for p in Phrase::ALL {
            for lang in ["ja", "en"] {
                let text = p.builtin(lang).unwrap();
                assert!(!text.is_empty(), "{p} {lang}");
                for ph in p.placeholders() {
                    assert!(text.contains(ph), "{p} {lang} lacks {ph}");
                }
            }
        }
    }

    #[test]
    fn japanese_spoken_phrases_have_no_kanji() {
        for p in crate::flow::SPOKEN_PHRASES {
            let text = p.builtin("ja").unwrap();
            let kanji = text.chars().find(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
            assert_eq!(kanji, None, "{p}: {text}");
        }
    }

    #[test]
    fn overrides_win_and_say_falls_back_to_the_shown_text() {
        let table = PhraseTable::resolve("ja", &[(Phrase::KeyYes, "OK".into())]).unwrap();
        assert_eq!(table.get(Phrase::KeyYes), "OK");
        let all: Vec<_> = Phrase::ALL
            .iter()
            .filter(|p| p.required())
            .map(|p| (*p, format!("fr:{p}")))
            .collect();
        let fr = PhraseTable::resolve("fr", &all).unwrap();
        assert_eq!(fr.get(Phrase::IdleWarningSay), "fr:idle_warning");
    }

    #[test]
    fn another_language_must_give_every_required_phrase() {
        let missing = PhraseTable::resolve("fr", &[(Phrase::KeyYes, "Oui".into())]).unwrap_err();
        assert!(missing.contains(&Phrase::KeyNo));
        assert!(!missing.contains(&Phrase::KeyYes));
        assert!(!missing.contains(&Phrase::IdleWarningSay));
    }

    /// The first table's phrases for `lang`, as a flow written before any
    /// later phrase would give them.
    fn first_table(lang: &str) -> Vec<(Phrase, String)> {
        Phrase::ALL
            .iter()
            .filter(|p| p.fallback().is_none() && p.since() == Since::First)
            .map(|p| (*p, format!("{lang}:{p}")))
            .collect()
    }

    #[test]
    fn a_flow_in_another_language_with_the_first_tables_phrases_loads() {
        let de = PhraseTable::resolve("de", &first_table("de")).unwrap();
        for p in Phrase::ALL {
            let want = match (p.since(), p.fallback()) {
                (Since::First, None) => format!("de:{p}"),
                (Since::First, Some(shown)) => format!("de:{shown}"),
                (Since::Later, _) => p.builtin("en").unwrap().to_string(),
            };
            assert_eq!(de.get(*p), want, "{p}");
        }
    }

    #[test]
    fn a_later_phrase_is_optional_and_falls_back_to_english() {
        // As if help_offer and help_offer_say had been added later.
        let later = |p: Phrase| match p {
            Phrase::HelpOffer | Phrase::HelpOfferSay => Since::Later,
            _ => Since::First,
        };
        let old: Vec<_> = first_table("de")
            .into_iter()
            .filter(|(p, _)| later(*p) == Since::First)
            .collect();
        let de = PhraseTable::resolve_with("de", &old, later).unwrap();
        assert_eq!(de.get(Phrase::HelpOffer), "Not sure? Press 9 for help.");
        assert_eq!(de.get(Phrase::HelpOfferSay), "Not sure? Press 9 for help.");
        assert_eq!(de.get(Phrase::KeyYes), "de:key_yes");
        // Given, a later phrase is used; its `_say` follows the shown text.
        let mut given = old.clone();
        given.push((Phrase::HelpOffer, "Hilfe? Drücken Sie 9.".into()));
        let de = PhraseTable::resolve_with("de", &given, later).unwrap();
        assert_eq!(de.get(Phrase::HelpOfferSay), "Hilfe? Drücken Sie 9.");
        // A phrase of the first table is still required.
        let missing = PhraseTable::resolve_with("de", &old[1..], later).unwrap_err();
        assert_eq!(missing, vec![old[0].0]);
        // Japanese and English keep their built-ins.
        let ja = PhraseTable::resolve_with("ja", &[], later).unwrap();
        assert_eq!(
            ja.get(Phrase::HelpOffer),
            "わからないときは 9 を押してください。"
        );
    }
}
