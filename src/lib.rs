//! tapedeck: replay recorded (or reconstructed) market sessions.
//!
//! Data flows one way: files → [`replay`] (load and validate) → [`engine::Store`] (immutable,
//! sorted columns) → [`engine::Snapshot`] at a time T → the CLI and the TUI.

pub mod classroom;
pub mod cli;
pub mod engine;
pub mod fetch;
pub mod format;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod import;
pub mod lesson;
pub mod par;
pub mod practice;
pub mod price;
pub mod replay;
pub mod synth;
pub mod text;
pub mod time;
pub mod tui;
