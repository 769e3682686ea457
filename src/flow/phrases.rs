//! The fixed kiosk phrases (key bar, prompts, idle warning, …) as a table of
//! named phrases. Japanese and English are built in; a flow's `[ui.LANG]`
//! table overrides any of them, and must give all of them for any other
//! language. Phrases ending in `_say` are the spoken form of the phrase of
//! the same name (kana for Japanese, so a kana-only voice reads it right);
//! where one is missing the shown text is spoken.

use std::fmt;

macro_rules! phrases {
    ($( $variant:ident = $name:literal, $fallback:expr, ja: $ja:literal, en: $en:literal; )*) => {
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
    KeyYes = "key_yes", None, ja: "はい", en: "Yes";
    KeyNo = "key_no", None, ja: "いいえ", en: "No";
    KeyNext = "key_next", None, ja: "次へ", en: "Next";
    KeyRepeat = "key_repeat", None, ja: "もう一度", en: "Repeat";
    KeyBack = "key_back", None, ja: "戻る", en: "Back";
    KeyHelp = "key_help", None, ja: "ヘルプ", en: "Help";
    KeyLanguage = "key_language", None, ja: "言語", en: "Language";
    KeyPause = "key_pause", None, ja: "一時停止", en: "Pause";
    KeySlower = "key_slower", None, ja: "ゆっくり", en: "Slower";
    KeyFaster = "key_faster", None, ja: "はやく", en: "Faster";
    KeyQuieter = "key_quieter", None, ja: "小さく", en: "Quieter";
    KeyLouder = "key_louder", None, ja: "大きく", en: "Louder";
    KeyStartOver = "key_start_over", None, ja: "最初から", en: "Start over";
    LanguageName = "language_name", None, ja: "日本語", en: "English";
    StageProgress = "stage_progress", None, ja: "第{n}段階 / {total}", en: "Stage {n} of {total}";
    PromptQuestion = "prompt_question", None,
        ja: "はいなら、いちを。いいえなら、にを おしてください。",
        en: "Press 1 for yes, or 2 for no.";
    PromptNote = "prompt_note", None,
        ja: "つづけるには、いちを おしてください。",
        en: "Press 1 to go on.";
    PromptEnding = "prompt_ending", None,
        ja: "さいしょの がめんに もどるには、いちを おしてください。",
        en: "Press 1 to return to the first screen.";
    EchoYes = "echo_yes", None, ja: "はい", en: "Yes";
    EchoNo = "echo_no", None, ja: "いいえ", en: "No";
    IdleWarning = "idle_warning", None,
        ja: "まだご利用中ですか？ どれかのキーを押すと続けられます。",
        en: "Are you still there? Press any key to go on.";
    IdleWarningSay = "idle_warning_say", Some(Phrase::IdleWarning),
        ja: "まだ ごりようちゅうですか？ どれかの キーを おすと、つづけられます。",
        en: "Are you still there? Press any key to go on.";
    IdleCountdown = "idle_countdown", None,
        ja: "あと{seconds}秒で最初の画面に戻ります",
        en: "Back to the first screen in {seconds} s";
    ConfirmStartOver = "confirm_start_over", None,
        ja: "最初からやり直しますか？",
        en: "Start again from the beginning?";
    ConfirmStartOverSay = "confirm_start_over_say", Some(Phrase::ConfirmStartOver),
        ja: "さいしょから やりなおしますか？ はいなら、いちを。いいえなら、にを おしてください。",
        en: "Start again from the beginning? Press 1 for yes, or 2 for no.";
    KeyGuide = "key_guide", None,
        ja: "1 はい・次へ\n2 いいえ\n0 もう一度聞く\n4 戻る\n9 もう一度押すと係の者を呼びます\n7 ゆっくり　8 はやく\n- 小さく　+ 大きく\n/ 言語を切り替える\n. 一時停止",
        en: "1 yes / next\n2 no\n0 hear it again\n4 back\n9 again to call staff\n7 slower   8 faster\n- quieter   + louder\n/ switch language\n. pause";
    KeyGuideSay = "key_guide_say", Some(Phrase::KeyGuide),
        ja: "いちは、はい。にーは、いいえ。ぜろで、もういちど ききます。よんで、もどります。きゅうを もういちど おすと、かかりのものを よびます。ななと はちで、はやさを かえます。マイナスと プラスで、おおきさを かえます。スラッシュで、ことばを かえます。",
        en: "1 is yes. 2 is no. 0 hears it again. 4 goes back. Press 9 once more to call staff. 7 and 8 change the speed. Minus and plus change the volume. Slash switches the language.";
    HelpOffer = "help_offer", None,
        ja: "わからないときは 9 を押してください。",
        en: "Not sure? Press 9 for help.";
    HelpOfferSay = "help_offer_say", Some(Phrase::HelpOffer),
        ja: "わからないときは、きゅうを おしてください。",
        en: "Not sure? Press 9 for help.";
    StaffCalled = "staff_called", None,
        ja: "係の者を呼びました。少しお待ちください。",
        en: "We have called a member of staff. Please wait a moment.";
    StaffCalledSay = "staff_called_say", Some(Phrase::StaffCalled),
        ja: "かかりのものを よびました。すこし おまちください。",
        en: "We have called a member of staff. Please wait a moment.";
    TooSmall = "too_small", None, ja: "画面が小さすぎます", en: "Screen too small";
    NoVoice = "no_voice", None, ja: "音声なし", en: "no voice";
    MarkFallbackFlow = "mark_fallback_flow", None, ja: "予備の案内", en: "bundled flow";
    MarkJournal = "mark_journal", None, ja: "記録エラー", en: "journal error";
    MarkConfig = "mark_config", None, ja: "設定エラー", en: "config error";
    MarkLog = "mark_log", None, ja: "ログなし", en: "no log";
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

    /// Whether every language must give this phrase (a `_say` need not be).
    pub fn required(self) -> bool {
        self.fallback().is_none()
    }
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
            .filter(|p| p.required() && given(*p).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let texts = Phrase::ALL
            .iter()
            .map(|p| {
                given(*p)
                    .or_else(|| p.fallback().and_then(given))
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
}
