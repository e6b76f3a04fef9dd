//! Headlines for an imported replay from `--headlines FILE`: CSV with a header, a JSON array of
//! objects, or JSON lines. Columns (case-insensitive; aliases in brackets): `ts` (time,
//! timestamp, datetime, published) as RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in `--tz` or epoch;
//! `text` (headline, title); `source` (publisher); `tickers` (symbols; a list or text split at
//! commas, spaces or semicolons); `tags`; `importance` 1–3 (default 2); `id`, `url`,
//! `confidence`, `time_note`.
//!
//! A headline that cannot be used (no text, unreadable time, after the replay ends) is dropped
//! and so is a ticker that is not a symbol of the replay, each with a note: headlines never
//! stop an import of prints.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono_tz::Tz;
use serde_json::Value;

use super::ImportError;
use super::fields::{TextTime, parse_epoch};
use crate::replay::manifest::HeadlineRecord;
use crate::text::sanitize;
use crate::time::{UnixNanos, rfc3339_in};

/// What the headlines may refer to.
pub struct Context<'a> {
    /// Upper-case symbol → symbol as written in the replay.
    pub symbols: &'a BTreeMap<String, String>,
    pub end: UnixNanos,
    pub input_tz: Tz,
    pub display_tz: Tz,
}

/// Reads the file; problems that drop a headline or a ticker are returned as notes.
pub fn load(path: &Path, ctx: &Context) -> Result<(Vec<HeadlineRecord>, Vec<String>), ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ImportError::Input(format!("{}: not UTF-8 text ({e})", path.display())))?;
    let bad = |line: Option<usize>, msg: String| {
        let at = line.map_or(String::new(), |l| format!(":{l}"));
        ImportError::Input(format!("{}{at}: {msg}", path.display()))
    };
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let rows: Vec<(Option<usize>, BTreeMap<String, Value>)> = if trimmed.starts_with('[') {
        let list: Vec<serde_json::Map<String, Value>> = serde_json::from_str(trimmed)
            .map_err(|e| bad(Some(e.line()), format!("not a JSON array of objects: {e}")))?;
        let lines = crate::replay::json_lines::array_element_lines(trimmed, None);
        list.into_iter()
            .enumerate()
            .map(|(i, m)| (lines.get(i).copied(), lower_keys(m)))
            .collect()
    } else if trimmed.starts_with('{') {
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let m: serde_json::Map<String, Value> = serde_json::from_str(line)
                .map_err(|e| bad(Some(i + 1), format!("not a JSON object: {e}")))?;
            rows.push((Some(i + 1), lower_keys(m)));
        }
        rows
    } else {
        read_csv(&text).map_err(|(l, m)| bad(l, m))?
    };

    let label = path.display().to_string();
    let mut notes = Vec::new();
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for (n, (line, row)) in rows.iter().enumerate() {
        let at = format!("{label}:{}", line.unwrap_or(n + 1));
        match headline(row, ctx, &at, &mut notes) {
            Ok((ts, mut h)) => {
                let base = h.id.clone();
                let mut k = 1;
                while !ids.insert(h.id.clone()) {
                    k += 1;
                    h.id = format!("{base}-{k}");
                }
                out.push((ts, h));
            }
            Err(why) => notes.push(format!("{at}: headline dropped: {why}")),
        }
    }
    out.sort_by_key(|(ts, _)| *ts);
    Ok((out.into_iter().map(|(_, h)| h).collect(), notes))
}

fn lower_keys(m: serde_json::Map<String, Value>) -> BTreeMap<String, Value> {
    m.into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

type Rows = Vec<(Option<usize>, BTreeMap<String, Value>)>;

fn read_csv(text: &str) -> Result<Rows, (Option<usize>, String)> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| (Some(1), sanitize(&e.to_string())))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut rows = Vec::new();
    for rec in csv.records() {
        let rec = rec.map_err(|e| {
            (
                e.position().map(|p| p.line() as usize),
                sanitize(&e.to_string()),
            )
        })?;
        let line = rec.position().map(|p| p.line() as usize);
        let row = header
            .iter()
            .zip(rec.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
            .collect();
        rows.push((line, row));
    }
    Ok(rows)
}

fn field<'a>(row: &'a BTreeMap<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| row.get(*n))
        .filter(|v| !v.is_null())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => sanitize(s),
        other => sanitize(&other.to_string()),
    }
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>(),
        other => text(other)
            .split([',', ';', ' '])
            .map(str::to_string)
            .collect(),
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn headline(
    row: &BTreeMap<String, Value>,
    ctx: &Context,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<(UnixNanos, HeadlineRecord), String> {
    let body = field(row, &["text", "headline", "title"])
        .map(text)
        .filter(|t| !t.is_empty())
        .ok_or("no text")?;
    let ts_value = field(
        row,
        &[
            "ts",
            "time",
            "timestamp",
            "datetime",
            "published",
            "published_at",
            "date",
        ],
    )
    .ok_or("no time")?;
    let ts = match ts_value {
        Value::Number(n) => parse_epoch(n.to_string().as_bytes(), None),
        v => {
            let s = text(v);
            parse_epoch(s.as_bytes(), None).or_else(|| {
                TextTime {
                    format: None,
                    tz: ctx.input_tz,
                }
                .parse(&s)
            })
        }
    }
    .ok_or_else(|| format!("ts: {:?} is not a time", text(ts_value)))?;
    if ts > ctx.end {
        return Err(format!(
            "ts: {} is after the replay ends",
            rfc3339_in(ts, ctx.display_tz)
        ));
    }
    let mut tickers = Vec::new();
    for t in field(row, &["tickers", "symbols", "ticker", "symbol"])
        .map(list)
        .unwrap_or_default()
    {
        match ctx.symbols.get(&t.to_ascii_uppercase()) {
            Some(s) if !tickers.contains(s) => tickers.push(s.clone()),
            Some(_) => {}
            None => notes.push(format!(
                "{at}: ticker {t:?} dropped: not a symbol of this replay"
            )),
        }
    }
    let importance = match field(row, &["importance"]) {
        None => 2,
        Some(v) => match text(v).parse::<u8>() {
            Ok(i @ 1..=3) => i,
            _ => return Err(format!("importance: {:?} is not 1, 2 or 3", text(v))),
        },
    };
    let opt = |names: &[&str]| field(row, names).map(text).filter(|s| !s.is_empty());
    let id = opt(&["id"]).unwrap_or_else(|| format!("h{ts}"));
    Ok((
        ts,
        HeadlineRecord {
            id,
            ts: rfc3339_in(ts, ctx.display_tz),
            source: opt(&["source", "publisher"]).unwrap_or_else(|| "imported".into()),
            text: body,
            tickers,
            tags: field(row, &["tags"]).map(list).unwrap_or_default(),
            importance,
            confidence: opt(&["confidence"]),
            time_note: opt(&["time_note"]),
            url: opt(&["url", "link"]),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(symbols: &BTreeMap<String, String>) -> Context<'_> {
        Context {
            symbols,
            end: 1_738_026_000_000_000_000, // 2025-01-27T20:00-05:00
            input_tz: chrono_tz::America::New_York,
            display_tz: chrono_tz::America::New_York,
        }
    }

    #[test]
    fn csv_with_aliases_and_drops() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.csv");
        std::fs::write(
            &p,
            "time,headline,source,symbols,importance\n\
             2025-01-27 09:31,Nvidia falls,Reuters,\"nvda, XYZ\",3\n\
             2025-01-28 09:31,Tomorrow,Reuters,,\n\
             2025-01-27 08:00,Early \x1b[2Jnews,,NVDA,\n",
        )
        .unwrap();
        let symbols = BTreeMap::from([("NVDA".to_string(), "NVDA".to_string())]);
        let (h, notes) = load(&p, &ctx(&symbols)).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].text, "Early [2Jnews");
        assert_eq!(h[0].source, "imported");
        assert_eq!(h[1].ts, "2025-01-27T09:31:00-05:00");
        assert_eq!(h[1].tickers, vec!["NVDA"]);
        assert_eq!(h[1].importance, 3);
        assert!(
            notes.iter().any(|n| n.contains("\"XYZ\" dropped")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains(":3: headline dropped")),
            "{notes:?}"
        );
    }

    #[test]
    fn json_array_and_lines() {
        let dir = tempfile::tempdir().unwrap();
        let symbols = BTreeMap::new();
        let a = dir.path().join("a.json");
        std::fs::write(
            &a,
            r#"[{"id": "x", "ts": "2025-01-27T10:00:00-05:00", "text": "One", "tags": ["ai"]},
                {"id": "x", "ts": 1737990000, "text": "Two"}]"#,
        )
        .unwrap();
        let (h, _) = load(&a, &ctx(&symbols)).unwrap();
        assert_eq!(
            h.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            ["x", "x-2"]
        );
        assert_eq!(h[0].tags, vec!["ai"]);
        let l = dir.path().join("l.jsonl");
        std::fs::write(
            &l,
            "{\"ts\": \"2025-01-27T10:00:00Z\", \"title\": \"Three\"}\n",
        )
        .unwrap();
        let (h, _) = load(&l, &ctx(&symbols)).unwrap();
        assert_eq!(h[0].text, "Three");
    }
}
