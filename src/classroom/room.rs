//! A class in one value: who joined, which stop the teacher is at, every answer, the scores.
//! Pure and synchronous: the server calls it under a lock, tests call it directly. It only
//! ever holds what the teacher's app sent it, so nothing after the teacher's clock can leak.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::lesson::question::{Guess, Question, Truth};

/// Longest display name kept, in characters.
pub const NAME_MAX: usize = 24;

/// Where the teacher is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Playing,
    Question,
    Reveal,
    Ended,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Playing => "playing",
            Phase::Question => "question",
            Phase::Reveal => "reveal",
            Phase::Ended => "ended",
        }
    }
}

/// A price on the students' page between stops, already formatted by the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub symbol: String,
    pub last: String,
    pub change: String,
}

/// What the teacher's app tells the class. Each carries only what is on the teacher's screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Teacher {
    /// The replay clock and a few prices (sent while playing, a few times a second at most).
    Clock {
        text: String,
        quotes: Vec<Quote>,
    },
    /// The teacher's clock in UTC nanoseconds, for terminals that follow it (`tapedeck join`);
    /// sent just before a `Clock`, which announces the change.
    At(i64),
    /// A stop's prompt is on screen; `question` is `None` for a discussion-only stop.
    Ask {
        stop: usize,
        prompt: String,
        question: Option<Question>,
        /// Decimals the true value is shown with.
        decimals: usize,
    },
    /// The stop's answer is on screen: the true value at the teacher's clock.
    Reveal {
        stop: usize,
        truth: Option<Truth>,
        text: String,
    },
    /// The stop is over; the replay goes on.
    Resume,
    Ended,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub name: String,
    pub token: String,
}

/// One stop's question and answers.
#[derive(Debug, Clone)]
pub struct Stop {
    pub prompt: String,
    pub question: Option<Question>,
    pub decimals: usize,
    /// Student index → their latest answer before the reveal.
    pub answers: BTreeMap<usize, Guess>,
    pub truth: Option<Truth>,
    pub reveal_text: Option<String>,
    pub revealed: bool,
}

impl Stop {
    /// The numbers guessed at this stop.
    fn numbers(&self) -> Vec<f64> {
        self.answers
            .values()
            .filter_map(|g| match g {
                Guess::Number(x) => Some(*x),
                Guess::Choice(_) => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    WrongCode,
    Full(usize),
    BadName(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub enum AnswerError {
    /// The stop is not the one asked now (or it is over).
    NotAsked,
    /// The answer has been revealed: no more answers count.
    Revealed,
    /// A discussion stop: nothing to answer.
    NoQuestion,
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct Room {
    pub code: String,
    pub teacher_token: String,
    pub max_students: usize,
    pub title: String,
    pub students: Vec<Student>,
    tokens: HashMap<String, usize>,
    pub stops: BTreeMap<usize, Stop>,
    pub current: Option<usize>,
    pub phase: Phase,
    pub clock: String,
    pub clock_ns: Option<i64>,
    pub quotes: Vec<Quote>,
    /// Bumped on every change: pages refresh when it moves.
    pub version: u64,
    /// Answers accepted, in all (a re-answer counts again).
    pub answers_received: u64,
    /// Answers read back by `--resume`, taken in when the teacher reaches their stop again
    /// (the question, which reads them, comes with the stop).
    restored: BTreeMap<usize, Vec<(usize, Value)>>,
    /// Those stops as the results last recorded them (prompt, truth, points), written back
    /// unchanged until the teacher asks them again, so a resumed class keeps them on disk.
    written: BTreeMap<usize, Value>,
}

/// One line of the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub student: usize,
    pub name: String,
    pub points: u32,
    pub answered: usize,
}

impl Room {
    pub fn new(code: String, teacher_token: String, max_students: usize, title: String) -> Room {
        Room {
            code,
            teacher_token,
            max_students,
            title,
            students: Vec::new(),
            tokens: HashMap::new(),
            stops: BTreeMap::new(),
            current: None,
            phase: Phase::Playing,
            clock: String::new(),
            clock_ns: None,
            quotes: Vec::new(),
            version: 1,
            answers_received: 0,
            restored: BTreeMap::new(),
            written: BTreeMap::new(),
        }
    }

    /// A student joins with the class code and a name (control characters removed, capped at
    /// [`NAME_MAX`], made unique with a number); returns their index. `token` is theirs.
    pub fn join(&mut self, code: &str, name: &str, token: String) -> Result<usize, JoinError> {
        if !code.trim().eq_ignore_ascii_case(&self.code) {
            return Err(JoinError::WrongCode);
        }
        if self.students.len() >= self.max_students {
            return Err(JoinError::Full(self.max_students));
        }
        let clean: String = crate::text::sanitize(name)
            .trim()
            .chars()
            .take(NAME_MAX)
            .collect();
        let clean = clean.trim().to_string();
        if clean.is_empty() {
            return Err(JoinError::BadName("give a name to show the class"));
        }
        let mut unique = clean.clone();
        let mut n = 2;
        while self
            .students
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(&unique))
        {
            // The number goes inside the cap: the name gives way to it (a 24-character name
            // given twice came out 28 long; found by the classroom_request fuzz target).
            let tag = format!(" ({n})");
            let keep: String = clean.chars().take(NAME_MAX - tag.len()).collect();
            unique = format!("{}{tag}", keep.trim_end());
            n += 1;
        }
        Ok(self.add_student(unique, token))
    }

    /// Adds a student as they were (a resumed class).
    pub fn add_student(&mut self, name: String, token: String) -> usize {
        let id = self.students.len();
        self.tokens.insert(token.clone(), id);
        self.students.push(Student { name, token });
        self.version += 1;
        id
    }

    /// An answer read back from a class's results, counted when its stop is asked again.
    pub fn restore_answer(&mut self, stop: usize, student: usize, value: Value) {
        self.restored
            .entry(stop)
            .or_default()
            .push((student, value));
    }

    /// A stop as a class's results recorded it, kept as written until it is asked again.
    pub fn restore_stop(&mut self, stop: usize, written: Value) {
        self.written.insert(stop, written);
    }

    /// Stops read back by `--resume` and not asked again yet, as they were written.
    pub fn restored_stops(&self) -> &BTreeMap<usize, Value> {
        &self.written
    }

    pub fn student(&self, token: &str) -> Option<usize> {
        self.tokens.get(token).copied()
    }

    pub fn is_teacher(&self, token: &str) -> bool {
        !self.teacher_token.is_empty() && constant_time_eq(token, &self.teacher_token)
    }

    pub fn apply(&mut self, cmd: Teacher) {
        match cmd {
            Teacher::At(ns) => {
                self.clock_ns = Some(ns);
                return;
            }
            Teacher::Clock { text, quotes } => {
                if text == self.clock && quotes == self.quotes {
                    return;
                }
                self.clock = text;
                self.quotes = quotes;
            }
            Teacher::Ask {
                stop,
                prompt,
                question,
                decimals,
            } => {
                // Asking a stop again (the teacher went back, or a resumed class) keeps its answers.
                let s = self.stops.entry(stop).or_insert_with(|| Stop {
                    prompt: String::new(),
                    question: None,
                    decimals,
                    answers: BTreeMap::new(),
                    truth: None,
                    reveal_text: None,
                    revealed: false,
                });
                s.prompt = prompt;
                let written = self.written.remove(&stop);
                if let (Some(q), Some(old)) = (&question, self.restored.remove(&stop)) {
                    for (student, v) in old {
                        if let Ok(g) = Guess::parse(q, &v) {
                            s.answers.entry(student).or_insert(g);
                        }
                    }
                }
                // A stop revealed before a restart stays closed, with the truth it had.
                if let (Some(q), Some(w)) = (&question, &written)
                    && w["revealed"] == Value::Bool(true)
                {
                    s.revealed = true;
                    s.truth = match &w["truth"] {
                        Value::Number(n) => n.as_f64().map(Truth::Number),
                        Value::String(c) => {
                            q.choices().iter().position(|x| x == c).map(Truth::Choice)
                        }
                        _ => None,
                    };
                }
                s.question = question;
                s.decimals = decimals;
                self.current = Some(stop);
                // Once revealed, a stop stays closed: going back to its question shows the
                // answer again and takes no new answers.
                self.phase = if s.revealed {
                    Phase::Reveal
                } else {
                    Phase::Question
                };
            }
            Teacher::Reveal { stop, truth, text } => {
                if let Some(s) = self.stops.get_mut(&stop) {
                    s.truth = truth;
                    s.reveal_text = Some(text);
                    s.revealed = true;
                    self.current = Some(stop);
                    self.phase = Phase::Reveal;
                }
            }
            Teacher::Resume => {
                self.current = None;
                self.phase = Phase::Playing;
            }
            Teacher::Ended => {
                self.current = None;
                self.phase = Phase::Ended;
            }
        }
        self.version += 1;
    }

    /// A student's answer to `stop`; the last one before the reveal is the one that counts.
    pub fn answer(
        &mut self,
        student: usize,
        stop: usize,
        value: &Value,
    ) -> Result<(), AnswerError> {
        if self.current != Some(stop) {
            return Err(AnswerError::NotAsked);
        }
        let s = self.stops.get_mut(&stop).ok_or(AnswerError::NotAsked)?;
        if s.revealed {
            return Err(AnswerError::Revealed);
        }
        let q = s.question.as_ref().ok_or(AnswerError::NoQuestion)?;
        let g = Guess::parse(q, value).map_err(AnswerError::Invalid)?;
        s.answers.insert(student, g);
        self.answers_received += 1;
        self.version += 1;
        Ok(())
    }

    /// Points a student earned at a revealed stop.
    pub fn points(&self, stop: &Stop, student: usize) -> Option<u32> {
        let (q, t) = (stop.question.as_ref()?, stop.truth.as_ref()?);
        if !stop.revealed {
            return None;
        }
        stop.answers.get(&student).map(|g| q.points(g, t))
    }

    /// Everyone by points (then by name), revealed stops only.
    pub fn leaderboard(&self) -> Vec<Standing> {
        let mut rows: Vec<Standing> = self
            .students
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut points = 0;
                let mut answered = 0;
                for stop in self.stops.values() {
                    if let Some(p) = self.points(stop, i) {
                        points += p;
                        answered += 1;
                    }
                }
                Standing {
                    student: i,
                    name: s.name.clone(),
                    points,
                    answered,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.name.cmp(&b.name)));
        rows
    }

    /// The state a student's page shows: only what the teacher has on screen.
    pub fn state_for(&self, student: Option<usize>) -> Value {
        let mut v = json!({
            "title": self.title,
            "phase": self.phase.name(),
            "stop": self.current,
            "stops": self.stops.len(),
            "clock": self.clock,
            "clock_ns": self.clock_ns,
            "students": self.students.len(),
            "quotes": self.quotes.iter().map(|q| json!({"symbol": q.symbol, "last": q.last, "change": q.change})).collect::<Vec<_>>(),
            "version": self.version,
        });
        if let Some(i) = student {
            v["name"] = json!(self.students[i].name);
            v["score"] = json!(
                self.leaderboard()
                    .iter()
                    .find(|r| r.student == i)
                    .map_or(0, |r| r.points)
            );
        }
        let Some(stop) = self.current.and_then(|k| self.stops.get(&k)) else {
            return v;
        };
        v["prompt"] = json!(stop.prompt);
        match &stop.question {
            Some(q) => {
                v["kind"] = json!(q.kind_name());
                v["ask"] = json!(q.ask);
                v["choices"] = json!(q.choices());
                v["unit"] = json!(q.unit());
            }
            None => v["kind"] = json!("open"),
        }
        if let Some(i) = student
            && let Some(g) = stop.answers.get(&i)
        {
            v["yours"] = guess_json(stop, *g);
        }
        if stop.revealed {
            v["reveal"] = json!(stop.reveal_text);
            if let (Some(q), Some(t)) = (&stop.question, &stop.truth) {
                v["answer"] = truth_json(stop, q, t);
                v["spread"] = spread(stop);
                if let Some(i) = student
                    && let Some(g) = stop.answers.get(&i)
                {
                    v["points"] = json!(q.points(g, t));
                    if let (Guess::Number(g), Truth::Number(t)) = (g, t) {
                        v["error"] = json!(round_to(g - t, stop.decimals));
                    }
                }
            }
        }
        v
    }

    /// What the teacher's panel shows.
    pub fn tally(&self) -> Tally {
        let stop = self
            .current
            .and_then(|k| self.stops.get(&k).map(|s| (k, s)));
        let mut t = Tally {
            code: self.code.clone(),
            students: self.students.len(),
            max_students: self.max_students,
            phase: self.phase,
            stop: stop.map(|(k, _)| k),
            answered: stop.map_or(0, |(_, s)| s.answers.len()),
            answers_received: self.answers_received,
            leaderboard: self
                .leaderboard()
                .into_iter()
                .take(10)
                .map(|r| (r.name, r.points))
                .collect(),
            ..Tally::default()
        };
        let Some((_, s)) = stop else { return t };
        let Some(q) = &s.question else { return t };
        t.kind = q.kind_name();
        t.unit = q.unit().to_string();
        t.decimals = s.decimals;
        let choices = q.choices();
        if choices.is_empty() {
            let guesses = s.numbers();
            t.median = median(&guesses);
            if s.revealed
                && let Some(Truth::Number(x)) = s.truth
            {
                t.truth = Some(x);
            }
            t.bins = histogram(&guesses, t.truth, 12);
        } else {
            let mut counts = vec![0u32; choices.len()];
            for g in s.answers.values() {
                if let Guess::Choice(k) = g
                    && let Some(c) = counts.get_mut(*k)
                {
                    *c += 1;
                }
            }
            t.choices = choices.into_iter().zip(counts).collect();
            if s.revealed
                && let Some(Truth::Choice(k)) = s.truth
            {
                t.true_choice = Some(k);
            }
        }
        t
    }
}

/// The teacher's panel, sent to the app over a watch channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub code: String,
    pub students: usize,
    pub max_students: usize,
    pub phase: Phase,
    pub stop: Option<usize>,
    pub answered: usize,
    pub answers_received: u64,
    pub kind: &'static str,
    pub unit: String,
    pub decimals: usize,
    /// Number questions: the guesses' histogram (edges and counts), the median guess and, at
    /// the reveal, the true value.
    pub bins: Option<Histogram>,
    pub median: Option<f64>,
    pub truth: Option<f64>,
    /// Choice questions: each choice and how many picked it; the right one at the reveal.
    pub choices: Vec<(String, u32)>,
    pub true_choice: Option<usize>,
    pub leaderboard: Vec<(String, u32)>,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            code: String::new(),
            students: 0,
            max_students: 0,
            phase: Phase::Playing,
            stop: None,
            answered: 0,
            answers_received: 0,
            kind: "",
            unit: String::new(),
            decimals: 2,
            bins: None,
            median: None,
            truth: None,
            choices: Vec::new(),
            true_choice: None,
            leaderboard: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u32>,
}

impl Histogram {
    /// The bin `x` falls in.
    pub fn bin(&self, x: f64) -> usize {
        let n = self.counts.len();
        if self.hi <= self.lo {
            return 0;
        }
        (((x - self.lo) / (self.hi - self.lo) * n as f64) as usize).min(n - 1)
    }
}

/// Equal-width bins over the guesses and the truth (so the truth is always on the axis).
pub fn histogram(xs: &[f64], truth: Option<f64>, n: usize) -> Option<Histogram> {
    let all = xs.iter().copied().chain(truth);
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
        (l.min(x), h.max(x))
    });
    if !lo.is_finite() {
        return None;
    }
    let (lo, hi) = if hi - lo < 1e-9 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let mut h = Histogram {
        lo,
        hi,
        counts: vec![0; n],
    };
    for &x in xs {
        let b = h.bin(x);
        h.counts[b] += 1;
    }
    Some(h)
}

pub fn median(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    })
}

fn round_to(x: f64, decimals: usize) -> f64 {
    let m = 10f64.powi(decimals.min(9) as i32);
    (x * m).round() / m
}

fn guess_json(stop: &Stop, g: Guess) -> Value {
    match g {
        Guess::Number(x) => json!(x),
        Guess::Choice(k) => json!(
            stop.question
                .as_ref()
                .and_then(|q| q.choices().get(k).cloned())
                .unwrap_or_default()
        ),
    }
}

fn truth_json(stop: &Stop, q: &Question, t: &Truth) -> Value {
    match t {
        Truth::Number(x) => json!(round_to(*x, stop.decimals)),
        Truth::Choice(k) => json!(q.choices().get(*k).cloned().unwrap_or_default()),
    }
}

/// The class's answers at a reveal: count, median, range, or counts per choice.
fn spread(stop: &Stop) -> Value {
    let nums = stop.numbers();
    if let Some(q) = &stop.question
        && !q.choices().is_empty()
    {
        let choices = q.choices();
        let mut counts = vec![0u32; choices.len()];
        for g in stop.answers.values() {
            if let Guess::Choice(k) = g
                && let Some(c) = counts.get_mut(*k)
            {
                *c += 1;
            }
        }
        return json!({"count": stop.answers.len(), "choices": choices, "counts": counts});
    }
    let (lo, hi) = nums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(*x), h.max(*x))
        });
    json!({
        "count": nums.len(),
        "median": median(&nums).map(|m| round_to(m, stop.decimals)),
        "min": lo.is_finite().then_some(lo),
        "max": hi.is_finite().then_some(hi),
    })
}

/// Compares secrets without stopping at the first differing byte.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Placeholder;
    use crate::lesson::question::Kind;

    fn ask(room: &mut Room, stop: usize) {
        room.apply(Teacher::Ask {
            stop,
            prompt: "how far?".into(),
            question: Some(Question {
                ask: String::new(),
                kind: Kind::Number {
                    measure: Placeholder::Total,
                    unit: "%".into(),
                    tolerance: None,
                },
            }),
            decimals: 2,
        });
    }

    #[test]
    fn going_back_to_a_revealed_question_keeps_it_closed() {
        let mut room = Room::new("ABCD".into(), "t".into(), 5, "x".into());
        let a = room.join("abcd", "Ana", "ta".into()).unwrap();
        ask(&mut room, 1);
        room.answer(a, 1, &json!(-3.0)).unwrap();
        room.apply(Teacher::Reveal {
            stop: 1,
            truth: Some(Truth::Number(-3.5)),
            text: String::new(),
        });
        ask(&mut room, 1);
        assert_eq!(room.phase, Phase::Reveal);
        assert_eq!(room.answer(a, 1, &json!(-3.5)), Err(AnswerError::Revealed));
        assert_eq!(room.leaderboard()[0].points, 86);
    }

    #[test]
    fn joins_past_the_cap_or_with_the_wrong_code_are_refused() {
        let mut room = Room::new("ABCD".into(), "t".into(), 1, "x".into());
        assert_eq!(
            room.join("ABCE", "Ana", "1".into()),
            Err(JoinError::WrongCode)
        );
        assert_eq!(
            room.join("ABCD", " \u{1b}\u{7}\t ", "1".into()),
            Err(JoinError::BadName("give a name to show the class"))
        );
        room.join("ABCD", "Ana", "1".into()).unwrap();
        assert_eq!(
            room.join("ABCD", "Ben", "2".into()),
            Err(JoinError::Full(1))
        );
    }

    #[test]
    fn a_stop_revealed_before_a_restart_stays_closed_with_its_truth() {
        let mut room = Room::new("ABCD".into(), "t".into(), 5, "x".into());
        let a = room.add_student("Ana".into(), "ta".into());
        room.restore_answer(1, a, json!(-3.0));
        room.restore_stop(1, json!({"stop": 1, "revealed": true, "truth": -3.5}));
        ask(&mut room, 1);
        assert_eq!(room.phase, Phase::Reveal);
        assert_eq!(room.answer(a, 1, &json!(-3.5)), Err(AnswerError::Revealed));
        assert_eq!(room.leaderboard()[0].points, 86);
    }
}
