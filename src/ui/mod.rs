//! Drawing the kiosk with ratatui: a view model in, cells out, for any
//! terminal size. `screen` lays out one frame, `theme` holds the colours,
//! `wrap` breaks Japanese and English text by display width.

mod screen;
pub mod theme;
pub mod wrap;

pub use screen::{render, Mark, Scene, MIN_HEIGHT, MIN_WIDTH};
