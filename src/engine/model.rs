//! Model types the engine is built from and the layers above it share: what kind an
//! instrument is and one bar of a bars file. They live here, at the bottom, so the engine
//! depends on nothing above it; `replay` re-exports them under their old paths.

use serde::{Deserialize, Serialize};

use crate::price::Price;
use crate::time::{NANOS_PER_SEC, UnixNanos};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum InstrumentKind {
    Stock,
    Etf,
    Future,
    Index,
}

impl InstrumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::Stock => "stock",
            InstrumentKind::Etf => "etf",
            InstrumentKind::Future => "future",
            InstrumentKind::Index => "index",
        }
    }
}

/// One bar: its start, instrument, OHLC, volume and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarRow {
    /// Bar start.
    pub ts: UnixNanos,
    pub instrument: u16,
    pub open: Price,
    pub high: Price,
    pub low: Price,
    pub close: Price,
    pub volume: u64,
    pub interval_s: u32,
}

impl BarRow {
    /// A bar from its start, instrument, `[open, high, low, close]`, volume and length.
    pub fn from_ohlc(
        ts: UnixNanos,
        instrument: u16,
        [open, high, low, close]: [Price; 4],
        volume: u64,
        interval_s: u32,
    ) -> BarRow {
        BarRow {
            ts,
            instrument,
            open,
            high,
            low,
            close,
            volume,
            interval_s,
        }
    }

    /// When the bar is complete and may be shown.
    pub fn visible_at(&self) -> UnixNanos {
        self.ts + i64::from(self.interval_s) * NANOS_PER_SEC
    }
}
