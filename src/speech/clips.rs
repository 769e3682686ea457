//! Pre-rendered clips: the manifest `scripts/render-audio` writes, where a
//! flow's clips are found (DESIGN section 4), and which clip, if any, speaks
//! a given text. A clip is only used for exactly the text, language and rate
//! it was rendered from; an edited text makes it stale and unused.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::flow::{spoken_texts, Flow};
use crate::messages::Message;
use crate::msg;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_clips.rs"));
}

/// Where the installed kiosk keeps clips for flows other than the bundled.
pub const SHARE_DIR: &str = "/usr/share/counter-kiosk/audio";

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub flow: String,
    #[serde(default, rename = "clip")]
    pub clips: Vec<ClipEntry>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClipEntry {
    pub id: String,
    pub lang: String,
    pub rate: u8,
    pub voice: String,
    pub text: String,
    pub hash: String,
    pub file: String,
}

/// The manifest's hash of what a clip says: 16 hex digits of SHA-256 of
/// `lang \n voice \n rate \n text`.
pub fn clip_hash(lang: &str, voice: &str, rate: u8, text: &str) -> String {
    let digest = Sha256::digest(format!("{lang}\n{voice}\n{rate}\n{text}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl ClipEntry {
    /// Whether the entry's hash matches its own fields (a hand-edited entry
    /// does not, and is ignored).
    pub fn is_intact(&self) -> bool {
        self.hash == clip_hash(&self.lang, &self.voice, self.rate, &self.text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Embedded,
    Dir(PathBuf),
}

/// The clips of one flow, looked up by what they say.
#[derive(Debug, Clone)]
pub struct ClipLibrary {
    source: Source,
    by_text: HashMap<(String, u8, String), String>,
    pub voices: Vec<String>,
}

impl ClipLibrary {
    /// No clips at all.
    pub fn empty() -> ClipLibrary {
        ClipLibrary {
            source: Source::Embedded,
            by_text: HashMap::new(),
            voices: Vec::new(),
        }
    }

    /// The clips compiled into the binary for the bundled flow.
    pub fn bundled() -> Option<ClipLibrary> {
        let manifest = parse_manifest(bundled::BUNDLED_MANIFEST).ok()?;
        Some(ClipLibrary::from_manifest(manifest, Source::Embedded))
    }

    /// Reads the manifest in `dir` (a flow's clip directory).
    pub fn from_dir(dir: &Path) -> Result<ClipLibrary, String> {
        let path = dir.join("manifest.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let manifest = parse_manifest(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ClipLibrary::from_manifest(
            manifest,
            Source::Dir(dir.to_path_buf()),
        ))
    }

    /// The manifest's clips for looking up only, with no files behind
    /// them: for tests of what picks a clip.
    pub fn index_only(manifest: Manifest) -> ClipLibrary {
        ClipLibrary::from_manifest(manifest, Source::Embedded)
    }

    fn from_manifest(manifest: Manifest, source: Source) -> ClipLibrary {
        let mut voices: Vec<String> = Vec::new();
        let by_text = manifest
            .clips
            .into_iter()
            .filter(ClipEntry::is_intact)
            .map(|c| {
                if !voices.contains(&c.voice) {
                    voices.push(c.voice.clone());
                }
                ((c.lang, c.rate, c.text), c.file)
            })
            .collect();
        ClipLibrary {
            source,
            by_text,
            voices,
        }
    }

    pub fn len(&self) -> usize {
        self.by_text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }

    /// The clip that says exactly `text` in `lang` at rate level `rate`.
    pub fn find(&self, lang: &str, rate: u8, text: &str) -> Option<&str> {
        self.by_text
            .get(&(lang.to_string(), rate, text.to_string()))
            .map(String::as_str)
    }

    /// The clip file's bytes.
    pub fn read(&self, file: &str) -> std::io::Result<Cow<'static, [u8]>> {
        match &self.source {
            Source::Embedded => bundled::BUNDLED_CLIPS
                .iter()
                .find(|(path, _)| *path == file)
                .map(|(_, bytes)| Cow::Borrowed(*bytes))
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, file.to_string())),
            Source::Dir(dir) => std::fs::read(dir.join(file)).map(Cow::Owned),
        }
    }
}

pub fn parse_manifest(text: &str) -> Result<Manifest, String> {
    if text.trim().is_empty() {
        return Err("empty manifest".into());
    }
    let manifest: Manifest = toml::from_str(text).map_err(|e| e.message().to_string())?;
    if manifest.format != 1 {
        return Err(format!(
            "manifest format {} (this kiosk reads 1)",
            manifest.format
        ));
    }
    Ok(manifest)
}

/// Where to look for a flow's clips.
#[derive(Debug, Clone, Default)]
pub struct ClipSearch {
    pub flow_id: String,
    /// The flow's file; `None` for the bundled flow, whose clips are embedded.
    pub flow_file: Option<PathBuf>,
    /// `--audio-dir`, then the config's `audio_dir`.
    pub dirs: Vec<PathBuf>,
}

/// Finds a flow's clips: `--audio-dir`, the config's `audio_dir`, then
/// `audio/<flow-id>/` beside the flow file or in its parent, then the
/// installed share directory; the bundled flow's own clips are embedded.
/// Each directory may hold the clips itself or a `<flow-id>/` of them.
pub fn locate(search: &ClipSearch) -> (ClipLibrary, Option<String>) {
    match find_manifest(search) {
        Ok(Some((source, manifest))) => (ClipLibrary::from_manifest(manifest, source), None),
        Ok(None) => (ClipLibrary::empty(), None),
        Err(problem) => (ClipLibrary::empty(), Some(problem)),
    }
}

/// The first readable manifest along the search path, if any; an error
/// when manifests exist but none could be read.
fn find_manifest(search: &ClipSearch) -> Result<Option<(Source, Manifest)>, String> {
    let flow_id = search.flow_id.as_str();
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in &search.dirs {
        candidates.push(dir.join(flow_id));
        candidates.push(dir.clone());
    }
    if let Some(parent) = search.flow_file.as_deref().and_then(Path::parent) {
        candidates.push(parent.join("audio").join(flow_id));
        if let Some(grand) = parent.parent() {
            candidates.push(grand.join("audio").join(flow_id));
        }
    }
    if search.flow_file.is_none() {
        if let Ok(manifest) = parse_manifest(bundled::BUNDLED_MANIFEST) {
            return Ok(Some((Source::Embedded, manifest)));
        }
    }
    candidates.push(Path::new(SHARE_DIR).join(flow_id));
    let mut problem = None;
    for dir in candidates {
        let path = dir.join("manifest.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match parse_manifest(&text) {
            Ok(manifest) => return Ok(Some((Source::Dir(dir), manifest))),
            Err(e) => problem = Some(format!("{}: {e}", path.display())),
        }
    }
    problem.map_or(Ok(None), Err)
}

/// The manifest `locate` would use, for `check`.
pub fn manifest_for(search: &ClipSearch) -> Option<Manifest> {
    find_manifest(search).ok().flatten().map(|(_, m)| m)
}

/// [`clip_problems`] in English.
pub fn clip_warnings(flow: &Flow, manifest: &Manifest) -> Vec<String> {
    clip_problems(flow, manifest)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Clip problems for `check`: for each spoken text at the default rate, a
/// warning when its clip is missing or was rendered from another text.
pub fn clip_problems(flow: &Flow, manifest: &Manifest) -> Vec<Message> {
    const DEFAULT_RATE: u8 = 3;
    let mut warnings = Vec::new();
    for spoken in spoken_texts(flow) {
        let entries: Vec<&ClipEntry> = manifest
            .clips
            .iter()
            .filter(|c| c.id == spoken.id && c.lang == spoken.lang && c.rate == DEFAULT_RATE)
            .collect();
        let fresh = entries
            .iter()
            .any(|c| c.text == spoken.text && c.is_intact());
        if fresh {
            continue;
        }
        let (id, lang) = (&spoken.id, &spoken.lang);
        warnings.push(if entries.is_empty() {
            msg!("check.clip_missing", id = id, lang = lang)
        } else {
            msg!("check.clip_stale", id = id, lang = lang)
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(entries: &[(&str, &str, u8, &str)]) -> String {
        let mut out = String::from("format = 1\nflow = \"mfa-login\"\n");
        for (id, lang, rate, text) in entries {
            let voice = "espeak-ng:en";
            let hash = clip_hash(lang, voice, *rate, text);
            out.push_str(&format!(
                "\n[[clip]]\nid = {id:?}\nlang = {lang:?}\nrate = {rate}\nvoice = {voice:?}\ntext = {text:?}\nhash = {hash:?}\nfile = \"{lang}/r{rate}/{hash}.ogg\"\n"
            ));
        }
        out
    }

    #[test]
    fn the_hash_is_sixteen_hex_digits_of_sha256() {
        // SHA-256("en\nv\n3\nhi") computed independently with sha256sum.
        let h = clip_hash("en", "v", 3, "hi");
        assert_eq!(h.len(), 16);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn clips_are_found_only_for_their_exact_text_language_and_rate() {
        let text = manifest(&[("ui.echo_yes", "en", 3, "Yes")]);
        let library = ClipLibrary::from_manifest(parse_manifest(&text).unwrap(), Source::Embedded);
        assert!(library.find("en", 3, "Yes").is_some());
        assert!(library.find("en", 2, "Yes").is_none());
        assert!(library.find("ja", 3, "Yes").is_none());
        assert!(library.find("en", 3, "Yes.").is_none());
    }

    #[test]
    fn a_hand_edited_entry_is_ignored() {
        let text =
            manifest(&[("ui.echo_yes", "en", 3, "Yes")]).replace("text = \"Yes\"", "text = \"No\"");
        let library = ClipLibrary::from_manifest(parse_manifest(&text).unwrap(), Source::Embedded);
        assert!(library.is_empty());
    }

    #[test]
    fn check_warns_of_stale_and_missing_clips() {
        let flow = Flow::bundled().unwrap();
        let texts = spoken_texts(&flow);
        let first = &texts[0];
        let text = manifest(&[(first.id.as_str(), first.lang.as_str(), 3, "an older text")]);
        let warnings = clip_warnings(&flow, &parse_manifest(&text).unwrap());
        assert_eq!(warnings.len(), texts.len());
        assert!(warnings[0].contains("stale"), "{}", warnings[0]);
        assert!(warnings[1].contains("missing"), "{}", warnings[1]);
    }

    #[test]
    fn a_manifest_of_another_format_is_refused() {
        assert!(parse_manifest("format = 2\nflow = \"x\"\n").is_err());
        assert!(parse_manifest("").is_err());
    }
}
