//! Scored questions: a lesson stop may ask for a number, a choice or a direction whose true
//! value is computed from the snapshot when the teacher reveals it, never typed into the file.
//!
//! ```json
//! {"prompt": "...", "question": {"kind": "number", "answer": "NQH25.change_pct"}}
//! {"prompt": "...", "question": {"kind": "choice", "choices": ["NVDA", "AVGO", "AAPL"], "answer": "lowest change_pct"}}
//! {"prompt": "...", "question": {"kind": "direction", "answer": "NVDA.change"}}
//! ```
//!
//! Scoring (README "Classroom"): a number earns `round(100 × max(0, 1 − |guess − truth| / s))`
//! points, where `s` is the question's `tolerance` if given, else `max(|truth|, 1)` in the
//! answer's unit; a choice or a direction earns 100 when right and 0 when wrong.

use serde_json::{Map, Value};

use super::{InstrumentField, Placeholder, SectorField};
use crate::engine::{Snapshot, Store};

/// What a question asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A figure in `unit`: `%` for percent changes, `$B` for market value, else the price.
    Number {
        measure: Placeholder,
        unit: String,
        tolerance: Option<f64>,
    },
    /// Which of `choices` (symbols or `sector:NAME`) has the highest or lowest `field`.
    Choice {
        choices: Vec<String>,
        owners: Vec<Owner>,
        highest: bool,
        field: String,
    },
    /// Whether `measure` is above zero (`up`) or not (`down`).
    Direction { measure: Placeholder },
}

/// A choice's subject: an instrument or a sector, by index in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Instrument(usize),
    Sector(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The short question students answer (`ask`), shown under the prompt; may be empty.
    pub ask: String,
    pub kind: Kind,
}

/// The true answer at the reveal.
#[derive(Debug, Clone, PartialEq)]
pub enum Truth {
    Number(f64),
    /// Index into the question's choices (`up` = 0, `down` = 1 for a direction).
    Choice(usize),
}

pub const DIRECTIONS: [&str; 2] = ["up", "down"];

impl Question {
    /// The kind's name in the API: `number`, `choice` or `direction`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Number { .. } => "number",
            Kind::Choice { .. } => "choice",
            Kind::Direction { .. } => "direction",
        }
    }

    /// The labels a student picks from (empty for a number).
    pub fn choices(&self) -> Vec<String> {
        match &self.kind {
            Kind::Number { .. } => Vec::new(),
            Kind::Choice { choices, .. } => choices.clone(),
            Kind::Direction { .. } => DIRECTIONS.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    pub fn unit(&self) -> &str {
        match &self.kind {
            Kind::Number { unit, .. } => unit,
            _ => "",
        }
    }

    /// Decimals the answer is shown with.
    pub fn decimals(&self, store: &Store) -> usize {
        match &self.kind {
            Kind::Number { measure, .. } => match measure {
                Placeholder::Instrument(i, f) if is_price(*f) => {
                    store.instruments[*i].decimals as usize
                }
                Placeholder::Instrument(_, InstrumentField::Volume) => 0,
                _ => 2,
            },
            _ => 0,
        }
    }

    /// The true answer in `snap`, or `None` where the data has no value yet (no print).
    pub fn truth(&self, store: &Store, snap: &Snapshot) -> Option<Truth> {
        match &self.kind {
            Kind::Number { measure, .. } => numeric(*measure, store, snap).map(Truth::Number),
            Kind::Direction { measure } => {
                numeric(*measure, store, snap).map(|v| Truth::Choice(usize::from(v <= 0.0)))
            }
            Kind::Choice {
                owners,
                highest,
                field,
                ..
            } => {
                let mut best: Option<(usize, f64)> = None;
                for (k, o) in owners.iter().enumerate() {
                    let Some(v) = owner_value(*o, field, store, snap) else {
                        continue;
                    };
                    let better = best.is_none_or(|(_, b)| if *highest { v > b } else { v < b });
                    if better {
                        best = Some((k, v));
                    }
                }
                best.map(|(k, _)| Truth::Choice(k))
            }
        }
    }

    /// Points for `guess` against `truth` (see the module's formula), 0 to 100.
    pub fn points(&self, guess: &Guess, truth: &Truth) -> u32 {
        match (guess, truth) {
            (Guess::Number(g), Truth::Number(t)) => {
                let s = match &self.kind {
                    Kind::Number {
                        tolerance: Some(s), ..
                    } => *s,
                    _ => t.abs().max(1.0),
                };
                (100.0 * (1.0 - (g - t).abs() / s).max(0.0)).round() as u32
            }
            (Guess::Choice(g), Truth::Choice(t)) if g == t => 100,
            _ => 0,
        }
    }
}

/// A student's answer, checked against the question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Guess {
    Number(f64),
    Choice(usize),
}

impl Guess {
    /// Reads an answer from JSON: a finite number for a number question, a choice's label
    /// (or its index) for the others.
    pub fn parse(q: &Question, v: &Value) -> Result<Guess, String> {
        if let Kind::Number { .. } = &q.kind {
            match v {
                Value::Number(n) => n
                    .as_f64()
                    .filter(|x| x.is_finite() && x.abs() < 1e15)
                    .map(Guess::Number)
                    .ok_or_else(|| "the answer is out of range".to_string()),
                Value::String(s) => s
                    .trim()
                    .trim_end_matches('%')
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && x.abs() < 1e15)
                    .map(Guess::Number)
                    .ok_or_else(|| "this question asks for a number".to_string()),
                _ => Err("this question asks for a number".into()),
            }
        } else {
            {
                let choices = q.choices();
                let k = match v {
                    Value::Number(n) => n.as_u64().map(|k| k as usize),
                    Value::String(s) => choices
                        .iter()
                        .position(|c| c.eq_ignore_ascii_case(s.trim())),
                    _ => None,
                };
                k.filter(|k| *k < choices.len())
                    .map(Guess::Choice)
                    .ok_or_else(|| format!("the answer must be one of: {}", choices.join(", ")))
            }
        }
    }
}

fn is_price(f: InstrumentField) -> bool {
    !matches!(
        f,
        InstrumentField::ChangePct | InstrumentField::MarketCapChange | InstrumentField::Volume
    )
}

/// A placeholder's value as a number: percent for `change_pct`, billions of dollars for
/// market value, the price (or price change) otherwise.
pub fn numeric(p: Placeholder, store: &Store, snap: &Snapshot) -> Option<f64> {
    const B: f64 = 1e9;
    match p {
        Placeholder::Time => None,
        Placeholder::Total => snap.total_market_cap_change().map(|v| v / B),
        Placeholder::Sector(k, f) => {
            let s = snap.sectors.get(k)?;
            match f {
                SectorField::ChangePct => s.change_pct,
                SectorField::MarketCapChange => s.market_cap_change.map(|v| v / B),
            }
        }
        Placeholder::Instrument(i, f) => {
            let st = snap.instruments.get(i)?;
            let price = |p: Option<crate::price::Price>| p.map(crate::price::Price::to_f64);
            match f {
                InstrumentField::Last => price(st.last),
                InstrumentField::Change => price(st.change),
                InstrumentField::ChangePct => st.change_pct,
                InstrumentField::MarketCapChange => st.market_cap_change.map(|v| v / B),
                InstrumentField::Volume => st.open.map(|_| st.volume as f64),
                InstrumentField::Vwap => price(st.vwap_exact),
                InstrumentField::High => price(st.high),
                InstrumentField::Low => price(st.low),
                InstrumentField::Open => price(st.open),
                InstrumentField::Reference => Some(store.instruments[i].reference.to_f64()),
            }
        }
    }
}

fn owner_value(o: Owner, field: &str, store: &Store, snap: &Snapshot) -> Option<f64> {
    let p = match o {
        Owner::Instrument(i) => Placeholder::Instrument(i, instrument_field(field)?),
        Owner::Sector(k) => Placeholder::Sector(
            k,
            match field {
                "change_pct" => SectorField::ChangePct,
                "market_cap_change" => SectorField::MarketCapChange,
                _ => return None,
            },
        ),
    };
    numeric(p, store, snap)
}

fn instrument_field(name: &str) -> Option<InstrumentField> {
    InstrumentField::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
}

const KEYS: [&str; 6] = ["ask", "kind", "answer", "unit", "choices", "tolerance"];

/// Reads a step's `question` object; errors name the key inside it (`question.answer: ...`).
pub fn parse(v: &Value, store: &Store) -> Result<Question, (String, String)> {
    let Some(obj) = v.as_object() else {
        return Err((
            "question".into(),
            "must be an object such as {\"kind\": \"number\", \"answer\": \"NVDA.change_pct\"}"
                .into(),
        ));
    };
    if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return err(k, format!("unknown key (known: {})", KEYS.join(", ")));
    }
    let kind = str_of(obj, "kind").unwrap_or("number");
    let Some(answer) = str_of(obj, "answer") else {
        return err(
            "answer",
            "missing: name the figure the snapshot gives, such as \"NQH25.change_pct\"".into(),
        );
    };
    let measure = |answer: &str| -> Result<Placeholder, (String, String)> {
        match super::parse_placeholder(answer, store) {
            Ok(Placeholder::Time) => err("answer", "the clock is not a figure to guess".into()),
            Ok(p) => Ok(p),
            Err(e) => err("answer", e),
        }
    };
    let kind = match kind {
        "number" => {
            let measure = measure(answer)?;
            let unit = match obj.get("unit") {
                None => default_unit(measure).to_string(),
                Some(Value::String(u)) if u.chars().count() <= 8 => crate::text::sanitize(u),
                Some(_) => return err("unit", "must be a short string such as \"%\"".into()),
            };
            let tolerance = match obj.get("tolerance") {
                None => None,
                Some(t) => match t.as_f64() {
                    Some(t) if t.is_finite() && t > 0.0 => Some(t),
                    _ => return err("tolerance", format!("must be a number above 0, found {t}")),
                },
            };
            Kind::Number {
                measure,
                unit,
                tolerance,
            }
        }
        "direction" => Kind::Direction {
            measure: measure(answer)?,
        },
        "choice" => {
            let Some(Value::Array(items)) = obj.get("choices") else {
                return err(
                    "choices",
                    "missing: a choice question lists 2 to 8 symbols or sectors".into(),
                );
            };
            if !(2..=8).contains(&items.len()) {
                return err(
                    "choices",
                    format!("lists {} choices: give 2 to 8", items.len()),
                );
            }
            let mut choices = Vec::new();
            let mut owners = Vec::new();
            for (k, item) in items.iter().enumerate() {
                let Some(s) = item.as_str() else {
                    return err(
                        &format!("choices[{k}]"),
                        "must be a symbol or \"sector:NAME\"".into(),
                    );
                };
                let owner = if let Some(name) = s.strip_prefix("sector:") {
                    store
                        .sectors
                        .iter()
                        .position(|x| x.eq_ignore_ascii_case(name.trim()))
                        .map(Owner::Sector)
                } else {
                    store.symbol_index(s.trim()).map(Owner::Instrument)
                };
                let Some(owner) = owner else {
                    return err(
                        &format!("choices[{k}]"),
                        format!(
                            "no symbol or sector {:?} in this replay",
                            crate::text::sanitize(s)
                        ),
                    );
                };
                choices.push(crate::text::sanitize(
                    s.strip_prefix("sector:").unwrap_or(s).trim(),
                ));
                owners.push(owner);
            }
            let (rank, field) = answer.trim().split_once(' ').unwrap_or((answer, ""));
            let highest = match rank {
                "highest" => true,
                "lowest" => false,
                _ => {
                    return err(
                        "answer",
                        "a choice's answer is \"highest FIELD\" or \"lowest FIELD\", such as \"lowest change_pct\"".into(),
                    );
                }
            };
            let field = field.trim().to_ascii_lowercase();
            let fits = owners.iter().all(|o| match o {
                Owner::Instrument(_) => instrument_field(&field).is_some(),
                Owner::Sector(_) => matches!(field.as_str(), "change_pct" | "market_cap_change"),
            });
            if !fits {
                return err(
                    "answer",
                    format!(
                        "{field:?} is not a field of every choice (change_pct and market_cap_change are)"
                    ),
                );
            }
            Kind::Choice {
                choices,
                owners,
                highest,
                field,
            }
        }
        other => {
            return err(
                "kind",
                format!(
                    "unknown kind {:?} (known: number, choice, direction)",
                    crate::text::sanitize(other)
                ),
            );
        }
    };
    let ask = match obj.get("ask") {
        None => String::new(),
        Some(Value::String(a)) if a.chars().count() <= 300 => crate::text::sanitize(a.trim()),
        Some(_) => return err("ask", "must be a string of at most 300 characters".into()),
    };
    Ok(Question { ask, kind })
}

fn err<T>(k: &str, m: String) -> Result<T, (String, String)> {
    Err((format!("question.{k}"), m))
}

fn str_of<'a>(obj: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    obj.get(k).and_then(Value::as_str)
}

fn default_unit(p: Placeholder) -> &'static str {
    match p {
        Placeholder::Instrument(_, InstrumentField::ChangePct)
        | Placeholder::Sector(_, SectorField::ChangePct) => "%",
        Placeholder::Instrument(_, InstrumentField::MarketCapChange)
        | Placeholder::Sector(_, SectorField::MarketCapChange)
        | Placeholder::Total => "$B",
        Placeholder::Instrument(_, InstrumentField::Volume) => "shares",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(tolerance: Option<f64>) -> Question {
        Question {
            ask: String::new(),
            kind: Kind::Number {
                measure: Placeholder::Total,
                unit: "%".into(),
                tolerance,
            },
        }
    }

    #[test]
    fn a_number_scores_by_closeness_as_the_readme_says() {
        let q = number(None);
        // truth -3.5 %, guess -3: |err| 0.5 over 3.5 → 1 - 0.142857 → 86 points.
        assert_eq!(q.points(&Guess::Number(-3.0), &Truth::Number(-3.5)), 86);
        assert_eq!(q.points(&Guess::Number(-3.5), &Truth::Number(-3.5)), 100);
        // Off by the truth's own size or more: nothing.
        assert_eq!(q.points(&Guess::Number(0.0), &Truth::Number(-3.5)), 0);
        assert_eq!(q.points(&Guess::Number(5.0), &Truth::Number(-3.5)), 0);
        // A truth near zero is measured against 1 unit: truth 0.2, guess 0.7 → 50.
        assert_eq!(q.points(&Guess::Number(0.7), &Truth::Number(0.2)), 50);
        // A tolerance replaces the scale: truth -590, guess -500, tolerance 200 → 1 - 90/200 → 55.
        let q = number(Some(200.0));
        assert_eq!(q.points(&Guess::Number(-500.0), &Truth::Number(-590.0)), 55);
    }

    #[test]
    fn a_choice_scores_all_or_nothing_and_reads_labels_or_indexes() {
        let q = Question {
            ask: String::new(),
            kind: Kind::Direction {
                measure: Placeholder::Total,
            },
        };
        assert_eq!(Guess::parse(&q, &Value::from("Down")), Ok(Guess::Choice(1)));
        assert_eq!(Guess::parse(&q, &Value::from(0)), Ok(Guess::Choice(0)));
        assert!(Guess::parse(&q, &Value::from(2)).is_err());
        assert!(Guess::parse(&q, &Value::from("sideways")).is_err());
        assert_eq!(q.points(&Guess::Choice(1), &Truth::Choice(1)), 100);
        assert_eq!(q.points(&Guess::Choice(0), &Truth::Choice(1)), 0);
        let n = number(None);
        assert_eq!(
            Guess::parse(&n, &Value::from("-3.5%")),
            Ok(Guess::Number(-3.5))
        );
        assert!(Guess::parse(&n, &serde_json::json!(1e300)).is_err());
        assert!(Guess::parse(&n, &Value::from("ten")).is_err());
    }
}
