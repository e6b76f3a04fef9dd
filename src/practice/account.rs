//! Positions and P&L from fills: average price, realized P&L on what was closed, unrealized
//! P&L marked to the last print, per instrument and in total. Money is kept in 1e-9 dollars
//! (the tape's fixed point) times quantity times the contract multiplier, in i128.

use super::fills::Fill;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Shares or contracts; negative when short.
    pub qty: i64,
    /// Average entry price of the open quantity, 1e-9 units (0 when flat).
    pub avg_price: i64,
    /// Realized P&L, 1e-9 dollars.
    pub realized: i128,
    /// Commissions and fees paid, 1e-9 dollars.
    pub fees: i128,
}

impl Position {
    /// Applies one fill of an instrument whose contract is worth `multiplier` × price, with a
    /// fee of `fee_per_unit` (1e-9 dollars) a share or contract.
    pub fn apply(&mut self, f: &Fill, multiplier: i64, fee_per_unit: i64) {
        let q = f.qty as i64 * f.side.sign();
        self.fees += i128::from(fee_per_unit) * i128::from(f.qty);
        if self.qty == 0 || self.qty.signum() == q.signum() {
            // Opening or adding: a new average.
            let total = self.qty + q;
            let cost = i128::from(self.avg_price) * i128::from(self.qty.abs())
                + i128::from(f.price) * i128::from(q.abs());
            self.avg_price = (cost / i128::from(total.abs())) as i64;
            self.qty = total;
            return;
        }
        // Reducing, closing or reversing.
        let closed = q.abs().min(self.qty.abs());
        let per_unit = i128::from(f.price - self.avg_price) * i128::from(self.qty.signum());
        self.realized += per_unit * i128::from(closed) * i128::from(multiplier);
        let total = self.qty + q;
        if total == 0 {
            self.avg_price = 0;
        } else if total.signum() != self.qty.signum() {
            // Reversed: the rest opens at the fill's price.
            self.avg_price = f.price;
        }
        self.qty = total;
    }

    /// P&L of the open quantity marked at `last`, 1e-9 dollars.
    pub fn unrealized(&self, last: i64, multiplier: i64) -> i128 {
        i128::from(last - self.avg_price) * i128::from(self.qty) * i128::from(multiplier)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fills::{Fill, Side};
    use super::*;

    const D: i64 = 1_000_000_000;

    fn fill(side: Side, qty: u64, dollars_cents: i64) -> Fill {
        Fill {
            order: 0,
            ts: 0,
            instrument: 0,
            side,
            qty,
            price: dollars_cents * (D / 100),
        }
    }

    #[test]
    fn a_stock_round_trip_checked_by_hand() {
        // Buy 100 NVDA at 124.80 and 100 at 120.00 (average 122.40), sell 150 at 121.00:
        // realized (121.00 - 122.40) x 150 = -210.00; 50 left at 122.40, marked at 118.42:
        // (118.42 - 122.40) x 50 = -199.00. A fee of 0.005 a share on 350 shares = 1.75.
        let mut p = Position::default();
        let fee = 5 * D / 1000;
        p.apply(&fill(Side::Buy, 100, 12480), 1, fee);
        p.apply(&fill(Side::Buy, 100, 12000), 1, fee);
        assert_eq!((p.qty, p.avg_price), (200, 12240 * (D / 100)));
        p.apply(&fill(Side::Sell, 150, 12100), 1, fee);
        assert_eq!(p.qty, 50);
        assert_eq!(p.realized, -210 * i128::from(D));
        assert_eq!(p.unrealized(11842 * (D / 100), 1), -199 * i128::from(D));
        assert_eq!(p.fees, 175 * i128::from(D) / 100);
    }

    #[test]
    fn a_short_nq_contract_reversed_long_checked_by_hand() {
        // Sell 2 NQ at 21,908.00, buy 3 at 21,241.00: 2 closed for (21,908 - 21,241) x 2 x 20
        // = 26,680.00 realized; 1 long at 21,241.00, marked at 21,300.25: 59.25 x 20 = 1,185.00.
        let mut p = Position::default();
        p.apply(&fill(Side::Sell, 2, 2_190_800), 20, 0);
        assert_eq!((p.qty, p.avg_price), (-2, 21_908 * D));
        p.apply(&fill(Side::Buy, 3, 2_124_100), 20, 0);
        assert_eq!((p.qty, p.avg_price), (1, 21_241 * D));
        assert_eq!(p.realized, 26_680 * i128::from(D));
        assert_eq!(
            p.unrealized(2_130_025 * (D / 100), 20),
            1_185 * i128::from(D)
        );
    }
}
