//! counter-kiosk: a voice-guided, fullscreen terminal kiosk for a shop
//! counter. All logic lives in this library; the `kiosk` binary only wires
//! the command line to it.

pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod doctor;
pub mod engine;
pub mod flow;
pub mod frame_out;
pub mod graph;
pub mod input;
pub mod journal;
pub mod key_decode;
pub mod last_start;
pub mod log;
pub mod messages;
pub mod print;
pub mod record;
pub mod regular_file;
pub mod report;
pub mod run;
pub mod speech;
pub mod staff;
pub mod terminal;
pub mod toml_tree;
pub mod trace;
pub mod ui;
