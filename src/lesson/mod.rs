//! Lesson scripts: a JSON file of steps that drive a replay for a class — seek or play to a
//! time, set the speed, select an instrument or pane, stop with a question, reveal an answer
//! that embeds live figures from the snapshot. The format is documented in README.md ("Lesson files").
//!
//! A lesson is read once and checked against the replay it runs on: every time parses and
//! lies inside the replay, every symbol and headline exists, every placeholder names a field
//! that exists. Problems are reported all at once as `file:line: field: what is wrong`.
//! Nothing here touches a terminal; the TUI runs the steps (see `tui::app`).

pub mod question;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::engine::clock::{MAX_SPEED, MIN_SPEED};
use crate::engine::{Snapshot, Store};
use crate::format;
use crate::price::Price;
use crate::replay::Replay;
use crate::replay::json_lines::{array_element_lines, key_line};
use crate::time::{UnixNanos, parse_user_time};

pub const FORMAT: &str = "tapedeck-lesson";
pub const VERSION: u64 = 1;

/// Pane names a step may focus.
pub const PANES: [&str; 8] = [
    "heatmap",
    "headlines",
    "news",
    "board",
    "chart",
    "tape",
    "study",
    "counters",
];

const STEP_KEYS: [&str; 10] = [
    "seek", "play_to", "speed", "select", "pane", "headline", "prompt", "question", "reveal",
    "comment",
];
const TOP_KEYS: [&str; 6] = [
    "format",
    "version",
    "title",
    "replay",
    "description",
    "steps",
];

/// What an instrument placeholder shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstrumentField {
    Last,
    Change,
    ChangePct,
    MarketCapChange,
    Volume,
    Vwap,
    High,
    Low,
    Open,
    /// The prior close (or prior settlement) moves are measured from.
    Reference,
}

impl InstrumentField {
    pub const ALL: [(&'static str, InstrumentField); 10] = [
        ("last", InstrumentField::Last),
        ("change", InstrumentField::Change),
        ("change_pct", InstrumentField::ChangePct),
        ("market_cap_change", InstrumentField::MarketCapChange),
        ("volume", InstrumentField::Volume),
        ("vwap", InstrumentField::Vwap),
        ("high", InstrumentField::High),
        ("low", InstrumentField::Low),
        ("open", InstrumentField::Open),
        ("reference", InstrumentField::Reference),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorField {
    ChangePct,
    MarketCapChange,
}

/// A live figure inside prompt or answer text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Instrument(usize, InstrumentField),
    Sector(usize, SectorField),
    /// Market value change of every instrument with known shares.
    Total,
    /// The replay clock, `HH:MM:SS` in the replay's zone.
    Time,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Text(String),
    Field(Placeholder),
}

/// Text with placeholders, parsed and checked when the lesson is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub source: String,
    pub segments: Vec<Segment>,
}

impl Template {
    /// Parses `{NVDA.change_pct}`, `{sector:AI chips.market_cap_change}`,
    /// `{total.market_cap_change}` and `{time}`; `{{` and `}}` are literal braces.
    pub fn parse(text: &str, store: &Store) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err("a lone '}' (write '}}' for a brace)".into()),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => {
                                return Err(format!(
                                    "placeholder {{{name} is not closed with '}}'"
                                ));
                            }
                        }
                    }
                    if !lit.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut lit)));
                    }
                    segments.push(Segment::Field(parse_placeholder(&name, store)?));
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            segments.push(Segment::Text(lit));
        }
        Ok(Template {
            source: text.to_string(),
            segments,
        })
    }

    /// The text with each placeholder replaced by its value in `snap` (control characters
    /// removed).
    pub fn render(&self, store: &Store, snap: &Snapshot, tz: chrono_tz::Tz) -> String {
        let mut out = String::new();
        for s in &self.segments {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Field(p) => out.push_str(&value(*p, store, snap, tz)),
            }
        }
        crate::text::sanitize(&out)
    }

    pub fn placeholders(&self) -> impl Iterator<Item = Placeholder> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::Field(p) => Some(*p),
            Segment::Text(_) => None,
        })
    }
}

fn parse_placeholder(name: &str, store: &Store) -> Result<Placeholder, String> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("time") {
        return Ok(Placeholder::Time);
    }
    let Some((owner, field)) = name.rsplit_once('.') else {
        return Err(format!(
            "placeholder {{{name}}} needs SYMBOL.field, sector:NAME.field, total.market_cap_change or time"
        ));
    };
    let field = field.trim().to_ascii_lowercase();
    if owner.eq_ignore_ascii_case("total") {
        return if field == "market_cap_change" {
            Ok(Placeholder::Total)
        } else {
            Err(format!(
                "placeholder {{{name}}}: total has only market_cap_change"
            ))
        };
    }
    if let Some(sector) = owner.strip_prefix("sector:") {
        let k = store
            .sectors
            .iter()
            .position(|s| s.eq_ignore_ascii_case(sector.trim()))
            .ok_or_else(|| {
                format!(
                    "placeholder {{{name}}}: no sector {:?} (sectors: {})",
                    sector.trim(),
                    store.sectors.join(", ")
                )
            })?;
        let f = match field.as_str() {
            "change_pct" => SectorField::ChangePct,
            "market_cap_change" => SectorField::MarketCapChange,
            _ => {
                return Err(format!(
                    "placeholder {{{name}}}: a sector has change_pct and market_cap_change"
                ));
            }
        };
        return Ok(Placeholder::Sector(k, f));
    }
    let i = store.symbol_index(owner.trim()).ok_or_else(|| {
        format!(
            "placeholder {{{name}}}: no symbol {:?} in this replay",
            owner.trim()
        )
    })?;
    let f = InstrumentField::ALL
        .iter()
        .find(|(n, _)| *n == field)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let known: Vec<&str> = InstrumentField::ALL.iter().map(|(n, _)| *n).collect();
            format!(
                "placeholder {{{name}}}: unknown field {field:?} (known: {})",
                known.join(", ")
            )
        })?;
    Ok(Placeholder::Instrument(i, f))
}

/// A percent as published (`-16.97%`), or `n/a`.
pub fn format_pct(p: Option<f64>) -> String {
    p.map_or_else(|| "n/a".into(), format::pct)
}

/// Dollars in short form with the sign first (`-$592.3B`), or `n/a`.
pub fn format_money(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), format::dollars)
}

fn format_price(p: Option<Price>, decimals: u32) -> String {
    format::price_or(p, decimals, "n/a")
}

/// The value a placeholder shows at `snap`.
pub fn value(p: Placeholder, store: &Store, snap: &Snapshot, tz: chrono_tz::Tz) -> String {
    match p {
        Placeholder::Time => crate::time::clock_seconds(snap.t, tz).to_string(),
        Placeholder::Total => format_money(snap.total_market_cap_change()),
        Placeholder::Sector(k, f) => {
            let s = snap.sectors.get(k).copied().unwrap_or_default();
            match f {
                SectorField::ChangePct => format_pct(s.change_pct),
                SectorField::MarketCapChange => format_money(s.market_cap_change),
            }
        }
        Placeholder::Instrument(i, f) => {
            let st = snap.instruments.get(i).copied().unwrap_or_default();
            let d = store.instruments[i].decimals;
            match f {
                InstrumentField::Last => format_price(st.last, d),
                InstrumentField::Change => match st.change {
                    Some(c) if c.0 > 0 => format!("+{}", c.display(d)),
                    c => format_price(c, d),
                },
                InstrumentField::ChangePct => format_pct(st.change_pct),
                InstrumentField::MarketCapChange => format_money(st.market_cap_change),
                InstrumentField::Volume => {
                    if st.open.is_some() {
                        format::volume(st.volume)
                    } else {
                        "n/a".into()
                    }
                }
                InstrumentField::Vwap => format_price(st.vwap, d),
                InstrumentField::High => format_price(st.high, d),
                InstrumentField::Low => format_price(st.low, d),
                InstrumentField::Open => format_price(st.open, d),
                InstrumentField::Reference => format_price(Some(store.instruments[i].reference), d),
            }
        }
    }
}

/// One step. Everything in it happens in this order: speed, select, pane; then seek (or play
/// to a time and wait until the clock gets there); then headline; then the prompt or the
/// reveal, where the lesson waits for the presenter's key.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Line in the file where the step starts.
    pub line: usize,
    pub seek: Option<UnixNanos>,
    pub play_to: Option<UnixNanos>,
    pub speed: Option<f64>,
    pub select: Option<usize>,
    pub pane: Option<String>,
    /// Index into the store's headlines.
    pub headline: Option<usize>,
    pub prompt: Option<Template>,
    /// A scored question on the prompt (`question` in the file): the class answers it and the
    /// true value comes from the snapshot at the reveal.
    pub question: Option<question::Question>,
    pub reveal: Option<Template>,
}

impl Step {
    /// A stop: the lesson waits here for the presenter.
    pub fn waits(&self) -> bool {
        self.prompt.is_some() || self.reveal.is_some()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub file: PathBuf,
    pub title: String,
    pub description: Option<String>,
    pub steps: Vec<Step>,
}

impl Lesson {
    /// Number of prompts (the stops a class sees as questions).
    pub fn stops(&self) -> usize {
        self.steps.iter().filter(|s| s.prompt.is_some()).count()
    }

    /// Number of stops with a scored question.
    pub fn questions(&self) -> usize {
        self.steps.iter().filter(|s| s.question.is_some()).count()
    }

    /// Reads and checks a lesson file against the replay it will run on.
    pub fn load(path: &Path, replay: &Replay) -> Result<Lesson, LessonError> {
        let text = std::fs::read_to_string(path).map_err(|e| LessonError {
            problems: vec![format!("{}: cannot read lesson: {e}", path.display())],
        })?;
        Lesson::parse(&text, path, replay)
    }

    /// Parses and checks lesson text; `file` names it in errors.
    pub fn parse(text: &str, file: &Path, replay: &Replay) -> Result<Lesson, LessonError> {
        let mut p = Checker {
            file: file.display().to_string(),
            text,
            problems: Vec::new(),
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                p.at(e.line().max(1), "", &format!("not valid JSON: {e}"));
                return Err(p.into_error());
            }
        };
        let Some(top) = value.as_object() else {
            p.at(
                1,
                "",
                "a lesson is a JSON object with \"title\" and \"steps\"",
            );
            return Err(p.into_error());
        };
        for k in top.keys() {
            if !TOP_KEYS.contains(&k.as_str()) {
                let line = key_line(text, k).unwrap_or(1);
                p.at(
                    line,
                    k,
                    &format!("unknown key (known: {})", TOP_KEYS.join(", ")),
                );
            }
        }
        let top_line = |k: &str| key_line(text, k).unwrap_or(1);
        match top.get("format") {
            None => {}
            Some(Value::String(s)) if s == FORMAT => {}
            Some(other) => p.at(
                top_line("format"),
                "format",
                &format!("expected \"{FORMAT}\", found {other}"),
            ),
        }
        match top.get("version") {
            None => {}
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(other) => p.at(
                top_line("version"),
                "version",
                &format!("this tapedeck reads version {VERSION}, found {other}"),
            ),
        }
        let title = match top.get("title") {
            Some(Value::String(s)) if !s.trim().is_empty() => crate::text::sanitize(s),
            Some(_) => {
                p.at(top_line("title"), "title", "must be a non-empty string");
                String::new()
            }
            None => {
                p.at(1, "title", "missing: every lesson has a title");
                String::new()
            }
        };
        let description = match top.get("description") {
            Some(Value::String(s)) => Some(crate::text::sanitize(s)),
            Some(_) => {
                p.at(top_line("description"), "description", "must be a string");
                None
            }
            None => None,
        };
        match top.get("replay") {
            None => {}
            Some(Value::String(s)) if *s == replay.manifest.name => {}
            Some(Value::String(s)) => p.at(
                top_line("replay"),
                "replay",
                &format!(
                    "this lesson is for replay {:?}, but {:?} is open",
                    crate::text::sanitize(s),
                    replay.manifest.name
                ),
            ),
            Some(_) => p.at(top_line("replay"), "replay", "must be a replay name"),
        }
        let steps_v = match top.get("steps") {
            Some(Value::Array(a)) if !a.is_empty() => a.as_slice(),
            Some(Value::Array(_)) => {
                p.at(
                    top_line("steps"),
                    "steps",
                    "is empty: add at least one step",
                );
                &[]
            }
            Some(_) => {
                p.at(top_line("steps"), "steps", "must be an array of steps");
                &[]
            }
            None => {
                p.at(1, "steps", "missing: a lesson is a list of steps");
                &[]
            }
        };
        let starts = array_element_lines(text, Some("steps"));
        let mut steps = Vec::new();
        for (k, v) in steps_v.iter().enumerate() {
            let line = starts.get(k).copied().unwrap_or(1);
            let end = starts.get(k + 1).copied();
            if let Some(step) = p.step(k, v, line, end, replay) {
                steps.push(step);
            }
        }
        if !steps_v.is_empty() && p.problems.is_empty() && !steps.iter().any(Step::waits) {
            p.at(
                top_line("steps"),
                "steps",
                "no step has a prompt or a reveal, so the lesson would never stop",
            );
        }
        if p.problems.is_empty() {
            Ok(Lesson {
                file: file.to_path_buf(),
                title,
                description,
                steps,
            })
        } else {
            Err(p.into_error())
        }
    }
}

/// Every problem in a lesson file, one `file:line: field: what is wrong` per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonError {
    pub problems: Vec<String>,
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for LessonError {}

struct Checker<'t> {
    file: String,
    text: &'t str,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn at(&mut self, line: usize, field: &str, msg: &str) {
        let msg = crate::text::sanitize(msg);
        if field.is_empty() {
            self.problems.push(format!("{}:{line}: {msg}", self.file));
        } else {
            self.problems
                .push(format!("{}:{line}: {field}: {msg}", self.file));
        }
    }

    fn into_error(self) -> LessonError {
        LessonError {
            problems: self.problems,
        }
    }

    /// Line of `"key"` inside the step that starts at `start` (before `end`), else `start`.
    fn key_line_in(&self, key: &str, start: usize, end: Option<usize>) -> usize {
        let needle = format!("\"{key}\"");
        self.text
            .lines()
            .enumerate()
            .skip(start.saturating_sub(1))
            .take_while(|(i, _)| end.is_none_or(|e| i + 1 < e.max(start + 1)))
            .find(|(_, l)| l.contains(&needle))
            .map_or(start, |(i, _)| i + 1)
    }

    fn step(
        &mut self,
        k: usize,
        v: &Value,
        start: usize,
        end: Option<usize>,
        replay: &Replay,
    ) -> Option<Step> {
        let name = |key: &str| format!("steps[{k}].{key}");
        let Some(obj) = v.as_object() else {
            self.at(
                start,
                &format!("steps[{k}]"),
                "a step is an object such as {\"seek\": \"09:30\"}",
            );
            return None;
        };
        let before = self.problems.len();
        for key in obj.keys() {
            if !STEP_KEYS.contains(&key.as_str()) {
                let line = self.key_line_in(key, start, end);
                self.at(
                    line,
                    &name(key),
                    &format!("unknown key (known: {})", STEP_KEYS.join(", ")),
                );
            }
        }
        if obj.is_empty() {
            self.at(
                start,
                &format!("steps[{k}]"),
                "empty step: give it seek, play_to, speed, select, pane, headline, prompt or reveal",
            );
        }
        let store = &replay.store;
        let mut step = Step {
            line: start,
            seek: None,
            play_to: None,
            speed: None,
            select: None,
            pane: None,
            headline: None,
            prompt: None,
            question: None,
            reveal: None,
        };
        if obj.contains_key("seek") && obj.contains_key("play_to") {
            let line = self.key_line_in("play_to", start, end);
            self.at(
                line,
                &name("play_to"),
                "a step either seeks or plays to a time, not both",
            );
        }
        step.seek = self.time(obj, "seek", k, start, end, replay);
        step.play_to = self.time(obj, "play_to", k, start, end, replay);
        if let Some(v) = obj.get("speed") {
            let line = self.key_line_in("speed", start, end);
            match v.as_f64() {
                Some(s) if (MIN_SPEED..=MAX_SPEED).contains(&s) => step.speed = Some(s),
                _ => self.at(
                    line,
                    &name("speed"),
                    &format!("must be a number from {MIN_SPEED} to {MAX_SPEED} (times real time), found {v}"),
                ),
            }
        }
        if let Some(sym) = self.string(obj, "select", k, start, end) {
            if let Some(i) = store.symbol_index(&sym) {
                step.select = Some(i);
            } else {
                let line = self.key_line_in("select", start, end);
                self.at(
                    line,
                    &name("select"),
                    &format!("no symbol {sym:?} in this replay"),
                );
            }
        }
        if let Some(pane) = self.string(obj, "pane", k, start, end) {
            let lower = pane.to_ascii_lowercase();
            if PANES.contains(&lower.as_str()) {
                step.pane = Some(lower);
            } else {
                let line = self.key_line_in("pane", start, end);
                self.at(
                    line,
                    &name("pane"),
                    &format!("unknown pane {pane:?} (known: {})", PANES.join(", ")),
                );
            }
        }
        if let Some(id) = self.string(obj, "headline", k, start, end) {
            if let Some(i) = store.headlines.iter().position(|h| h.id == id) {
                step.headline = Some(i);
            } else {
                let line = self.key_line_in("headline", start, end);
                self.at(
                    line,
                    &name("headline"),
                    &format!("no headline with id {id:?} in this replay"),
                );
            }
        }
        for key in ["prompt", "reveal"] {
            if let Some(text) = self.string(obj, key, k, start, end) {
                let line = self.key_line_in(key, start, end);
                if text.trim().is_empty() {
                    self.at(line, &name(key), "is empty");
                    continue;
                }
                match Template::parse(&text, store) {
                    Ok(t) => {
                        if key == "prompt" {
                            step.prompt = Some(t);
                        } else {
                            step.reveal = Some(t);
                        }
                    }
                    Err(e) => self.at(line, &name(key), &e),
                }
            }
        }
        if let Some(v) = obj.get("question") {
            let line = self.key_line_in("question", start, end);
            if obj.contains_key("prompt") {
                match question::parse(v, store) {
                    Ok(q) => step.question = Some(q),
                    Err((field, e)) => self.at(line, &name(&field), &e),
                }
            } else {
                self.at(
                    line,
                    &name("question"),
                    "a question goes with a prompt, in the same step",
                );
            }
        }
        if let Some(v) = obj.get("comment")
            && !v.is_string()
        {
            let line = self.key_line_in("comment", start, end);
            self.at(line, &name("comment"), "must be a string");
        }
        (self.problems.len() == before).then_some(step)
    }

    fn string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        k: usize,
        start: usize,
        end: Option<usize>,
    ) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let line = self.key_line_in(key, start, end);
                self.at(
                    line,
                    &format!("steps[{k}].{key}"),
                    &format!("must be a string, found {other}"),
                );
                None
            }
        }
    }

    fn time(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        k: usize,
        start: usize,
        end: Option<usize>,
        replay: &Replay,
    ) -> Option<UnixNanos> {
        let text = self.string(obj, key, k, start, end)?;
        let line = self.key_line_in(key, start, end);
        let field = format!("steps[{k}].{key}");
        match parse_user_time(&text, replay.date, replay.tz) {
            Ok(t) if t < replay.store.start || t > replay.store.end => {
                self.at(
                    line,
                    &field,
                    &format!(
                        "{text:?} is outside the replay ({} to {})",
                        crate::time::rfc3339_in(replay.store.start, replay.tz),
                        crate::time::rfc3339_in(replay.store.end, replay.tz)
                    ),
                );
                None
            }
            Ok(t) => Some(t),
            Err(e) => {
                self.at(line, &field, &e);
                None
            }
        }
    }
}
