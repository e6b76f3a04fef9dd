//! Replay folders on disk: the manifest, the headlines and the trades, and loading them with
//! every problem reported as `file:line: field: what is wrong`.

pub mod bars;
pub mod cache;
pub mod columns;
pub mod json_lines;
pub mod load;
pub mod manifest;
pub mod trades;
pub mod write;

pub use load::{CacheStatus, LoadError, Problem, Replay, check, load, load_uncached, resolve};
