//! Practice trading in the terminal app: its own state and its own update function beside the
//! app's (the app forwards trading keys and every clock move here, and shows what comes back).
//! Orders go to the pure fill engine (`crate::practice`); nothing here reads a clock, touches
//! the terminal or does I/O — saving the journal is an effect the event loop carries out.
//!
//! No look-ahead: an order is sent at the clock and fills only from prints after it; what is
//! shown is the account at the clock. The seek rule is the journal's: seeking back before the
//! last entry starts a new branch holding what stood at that time — orders sent later are
//! dropped from it, cancels made later are undone — and the old branch is kept in the file.

pub mod ticket;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::engine::Store;
use crate::practice::account::Position;
use crate::practice::book::{Book, PriceBlocks};
use crate::practice::fills::{Fill, FillRules, Kind, Order, Side};
use crate::practice::journal::{Entry, Journal, What};
use crate::price::Price;
use crate::replay::Replay;
use crate::replay::manifest::InstrumentKind;
use crate::time::{UnixNanos, clock_seconds, parse_rfc3339, rfc3339_in};

use ticket::{Ticket, Typed};

/// Everything the trading state takes.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Buy or sell the instrument at market, in its usual quantity.
    Market {
        instrument: usize,
        side: Side,
    },
    /// The order ticket's typed line, for the selected instrument unless it names one.
    Ticket {
        text: String,
        selected: usize,
    },
    /// Cancel every working order and close every position at market.
    Flatten,
    CancelAll,
    /// A note the user added at the clock.
    Note(String),
    /// The replay clock is now here (every move: play, step, seek).
    Clock(UnixNanos),
    /// The answer to the offer to continue the last journal.
    Continue(bool),
}

/// What one update did, for the app to show and carry out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub said: Option<Result<String, String>>,
    /// The journal changed: write it.
    pub save: bool,
    /// Continuing the last journal moves the clock to where it left off.
    pub seek: Option<UnixNanos>,
}

impl Done {
    fn say(text: String) -> Done {
        Done {
            said: Some(Ok(text)),
            save: true,
            seek: None,
        }
    }

    fn refuse(text: String) -> Done {
        Done {
            said: Some(Err(text)),
            ..Done::default()
        }
    }
}

/// The journal file as last saved: its branches (kept in the file whatever is chosen) and
/// what the branch in use held, to continue it.
#[derive(Debug, Clone, Default)]
pub struct Saved {
    pub branches: Vec<Value>,
    pub resume: Option<Resume>,
}

#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub clock: UnixNanos,
    pub orders: Vec<Order>,
    pub notes: Vec<(UnixNanos, String)>,
}

/// A working order at the clock: what is left of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Working {
    pub order: Order,
    pub left: u64,
}

pub struct Trading {
    /// The orders of the branch in use, in the order sent (all at or before the clock).
    orders: Vec<Order>,
    next_id: u32,
    /// Every fill of `orders` to the end of the replay; only those up to the clock are shown.
    book: Option<Book>,
    blocks: Option<PriceBlocks>,
    rules: FillRules,
    positions: Vec<Position>,
    clock: UnixNanos,
    journal: Journal,
    /// Fills up to this time are in the journal.
    journaled: UnixNanos,
    /// Branches of the file this session started from, written back before this session's.
    earlier: Vec<Value>,
    /// The last ticket's quantity per instrument (the market keys use it).
    lots: Vec<Option<u64>>,
    /// The last journal, offered at start until answered.
    offer: Option<Resume>,
    path: Option<PathBuf>,
    /// The zone messages give times in.
    tz: chrono_tz::Tz,
    /// The orders-and-positions pane is wanted (the app decides whether it fits the layout).
    pub shown: bool,
}

impl Trading {
    pub fn new(store: &Store, tz: chrono_tz::Tz) -> Trading {
        Trading {
            orders: Vec::new(),
            next_id: 1,
            book: None,
            blocks: None,
            rules: FillRules::default(),
            positions: vec![Position::default(); store.instruments.len()],
            clock: store.start,
            journal: Journal::default(),
            journaled: store.start,
            earlier: Vec::new(),
            lots: vec![None; store.instruments.len()],
            offer: None,
            path: None,
            tz,
            shown: false,
        }
    }

    /// Starts from the journal file at `path` (`saved` is what it held, if it exists): its
    /// branches are kept, and a branch in use with orders or notes is offered to continue.
    pub fn open(&mut self, path: PathBuf, saved: Option<Saved>) {
        self.path = Some(path);
        if let Some(s) = saved {
            self.earlier = s.branches;
            self.offer = s
                .resume
                .filter(|r| !r.orders.is_empty() || !r.notes.is_empty());
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The last journal's offer, in words: `3 orders and 1 note, to 10:14:05`.
    pub fn offer(&self, tz: chrono_tz::Tz) -> Option<String> {
        self.offer.as_ref().map(|r| {
            let s = |n: usize| if n == 1 { "" } else { "s" };
            format!(
                "{} order{} and {} note{}, to {}",
                r.orders.len(),
                s(r.orders.len()),
                r.notes.len(),
                s(r.notes.len()),
                clock_seconds(r.clock, tz)
            )
        })
    }

    /// Whether there is anything to show: orders sent, or a journal kept.
    pub fn active(&self) -> bool {
        !self.orders.is_empty()
    }

    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// Fills at or before the clock, in time order.
    pub fn fills(&self) -> &[Fill] {
        self.book
            .as_ref()
            .map_or(&[], |b| b.fills_until(self.clock))
    }

    /// Orders still working at the clock, oldest first.
    pub fn working(&self) -> Vec<Working> {
        let fills = self.fills();
        self.orders
            .iter()
            .filter(|o| o.cancel_at.is_none_or(|c| c > self.clock))
            .filter_map(|o| {
                let filled: u64 = fills
                    .iter()
                    .filter(|f| f.order == o.id)
                    .map(|f| f.qty)
                    .sum();
                let left = o.qty.saturating_sub(filled);
                (left > 0).then_some(Working { order: *o, left })
            })
            .collect()
    }

    /// Realized P&L net of fees, and unrealized P&L marked at `last` (per instrument, the last
    /// print at the clock), 1e-9 dollars.
    pub fn pnl(&self, store: &Store, last: impl Fn(usize) -> Option<Price>) -> (i128, i128) {
        let mut realized = 0;
        let mut unrealized = 0;
        for (i, p) in self.positions.iter().enumerate() {
            realized += p.realized - p.fees;
            if p.qty != 0
                && let Some(l) = last(i)
            {
                unrealized += p.unrealized(l.0, crate::practice::multiplier(store, i));
            }
        }
        (realized, unrealized)
    }

    pub fn update(&mut self, store: &Store, msg: Msg) -> Done {
        match msg {
            Msg::Clock(t) => self.at_clock(store, t),
            Msg::Market { instrument, side } => {
                let qty = self.lot(store, instrument);
                self.place(store, instrument, side, qty, Kind::Market)
            }
            Msg::Ticket { text, selected } => match ticket::parse(&text, store) {
                Ok(t) => self.ticket(store, t, selected),
                Err(e) => Done::refuse(format!("order not sent: {e}")),
            },
            Msg::CancelAll => {
                let n = self.cancel_working(store);
                if n == 0 {
                    return Done::refuse("no working orders to cancel".into());
                }
                Done::say(format!("{n} working order{} cancelled", plural(n)))
            }
            Msg::Flatten => {
                let cancelled = self.cancel_working(store);
                let open: Vec<(usize, i64)> = self
                    .positions
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.qty != 0)
                    .map(|(i, p)| (i, p.qty))
                    .collect();
                if open.is_empty() && cancelled == 0 {
                    return Done::refuse("flat already: no position and no working order".into());
                }
                for &(i, qty) in &open {
                    let side = if qty > 0 { Side::Sell } else { Side::Buy };
                    self.send(store, i, side, qty.unsigned_abs(), Kind::Market);
                }
                self.rebuild(store);
                Done::say(format!(
                    "flatten: {cancelled} order{} cancelled, {} position{} closing at the next print",
                    plural(cancelled),
                    open.len(),
                    plural(open.len())
                ))
            }
            Msg::Note(text) => {
                self.journal.record(Entry {
                    at: self.clock,
                    instrument: None,
                    what: What::Note { text },
                });
                // Notes alone are the notes file's: the journal is written once there are trades.
                Done {
                    save: self.active(),
                    ..Done::default()
                }
            }
            Msg::Continue(yes) => self.answer_offer(store, yes),
        }
    }

    fn answer_offer(&mut self, store: &Store, yes: bool) -> Done {
        let Some(r) = self.offer.take() else {
            return Done::default();
        };
        if !yes {
            return Done {
                said: Some(Ok(
                    "a new journal: the last one stays in the file as an earlier branch".into(),
                )),
                ..Done::default()
            };
        }
        // The branch continued is rebuilt from its orders and notes; the file's copy of it
        // would be written twice.
        self.earlier.pop();
        let mut events: Vec<(UnixNanos, Option<Order>, Option<String>)> = r
            .orders
            .iter()
            .map(|o| (o.ts, Some(*o), None))
            .chain(r.notes.iter().map(|(t, n)| (*t, None, Some(n.clone()))))
            .collect();
        events.sort_by_key(|e| e.0);
        self.clock = store.start;
        self.journaled = store.start;
        for (t, order, note) in events {
            self.at_clock(store, t.max(self.clock));
            if let Some(o) = order {
                let id = self.next_id;
                self.next_id += 1;
                let o = Order { id, ..o };
                self.orders.push(o);
                self.record_order(&o, store);
                self.rebuild(store);
            }
            if let Some(text) = note {
                self.update(store, Msg::Note(text));
            }
        }
        self.at_clock(store, r.clock.max(self.clock));
        Done {
            said: Some(Ok(format!(
                "journal continued: {} orders, clock back at {}",
                r.orders.len(),
                clock_seconds(r.clock, self.tz)
            ))),
            save: true,
            seek: Some(r.clock),
        }
    }

    fn lot(&self, store: &Store, i: usize) -> u64 {
        self.lots[i].unwrap_or(match store.instruments[i].kind {
            InstrumentKind::Future => 1,
            _ => 100,
        })
    }

    fn ticket(&mut self, store: &Store, t: Ticket, selected: usize) -> Done {
        let i = t.instrument.unwrap_or(selected);
        let info = &store.instruments[i];
        let on_tick = |p: Price| -> Result<i64, String> {
            if p.is_multiple_of(info.tick) {
                Ok(p.0)
            } else {
                Err(format!(
                    "order not sent: {} is not on {}'s tick of {}",
                    p.display(info.decimals),
                    info.symbol,
                    info.tick.display(info.decimals)
                ))
            }
        };
        let kind = match t.typed {
            Typed::Market => Ok(Kind::Market),
            Typed::Limit(l) => on_tick(l).map(|price| Kind::Limit { price }),
            Typed::Stop(s) => on_tick(s).map(|stop| Kind::Stop { stop }),
            Typed::StopLimit { stop, limit } => on_tick(stop)
                .and_then(|stop| on_tick(limit).map(|limit| Kind::StopLimit { stop, limit })),
        };
        let kind = match kind {
            Ok(k) => k,
            Err(e) => return Done::refuse(e),
        };
        if let Some(q) = t.qty {
            self.lots[i] = Some(q);
        }
        let qty = self.lot(store, i);
        self.place(store, i, t.side, qty, kind)
    }

    fn place(&mut self, store: &Store, i: usize, side: Side, qty: u64, kind: Kind) -> Done {
        if self.clock >= store.end {
            return Done::refuse("order not sent: the replay is at its end".into());
        }
        let id = self.send(store, i, side, qty, kind);
        self.rebuild(store);
        Done::say(format!(
            "order {id}: {} {qty} {} {} — works from the first print after {}",
            side_word(side),
            store.instruments[i].symbol,
            kind_text(kind, store.instruments[i].decimals),
            clock_seconds(self.clock, self.tz)
        ))
    }

    /// Adds an order at the clock (the book is rebuilt by the caller).
    fn send(&mut self, store: &Store, i: usize, side: Side, qty: u64, kind: Kind) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        let o = Order {
            id,
            ts: self.clock,
            instrument: i,
            side,
            qty,
            kind,
            cancel_at: None,
        };
        self.orders.push(o);
        self.record_order(&o, store);
        id
    }

    fn record_order(&mut self, o: &Order, store: &Store) {
        self.journal.record(Entry {
            at: o.ts,
            instrument: Some(o.instrument),
            what: What::Order {
                id: o.id,
                side: o.side,
                qty: o.qty,
                kind: kind_text(o.kind, store.instruments[o.instrument].decimals),
            },
        });
    }

    /// Cancels every order still working at the clock; returns how many.
    fn cancel_working(&mut self, store: &Store) -> usize {
        let ids: Vec<u32> = self.working().iter().map(|w| w.order.id).collect();
        for o in &mut self.orders {
            if ids.contains(&o.id) {
                o.cancel_at = Some(self.clock);
            }
        }
        for &id in &ids {
            self.journal.record(Entry {
                at: self.clock,
                instrument: None,
                what: What::Note {
                    text: format!("cancel order {id}"),
                },
            });
        }
        if !ids.is_empty() {
            self.rebuild(store);
        }
        ids.len()
    }

    fn rebuild(&mut self, store: &Store) {
        if self.orders.is_empty() {
            self.book = None;
        } else {
            let blocks = self.blocks.get_or_insert_with(|| PriceBlocks::of(store));
            self.book = Some(Book::new(store, blocks, &self.orders, &self.rules, 0));
        }
        self.mark(self.clock);
    }

    fn mark(&mut self, clock: UnixNanos) {
        match &self.book {
            Some(b) => b.positions_into(clock, &mut self.positions),
            None => self.positions.fill(Position::default()),
        }
    }

    /// The clock moved to `t`: back (the seek rule) or on (the fills it passed go into the
    /// journal).
    fn at_clock(&mut self, store: &Store, t: UnixNanos) -> Done {
        let mut done = Done::default();
        if t < self.clock {
            self.journal.seek(t);
            let before = self.orders.clone();
            self.orders.retain(|o| o.ts <= t);
            for o in &mut self.orders {
                if o.cancel_at.is_some_and(|c| c > t) {
                    o.cancel_at = None;
                }
            }
            self.journaled = self.journaled.min(t);
            self.clock = t;
            if self.orders != before {
                self.rebuild(store);
            }
        }
        self.clock = t;
        if self.book.is_none() {
            return done;
        }
        self.mark(t);
        if let Some(b) = &self.book {
            let from = b.fills.partition_point(|f| f.ts <= self.journaled);
            for f in b.fills_until(t).get(from..).unwrap_or_default() {
                self.journal.record(Entry {
                    at: f.ts,
                    instrument: Some(f.instrument),
                    what: What::Fill {
                        order: f.order,
                        side: f.side,
                        qty: f.qty,
                        price: f.price,
                    },
                });
                done.save = true;
            }
        }
        self.journaled = self.journaled.max(t);
        done
    }

    /// The journal file: every branch (the file's earlier ones first), and what the branch
    /// in use holds in the orders file's own terms, to continue it next time.
    pub fn to_json(&self, replay: &Replay) -> String {
        let store = &replay.store;
        let tz = replay.tz;
        let mut v = self.journal.to_json(store, tz, &replay.manifest.name);
        if let Some(list) = v.get_mut("branches").and_then(Value::as_array_mut) {
            let mut all = self.earlier.clone();
            all.append(list);
            *list = all;
        }
        let orders: Vec<Value> = self
            .orders
            .iter()
            .map(|o| {
                let info = &store.instruments[o.instrument];
                let p = |x: i64| Price(x).display(info.decimals).to_string();
                let (kind, price, stop) = match o.kind {
                    Kind::Market => ("market", None, None),
                    Kind::Limit { price } => ("limit", Some(p(price)), None),
                    Kind::Stop { stop } => ("stop", None, Some(p(stop))),
                    Kind::StopLimit { stop, limit } => {
                        ("stop_limit", Some(p(limit)), Some(p(stop)))
                    }
                };
                json!({"ts": rfc3339_in(o.ts, tz), "symbol": info.symbol, "side": side_word(o.side),
                       "qty": o.qty, "type": kind, "price": price, "stop_price": stop,
                       "cancel_at": o.cancel_at.map(|c| rfc3339_in(c, tz))})
            })
            .collect();
        let notes: Vec<Value> = self
            .journal
            .current()
            .entries
            .iter()
            .filter_map(|e| match &e.what {
                What::Note { text } if !text.starts_with("cancel order ") => {
                    Some(json!({"at": rfc3339_in(e.at, tz), "text": text}))
                }
                _ => None,
            })
            .collect();
        v["resume"] =
            json!({"clock": rfc3339_in(self.clock, tz), "orders": orders, "notes": notes});
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The branch in use as CSV and as Markdown (for the export).
    pub fn exports(&self, replay: &Replay) -> Option<(String, String)> {
        let b = self.journal.current();
        (!b.entries.is_empty()).then(|| {
            (
                self.journal.to_csv(&replay.store, replay.tz),
                self.journal.to_markdown(&replay.store, replay.tz),
            )
        })
    }
}

/// Reads a journal file written by [`Trading::to_json`]; problems name the file and field.
pub fn parse_saved(text: &str, file: &Path, replay: &Replay) -> Result<Saved, String> {
    let err = |m: String| format!("{}: {m}", file.display());
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("{}:{}: not valid JSON: {e}", file.display(), e.line()))?;
    if v.get("format").and_then(Value::as_str) != Some("tapedeck-journal") {
        return Err(err("format: expected \"tapedeck-journal\"".into()));
    }
    let branches = v
        .get("branches")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| err("branches: expected a list".into()))?;
    let Some(r) = v.get("resume") else {
        return Ok(Saved {
            branches,
            resume: None,
        });
    };
    let clock = r
        .get("clock")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .ok_or_else(|| err("resume.clock: expected an RFC 3339 time".into()))?
        .clamp(replay.store.start, replay.store.end);
    let orders = r
        .get("orders")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let orders = crate::practice::orders_file::from_values(
        orders,
        &format!("{}: resume.orders", file.display()),
        replay,
    )?;
    let mut notes = Vec::new();
    for (k, n) in r
        .get("notes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = n.get("at").and_then(Value::as_str).and_then(parse_rfc3339);
        let text = n.get("text").and_then(Value::as_str);
        match (at, text) {
            (Some(at), Some(text)) => notes.push((at, crate::text::sanitize(text))),
            _ => return Err(err(format!("resume.notes[{k}]: expected {{at, text}}"))),
        }
    }
    Ok(Saved {
        branches,
        resume: Some(Resume {
            clock,
            orders,
            notes,
        }),
    })
}

/// Where the journal of `replay` is kept: `$TAPEDECK_JOURNAL`, else beside the notes file
/// (`journal.json` beside `notes.json`, `<name>.journal.json` beside `<name>.json`).
pub fn journal_path(notes: &Path) -> PathBuf {
    if let Some(p) = std::env::var_os("TAPEDECK_JOURNAL").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let stem = notes
        .file_stem()
        .map_or_else(|| "notes".into(), |s| s.to_string_lossy().into_owned());
    let name = if stem == "notes" {
        "journal.json".to_string()
    } else {
        format!("{stem}.journal.json")
    };
    notes.with_file_name(name)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn side_word(s: Side) -> &'static str {
    match s {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

/// `market`, `limit 120.50`, `stop 118.50`, `stop 125.00 limit 125.20`.
pub fn kind_text(k: Kind, decimals: u32) -> String {
    let p = |x: i64| Price(x).display(decimals).to_string();
    match k {
        Kind::Market => "market".into(),
        Kind::Limit { price } => format!("limit {}", p(price)),
        Kind::Stop { stop } => format!("stop {}", p(stop)),
        Kind::StopLimit { stop, limit } => format!("stop {} limit {}", p(stop), p(limit)),
    }
}
