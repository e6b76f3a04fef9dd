//! Orders and how the tape fills them.
//!
//! Rules (each print is `(ts, price, size)`, in time order):
//! - Only prints strictly after the order's time and at or before the clock are used.
//! - **Market**: the first such print, moved `slippage_ticks` against the order.
//! - **Limit** (buy at L): marketable on arrival if the first print is at or better than L
//!   (fills at that print's price); afterwards it rests, and fills at L when a print trades
//!   through L (below it for a buy, above for a sell), or touches it with `fill_on_touch`.
//! - **Stop** (buy at S): triggers on a print at or through S (at or above for a buy) and fills
//!   at that print's price, as a market order would (so a gap through the stop fills at the
//!   gap's price), with slippage.
//! - **Stop-limit**: triggers as a stop, then works as a limit from the triggering print on.
//! - **Cancel** (and replace, a cancel with a new order): prints after the cancel's time do not
//!   fill it.
//! - With `partial_fills`, each print fills at most its own size; otherwise one print fills
//!   the whole order.

use crate::time::UnixNanos;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// +1 for a buy, -1 for a sell.
    pub fn sign(self) -> i64 {
        match self {
            Side::Buy => 1,
            Side::Sell => -1,
        }
    }
}

/// What kind of order, with its prices (1e-9 fixed point, as the tape's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Market,
    Limit { price: i64 },
    Stop { stop: i64 },
    StopLimit { stop: i64, limit: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub id: u32,
    pub ts: UnixNanos,
    pub instrument: usize,
    pub side: Side,
    pub qty: u64,
    pub kind: Kind,
    /// Cancelled at this time: prints after it do not fill the order (prints at that
    /// nanosecond were on the tape before the cancel arrived). A replace is a cancel and a new
    /// order at the same time.
    pub cancel_at: Option<UnixNanos>,
}

/// How generous the fills are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FillRules {
    /// Ticks a market (or triggered stop) fill is moved against the order.
    pub slippage_ticks: i64,
    /// A limit fills when a print touches its price, not only when one trades through it.
    pub fill_on_touch: bool,
    /// A print fills at most its own size.
    pub partial_fills: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub order: u32,
    pub ts: UnixNanos,
    pub instrument: usize,
    pub side: Side,
    pub qty: u64,
    pub price: i64,
}

/// Prints per block of [`Tape::blocks`].
pub const BLOCK: usize = 256;

/// One instrument's prints.
#[derive(Debug, Clone, Copy)]
pub struct Tape<'a> {
    pub ts: &'a [UnixNanos],
    pub price: &'a [i64],
    pub size: &'a [u32],
    /// Tick size, 1e-9 units (for slippage).
    pub tick: i64,
    /// The lowest and highest price of each [`BLOCK`] of prints, if built: a resting order
    /// skips the blocks that cannot fill or trigger it (the same fills, found faster).
    pub blocks: Option<&'a [(i64, i64)]>,
}

/// The `(min, max)` price of each [`BLOCK`] of `price`.
pub fn price_blocks(price: &[i64]) -> Vec<(i64, i64)> {
    price
        .chunks(BLOCK)
        .map(|c| {
            c.iter()
                .fold((i64::MAX, i64::MIN), |(lo, hi), &p| (lo.min(p), hi.max(p)))
        })
        .collect()
}

/// Whether a block of prices `(lo, hi)` can fill or trigger `order` in its present state.
fn block_can_act(order: &Order, triggered: bool, (lo, hi): (i64, i64), rules: &FillRules) -> bool {
    let limit_can = |l: i64| match (order.side, rules.fill_on_touch) {
        (Side::Buy, false) => lo < l,
        (Side::Buy, true) => lo <= l,
        (Side::Sell, false) => hi > l,
        (Side::Sell, true) => hi >= l,
    };
    let stop_can = |s: i64| match order.side {
        Side::Buy => hi >= s,
        Side::Sell => lo <= s,
    };
    match order.kind {
        Kind::Market => true,
        Kind::Limit { price } => limit_can(price),
        Kind::Stop { stop } => triggered || stop_can(stop),
        Kind::StopLimit { stop, limit } => {
            if triggered {
                limit_can(limit)
            } else {
                stop_can(stop)
            }
        }
    }
}

/// True when `price` is at or better than `limit` for `side` (a buy pays at most `limit`).
fn at_or_better(side: Side, price: i64, limit: i64) -> bool {
    match side {
        Side::Buy => price <= limit,
        Side::Sell => price >= limit,
    }
}

/// True when `price` is strictly better than `limit`: the market traded through it.
fn through(side: Side, price: i64, limit: i64) -> bool {
    match side {
        Side::Buy => price < limit,
        Side::Sell => price > limit,
    }
}

/// True when a print at `price` triggers a stop at `stop`.
fn triggers(side: Side, price: i64, stop: i64) -> bool {
    match side {
        Side::Buy => price >= stop,
        Side::Sell => price <= stop,
    }
}

/// The fills of `order` on `tape` up to and including `clock`, pushed onto `out`. Returns the
/// quantity still working.
pub fn fill(
    order: &Order,
    tape: &Tape,
    clock: UnixNanos,
    rules: &FillRules,
    out: &mut Vec<Fill>,
) -> u64 {
    // The first print strictly after the order: prints at the order's nanosecond were already
    // on the tape when it was sent.
    let first = tape.ts.partition_point(|&t| t <= order.ts);
    let until = order.cancel_at.map_or(clock, |c| c.min(clock));
    let last = tape.ts.partition_point(|&t| t <= until);
    let mut left = order.qty;
    let slip = rules.slippage_ticks * tape.tick * order.side.sign();
    let mut triggered = false;
    let mut i = first;
    while i < last {
        if left == 0 {
            break;
        }
        // A whole block that cannot act on the order is passed over (never the arrival
        // print, which a limit may take as marketable).
        if let Some(blocks) = tape.blocks
            && i > first
            && i % BLOCK == 0
            && i + BLOCK <= last
            && !block_can_act(order, triggered, blocks[i / BLOCK], rules)
        {
            i += BLOCK;
            continue;
        }
        let at = i;
        i += 1;
        let i = at;
        let p = tape.price[i];
        let price = match order.kind {
            Kind::Market => Some(p + slip),
            Kind::Limit { price: l } => limit_price(order.side, p, l, i == first, rules),
            Kind::Stop { stop } => {
                triggered |= triggers(order.side, p, stop);
                triggered.then_some(p + slip)
            }
            Kind::StopLimit { stop, limit } => {
                let now = !triggered && triggers(order.side, p, stop);
                triggered |= now;
                if triggered {
                    // The triggering print is the limit's arrival.
                    limit_price(order.side, p, limit, now, rules)
                } else {
                    None
                }
            }
        };
        let Some(price) = price else { continue };
        let qty = if rules.partial_fills {
            left.min(u64::from(tape.size[i]))
        } else {
            left
        };
        if qty == 0 {
            continue;
        }
        left -= qty;
        out.push(Fill {
            order: order.id,
            ts: tape.ts[i],
            instrument: order.instrument,
            side: order.side,
            qty,
            price,
        });
    }
    left
}

/// A limit's fill price against a print, if it fills: a marketable limit on arrival takes the
/// print's price; a resting one fills at its own price when the tape trades through it.
fn limit_price(
    side: Side,
    print: i64,
    limit: i64,
    arriving: bool,
    rules: &FillRules,
) -> Option<i64> {
    if arriving && at_or_better(side, print, limit) {
        return Some(print);
    }
    let fills = if rules.fill_on_touch {
        at_or_better(side, print, limit)
    } else {
        through(side, print, limit)
    };
    fills.then_some(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 1_000_000_000;
    const TICK: i64 = D / 100;

    fn px(dollars: f64) -> i64 {
        (dollars * 100.0).round() as i64 * TICK
    }

    /// A hand-built tape: several prints at one nanosecond (t=20), a gap from 100.10 to 99.50
    /// (t=40 → t=50), a print at 99.60 (t=70) before one through it (t=80).
    struct Hand {
        ts: Vec<i64>,
        price: Vec<i64>,
        size: Vec<u32>,
    }

    fn hand() -> Hand {
        let rows = [
            (10, 100.00, 100),
            (20, 100.05, 50),
            (20, 100.10, 30),
            (20, 100.00, 20),
            (30, 100.20, 100),
            (40, 100.10, 100),
            (50, 99.50, 40),
            (60, 99.80, 60),
            (70, 99.60, 500),
            (80, 99.40, 100),
        ];
        Hand {
            ts: rows.iter().map(|r| r.0).collect(),
            price: rows.iter().map(|r| px(r.1)).collect(),
            size: rows.iter().map(|r| r.2).collect(),
        }
    }

    fn run(
        kind: Kind,
        side: Side,
        at: i64,
        qty: u64,
        rules: FillRules,
        clock: i64,
    ) -> (Vec<(i64, u64, i64)>, u64) {
        let order = Order {
            id: 1,
            ts: at,
            instrument: 0,
            side,
            qty,
            kind,
            cancel_at: None,
        };
        run_order(&order, rules, clock)
    }

    /// `order` on the hand-built tape: its fills as (time, quantity, price) and what is left.
    fn run_order(order: &Order, rules: FillRules, clock: i64) -> (Vec<(i64, u64, i64)>, u64) {
        let h = hand();
        let tape = Tape {
            ts: &h.ts,
            price: &h.price,
            size: &h.size,
            tick: TICK,
            blocks: None,
        };
        let mut out = Vec::new();
        let left = fill(order, &tape, clock, &rules, &mut out);
        (out.iter().map(|f| (f.ts, f.qty, f.price)).collect(), left)
    }

    /// Name, order kind, side, order time, quantity, rules, clock, the fills expected as
    /// (time, quantity, price), and the quantity still working.
    type Case = (
        &'static str,
        Kind,
        Side,
        i64,
        u64,
        FillRules,
        i64,
        Vec<(i64, u64, i64)>,
        u64,
    );

    /// A limit cancelled at t=75 does not fill on the print through it at t=80; cancelled at
    /// t=80 it still does (that print was on the tape before the cancel arrived).
    #[test]
    fn a_cancelled_order_takes_no_print_after_its_cancel() {
        let fills_with = |cancel_at| {
            let order = Order {
                id: 1,
                ts: 55,
                instrument: 0,
                side: Side::Buy,
                qty: 10,
                kind: Kind::Limit { price: px(99.60) },
                cancel_at,
            };
            let (fills, left) = run_order(&order, FillRules::default(), 1_000);
            (fills.iter().map(|f| f.0).collect::<Vec<_>>(), left)
        };
        assert_eq!(fills_with(None), (vec![80], 0));
        assert_eq!(fills_with(Some(75)), (vec![], 10));
        assert_eq!(fills_with(Some(80)), (vec![80], 0));
    }

    #[test]
    fn every_order_type_on_the_hand_built_tape() {
        let none = FillRules::default();
        let partial = FillRules {
            partial_fills: true,
            ..FillRules::default()
        };
        let touch = FillRules {
            fill_on_touch: true,
            ..FillRules::default()
        };
        let slip = FillRules {
            slippage_ticks: 2,
            ..FillRules::default()
        };
        let end = 1_000;
        let cases: Vec<Case> = vec![
            // Market at t=10: the print at t=10 is not used; the first at t=20 is.
            (
                "market buy",
                Kind::Market,
                Side::Buy,
                10,
                100,
                none,
                end,
                vec![(20, 100, px(100.05))],
                0,
            ),
            // Sent at t=20, with three prints at t=20 already on the tape: the next is t=30.
            (
                "market at a busy nanosecond",
                Kind::Market,
                Side::Sell,
                20,
                10,
                none,
                end,
                vec![(30, 10, px(100.20))],
                0,
            ),
            (
                "market with slippage",
                Kind::Market,
                Side::Buy,
                10,
                5,
                slip,
                end,
                vec![(20, 5, px(100.07))],
                0,
            ),
            (
                "market sell with slippage",
                Kind::Market,
                Side::Sell,
                10,
                5,
                slip,
                end,
                vec![(20, 5, px(100.03))],
                0,
            ),
            // Partial fills walk the prints at one nanosecond: 50 + 30 + 20.
            (
                "partial market",
                Kind::Market,
                Side::Buy,
                10,
                120,
                partial,
                end,
                vec![
                    (20, 50, px(100.05)),
                    (20, 30, px(100.10)),
                    (20, 20, px(100.00)),
                    (30, 20, px(100.20)),
                ],
                0,
            ),
            // Clock before any print after the order: nothing yet, all working.
            (
                "market before the clock reaches a print",
                Kind::Market,
                Side::Buy,
                10,
                7,
                none,
                15,
                vec![],
                7,
            ),
            // A buy limit at 99.60 below the market: t=70 only touches it; t=80 trades through.
            (
                "limit touched, not traded through",
                Kind::Limit { price: px(99.60) },
                Side::Buy,
                55,
                10,
                none,
                75,
                vec![],
                10,
            ),
            (
                "limit traded through",
                Kind::Limit { price: px(99.60) },
                Side::Buy,
                55,
                10,
                none,
                end,
                vec![(80, 10, px(99.60))],
                0,
            ),
            (
                "limit fills on touch when asked",
                Kind::Limit { price: px(99.60) },
                Side::Buy,
                55,
                10,
                touch,
                end,
                vec![(70, 10, px(99.60))],
                0,
            ),
            // Marketable on arrival: the first print is already at or better than the limit.
            (
                "marketable limit",
                Kind::Limit { price: px(101.00) },
                Side::Buy,
                10,
                10,
                none,
                end,
                vec![(20, 10, px(100.05))],
                0,
            ),
            (
                "sell limit through",
                Kind::Limit { price: px(100.15) },
                Side::Sell,
                10,
                10,
                none,
                end,
                vec![(30, 10, px(100.15))],
                0,
            ),
            // A sell stop at 99.90 gaps: the first print at or below it is 99.50, the fill too.
            (
                "sell stop through a gap",
                Kind::Stop { stop: px(99.90) },
                Side::Sell,
                10,
                10,
                none,
                end,
                vec![(50, 10, px(99.50))],
                0,
            ),
            (
                "buy stop",
                Kind::Stop { stop: px(100.15) },
                Side::Buy,
                10,
                10,
                none,
                end,
                vec![(30, 10, px(100.20))],
                0,
            ),
            // Stop-limit: the gap to 99.50 triggers it below its 99.70 limit, so it rests, and
            // fills at 99.70 when 99.80 trades through it at t=60.
            (
                "sell stop-limit after a gap",
                Kind::StopLimit {
                    stop: px(99.90),
                    limit: px(99.70),
                },
                Side::Sell,
                10,
                10,
                none,
                end,
                vec![(60, 10, px(99.70))],
                0,
            ),
            (
                "stop-limit never triggered",
                Kind::StopLimit {
                    stop: px(98.00),
                    limit: px(97.90),
                },
                Side::Sell,
                10,
                10,
                none,
                end,
                vec![],
                10,
            ),
        ];
        for (name, kind, side, at, qty, rules, clock, want, left) in cases {
            let (got, got_left) = run(kind, side, at, qty, rules, clock);
            assert_eq!(got, want, "{name}");
            assert_eq!(got_left, left, "{name}: quantity still working");
        }
    }

    proptest::proptest! {
        /// No fill is ever at or before its order's time, or after the clock, whatever the
        /// order and the tape.
        #[test]
        fn no_fill_at_or_before_its_order_or_after_the_clock(
            steps in proptest::collection::vec((0i64..3, -5i64..6, 1u32..200), 1..1200),
            at in 0i64..1200,
            clock in 0i64..2500,
            qty in 1u64..400,
            kind in 0u8..4,
            buy: bool,
            level in -10i64..10,
            partial: bool,
            touch: bool,
        ) {
            let mut ts = Vec::new();
            let mut price = Vec::new();
            let mut size = Vec::new();
            let (mut t, mut p) = (0i64, 100 * D);
            for (dt, dp, s) in steps {
                t += dt;
                p += dp * TICK;
                ts.push(t);
                price.push(p);
                size.push(s);
            }
            let tape = Tape { ts: &ts, price: &price, size: &size, tick: TICK, blocks: None };
            let l = 100 * D + level * TICK;
            let kind = match kind {
                0 => Kind::Market,
                1 => Kind::Limit { price: l },
                2 => Kind::Stop { stop: l },
                _ => Kind::StopLimit { stop: l, limit: l - 2 * TICK },
            };
            let side = if buy { Side::Buy } else { Side::Sell };
            let order = Order { id: 7, ts: at, instrument: 0, side, qty, kind, cancel_at: None };
            let rules = FillRules { slippage_ticks: 0, fill_on_touch: touch, partial_fills: partial };
            let mut out = Vec::new();
            let left = fill(&order, &tape, clock, &rules, &mut out);
            // The block index finds the same fills.
            let blocks = price_blocks(&price);
            let indexed = Tape { blocks: Some(&blocks), ..tape };
            let mut via_blocks = Vec::new();
            let left2 = fill(&order, &indexed, clock, &rules, &mut via_blocks);
            proptest::prop_assert_eq!(&via_blocks, &out);
            proptest::prop_assert_eq!(left2, left);
            let filled: u64 = out.iter().map(|f| f.qty).sum();
            proptest::prop_assert_eq!(filled + left, qty);
            for f in &out {
                proptest::prop_assert!(f.ts > at, "fill at {} for an order at {}", f.ts, at);
                proptest::prop_assert!(f.ts <= clock);
                if let Kind::Limit { price: lim } = kind {
                    proptest::prop_assert!(at_or_better(side, f.price, lim), "a limit fill at a worse price");
                }
            }
        }
    }
}
