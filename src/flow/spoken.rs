//! Every text a flow makes the kiosk say, with a stable id per place: what
//! `scripts/render-audio` renders into clips, and what `check` compares
//! the clip manifest against.

pub use super::phrases::SPOKEN_PHRASES;
use super::{Flow, LangIx};

/// One spoken text: `steps.ID.text`, `steps.ID.list.N` or `ui.PHRASE`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpokenText {
    pub id: String,
    pub lang: String,
    pub text: String,
}

/// Everything the flow says, language by language, in file order.
pub fn spoken_texts(flow: &Flow) -> Vec<SpokenText> {
    let mut out = Vec::new();
    for (i, code) in flow.languages.iter().enumerate() {
        let lang = LangIx(i);
        let mut push = |id: String, text: &str| {
            if !text.trim().is_empty() {
                out.push(SpokenText {
                    id,
                    lang: code.clone(),
                    text: text.to_string(),
                });
            }
        };
        for step in &flow.steps {
            push(format!("steps.{}.text", step.id), step.spoken_text(lang));
            for (n, item) in step.spoken_list(lang).iter().enumerate() {
                push(format!("steps.{}.list.{n}", step.id), item);
            }
        }
        for phrase in SPOKEN_PHRASES {
            push(format!("ui.{}", phrase.name()), flow.phrase(lang, phrase));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_flow_says_its_kana_readings_and_phrases() {
        let flow = Flow::bundled().unwrap();
        let texts = spoken_texts(&flow);
        let welcome = texts
            .iter()
            .find(|t| t.id == "steps.welcome.text" && t.lang == "ja")
            .unwrap();
        assert_eq!(welcome.text, flow.steps[0].spoken_text(LangIx(0)));
        assert!(texts
            .iter()
            .any(|t| t.id == "ui.idle_warning_say" && t.lang == "en"));
        let ids: std::collections::HashSet<_> = texts
            .iter()
            .map(|t| (t.id.as_str(), t.lang.as_str()))
            .collect();
        assert_eq!(ids.len(), texts.len(), "ids are unique per language");
    }
}
