//! A take-home sheet on paper: one A4 page laid out by Pango (Japanese line
//! breaking and kinsoku from its UAX #14 rules, Noto CJK through
//! fontconfig) and written as PDF by Cairo, which embeds the subsets of the
//! fonts it used. Nothing of the session is on the page but the sheet.

use std::io::Write;

use crate::flow::{Block, LangIx, Sheet};

/// A4 in points.
pub const PAGE_W: f64 = 595.276;
pub const PAGE_H: f64 = 841.89;
/// The margin on every side, in points (about 17 mm: inside what most
/// printers can reach, so no glyph is cut at the edge).
pub const MARGIN: f64 = 48.0;
/// The face every sheet is set in: Noto Sans CJK has the Latin letters too.
pub const FONT: &str = "Noto Sans CJK JP";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cairo: {0}")]
    Cairo(#[from] cairo::Error),
    #[error("writing the PDF: {0}")]
    Stream(String),
    #[error("writing the PDF: {0}")]
    Io(#[from] std::io::Error),
    #[error("the PDF stream was not handed back")]
    Lost,
}

/// A sheet as PDF, and whether it fitted on its one page.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// The height the content needs, in points, against what the page has.
    pub needed_pt: f64,
    pub fits: bool,
}

/// The sheet in `lang` (`code`: its language code, for line breaking).
pub fn render(sheet: &Sheet, lang: LangIx, code: &str) -> Result<Rendered, RenderError> {
    let surface = cairo::PdfSurface::for_stream(PAGE_W, PAGE_H, Vec::<u8>::new())?;
    // Cairo dates a PDF by default: the time a customer was at the counter.
    surface.set_metadata(cairo::PdfMetadata::CreateDate, "2000-01-01T00:00:00")?;
    surface.set_metadata(cairo::PdfMetadata::Title, sheet.title.get(lang))?;
    let cr = cairo::Context::new(&surface)?;
    let needed = draw(&cr, sheet, lang, code);
    cr.show_page()?;
    drop(cr);
    surface.finish();
    let stream = surface
        .finish_output_stream()
        .map_err(|e| RenderError::Stream(e.error.to_string()))?;
    let pdf = stream
        .downcast::<Vec<u8>>()
        .map_err(|_| RenderError::Lost)?;
    let room = PAGE_H - 2.0 * MARGIN;
    Ok(Rendered {
        pdf: *pdf,
        needed_pt: needed,
        fits: needed <= room,
    })
}

/// Writes the sheet's PDF to `out`.
pub fn write_pdf(
    sheet: &Sheet,
    lang: LangIx,
    code: &str,
    out: &mut dyn Write,
) -> Result<Rendered, RenderError> {
    let rendered = render(sheet, lang, code)?;
    out.write_all(&rendered.pdf)?;
    Ok(rendered)
}

/// Sets the sheet from the top margin down; returns the height used.
fn draw(cr: &cairo::Context, sheet: &Sheet, lang: LangIx, code: &str) -> f64 {
    let size = f64::from(sheet.size_pt);
    let width = PAGE_W - 2.0 * MARGIN;
    let mut pen = Pen {
        cr,
        code,
        y: MARGIN,
    };
    pen.text(sheet.title.get(lang), size * 1.6, true, MARGIN, width);
    pen.rule(MARGIN, width, 1.2);
    pen.y += size * 0.6;
    for block in sheet.blocks(lang) {
        match block {
            Block::Heading(text) => {
                pen.y += size * 0.5;
                pen.text(text, size * 1.2, true, MARGIN, width);
                pen.y += size * 0.2;
            }
            Block::Paragraph(text) => {
                pen.text(text, size, false, MARGIN, width);
                pen.y += size * 0.4;
            }
            Block::Bullets(items) => {
                let indent = size * 1.2;
                for item in items {
                    pen.mark("・", size, MARGIN);
                    pen.text(item, size, false, MARGIN + indent, width - indent);
                    pen.y += size * 0.15;
                }
                pen.y += size * 0.3;
            }
            Block::Lines(labels) => {
                pen.y += size * 0.3;
                for label in labels {
                    pen.text(label, size, false, MARGIN, width);
                    // Room to write by hand, on a line.
                    pen.y += size * 1.4;
                    pen.rule(MARGIN, width, 0.6);
                    pen.y += size * 0.5;
                }
            }
        }
    }
    pen.y - MARGIN
}

struct Pen<'a> {
    cr: &'a cairo::Context,
    code: &'a str,
    y: f64,
}

impl Pen<'_> {
    fn layout(&self, text: &str, size: f64, bold: bool, width: f64) -> pango::Layout {
        let layout = pangocairo::functions::create_layout(self.cr);
        let language = pango::Language::from_string(self.code);
        layout.context().set_language(Some(&language));
        layout.context_changed();
        let mut desc = pango::FontDescription::from_string(FONT);
        desc.set_absolute_size(size * f64::from(pango::SCALE));
        if bold {
            desc.set_weight(pango::Weight::Bold);
        }
        layout.set_font_description(Some(&desc));
        layout.set_width(to_pango(width));
        // Word-or-character: Japanese breaks between characters under the
        // kinsoku rules; a Latin word longer than the line still breaks
        // rather than running off the page.
        layout.set_wrap(pango::WrapMode::WordChar);
        layout.set_line_spacing(1.25);
        let attrs = pango::AttrList::new();
        attrs.insert(pango::AttrLanguage::new(&language));
        layout.set_attributes(Some(&attrs));
        layout.set_text(text);
        layout
    }

    /// Sets `text` at `x`, wrapped to `width`, and moves the pen below it.
    fn text(&mut self, text: &str, size: f64, bold: bool, x: f64, width: f64) {
        let layout = self.layout(text, size, bold, width);
        self.cr.move_to(x, self.y);
        pangocairo::functions::show_layout(self.cr, &layout);
        let (_, height) = layout.size();
        self.y += f64::from(height) / f64::from(pango::SCALE);
    }

    /// A bullet mark at `x` on the current line, without moving the pen.
    fn mark(&self, mark: &str, size: f64, x: f64) {
        let layout = self.layout(mark, size, false, size * 2.0);
        self.cr.move_to(x, self.y);
        pangocairo::functions::show_layout(self.cr, &layout);
    }

    fn rule(&mut self, x: f64, width: f64, thickness: f64) {
        self.cr.set_line_width(thickness);
        self.cr.move_to(x, self.y);
        self.cr.line_to(x + width, self.y);
        // A failed stroke leaves a line off a sheet that is still readable.
        let _ = self.cr.stroke();
        self.y += thickness;
    }
}

fn to_pango(points: f64) -> i32 {
    // Page widths in Pango units are far inside i32.
    let units = (points * f64::from(pango::SCALE)).round();
    if units.is_finite() && units > 0.0 && units < f64::from(i32::MAX) {
        units as i32
    } else {
        0
    }
}
