//! The anchor file `tapedeck synth` reads: everything known about a day for which no prints
//! exist (daily bars, intraday bars, timed levels), each figure with its source key. The
//! generator writes a replay whose path passes exactly through every figure here and simulates
//! the rest. Documented in README.md ("Reconstructing a session").

use serde::{Deserialize, Serialize};

use crate::price::Price;
use crate::replay::manifest::{InstrumentKind, Session, Source};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorFile {
    /// Replay name written into the manifest and used as the folder name.
    pub name: String,
    pub title: String,
    pub trading_date: String,
    pub time_zone: String,
    pub start: String,
    pub end: String,
    /// Default seed; `tapedeck synth --seed` overrides it.
    pub seed: u64,
    /// Text for the manifest's provenance summary.
    pub summary: String,
    pub sessions: Vec<Session>,
    pub sectors: Vec<String>,
    /// Source keys used below, copied into the manifest's provenance.
    pub sources: Vec<Source>,
    pub instruments: Vec<AnchorInstrument>,
    /// Timed levels: a price or a % change vs reference at a moment.
    #[serde(default)]
    pub levels: Vec<Level>,
    /// Extremes known to fall inside a window (e.g. NQ's overnight low in 05:45–06:00).
    #[serde(default)]
    pub extremes: Vec<Extreme>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnchorInstrument {
    pub symbol: String,
    pub name: String,
    pub kind: InstrumentKind,
    pub sector: String,
    pub tick_size: Price,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_increment: Option<Price>,
    pub reference: Price,
    pub reference_source: String,
    pub day_session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares_outstanding: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<u32>,
    /// The day-session bar (stocks/ETFs: regular hours), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<DailyBar>,
    /// Intraday bars (futures: hourly), in time order, each pinned exactly.
    #[serde(default)]
    pub bars: Vec<IntradayBar>,
    /// Sensitivity to the market factor (the index-futures path); 1.0 if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Relative number of prints to generate (1.0 = a typical large stock, or a typical index
    /// future for futures); 1.0 if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<f64>,
    /// Simulated volume to use when no sourced volume exists (e.g. single-venue data only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulated_volume: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyBar {
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    /// Day-session volume; `null` where no consolidated figure is sourced.
    #[serde(default)]
    pub volume: Option<u64>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntradayBar {
    /// Bar start, RFC 3339.
    pub start: String,
    pub minutes: u32,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub symbol: String,
    /// The last print at or before this instant carries the level.
    pub at: String,
    /// Exact price, or ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// ... % change vs reference (rounded as published, e.g. -6.9); the print is the tick
    /// nearest to reference × (1 + pct/100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_pct: Option<f64>,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extreme {
    pub symbol: String,
    /// `high` or `low` of the bar or daily figure that this window holds.
    pub which: ExtremeKind,
    pub from: String,
    pub to: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExtremeKind {
    High,
    Low,
}
