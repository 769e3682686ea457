//! A step's words as the flow file gives them, `{key:…}` placeholders and
//! all, and the shown and spoken words filled from them for a key map. A
//! step text with a placeholder and no `say` is spoken from the text with
//! the key's spoken name (`1` いち), shown with its label (`1`). Pure.

use super::key_names::{self, Form, KeyNames};
use super::Texts;

/// The words of one step before any key is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepWords {
    pub text: Texts,
    pub say: Vec<Option<String>>,
    pub list: Vec<Vec<String>>,
    pub say_list: Vec<Option<Vec<String>>>,
}

impl StepWords {
    /// The shown and spoken words with `keys` named, per language of
    /// `langs` (the flow's, in the order the per-language vectors follow).
    pub(super) fn fill(&self, langs: &[String], keys: &KeyNames) -> StepWords {
        let shown = |s: &str, lang: &str| key_names::fill(s, lang, Form::Shown, keys);
        let spoken = |s: &str, lang: &str| key_names::fill(s, lang, Form::Spoken, keys);
        let lang_of = |l: usize| langs.get(l).map_or("", String::as_str);
        let text = Texts(
            self.text
                .0
                .iter()
                .enumerate()
                .map(|(l, t)| shown(t, lang_of(l)))
                .collect(),
        );
        let say = (0..self.text.0.len().max(self.say.len()))
            .map(|l| match self.say.get(l).cloned().flatten() {
                Some(say) => Some(spoken(&say, lang_of(l))),
                None => self
                    .text
                    .0
                    .get(l)
                    .filter(|t| has_placeholder(t))
                    .map(|t| spoken(t, lang_of(l))),
            })
            .collect();
        let list = self
            .list
            .iter()
            .enumerate()
            .map(|(l, items)| items.iter().map(|i| shown(i, lang_of(l))).collect())
            .collect();
        let say_list = (0..self.list.len().max(self.say_list.len()))
            .map(|l| {
                let items = match self.say_list.get(l).cloned().flatten() {
                    Some(items) => items,
                    None => self
                        .list
                        .get(l)
                        .filter(|items| items.iter().any(|i| has_placeholder(i)))?
                        .clone(),
                };
                Some(items.iter().map(|i| spoken(i, lang_of(l))).collect())
            })
            .collect();
        StepWords {
            text,
            say,
            list,
            say_list,
        }
    }
}

fn has_placeholder(text: &str) -> bool {
    !key_names::placeholders(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> StepWords {
        StepWords {
            text: Texts(vec![
                "終わったら {key:yes} を押します".into(),
                "Press {key:yes} when done".into(),
            ]),
            say: vec![None, None],
            list: vec![
                vec!["{key:help} で説明".into()],
                vec!["{key:help} for help".into()],
            ],
            say_list: vec![Some(vec!["{key:help}でせつめい".into()]), None],
        }
    }

    fn langs() -> Vec<String> {
        vec!["ja".into(), "en".into()]
    }

    #[test]
    fn default_keys_are_shown_by_label_and_spoken_by_name() {
        let f = words().fill(&langs(), &KeyNames::default());
        assert_eq!(f.text.0, ["終わったら 1 を押します", "Press 1 when done"]);
        assert_eq!(
            f.say,
            [
                Some("終わったら いち を押します".to_string()),
                Some("Press 1 when done".to_string())
            ]
        );
        assert_eq!(f.list, [vec!["9 で説明"], vec!["9 for help"]]);
        assert_eq!(
            f.say_list,
            [
                Some(vec!["きゅうでせつめい".to_string()]),
                Some(vec!["9 for help".to_string()])
            ]
        );
    }

    #[test]
    fn a_remapped_key_is_the_one_named() {
        let keys = KeyNames::new([("yes".to_string(), Some("Enter".to_string()))]);
        let f = words().fill(&langs(), &keys);
        assert_eq!(f.text.0[1], "Press Enter when done");
        assert_eq!(f.say[0].as_deref(), Some("終わったら エンター を押します"));
    }

    #[test]
    fn words_without_placeholders_stay_as_written_and_unspoken_alike() {
        let plain = StepWords {
            text: Texts(vec!["はい".into()]),
            say: vec![None],
            list: vec![vec!["一つ".into()]],
            say_list: vec![None],
        };
        let f = plain.fill(&["ja".to_string()], &KeyNames::default());
        assert_eq!(f.text, plain.text);
        assert_eq!(f.say, [None]);
        assert_eq!(f.list, plain.list);
        assert_eq!(f.say_list, [None]);
    }
}
