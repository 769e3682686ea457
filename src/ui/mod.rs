//! Drawing the kiosk with ratatui: a view model in, cells out, for any
//! terminal size. `screen` lays out one frame, `theme` holds the colours,
//! `wrap` breaks Japanese and English text by display width.

mod screen;
mod staff;
pub mod theme;
pub mod wrap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub use screen::{render, Mark, Scene, MIN_HEIGHT, MIN_WIDTH};
pub use staff::{render_staff, StaffScene};

/// What one frame is: the customer's screen or the staff's.
#[derive(Debug, Clone, Copy)]
pub enum Screen<'a> {
    Customer(Scene<'a>),
    Staff(StaffScene<'a>),
}

/// Draws either screen over the whole of `area`.
pub fn draw(screen: &Screen<'_>, area: Rect, buf: &mut Buffer) {
    match screen {
        Screen::Customer(scene) => render(scene, area, buf),
        Screen::Staff(scene) => render_staff(scene, area, buf),
    }
}
