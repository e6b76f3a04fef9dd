//! `replay.json`: what a replay folder holds besides its prints. Versioned; documented in
//! README.md ("Replay format"). Times are RFC 3339 strings with an offset so a person can
//! write them; they become `UnixNanos` when the replay is loaded.

use serde::{Deserialize, Serialize};

pub use crate::engine::model::InstrumentKind;
use crate::price::Price;

pub const FORMAT_NAME: &str = "tapedeck-replay";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `tapedeck-replay`.
    pub format: String,
    /// Format version; this build reads version 1.
    pub version: u32,
    /// Short machine name, e.g. `deepseek-2025-01-27`.
    pub name: String,
    pub title: String,
    /// The trading date `HH:MM` times are read on, `YYYY-MM-DD`.
    pub trading_date: String,
    /// IANA zone the replay is shown in, e.g. `America/New_York`.
    pub time_zone: String,
    /// First and last instant of the replay (RFC 3339).
    pub start: String,
    pub end: String,
    /// Named stretches of time. Those with `phase: true` (the default) are the phases shown on
    /// the clock (overnight, premarket, regular, after-hours); others (such as `globex`) only
    /// serve as an instrument's trading day.
    pub sessions: Vec<Session>,
    /// Sector names in display order; every instrument's sector must be listed.
    pub sectors: Vec<String>,
    pub instruments: Vec<Instrument>,
    pub provenance: Provenance,
    pub files: Files,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub name: String,
    pub start: String,
    pub end: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub phase: bool,
}

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub symbol: String,
    pub name: String,
    pub kind: InstrumentKind,
    pub sector: String,
    /// Quote increment, e.g. 0.01 for US stocks, 0.25 for NQ/ES. Sets the digits shown.
    pub tick_size: Price,
    /// Smallest step a print may carry (sub-penny prints exist for stocks); defaults to
    /// `tick_size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_increment: Option<Price>,
    /// Prior close (stocks, ETFs) or prior settlement (futures): what change is measured from.
    pub reference: Price,
    /// Where `reference` comes from, e.g. `prior close 24 Jan (K2X)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_source: Option<String>,
    /// Name of the session that is this instrument's trading day (`regular`, `globex`).
    pub day_session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares_outstanding: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares_source: Option<String>,
    /// Contract multiplier for futures (dollars per point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<u32>,
    /// Free text shown by `info`, e.g. that a volume is simulated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Instrument {
    pub fn print_step(&self) -> Price {
        self.print_increment.unwrap_or(self.tick_size)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProvenanceKind {
    /// Real prints recorded by an exchange or vendor.
    Recorded,
    /// A simulated path pinned to sourced figures; not real prints.
    Reconstructed,
}

impl ProvenanceKind {
    pub fn badge(self) -> &'static str {
        match self {
            ProvenanceKind::Recorded => "RECORDED",
            ProvenanceKind::Reconstructed => "RECONSTRUCTED",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub kind: ProvenanceKind,
    /// One or two sentences a person reads in `info` and the TUI.
    pub summary: String,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Present for reconstructed replays: how they were generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub key: String,
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#where: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    /// e.g. `tapedeck synth`.
    pub name: String,
    pub version: String,
    pub seed: u64,
    /// The anchor file it was generated from, relative to the repository.
    pub anchor_file: String,
    /// Every figure the path is pinned to, with its source.
    pub anchors: Vec<AnchorRecord>,
}

/// One sourced figure that the generated path reproduces exactly.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnchorRecord {
    pub symbol: String,
    /// e.g. `open`, `high`, `close`, `volume`, `level`, `hour 05:00 low`.
    pub what: String,
    /// Time or window the figure belongs to (RFC 3339 or a range), if timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub value: f64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Files {
    /// Headlines file, relative to the replay folder.
    pub headlines: String,
    /// Trades file (`.csv` or `.csv.gz`), relative to the replay folder.
    pub trades: String,
    /// Bars file for instruments known only from bars (`.csv` or `.csv.gz`), if any. Such
    /// instruments replay bar by bar and are never shown as prints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bars: Option<String>,
}

/// One entry of `headlines.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HeadlineRecord {
    /// Stable id, e.g. `h07`.
    pub id: String,
    /// RFC 3339 with offset.
    pub ts: String,
    /// Who reported it, e.g. `Reuters`, `X (@sama)`.
    pub source: String,
    /// One sentence in tapedeck's own words.
    pub text: String,
    /// Symbols of this replay the headline concerns.
    #[serde(default)]
    pub tickers: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// 1 (background) to 3 (market-moving).
    pub importance: u8,
    /// H, M or L as in the facts sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// How exact the time is, e.g. `date only; shown at 09:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
