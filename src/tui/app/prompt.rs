//! The input line: typing, and what each prompt does with the text when submitted.

use std::time::Duration;

use crate::time::{UnixNanos, clock_seconds, parse_user_time};

use super::super::model::Note;
use super::{Action, App, Effect, HeadlineFilter, Input, Prompt, PromptKind};

const MAX_INPUT: usize = 64;
/// Notes may be longer than a symbol list or a time.
const MAX_NOTE: usize = 240;

impl App<'_> {
    pub(super) fn open_prompt(&mut self, kind: PromptKind, text: String) {
        self.prompt = Some(Prompt { kind, text });
    }

    pub(super) fn symbols_text(&self, list: &[usize]) -> String {
        let names: Vec<&str> = list
            .iter()
            .map(|&i| self.replay.store.instruments[i].symbol.as_str())
            .collect();
        names.join(" ")
    }

    fn parse_symbols(&self, text: &str) -> Result<Vec<usize>, String> {
        text.split([' ', ',', ';'])
            .filter(|s| !s.is_empty())
            .map(|s| {
                self.replay
                    .store
                    .symbol_index(s)
                    .ok_or_else(|| format!("unknown symbol {:?}", crate::text::sanitize(s)))
            })
            .collect()
    }

    pub(super) fn input(&mut self, input: Input, wall: Duration) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match input {
            Input::Char(c) => {
                let max = if prompt.kind == PromptKind::Note {
                    MAX_NOTE
                } else {
                    MAX_INPUT
                };
                if !c.is_control() && prompt.text.chars().count() < max {
                    prompt.text.push(c);
                }
            }
            Input::Backspace => {
                prompt.text.pop();
            }
            Input::Cancel => {
                // Esc on the offer to continue the last journal declines it.
                if self
                    .prompt
                    .take()
                    .is_some_and(|p| p.kind == PromptKind::ContinueJournal)
                {
                    self.trade(super::super::trading::Msg::Continue(false), wall);
                }
            }
            Input::Submit => {
                let Prompt { kind, text } = self.prompt.take().unwrap_or(Prompt {
                    kind: PromptKind::GoTo,
                    text: String::new(),
                });
                if let Err(e) = self.submit(kind, text.trim(), wall) {
                    self.complain(e);
                }
            }
        }
    }

    fn submit(&mut self, kind: PromptKind, text: &str, wall: Duration) -> Result<(), String> {
        match kind {
            PromptKind::GoTo => {
                if text.is_empty() {
                    return Ok(());
                }
                let t = self.parse_goto(text)?;
                self.user_seek(wall, t, false);
            }
            PromptKind::Filter => {
                self.tape_filter = self.parse_symbols(text)?;
                self.tape_scroll = 0;
                self.refresh_tape();
            }
            PromptKind::Chart => {
                let list = self.parse_symbols(text)?;
                match list.as_slice() {
                    [] => {}
                    [a] => self.selected = *a,
                    [a, b] => {
                        self.selected = *a;
                        self.compare = Some(*b);
                    }
                    _ => return Err("chart takes one symbol, or two to compare".into()),
                }
            }
            PromptKind::Compare => {
                let list = self.parse_symbols(text)?;
                match list.as_slice() {
                    [] => self.compare = None,
                    [a] => self.compare = Some(*a),
                    _ => return Err("compare takes one symbol".into()),
                }
            }
            PromptKind::PauseFilter => {
                self.playback
                    .set_filter(HeadlineFilter::parse(text, &self.replay.store.headlines)?);
                self.say(format!(
                    "auto-pause on at {}; {} runs to the next one",
                    self.playback.filter().label(),
                    self.keys_text(Action::RunToNext)
                ));
            }
            PromptKind::Order => self.submit_ticket(text, wall),
            PromptKind::ContinueJournal => self.answer_journal(text, wall)?,
            PromptKind::Note => {
                let text = crate::text::sanitize(text);
                if text.is_empty() {
                    return Ok(());
                }
                self.trade(super::super::trading::Msg::Note(text.clone()), wall);
                let ts = self.now();
                let at = self.notes.partition_point(|n| n.ts <= ts);
                self.notes.insert(at, Note { ts, text });
                self.notes_selected = at;
                self.effects.push(Effect::SaveNotes);
                self.say(format!(
                    "note added at {} ({} lists notes)",
                    clock_seconds(ts, self.tz()),
                    self.keys_text(Action::Notes)
                ));
            }
        }
        Ok(())
    }

    /// A time typed after `g`: a session word (`open`, `close`, `premarket`, a phase's name,
    /// `start`, `end`) or a time `time::parse_user_time` reads, in the zone shown.
    pub fn parse_goto(&self, text: &str) -> Result<UnixNanos, String> {
        let store = &self.replay.store;
        let word = text.trim().to_ascii_lowercase();
        let phase = |name: &str| {
            store
                .phases
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
        };
        let t = match word.as_str() {
            "start" => store.start,
            "end" => store.end,
            "open" => phase("regular")
                .map(|p| p.start)
                .ok_or("this replay has no regular session")?,
            "close" => phase("regular")
                .map(|p| p.end)
                .ok_or("this replay has no regular session")?,
            w if phase(w).is_some() => phase(w).map_or(store.start, |p| p.start),
            _ => parse_user_time(text, self.replay.date, self.tz())?,
        };
        if t < store.start || t > store.end {
            return Err(format!(
                "{} is outside the replay ({} to {})",
                crate::text::sanitize(text),
                crate::time::rfc3339_in(store.start, self.tz()),
                crate::time::rfc3339_in(store.end, self.tz())
            ));
        }
        Ok(t)
    }
}
