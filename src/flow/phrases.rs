//! The fixed kiosk phrases (key bar, prompts, idle warning, …) as a table of
//! named phrases. Japanese and English are built in; a flow's `[ui.LANG]`
//! table overrides any of them, and must give all of the first table's for
//! any other language; phrases added later fall back to English there (see
//! [`Since`]). Phrases ending in `_say` are the spoken form of the phrase of
//! the same name (kana for Japanese, so a kana-only voice reads it right);
//! where one is missing the shown text is spoken. A phrase that names a key
//! says `{key:ACTION}` there ([`super::key_names`]), filled from the key map
//! the kiosk runs with: the default map until [`PhraseTable::name_keys`].

use std::fmt;

use super::key_names::{self, Form, KeyNames};

/// The fixed phrases that are spoken (the others are only shown): a key
/// they name is said by its spoken name.
pub const SPOKEN_PHRASES: [Phrase; 13] = [
    Phrase::PromptQuestion,
    Phrase::PromptNote,
    Phrase::PromptEnding,
    Phrase::EchoYes,
    Phrase::EchoNo,
    Phrase::IdleWarningSay,
    Phrase::ConfirmStartOverSay,
    Phrase::KeyGuideSay,
    Phrase::HelpOfferSay,
    Phrase::StaffCalledSay,
    Phrase::PromptPrint,
    Phrase::PrintingSay,
    Phrase::PrintFailedSay,
];

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
        ja: "はいなら、{key:yes}を。いいえなら、{key:no}を おしてください。",
        en: "Press {key:yes} for yes, or {key:no} for no.";
    PromptNote = "prompt_note", None, First,
        ja: "つづけるには、{key:yes}を おしてください。",
        en: "Press {key:yes} to go on.";
    PromptEnding = "prompt_ending", None, First,
        ja: "さいしょの がめんに もどるには、{key:yes}を おしてください。",
        en: "Press {key:yes} to return to the first screen.";
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
        ja: "さいしょから やりなおしますか？ はいなら、{key:yes}を。いいえなら、{key:no}を おしてください。",
        en: "Start again from the beginning? Press {key:yes} for yes, or {key:no} for no.";
    KeyGuide = "key_guide", None, First,
        ja: "{key:yes} はい・次へ\n{key:no} いいえ\n{key:repeat} もう一度聞く\n{key:back} 戻る\n{key:help} もう一度押すと係の者を呼びます\n{key:slower} ゆっくり　{key:faster} はやく\n{key:quieter} 小さく　{key:louder} 大きく\n{key:language} 言語を切り替える\n{key:pause} 一時停止",
        en: "{key:yes} yes / next\n{key:no} no\n{key:repeat} hear it again\n{key:back} back\n{key:help} again to call staff\n{key:slower} slower   {key:faster} faster\n{key:quieter} quieter   {key:louder} louder\n{key:language} switch language\n{key:pause} pause";
    KeyGuideSay = "key_guide_say", Some(Phrase::KeyGuide), First,
        ja: "{key:yes}は、はい。{key:no}は、いいえ。{key:repeat}で、もういちど ききます。{key:back}で、もどります。{key:help}を もういちど おすと、かかりのものを よびます。{key:slower}と {key:faster}で、はやさを かえます。{key:quieter}と {key:louder}で、おおきさを かえます。{key:language}で、ことばを かえます。",
        en: "{key:yes} is yes. {key:no} is no. {key:repeat} hears it again. {key:back} goes back. Press {key:help} once more to call staff. {key:slower} and {key:faster} change the speed. {key:quieter} and {key:louder} change the volume. {key:language} switches the language.";
    HelpOffer = "help_offer", None, First,
        ja: "わからないときは {key:help} を押してください。",
        en: "Not sure? Press {key:help} for help.";
    HelpOfferSay = "help_offer_say", Some(Phrase::HelpOffer), First,
        ja: "わからないときは、{key:help}を おしてください。",
        en: "Not sure? Press {key:help} for help.";
    StaffCalled = "staff_called", None, First,
        ja: "係の者を呼びました。少しお待ちください。",
        en: "We have called a member of staff. Please wait a moment.";
    StaffCalledSay = "staff_called_say", Some(Phrase::StaffCalled), First,
        ja: "かかりのものを よびました。すこし おまちください。",
        en: "We have called a member of staff. Please wait a moment.";
    TooSmall = "too_small", None, First, ja: "画面が小さすぎます", en: "Screen too small";
    NoVoice = "no_voice", None, First, ja: "音声なし", en: "no voice";
    MarkFallbackFlow = "mark_fallback_flow", None, First, ja: "予備の案内", en: "bundled flow";
    PrintAsk = "print_ask", None, Later, ja: "印刷しますか？", en: "Shall we print it?";
    PromptPrint = "prompt_print", None, Later,
        ja: "いんさつしますか？ はいなら、{key:yes}を。いいえなら、{key:no}を おしてください。",
        en: "Shall we print it? Press {key:yes} for yes, or {key:no} for no.";
    Printing = "printing", None, Later, ja: "印刷しています。プリンターから紙をお取りください。", en: "Printing. Please take the sheet from the printer.";
    PrintingSay = "printing_say", Some(Phrase::Printing), Later,
        ja: "いんさつしています。プリンターから、かみを おとりください。",
        en: "Printing. Please take the sheet from the printer.";
    PrintFailed = "print_failed", None, Later,
        ja: "申し訳ありません。印刷できませんでした。係の者に控えをお求めください。",
        en: "Sorry, the sheet could not be printed. Please ask the staff for a copy.";
    PrintFailedSay = "print_failed_say", Some(Phrase::PrintFailed), Later,
        ja: "もうしわけありません。いんさつ できませんでした。かかりのものに、ひかえを おもとめください。",
        en: "Sorry, the sheet could not be printed. Please ask the staff for a copy.";
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

    /// The actions whose keys the built-in phrase names (`{key:yes}` …),
    /// each once, in order. An override that names the keys itself is only
    /// right while they are the default ones (`check --config` says so).
    pub fn key_actions(self) -> Vec<&'static str> {
        let mut actions: Vec<&'static str> = Vec::new();
        for action in key_names::placeholders(self.builtin_en()) {
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        actions
    }

    /// Whether the phrase is spoken (so a key in it is said by name) or
    /// only shown.
    pub fn form(self) -> Form {
        if SPOKEN_PHRASES.contains(&self) {
            Form::Spoken
        } else {
            Form::Shown
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
/// falling back to the shown text), as written and with its keys named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseTable {
    lang: String,
    /// As resolved, `{key:…}` placeholders and all.
    templates: Vec<String>,
    /// The templates with the keys of [`PhraseTable::name_keys`] filled in.
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
        let templates = Phrase::ALL
            .iter()
            .map(|p| {
                given(*p)
                    .or_else(|| p.fallback().and_then(given))
                    .or_else(|| (since(*p) == Since::Later).then(|| p.builtin_en().to_string()))
                    .unwrap_or_default()
            })
            .collect();
        let mut table = PhraseTable {
            lang: lang.to_string(),
            templates,
            texts: Vec::new(),
        };
        table.name_keys(&KeyNames::default());
        Ok(table)
    }

    /// Fills every phrase's `{key:…}` placeholders from `keys`: the label
    /// in shown phrases, the spoken name in spoken ones.
    pub fn name_keys(&mut self, keys: &KeyNames) {
        self.texts = Phrase::ALL
            .iter()
            .zip(&self.templates)
            .map(|(p, template)| key_names::fill(template, &self.lang, p.form(), keys))
            .collect();
    }

    /// The phrase as the kiosk shows or says it, keys named.
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

    /// The key-naming phrases as they were written before they named keys
    /// through placeholders: the default key map must give them unchanged
    /// (the bundled clips are keyed by these texts).
    const AS_WRITTEN: &[(Phrase, &str, &str)] = &[
        (
            Phrase::PromptQuestion,
            "はいなら、いちを。いいえなら、にを おしてください。",
            "Press 1 for yes, or 2 for no.",
        ),
        (
            Phrase::PromptNote,
            "つづけるには、いちを おしてください。",
            "Press 1 to go on.",
        ),
        (
            Phrase::PromptEnding,
            "さいしょの がめんに もどるには、いちを おしてください。",
            "Press 1 to return to the first screen.",
        ),
        (
            Phrase::ConfirmStartOverSay,
            "さいしょから やりなおしますか？ はいなら、いちを。いいえなら、にを おしてください。",
            "Start again from the beginning? Press 1 for yes, or 2 for no.",
        ),
        (
            Phrase::KeyGuide,
            "1 はい・次へ\n2 いいえ\n0 もう一度聞く\n4 戻る\n9 もう一度押すと係の者を呼びます\n7 ゆっくり　8 はやく\n- 小さく　+ 大きく\n/ 言語を切り替える\n. 一時停止",
            "1 yes / next\n2 no\n0 hear it again\n4 back\n9 again to call staff\n7 slower   8 faster\n- quieter   + louder\n/ switch language\n. pause",
        ),
        (
            Phrase::KeyGuideSay,
            "いちは、はい。にーは、いいえ。ぜろで、もういちど ききます。よんで、もどります。きゅうを もういちど おすと、かかりのものを よびます。ななと はちで、はやさを かえます。マイナスと プラスで、おおきさを かえます。スラッシュで、ことばを かえます。",
            "1 is yes. 2 is no. 0 hears it again. 4 goes back. Press 9 once more to call staff. 7 and 8 change the speed. Minus and plus change the volume. Slash switches the language.",
        ),
        (
            Phrase::HelpOffer,
            "わからないときは 9 を押してください。",
            "Not sure? Press 9 for help.",
        ),
        (
            Phrase::HelpOfferSay,
            "わからないときは、きゅうを おしてください。",
            "Not sure? Press 9 for help.",
        ),
        (
            Phrase::PromptPrint,
            "いんさつしますか？ はいなら、いちを。いいえなら、にを おしてください。",
            "Shall we print it? Press 1 for yes, or 2 for no.",
        ),
    ];

    #[test]
    fn the_default_keys_give_every_phrase_as_it_was_written() {
        for (lang, pick) in [("ja", 0), ("en", 1)] {
            let table = PhraseTable::resolve(lang, &[]).unwrap();
            for (phrase, ja, en) in AS_WRITTEN {
                let want = [*ja, *en][pick];
                assert_eq!(table.get(*phrase), want, "{phrase} {lang}");
            }
            for p in Phrase::ALL {
                if p.key_actions().is_empty() {
                    assert_eq!(table.get(*p), p.builtin(lang).unwrap(), "{p} {lang}");
                } else {
                    assert!(AS_WRITTEN.iter().any(|(q, _, _)| q == p), "{p} names keys");
                }
            }
        }
    }

    fn remapped() -> KeyNames {
        KeyNames::new(
            [
                ("yes", "5"),
                ("no", "6"),
                ("help", "Enter"),
                ("quieter", "*"),
            ]
            .map(|(a, k)| (a.to_string(), Some(k.to_string()))),
        )
    }

    #[test]
    fn a_remap_is_named_in_shown_and_spoken_phrases() {
        let mut ja = PhraseTable::resolve("ja", &[]).unwrap();
        ja.name_keys(&remapped());
        assert_eq!(
            ja.get(Phrase::PromptQuestion),
            "はいなら、ごを。いいえなら、ろくを おしてください。"
        );
        assert!(ja
            .get(Phrase::KeyGuideSay)
            .starts_with("ごーは、はい。ろくは、いいえ。"));
        assert!(ja
            .get(Phrase::KeyGuideSay)
            .contains("こめじるしと プラスで"));
        assert!(ja
            .get(Phrase::KeyGuide)
            .starts_with("5 はい・次へ\n6 いいえ\n"));
        assert!(ja.get(Phrase::KeyGuide).contains("\n* 小さく　+ 大きく\n"));
        assert_eq!(
            ja.get(Phrase::HelpOffer),
            "わからないときは Enter を押してください。"
        );
        assert_eq!(
            ja.get(Phrase::HelpOfferSay),
            "わからないときは、エンターを おしてください。"
        );
        let mut en = PhraseTable::resolve("en", &[]).unwrap();
        en.name_keys(&remapped());
        assert_eq!(
            en.get(Phrase::PromptQuestion),
            "Press 5 for yes, or 6 for no."
        );
        assert!(en.get(Phrase::KeyGuideSay).contains(
            "Press Enter once more to call staff. 7 and 8 change the speed. Star and plus"
        ));
        // Back to the default map: the phrases as written again.
        en.name_keys(&KeyNames::default());
        assert_eq!(
            en.get(Phrase::PromptQuestion),
            "Press 1 for yes, or 2 for no."
        );
    }

    #[test]
    fn an_override_names_keys_only_where_it_says_so() {
        let overrides = [
            (
                Phrase::PromptNote,
                "Hit {key:yes} or {key:continue}.".to_string(),
            ),
            (Phrase::PromptEnding, "Press 1 to start again.".to_string()),
        ];
        let mut en = PhraseTable::resolve("en", &overrides).unwrap();
        en.name_keys(&remapped());
        assert_eq!(en.get(Phrase::PromptNote), "Hit 5 or Enter.");
        assert_eq!(en.get(Phrase::PromptEnding), "Press 1 to start again.");
    }

    #[test]
    fn a_say_that_falls_back_to_its_shown_text_names_keys_aloud() {
        let mut all: Vec<_> = Phrase::ALL
            .iter()
            .filter(|p| p.required())
            .map(|p| (*p, format!("fr:{p}")))
            .collect();
        all.push((Phrase::KeyGuide, "{key:quieter} moins fort".into()));
        let fr = PhraseTable::resolve("fr", &all).unwrap();
        assert_eq!(fr.get(Phrase::KeyGuide), "- moins fort");
        // Another language says the English key names.
        assert_eq!(fr.get(Phrase::KeyGuideSay), "Minus moins fort");
    }

    #[test]
    fn both_languages_name_the_same_keys() {
        for p in Phrase::ALL {
            let names = |lang| {
                let mut found = key_names::placeholders(p.builtin(lang).unwrap());
                found.sort_unstable();
                found.dedup();
                found
            };
            assert_eq!(names("ja"), names("en"), "{p}");
            assert!(names("en").iter().all(|a| key_names::is_action(a)), "{p}");
        }
        assert_eq!(Phrase::PromptQuestion.key_actions(), vec!["yes", "no"]);
        assert_eq!(Phrase::HelpOffer.key_actions(), vec!["help"]);
        assert!(Phrase::IdleWarning.key_actions().is_empty());
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
        let en = PhraseTable::resolve("en", &[]).unwrap();
        for p in Phrase::ALL {
            let want = match (p.since(), p.fallback()) {
                (Since::First, None) => format!("de:{p}"),
                (Since::First, Some(shown)) => format!("de:{shown}"),
                (Since::Later, _) => en.get(*p).to_string(),
            };
            assert_eq!(de.get(*p), want, "{p}");
        }
    }

    #[test]
    fn a_later_phrase_is_optional_and_falls_back_to_english() {
        // As if help_offer and help_offer_say had been added later.
        let later = |p: Phrase| match p {
            Phrase::HelpOffer | Phrase::HelpOfferSay => Since::Later,
            _ => p.since(),
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
