//! Working orders against a replay at any clock, cheaply enough to run beside every seek and
//! frame. A fill at time t depends only on prints at or before t, so every order's fills are
//! found once, to the end of the replay (resting orders pass over whole blocks of prints that
//! cannot fill them); the account at a clock is then the fills up to it, applied from the
//! nearest checkpoint of positions.

use super::account::Position;
use super::fills::{self, Fill, FillRules, Order};
use crate::engine::Store;
use crate::time::UnixNanos;

/// Fills between checkpoints: at most this many are applied per query.
const CHECKPOINT: usize = 64;

/// Per instrument, the `(min, max)` price of each block of prints.
pub struct PriceBlocks(Vec<Vec<(i64, i64)>>);

impl PriceBlocks {
    pub fn of(store: &Store) -> PriceBlocks {
        PriceBlocks(
            (0..store.instruments.len())
                .map(|i| fills::price_blocks(&store.series(i).price))
                .collect(),
        )
    }
}

pub struct Book {
    /// Every fill to the end of the replay, in time order.
    pub fills: Vec<Fill>,
    /// Positions after fills `[0, k * CHECKPOINT)`.
    checkpoints: Vec<Vec<Position>>,
    multipliers: Vec<i64>,
    fee: i64,
}

impl Book {
    pub fn new(
        store: &Store,
        blocks: &PriceBlocks,
        orders: &[Order],
        rules: &FillRules,
        fee: i64,
    ) -> Book {
        let mut all = Vec::new();
        for o in orders {
            let tape = super::tape(store, o.instrument, Some(&blocks.0[o.instrument]));
            fills::fill(o, &tape, UnixNanos::MAX, rules, &mut all);
        }
        all.sort_by_key(|f| (f.ts, f.order));
        let multipliers: Vec<i64> = (0..store.instruments.len())
            .map(|i| super::multiplier(store, i))
            .collect();
        let mut pos = vec![Position::default(); store.instruments.len()];
        let mut checkpoints = vec![pos.clone()];
        for (k, f) in all.iter().enumerate() {
            pos[f.instrument].apply(f, multipliers[f.instrument], fee);
            if (k + 1) % CHECKPOINT == 0 {
                checkpoints.push(pos.clone());
            }
        }
        Book {
            fills: all,
            checkpoints,
            multipliers,
            fee,
        }
    }

    /// The fills at or before `clock`.
    pub fn fills_until(&self, clock: UnixNanos) -> &[Fill] {
        &self.fills[..self.fills.partition_point(|f| f.ts <= clock)]
    }

    /// The positions at `clock`, written into `out` (no allocation once it has its size).
    pub fn positions_into(&self, clock: UnixNanos, out: &mut Vec<Position>) {
        let n = self.fills.partition_point(|f| f.ts <= clock);
        let k = n / CHECKPOINT;
        out.clear();
        out.extend_from_slice(&self.checkpoints[k]);
        for f in &self.fills[k * CHECKPOINT..n] {
            out[f.instrument].apply(f, self.multipliers[f.instrument], self.fee);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fills::{Kind, Side};
    use super::*;

    #[test]
    fn the_book_at_any_clock_equals_a_fresh_simulation_to_that_clock() {
        let r = crate::replay::load(&crate::replay::resolve(None).unwrap()).unwrap();
        let s = &r.store;
        let at = |t: &str| crate::time::parse_user_time(t, r.date, r.tz).unwrap();
        let nvda = s.symbol_index("NVDA").unwrap();
        let nq = s.symbol_index("NQH25").unwrap();
        let mut orders = Vec::new();
        for k in 0..300u32 {
            let (instrument, base) = if k % 2 == 0 {
                (nvda, 120_000_000_000i64)
            } else {
                (nq, 21_300_000_000_000)
            };
            let off = i64::from(k % 13) - 6;
            let kind = match k % 4 {
                0 => Kind::Market,
                1 => Kind::Limit {
                    price: base + off * base / 200,
                },
                2 => Kind::Stop {
                    stop: base - off * base / 100,
                },
                _ => Kind::StopLimit {
                    stop: base + off * base / 300,
                    limit: base + off * base / 250,
                },
            };
            orders.push(Order {
                id: k,
                ts: at("2025-01-26 18:00") + i64::from(k) * 97_000_000_000,
                instrument,
                side: if k % 3 == 0 { Side::Sell } else { Side::Buy },
                qty: u64::from(k % 7 + 1),
                kind,
                cancel_at: None,
            });
        }
        let rules = FillRules {
            partial_fills: true,
            ..FillRules::default()
        };
        let book = Book::new(s, &PriceBlocks::of(s), &orders, &rules, 1_000_000);
        assert!(book.fills.len() > 100, "{} fills", book.fills.len());
        let mut got = Vec::new();
        for t in [
            "2025-01-26 20:00",
            "04:06",
            "09:31",
            "12:00",
            "16:00",
            "19:59",
        ] {
            let clock = at(t);
            let fresh = crate::practice::simulate(s, &orders, &rules, clock, 1_000_000);
            book.positions_into(clock, &mut got);
            assert_eq!(got, fresh.positions, "at {t}");
            assert_eq!(book.fills_until(clock), fresh.fills.as_slice(), "at {t}");
        }
    }
}
