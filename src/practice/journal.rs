//! The practice journal: every order, fill and note with its replay time, the latest headline
//! before it, and (when written out) the price 1, 5 and 15 minutes later.
//!
//! The seek rule: the journal lives on the replay's timeline, in branches. Seeking back to a
//! time before the current branch's last entry starts a new branch that holds the entries at
//! or before that time (the account as it stood then); the old branch is kept, closed. So the
//! branch in use never holds anything from the future of the clock, and nothing is lost.

use std::path::Path;

use serde_json::{Value, json};

use super::fills::Side;
use crate::engine::Store;
use crate::price::Price;
use crate::time::{UnixNanos, rfc3339_in};

const MINUTE: i64 = 60_000_000_000;
/// The minutes after an entry whose prices the journal shows.
pub const LATER: [i64; 3] = [1, 5, 15];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Order {
        id: u32,
        side: Side,
        qty: u64,
        kind: String,
    },
    Fill {
        order: u32,
        side: Side,
        qty: u64,
        price: i64,
    },
    Note {
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: UnixNanos,
    /// The instrument, by index, if the entry is about one.
    pub instrument: Option<usize>,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Branch {
    /// The clock when the branch began (the time sought back to); `None` for the first.
    pub from: Option<UnixNanos>,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    pub branches: Vec<Branch>,
}

impl Default for Journal {
    fn default() -> Self {
        Journal {
            branches: vec![Branch::default()],
        }
    }
}

impl Journal {
    /// The branch in use.
    pub fn current(&self) -> &Branch {
        self.branches.last().expect("a journal has a branch")
    }

    /// Adds an entry (at the clock) to the branch in use.
    pub fn record(&mut self, entry: Entry) {
        if let Some(b) = self.branches.last_mut() {
            b.entries.push(entry);
        }
    }

    /// Applies the seek rule for a clock moved to `clock`: back before the last entry starts
    /// a new branch holding what was recorded up to `clock`.
    pub fn seek(&mut self, clock: UnixNanos) {
        let cur = self.current();
        if cur.entries.last().is_none_or(|e| e.at <= clock) {
            return;
        }
        let kept = cur
            .entries
            .iter()
            .filter(|e| e.at <= clock)
            .cloned()
            .collect();
        self.branches.push(Branch {
            from: Some(clock),
            entries: kept,
        });
    }

    /// The journal as JSON for `store` (times in `tz`), with the latest headline before each
    /// entry and the prices 1, 5 and 15 minutes after it.
    pub fn to_json(&self, store: &Store, tz: chrono_tz::Tz, replay: &str) -> Value {
        let branches: Vec<Value> = self
            .branches
            .iter()
            .map(|b| {
                json!({
                    "from": b.from.map(|t| rfc3339_in(t, tz)),
                    "entries": b.entries.iter().map(|e| entry_json(e, store, tz)).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"format": "tapedeck-journal", "version": 1, "replay": replay, "branches": branches})
    }

    /// The branch in use as CSV: one row per entry.
    pub fn to_csv(&self, store: &Store, tz: chrono_tz::Tz) -> String {
        let mut out = String::from(
            "at,kind,symbol,side,qty,price,text,latest_headline,price_1m,price_5m,price_15m\n",
        );
        for e in &self.current().entries {
            let r = row(e, store, tz);
            let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                r.at,
                r.kind,
                r.symbol,
                r.side,
                r.qty,
                r.price,
                quoted(&r.text),
                quoted(&r.headline),
                r.later.join(",")
            ));
        }
        out
    }

    /// The branch in use as a Markdown table.
    pub fn to_markdown(&self, store: &Store, tz: chrono_tz::Tz) -> String {
        let mut out = String::from(
            "| time | what | symbol | side | qty | price | note | latest headline | +1m | +5m | +15m |\n|---|---|---|---|---:|---:|---|---|---:|---:|---:|\n",
        );
        for e in &self.current().entries {
            let r = row(e, store, tz);
            let cell = |s: &str| s.replace('|', "\\|");
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.at,
                r.kind,
                r.symbol,
                r.side,
                r.qty,
                r.price,
                cell(&r.text),
                cell(&r.headline),
                r.later.join(" | ")
            ));
        }
        out
    }
}

/// Writes `text` to `path` atomically: a temporary file beside it, then a rename.
pub fn save(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

/// The last print of `instrument` at or before `t`.
fn price_at(store: &Store, instrument: usize, t: UnixNanos) -> Option<i64> {
    let s = store.series(instrument);
    let k = s.ts.partition_point(|&x| x <= t);
    (k > 0).then(|| s.price[k - 1])
}

/// The latest headline at or before `t`.
fn headline_before(store: &Store, t: UnixNanos) -> Option<&crate::engine::Headline> {
    store
        .headlines
        .iter()
        .filter(|h| h.ts <= t)
        .max_by_key(|h| h.ts)
}

struct Row {
    at: String,
    kind: &'static str,
    symbol: String,
    side: &'static str,
    qty: String,
    price: String,
    text: String,
    headline: String,
    later: Vec<String>,
}

fn side_name(s: Side) -> &'static str {
    if s == Side::Buy { "buy" } else { "sell" }
}

fn row(e: &Entry, store: &Store, tz: chrono_tz::Tz) -> Row {
    let show = |i: usize, p: i64| Price(p).display(store.instruments[i].decimals).to_string();
    let (kind, side, qty, price, text) = match &e.what {
        What::Order {
            side, qty, kind, ..
        } => (
            "order",
            side_name(*side),
            qty.to_string(),
            String::new(),
            kind.clone(),
        ),
        What::Fill {
            side, qty, price, ..
        } => (
            "fill",
            side_name(*side),
            qty.to_string(),
            e.instrument.map_or_else(String::new, |i| show(i, *price)),
            String::new(),
        ),
        What::Note { text } => (
            "note",
            "",
            String::new(),
            String::new(),
            crate::text::sanitize(text),
        ),
    };
    Row {
        at: rfc3339_in(e.at, tz),
        kind,
        symbol: e
            .instrument
            .map_or_else(String::new, |i| store.instruments[i].symbol.clone()),
        side,
        qty,
        price,
        text,
        headline: headline_before(store, e.at).map_or_else(String::new, |h| {
            format!("{} {}", h.id, crate::text::sanitize(&h.text))
        }),
        later: LATER
            .iter()
            .map(|m| {
                e.instrument
                    .and_then(|i| price_at(store, i, e.at + m * MINUTE).map(|p| show(i, p)))
                    .unwrap_or_default()
            })
            .collect(),
    }
}

fn entry_json(e: &Entry, store: &Store, tz: chrono_tz::Tz) -> Value {
    let r = row(e, store, tz);
    let later: serde_json::Map<String, Value> = LATER
        .iter()
        .zip(&r.later)
        .map(|(m, p)| {
            (
                format!("price_{m}m"),
                p.parse::<f64>().map_or(Value::Null, Value::from),
            )
        })
        .collect();
    json!({
        "at": r.at, "kind": r.kind, "symbol": r.symbol, "side": r.side,
        "qty": r.qty.parse::<u64>().ok(), "price": r.price.parse::<f64>().ok(),
        "text": r.text, "latest_headline": headline_before(store, e.at).map(|h| h.id.clone()),
        "later": later,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(at: i64, text: &str) -> Entry {
        Entry {
            at,
            instrument: None,
            what: What::Note { text: text.into() },
        }
    }

    #[test]
    fn seeking_back_starts_a_branch_that_holds_nothing_from_the_future() {
        let mut j = Journal::default();
        j.record(note(10, "a"));
        j.record(note(20, "b"));
        j.seek(25); // forward: same branch
        assert_eq!(j.branches.len(), 1);
        j.record(note(30, "c"));
        j.seek(20); // back, past "c"
        assert_eq!(j.branches.len(), 2);
        assert_eq!(j.current().from, Some(20));
        assert_eq!(j.current().entries, vec![note(10, "a"), note(20, "b")]);
        assert_eq!(
            j.branches[0].entries.len(),
            3,
            "the old branch is kept whole"
        );
        j.seek(5);
        assert!(j.current().entries.is_empty());
        assert_eq!(j.branches.len(), 3);
    }

    #[test]
    fn entries_show_the_headline_before_and_the_prices_after() {
        let dir = crate::replay::resolve(None).unwrap();
        let r = crate::replay::load(&dir).unwrap();
        let nvda = r.store.symbol_index("NVDA").unwrap();
        let at = crate::time::parse_user_time("09:31", r.date, r.tz).unwrap();
        let mut j = Journal::default();
        j.record(Entry {
            at,
            instrument: Some(nvda),
            what: What::Fill {
                order: 1,
                side: Side::Buy,
                qty: 100,
                price: 124_940_000_000,
            },
        });
        j.record(note(
            at + MINUTE,
            "a note with a \"quote\", a | pipe and \u{1b}[31m an escape",
        ));
        let v = j.to_json(&r.store, r.tz, "deepseek-2025-01-27");
        let e = &v["branches"][0]["entries"][0];
        let want = |m: i64| price_at(&r.store, nvda, at + m * MINUTE).unwrap() as f64 / 1e9;
        assert_eq!(e["later"]["price_1m"].as_f64(), Some(want(1)));
        assert_eq!(e["later"]["price_15m"].as_f64(), Some(want(15)));
        let h = headline_before(&r.store, at).unwrap();
        assert!(h.ts <= at);
        assert_eq!(e["latest_headline"], h.id.as_str());
        let csv = j.to_csv(&r.store, r.tz);
        assert_eq!(csv.lines().count(), 3);
        assert!(
            csv.contains("\"\"quote\"\"") && !csv.contains('\u{1b}'),
            "{csv}"
        );
        let md = j.to_markdown(&r.store, r.tz);
        assert!(md.contains("a \\| pipe"), "{md}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j/journal.json");
        save(&path, &v.to_string()).unwrap();
        let back: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back, v);
        assert!(!path.with_extension("json.tmp").exists());
    }
}
