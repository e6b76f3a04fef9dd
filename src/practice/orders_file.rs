//! The orders file of `tapedeck practice`: CSV with a header, or a JSON array of objects, with
//! `ts`, `symbol`, `side` (buy|sell), `qty`, `type` (market|limit|stop|stop_limit), `price`
//! (limits), `stop_price` (stops) and, optionally, `cancel_at` (a time). Times as the replay's `TIME` arguments (`HH:MM[:SS]` on its
//! date, `YYYY-MM-DD HH:MM[:SS]` in its zone, or RFC 3339). Errors: `file:line: field: what`.

use std::path::Path;

use super::fills::{Kind, Order, Side};
use crate::price::Price;
use crate::replay::Replay;
use crate::text::sanitize;
use crate::time::parse_user_time;

/// One order as written, before it is checked.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    ts: String,
    symbol: String,
    side: String,
    qty: serde_json::Value,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    price: Option<serde_json::Value>,
    #[serde(default)]
    stop_price: Option<serde_json::Value>,
    /// When the order is cancelled (empty: it works to the end).
    #[serde(default)]
    cancel_at: Option<String>,
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads and checks the orders of `path` against `replay`.
pub fn load(path: &Path, replay: &Replay) -> Result<Vec<Order>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let name = path.display().to_string();
    let rows: Vec<(u64, Row)> = if text.trim_start().starts_with('[') {
        json_rows(&text, &name)?
    } else {
        csv_rows(&text, &name)?
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, (line, row))| {
            order(i as u32 + 1, &row, replay)
                .map_err(|(field, what)| format!("{name}:{line}: {field}: {what}"))
        })
        .collect()
}

/// Orders from JSON objects already read (a journal's `resume.orders`); errors are
/// `{name}[k]: field: what`.
pub fn from_values(
    values: Vec<serde_json::Value>,
    name: &str,
    replay: &Replay,
) -> Result<Vec<Order>, String> {
    values
        .into_iter()
        .enumerate()
        .map(|(k, v)| {
            let row: Row = serde_path_to_error::deserialize(v)
                .map_err(|e| format!("{name}[{k}]: {}: {}", e.path(), e.inner()))?;
            order(k as u32 + 1, &row, replay)
                .map_err(|(field, what)| format!("{name}[{k}]: {field}: {what}"))
        })
        .collect()
}

fn json_rows(text: &str, name: &str) -> Result<Vec<(u64, Row)>, String> {
    // Each object's line, for the errors found after parsing.
    let values: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("{name}:{}: {}", e.line(), e))?;
    let starts: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with('{'))
        .map(|(n, _)| n as u64 + 1)
        .collect();
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let line = starts.get(i).copied().unwrap_or(1);
            let row: Row = serde_path_to_error::deserialize(v)
                .map_err(|e| format!("{name}:{line}: {}: {}", e.path(), e.inner()))?;
            Ok((line, row))
        })
        .collect()
}

fn csv_rows(text: &str, name: &str) -> Result<Vec<(u64, Row)>, String> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("{name}:1: {e}"))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    for need in ["ts", "symbol", "side", "qty", "type"] {
        if col(need).is_none() {
            return Err(format!(
                "{name}:1: {need}: missing column (need ts,symbol,side,qty,type[,price,stop_price,cancel_at])"
            ));
        }
    }
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| format!("{name}: {e}"))?;
        let line = rec.position().map_or(0, csv::Position::line);
        let get = |n: &str| {
            col(n)
                .and_then(|i| rec.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let opt = |n: &str| {
            let v = get(n);
            (!v.is_empty()).then_some(serde_json::Value::String(v))
        };
        out.push((
            line,
            Row {
                ts: get("ts"),
                symbol: get("symbol"),
                side: get("side"),
                qty: serde_json::Value::String(get("qty")),
                kind: get("type"),
                price: opt("price"),
                stop_price: opt("stop_price"),
                cancel_at: Some(get("cancel_at")),
            },
        ));
    }
    Ok(out)
}

fn order(id: u32, row: &Row, replay: &Replay) -> Result<Order, (&'static str, String)> {
    let ts = parse_user_time(&row.ts, replay.date, replay.tz).map_err(|e| ("ts", e))?;
    let instrument = replay
        .store
        .symbol_index(row.symbol.trim())
        .ok_or_else(|| {
            (
                "symbol",
                format!("{:?} is not in this replay", sanitize(&row.symbol)),
            )
        })?;
    let side = match row.side.trim().to_ascii_lowercase().as_str() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        other => return Err(("side", format!("{:?}: buy or sell", sanitize(other)))),
    };
    let qty_text = text_of(&row.qty);
    let qty: u64 = match qty_text.trim().parse() {
        Ok(q) if q > 0 => q,
        _ => {
            return Err((
                "qty",
                format!("{:?} is not a positive whole number", sanitize(&qty_text)),
            ));
        }
    };
    let price = |field: &'static str,
                 v: &Option<serde_json::Value>|
     -> Result<i64, (&'static str, String)> {
        let Some(v) = v else {
            return Err((field, "missing (this order type needs it)".into()));
        };
        let t = text_of(v);
        match Price::parse(t.trim()) {
            Ok(p) if p.0 > 0 => Ok(p.0),
            _ => Err((field, format!("{:?} is not a positive price", sanitize(&t)))),
        }
    };
    let kind = match row.kind.trim().to_ascii_lowercase().as_str() {
        "market" => Kind::Market,
        "limit" => Kind::Limit {
            price: price("price", &row.price)?,
        },
        "stop" => Kind::Stop {
            stop: price("stop_price", &row.stop_price)?,
        },
        "stop_limit" => Kind::StopLimit {
            stop: price("stop_price", &row.stop_price)?,
            limit: price("price", &row.price)?,
        },
        other => {
            return Err((
                "type",
                format!("{:?}: market, limit, stop or stop_limit", sanitize(other)),
            ));
        }
    };
    let cancel_at = match row.cancel_at.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => {
            let c = parse_user_time(t, replay.date, replay.tz).map_err(|e| ("cancel_at", e))?;
            if c < ts {
                return Err(("cancel_at", "is before the order's ts".into()));
            }
            Some(c)
        }
    };
    Ok(Order {
        id,
        ts,
        instrument,
        side,
        qty,
        kind,
        cancel_at,
    })
}
