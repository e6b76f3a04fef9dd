//! Practice trading on the tape (issue 12, first part): a pure order and fill engine beside
//! the replay engine, with no terminal in it. Orders fill from the recorded (or reconstructed)
//! prints only, never from a print at or before the order's time, and never from a print
//! after the clock: [`fills::fill`] is given the clock and reads nothing beyond it.
//! [`account`] turns fills into positions and P&L.

pub mod account;
pub mod book;
pub mod fills;
pub mod journal;
pub mod orders_file;

use account::Position;
use fills::{Fill, FillRules, Order, Tape};

use crate::engine::Store;
use crate::time::UnixNanos;

/// What a list of orders did on a replay, as of the clock.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every fill, in time order.
    pub fills: Vec<Fill>,
    /// Per instrument (by index), the position.
    pub positions: Vec<Position>,
    /// Per instrument, the last print at or before the clock (1e-9), if any.
    pub last: Vec<Option<i64>>,
    /// Quantity still working, per order (in order).
    pub working: Vec<u64>,
}

impl Outcome {
    pub fn realized(&self) -> i128 {
        self.positions.iter().map(|p| p.realized - p.fees).sum()
    }

    pub fn unrealized(&self, store: &Store) -> i128 {
        self.positions
            .iter()
            .enumerate()
            .map(|(i, p)| match self.last[i] {
                Some(last) if p.qty != 0 => p.unrealized(last, multiplier(store, i)),
                _ => 0,
            })
            .sum()
    }
}

/// Instrument `i`'s prints as the fill engine reads them.
pub fn tape<'a>(store: &'a Store, i: usize, blocks: Option<&'a [(i64, i64)]>) -> Tape<'a> {
    let s = store.series(i);
    Tape {
        ts: &s.ts,
        price: &s.price,
        size: &s.size,
        tick: store.instruments[i].tick.0,
        blocks,
    }
}

/// A contract's multiplier (1 for shares).
pub fn multiplier(store: &Store, i: usize) -> i64 {
    i64::from(store.instruments[i].multiplier.unwrap_or(1))
}

/// Runs `orders` on `store`'s prints up to `clock` with `fee_per_unit` (1e-9 dollars a share
/// or contract).
pub fn simulate(
    store: &Store,
    orders: &[Order],
    rules: &FillRules,
    clock: UnixNanos,
    fee_per_unit: i64,
) -> Outcome {
    let n = store.instruments.len();
    let mut out = Outcome {
        positions: vec![Position::default(); n],
        last: vec![None; n],
        ..Outcome::default()
    };
    for o in orders {
        let tape = tape(store, o.instrument, None);
        let left = fills::fill(o, &tape, clock, rules, &mut out.fills);
        // A cancelled order works no more once the clock has passed its cancel.
        let cancelled = o.cancel_at.is_some_and(|c| c <= clock);
        out.working.push(if cancelled { 0 } else { left });
    }
    out.fills.sort_by_key(|f| (f.ts, f.order));
    for f in &out.fills {
        out.positions[f.instrument].apply(f, multiplier(store, f.instrument), fee_per_unit);
    }
    for (i, last) in out.last.iter_mut().enumerate() {
        let s = store.series(i);
        let k = s.ts.partition_point(|&t| t <= clock);
        *last = (k > 0).then(|| s.price[k - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fills::{Kind, Side};
    use super::*;

    #[test]
    fn a_cancelled_order_stops_working_at_its_cancel() {
        let r = crate::replay::load(&crate::replay::resolve(None).unwrap()).unwrap();
        let at = |t: &str| crate::time::parse_user_time(t, r.date, r.tz).unwrap();
        let order = Order {
            id: 1,
            ts: at("10:30"),
            instrument: r.store.symbol_index("NVDA").unwrap(),
            side: Side::Sell,
            qty: 100,
            kind: Kind::Limit {
                price: 500_000_000_000,
            },
            cancel_at: Some(at("12:00")),
        };
        let rules = FillRules::default();
        let before = simulate(&r.store, &[order], &rules, at("11:59"), 0);
        let after = simulate(&r.store, &[order], &rules, at("12:00"), 0);
        assert_eq!((before.working[0], after.working[0]), (100, 0));
        assert!(after.fills.is_empty());
    }
}
