//! The app's side of practice trading: trading keys and prompts go to [`Trading::update`],
//! every clock move is told to it, and what it answers is shown or saved. The trading state
//! itself lives in `tui/trading.rs`.

use std::path::PathBuf;
use std::time::Duration;

use super::super::action::TradeKey;
use super::super::model::{Pane, PromptKind};
use super::super::trading::{self, Done, Saved};
use super::super::view::{PositionRow, TradingView};
use super::{App, Effect};
use crate::price::Price;

impl App<'_> {
    pub fn trading(&self) -> &trading::Trading {
        &self.trading
    }

    /// The orders-and-positions pane is on screen.
    pub fn orders_shown(&self) -> bool {
        self.trading.shown && !self.study && !self.presenter
    }

    pub(super) fn open_journal(&mut self, journal: Option<(PathBuf, Option<Saved>)>) {
        let Some((path, saved)) = journal else { return };
        self.trading.open(path, saved);
        if let Some(offer) = self.trading.offer(self.tz()) {
            self.open_prompt(PromptKind::ContinueJournal, String::new());
            self.say(format!("the last practice journal holds {offer}"));
        }
    }

    pub(super) fn trade_key(&mut self, key: TradeKey, wall: Duration) {
        let selected = self.selected;
        let msg = match key {
            TradeKey::Buy | TradeKey::Sell => trading::Msg::Market {
                instrument: selected,
                side: if key == TradeKey::Buy {
                    crate::practice::fills::Side::Buy
                } else {
                    crate::practice::fills::Side::Sell
                },
            },
            TradeKey::Ticket => {
                let symbol = self.replay.store.instruments[selected].symbol.clone();
                self.open_prompt(PromptKind::Order, String::new());
                self.say(format!(
                    "order for {symbol} (or name another symbol); Esc cancels"
                ));
                return;
            }
            TradeKey::Flatten => trading::Msg::Flatten,
            TradeKey::CancelAll => trading::Msg::CancelAll,
            TradeKey::Orders => {
                self.trading.shown = !self.trading.shown;
                if !self.trading.shown && self.focus == Pane::Orders {
                    self.focus = Pane::Board;
                    self.zoom = false;
                }
                return;
            }
        };
        self.trade(msg, wall);
    }

    /// The order ticket's line was submitted.
    pub(super) fn submit_ticket(&mut self, text: &str, wall: Duration) {
        if text.is_empty() {
            return;
        }
        let msg = trading::Msg::Ticket {
            text: text.to_string(),
            selected: self.selected,
        };
        self.trade(msg, wall);
    }

    /// The answer to "continue the last journal?".
    pub(super) fn answer_journal(&mut self, text: &str, wall: Duration) -> Result<(), String> {
        let yes = match text.to_ascii_lowercase().as_str() {
            "y" | "yes" => true,
            "n" | "no" | "" => false,
            _ => {
                self.open_prompt(PromptKind::ContinueJournal, String::new());
                return Err("type y to continue the last journal or n to start anew".into());
            }
        };
        self.trade(trading::Msg::Continue(yes), wall);
        Ok(())
    }

    /// Tells trading the clock moved (every refresh).
    pub(super) fn trading_clock(&mut self) {
        let d = self
            .trading
            .update(&self.replay.store, trading::Msg::Clock(self.snap.t));
        if d.save {
            self.effects.push(Effect::SaveJournal);
        }
    }

    pub(super) fn trade(&mut self, msg: trading::Msg, wall: Duration) {
        let was_active = self.trading.active();
        let Done { said, save, seek } = self.trading.update(&self.replay.store, msg);
        if let Some(t) = seek {
            self.seek(wall, t, false);
        }
        if save {
            self.effects.push(Effect::SaveJournal);
        }
        if self.trading.active() && !was_active {
            // The first order shows the account.
            self.trading.shown = true;
        }
        match said {
            Some(Ok(text)) => self.say(text),
            Some(Err(text)) => self.complain(text),
            None => {}
        }
        self.redraw = true;
    }

    pub(super) fn journal_saved(&mut self, result: Result<PathBuf, String>) {
        if let Err(e) = result {
            self.complain(format!("journal not saved: {e}"));
        }
    }

    /// The account at the clock for the frame, when trading has started or its pane is shown.
    pub(super) fn trading_view(&self) -> Option<TradingView> {
        if !self.trading.active() && !self.orders_shown() {
            return None;
        }
        let store = &self.replay.store;
        let last = |i: usize| self.snap.instruments[i].last;
        let positions = self
            .trading
            .positions()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.qty != 0 || p.realized != 0 || p.fees != 0)
            .map(|(i, p)| PositionRow {
                instrument: i,
                qty: p.qty,
                avg: Price(p.avg_price),
                last: last(i),
                unrealized: last(i).map_or(0, |l| {
                    p.unrealized(l.0, crate::practice::multiplier(store, i))
                }),
                realized: p.realized - p.fees,
            })
            .collect();
        let (realized, unrealized) = self.trading.pnl(store, last);
        Some(TradingView {
            positions,
            working: self.trading.working(),
            realized,
            unrealized,
            fills: self.trading.fills().len(),
            journal: self.trading.path().map(std::path::Path::to_path_buf),
        })
    }
}
