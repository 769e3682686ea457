//! The take-home sheets a flow's print steps name (`[sheets.ID]`, issue 16):
//! a title, a body size and, per language, blocks of headings, paragraphs,
//! bullet lists and labelled blank lines to fill in by hand. The content
//! model only; `crate::sheet_pdf` lays it out on paper.

use std::ops::Range;

use super::{LangIx, Texts};

/// The body size when a sheet gives none, in points.
pub const DEFAULT_SIZE_PT: u32 = 14;
/// The sizes a sheet may ask for: below 12 pt is too small for the eyes the
/// sheet is for; above 24 pt nothing useful fits on one page.
pub const SIZE_RANGE: std::ops::RangeInclusive<i64> = 12..=24;

/// One block of a sheet, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Bullets(Vec<String>),
    /// Labels, each printed before a line left blank to write on.
    Lines(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub id: String,
    pub title: Texts,
    /// Body text size in points (headings are larger).
    pub size_pt: u32,
    /// Per language, indexed by [`LangIx`].
    pub blocks: Vec<Vec<Block>>,
    /// Where `[sheets.ID]` is in the flow file, for `check`'s messages.
    pub at: Range<usize>,
}

impl Sheet {
    pub fn blocks(&self, lang: LangIx) -> &[Block] {
        self.blocks.get(lang.0).map_or(&[], Vec::as_slice)
    }

    /// Every heading and label of `lang`: what must be on the page.
    pub fn landmarks(&self, lang: LangIx) -> Vec<&str> {
        let mut out = vec![self.title.get(lang)];
        for block in self.blocks(lang) {
            match block {
                Block::Heading(text) => out.push(text),
                Block::Lines(labels) => out.extend(labels.iter().map(String::as_str)),
                Block::Paragraph(_) | Block::Bullets(_) => {}
            }
        }
        out
    }
}
