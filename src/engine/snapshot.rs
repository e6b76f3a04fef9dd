//! The market as it stood at replay time `t`: a pure function of (store, t). Everything here
//! is computed from prints at or before `t` only.

use crate::price::{Price, SCALE, SCALE_DIGITS};
use crate::time::UnixNanos;

use super::store::{Print, Store};

/// One instrument at `t`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InstrumentState {
    /// Last print at or before `t` (any session) and when it printed.
    pub last: Option<Price>,
    pub last_ts: Option<UnixNanos>,
    /// The trading day so far (regular hours for stocks and ETFs, Globex for futures).
    pub open: Option<Price>,
    pub high: Option<Price>,
    pub low: Option<Price>,
    /// Set once the trading day has ended.
    pub close: Option<Price>,
    pub volume: u64,
    pub trades: u32,
    /// Volume-weighted average price of the day so far, at the tick's precision (as the
    /// board shows it).
    pub vwap: Option<Price>,
    /// The same VWAP to 1e-9 (truncated): an average is not a price on the tick grid, so
    /// output that carries the VWAP rounds this to the digits it shows.
    pub vwap_exact: Option<Price>,
    /// The day's price: the close once the day is over, else the last print.
    pub day_price: Option<Price>,
    /// `day_price - reference`.
    pub change: Option<Price>,
    /// `change / reference` in percent (full precision; round when showing).
    pub change_pct: Option<f64>,
    /// Shares outstanding × change, in dollars, where shares are known.
    pub market_cap_change: Option<f64>,
    /// After the day's close: last print against the close, in percent (after-hours move).
    pub extended_change_pct: Option<f64>,
}

/// A sector at `t`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SectorState {
    /// Market-value-weighted % change where any member's shares are known, else the plain
    /// average of its members' % changes.
    pub change_pct: Option<f64>,
    /// Sum of members' market value change where known.
    pub market_cap_change: Option<f64>,
    pub cap_weighted: bool,
}

/// Everything the panes need at one instant. Reused between frames: [`Store::snapshot_into`]
/// refills it without allocating.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub t: UnixNanos,
    pub instruments: Vec<InstrumentState>,
    pub sectors: Vec<SectorState>,
    /// Newest first.
    pub tape: Vec<Print>,
    /// Headlines `[0, headlines_seen)` of [`Store::headlines`] are at or before `t`.
    pub headlines_seen: usize,
    pub phase_index: Option<usize>,
    cursors: Vec<usize>,
}

impl Snapshot {
    /// Total market value change across every instrument with known shares.
    pub fn total_market_cap_change(&self) -> Option<f64> {
        let mut any = false;
        let sum = self
            .instruments
            .iter()
            .filter_map(|s| s.market_cap_change)
            .inspect(|_| any = true)
            .sum();
        any.then_some(sum)
    }
}

pub fn pct(change: Price, reference: Price) -> Option<f64> {
    (reference.0 != 0).then(|| change.0 as f64 / reference.0 as f64 * 100.0)
}

impl Store {
    /// The day-session VWAP of `instrument` at `t`, as the board shows it (shown decimals):
    /// the chart draws it minute by minute.
    pub fn vwap_at(&self, instrument: usize, t: UnixNanos) -> Option<Price> {
        let series = &self.series[instrument];
        series
            .day_prefix(series.count_until(t))
            .vwap(self.instruments[instrument].decimals)
    }

    /// The state at `t` with the last `tape_len` prints.
    pub fn snapshot(&self, t: UnixNanos, tape_len: usize) -> Snapshot {
        let mut s = Snapshot::default();
        self.snapshot_into(t, tape_len, &mut s);
        s
    }

    /// Refills `snap` with the state at `t`. After the first call on a snapshot no memory is
    /// allocated.
    pub fn snapshot_into(&self, t: UnixNanos, tape_len: usize, snap: &mut Snapshot) {
        snap.t = t;
        snap.instruments.clear();
        for (info, series) in self.instruments.iter().zip(&self.series) {
            let k = series.count_until(t);
            let mut st = InstrumentState::default();
            if k > 0 {
                st.last = Some(Price(series.price[k - 1]));
                st.last_ts = Some(series.ts[k - 1]);
            }
            let day = series.day_prefix(k);
            let day_count = k.clamp(series.day_lo, series.day_hi) - series.day_lo;
            let day_over = t >= info.day_end;
            if day_count > 0 {
                st.open = series.day_open();
                st.high = Some(Price(day.high));
                st.low = Some(Price(day.low));
                st.volume = day.volume;
                st.trades = day_count as u32;
                st.vwap = day.vwap(info.decimals);
                st.vwap_exact = day.vwap(SCALE_DIGITS);
                if day_over {
                    st.close = Some(Price(series.price[series.day_hi - 1]));
                }
            }
            st.day_price = st.close.or(st.last);
            if let Some(p) = st.day_price {
                let change = Price(p.0 - info.reference.0);
                st.change = Some(change);
                st.change_pct = pct(change, info.reference);
                st.market_cap_change = info
                    .shares
                    .map(|sh| (i128::from(sh) * i128::from(change.0)) as f64 / SCALE as f64);
            }
            if let (Some(close), Some(last), Some(last_ts)) = (st.close, st.last, st.last_ts)
                && last_ts >= info.day_end
            {
                st.extended_change_pct = pct(Price(last.0 - close.0), close);
            }
            snap.instruments.push(st);
        }

        snap.sectors.clear();
        for sector in 0..self.sectors.len() {
            snap.sectors
                .push(self.sector_state(sector, &snap.instruments));
        }

        let mut cursors = std::mem::take(&mut snap.cursors);
        self.tape_before(t, tape_len, 0, &|_| true, &mut cursors, &mut snap.tape);
        snap.cursors = cursors;
        snap.headlines_seen = self.headlines_seen(t);
        snap.phase_index = self.phases.iter().position(|p| p.start <= t && t < p.end);
    }

    fn sector_state(&self, sector: usize, states: &[InstrumentState]) -> SectorState {
        let members = || {
            self.instruments
                .iter()
                .zip(states)
                .filter(move |(info, _)| info.sector == sector)
        };
        let (mut cap_ref, mut cap_change, mut any_cap) = (0f64, 0f64, false);
        let (mut sum_pct, mut n_pct) = (0f64, 0u32);
        for (info, st) in members() {
            if let (Some(shares), Some(change)) = (info.shares, st.change) {
                cap_ref += shares as f64 * info.reference.to_f64();
                cap_change += shares as f64 * change.to_f64();
                any_cap = true;
            }
            if let Some(p) = st.change_pct {
                sum_pct += p;
                n_pct += 1;
            }
        }
        if any_cap && cap_ref > 0.0 {
            SectorState {
                change_pct: Some(cap_change / cap_ref * 100.0),
                market_cap_change: Some(cap_change),
                cap_weighted: true,
            }
        } else {
            SectorState {
                change_pct: (n_pct > 0).then(|| sum_pct / f64::from(n_pct)),
                market_cap_change: None,
                cap_weighted: false,
            }
        }
    }
}
