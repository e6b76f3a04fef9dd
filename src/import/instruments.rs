//! Instrument metadata the data files do not carry (name, sector, kind, tick size, reference
//! price, shares outstanding, multiplier), from `--instruments FILE` (CSV with a header, or a
//! JSON array of objects) and `--set SYMBOL.FIELD=VALUE` flags, which win over the file.

use std::collections::HashMap;
use std::path::Path;

use super::ImportError;
use crate::price::Price;
use crate::replay::manifest::InstrumentKind;
use crate::text::{has_control, sanitize};

/// The fields a metadata file or `--set` may give.
pub const FIELDS: &str = "name, sector, kind, tick_size, print_increment, reference, \
reference_source, shares_outstanding, shares_source, multiplier, note";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstrumentMeta {
    pub name: Option<String>,
    pub sector: Option<String>,
    pub kind: Option<InstrumentKind>,
    pub tick_size: Option<Price>,
    pub print_increment: Option<Price>,
    pub reference: Option<Price>,
    pub reference_source: Option<String>,
    pub shares_outstanding: Option<u64>,
    pub shares_source: Option<String>,
    pub multiplier: Option<u32>,
    pub note: Option<String>,
}

/// Metadata by upper-case symbol, remembering the order symbols were first named in.
#[derive(Debug, Clone, Default)]
pub struct MetaTable {
    order: Vec<String>,
    by_symbol: HashMap<String, InstrumentMeta>,
}

impl MetaTable {
    pub fn get(&self, upper: &str) -> Option<&InstrumentMeta> {
        self.by_symbol.get(upper)
    }

    pub fn position(&self, upper: &str) -> Option<usize> {
        self.order.iter().position(|s| s == upper)
    }

    fn entry(&mut self, symbol: &str) -> &mut InstrumentMeta {
        self.by_symbol
            .entry(symbol.trim().to_ascii_uppercase())
            .or_default()
    }

    /// Records that the metadata file lists `symbol` here: replays list instruments in the
    /// file's order (`--set` flags do not reorder).
    fn listed(&mut self, symbol: &str) {
        let upper = symbol.trim().to_ascii_uppercase();
        if !self.order.contains(&upper) {
            self.order.push(upper);
        }
    }

    /// Sets one field from text; the message says what is wrong.
    pub fn set(&mut self, symbol: &str, field: &str, value: &str) -> Result<(), String> {
        if !super::symbols::valid_symbol(symbol.trim()) {
            return Err(format!("{:?} is not a symbol", sanitize(symbol)));
        }
        let value = value.trim();
        let m = self.entry(symbol);
        let text = |v: &str| {
            if has_control(v) {
                Err("contains control characters".to_string())
            } else {
                Ok((!v.is_empty()).then(|| v.to_string()))
            }
        };
        let price = |v: &str| -> Result<Option<Price>, String> {
            if v.is_empty() {
                return Ok(None);
            }
            match Price::parse(v) {
                Ok(p) if p.0 > 0 => Ok(Some(p)),
                Ok(_) => Err(format!("{v} is not a positive price")),
                Err(e) => Err(format!("{:?}: {e}", sanitize(v))),
            }
        };
        fn positive<T: std::str::FromStr + PartialEq + Default>(
            v: &str,
        ) -> Result<Option<T>, String> {
            if v.is_empty() {
                return Ok(None);
            }
            match v.parse::<T>() {
                Ok(n) if n != T::default() => Ok(Some(n)),
                _ => Err(format!("{:?} is not a positive whole number", sanitize(v))),
            }
        }
        match field.trim().to_ascii_lowercase().as_str() {
            "symbol" => {}
            "name" => m.name = text(value)?,
            "sector" => m.sector = text(value)?,
            "note" => m.note = text(value)?,
            "reference_source" => m.reference_source = text(value)?,
            "shares_source" => m.shares_source = text(value)?,
            "kind" => {
                m.kind = match value.to_ascii_lowercase().as_str() {
                    "" => None,
                    "stock" => Some(InstrumentKind::Stock),
                    "etf" => Some(InstrumentKind::Etf),
                    "future" => Some(InstrumentKind::Future),
                    "index" => Some(InstrumentKind::Index),
                    _ => {
                        return Err(format!(
                            "{:?} is not stock, etf, future or index",
                            sanitize(value)
                        ));
                    }
                }
            }
            "tick_size" => m.tick_size = price(value)?,
            "print_increment" => m.print_increment = price(value)?,
            "reference" | "prior_close" => m.reference = price(value)?,
            "shares_outstanding" | "shares" => m.shares_outstanding = positive(value)?,
            "multiplier" => m.multiplier = positive(value)?,
            other => {
                return Err(format!(
                    "unknown field {:?} (known: {FIELDS})",
                    sanitize(other)
                ));
            }
        }
        Ok(())
    }

    /// Applies `SYMBOL.FIELD=VALUE` (the symbol may itself contain dots: `BRK.B.name=...`).
    pub fn set_flag(&mut self, flag: &str) -> Result<(), String> {
        let (lhs, value) = flag
            .split_once('=')
            .ok_or_else(|| format!("--set {flag:?}: expected SYMBOL.FIELD=VALUE"))?;
        let (symbol, field) = lhs
            .rsplit_once('.')
            .ok_or_else(|| format!("--set {flag:?}: expected SYMBOL.FIELD=VALUE"))?;
        self.set(symbol, field, value)
            .map_err(|e| format!("--set {flag:?}: {field}: {e}"))
    }
}

/// Reads the metadata file (if any) and applies the `--set` flags.
pub fn load(file: Option<&Path>, flags: &[String]) -> Result<MetaTable, ImportError> {
    let mut table = MetaTable::default();
    if let Some(path) = file {
        let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |line: Option<usize>, msg: String| {
            let at = line.map_or(String::new(), |l| format!(":{l}"));
            ImportError::Input(format!("{}{at}: {msg}", path.display()))
        };
        let text =
            String::from_utf8(bytes).map_err(|e| bad(None, format!("not UTF-8 text ({e})")))?;
        if text.trim_start().starts_with('[') {
            read_json(&text, &mut table).map_err(|(l, m)| bad(l, m))?;
        } else {
            read_csv(&text, &mut table).map_err(|(l, m)| bad(l, m))?;
        }
    }
    for f in flags {
        table.set_flag(f).map_err(ImportError::Usage)?;
    }
    Ok(table)
}

type LineError = (Option<usize>, String);

fn read_json(text: &str, table: &mut MetaTable) -> Result<(), LineError> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| (Some(e.line()), format!("not a JSON array of objects: {e}")))?;
    let lines = crate::replay::json_lines::array_element_lines(text, None);
    for (i, row) in rows.iter().enumerate() {
        let line = lines.get(i).copied();
        let symbol = match row.get("symbol") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => return Err((line, format!("[{i}]: no \"symbol\""))),
        };
        table.listed(&symbol);
        for (field, v) in row {
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            table
                .set(&symbol, field, &value)
                .map_err(|e| (line, format!("[{i}].{field}: {e}")))?;
        }
    }
    Ok(())
}

fn read_csv(text: &str, table: &mut MetaTable) -> Result<(), LineError> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| (Some(1), e.to_string()))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let sym = header
        .iter()
        .position(|h| h == "symbol")
        .ok_or((Some(1), "no \"symbol\" column".to_string()))?;
    for rec in csv.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize);
            (line, sanitize(&e.to_string()))
        })?;
        let line = rec.position().map(|p| p.line() as usize);
        table.listed(&rec[sym]);
        for (field, value) in header.iter().zip(rec.iter()) {
            table
                .set(&rec[sym], field, value)
                .map_err(|e| (line, format!("{field}: {e}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_csv() {
        let mut t = MetaTable::default();
        read_csv(
            "symbol,name,sector,reference,shares_outstanding\nNVDA,Nvidia,AI chips,142.62,24477000000\nAMD,,,,\n",
            &mut t,
        )
        .unwrap();
        t.set_flag("BRK.B.reference=470.5").unwrap();
        t.set_flag("nvda.kind=stock").unwrap();
        let n = t.get("NVDA").unwrap();
        assert_eq!(n.name.as_deref(), Some("Nvidia"));
        assert_eq!(n.reference, Some(Price::parse("142.62").unwrap()));
        assert_eq!(n.shares_outstanding, Some(24_477_000_000));
        assert_eq!(n.kind, Some(InstrumentKind::Stock));
        assert_eq!(t.get("AMD").unwrap(), &InstrumentMeta::default());
        assert_eq!(
            t.get("BRK.B").unwrap().reference,
            Some(Price::parse("470.5").unwrap())
        );
        assert_eq!(t.position("AMD"), Some(1));
        assert_eq!(t.position("BRK.B"), None, "flags do not reorder");
        assert!(
            t.set_flag("NVDA.colour=green")
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(
            t.set_flag("NVDA.reference=-1")
                .unwrap_err()
                .contains("positive")
        );
        assert!(t.set_flag("NVDA=1").is_err());
    }

    #[test]
    fn json_array() {
        let mut t = MetaTable::default();
        read_json(
            r#"[{"symbol": "NQH25", "kind": "future", "tick_size": 0.25, "multiplier": 20, "reference": 21908}]"#,
            &mut t,
        )
        .unwrap();
        let m = t.get("NQH25").unwrap();
        assert_eq!(m.kind, Some(InstrumentKind::Future));
        assert_eq!(m.tick_size, Some(Price::parse("0.25").unwrap()));
        assert_eq!(m.multiplier, Some(20));
        assert_eq!(m.reference, Some(Price::parse("21908").unwrap()));
        let err = read_json(r#"[{"symbol": "X", "kind": "bond"}]"#, &mut t).unwrap_err();
        assert!(err.1.contains("[0].kind"), "{err:?}");
    }
}
