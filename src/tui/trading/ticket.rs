//! The order ticket's typed line: `buy 100`, `sell 2 NQH25 limit 21500`, `b 100 @ 120.5`,
//! `sell 100 stop 118.50`, `buy 100 NVDA stop 125 limit 125.20`. Side first; then, in any
//! order, a quantity, a symbol (else the selected instrument) and the order type (market when
//! none is given).

use crate::engine::Store;
use crate::practice::fills::Side;
use crate::price::Price;
use crate::text::sanitize;

/// The order type as typed, with its prices (checked against the tick later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    Market,
    Limit(Price),
    Stop(Price),
    StopLimit { stop: Price, limit: Price },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    pub side: Side,
    pub qty: Option<u64>,
    pub instrument: Option<usize>,
    pub typed: Typed,
}

/// What the input line says about it.
pub const HINT: &str =
    "buy|sell [QTY] [SYMBOL] [limit P | stop P [limit P]]  e.g. buy 100 limit 120.50";

fn price(word: Option<&str>, what: &str) -> Result<Price, String> {
    let w = word.ok_or_else(|| format!("{what} needs a price"))?;
    match Price::parse(w) {
        Ok(p) if p.0 > 0 => Ok(p),
        _ => Err(format!("{:?} is not a price for the {what}", sanitize(w))),
    }
}

pub fn parse(text: &str, store: &Store) -> Result<Ticket, String> {
    let spaced = text.replace('@', " @ ");
    let mut words = spaced.split_whitespace();
    let side = match words.next().map(str::to_ascii_lowercase).as_deref() {
        Some("buy" | "b" | "long") => Side::Buy,
        Some("sell" | "s" | "short") => Side::Sell,
        Some(w) => return Err(format!("{:?}: start with buy or sell", sanitize(w))),
        None => return Err("empty order: start with buy or sell".into()),
    };
    let mut t = Ticket {
        side,
        qty: None,
        instrument: None,
        typed: Typed::Market,
    };
    let mut typed = None;
    while let Some(w) = words.next() {
        match w.to_ascii_lowercase().as_str() {
            "mkt" | "market" => typed = Some(Typed::Market),
            "lmt" | "limit" | "@" => {
                let limit = price(words.next(), "limit")?;
                typed = Some(match typed {
                    Some(Typed::Stop(stop)) => Typed::StopLimit { stop, limit },
                    _ => Typed::Limit(limit),
                });
            }
            "stp" | "stop" => {
                let stop = price(words.next(), "stop")?;
                typed = Some(match typed {
                    Some(Typed::Limit(limit)) => Typed::StopLimit { stop, limit },
                    _ => Typed::Stop(stop),
                });
            }
            _ if w.bytes().all(|b| b.is_ascii_digit()) => match w.parse::<u64>() {
                Ok(q) if q > 0 && t.qty.is_none() => t.qty = Some(q),
                Ok(_) if t.qty.is_some() => return Err("two quantities".into()),
                _ => return Err(format!("{w} is not a quantity above zero")),
            },
            _ => match store.symbol_index(w) {
                Some(i) if t.instrument.is_none() => t.instrument = Some(i),
                Some(_) => return Err("two symbols: one order is for one instrument".into()),
                None => {
                    return Err(format!(
                        "{:?} is neither a symbol of this replay nor limit/stop/market",
                        sanitize(w)
                    ));
                }
            },
        }
    }
    t.typed = typed.unwrap_or(Typed::Market);
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> &'static Store {
        use std::sync::OnceLock;
        static R: OnceLock<crate::replay::Replay> = OnceLock::new();
        &R.get_or_init(|| crate::replay::load(&crate::replay::resolve(None).unwrap()).unwrap())
            .store
    }

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn every_form_of_the_ticket_reads_as_meant() {
        let s = store();
        let nq = s.symbol_index("NQH25").unwrap();
        let nvda = s.symbol_index("NVDA").unwrap();
        type Case = (&'static str, Side, Option<u64>, Option<usize>, Typed);
        let cases: Vec<Case> = vec![
            ("buy", Side::Buy, None, None, Typed::Market),
            ("sell 100", Side::Sell, Some(100), None, Typed::Market),
            (
                "s 2 NQH25 limit 21500",
                Side::Sell,
                Some(2),
                Some(nq),
                Typed::Limit(p("21500")),
            ),
            (
                "b 100 @120.5",
                Side::Buy,
                Some(100),
                None,
                Typed::Limit(p("120.5")),
            ),
            (
                "short nvda 50 stop 118.50",
                Side::Sell,
                Some(50),
                Some(nvda),
                Typed::Stop(p("118.50")),
            ),
            (
                "buy 100 stop 125 limit 125.20",
                Side::Buy,
                Some(100),
                None,
                Typed::StopLimit {
                    stop: p("125"),
                    limit: p("125.20"),
                },
            ),
            (
                "BUY LIMIT 125.20 STOP 125",
                Side::Buy,
                None,
                None,
                Typed::StopLimit {
                    stop: p("125"),
                    limit: p("125.20"),
                },
            ),
            ("sell 1 mkt", Side::Sell, Some(1), None, Typed::Market),
        ];
        for (text, side, qty, instrument, typed) in cases {
            let t = parse(text, s).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                t,
                Ticket {
                    side,
                    qty,
                    instrument,
                    typed
                },
                "{text}"
            );
        }
    }

    #[test]
    fn a_bad_ticket_says_what_is_wrong() {
        let s = store();
        for (text, want) in [
            ("", "start with buy or sell"),
            ("hold 100", "start with buy or sell"),
            ("buy 0", "not a quantity above zero"),
            ("buy 10 20", "two quantities"),
            ("buy NVDA AAPL", "two symbols"),
            ("buy 100 limit", "limit needs a price"),
            ("buy 100 limit -3", "is not a price"),
            ("buy 100 ZZZZ", "neither a symbol"),
            ("buy \u{1b}[2J", "neither a symbol"),
        ] {
            let e = parse(text, s).expect_err(text);
            assert!(e.contains(want), "{text}: {e}");
            assert!(!e.contains('\u{1b}'), "{e:?}");
        }
    }
}
