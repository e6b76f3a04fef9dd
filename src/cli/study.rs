//! `tapedeck study`: how every instrument and sector moved after each headline.

use std::io::Write;

use color_eyre::eyre::{Result, bail, eyre};
use serde_json::json;

use crate::engine::Headline;
use crate::engine::study::{Reaction, Window};
use crate::replay::Replay;
use crate::time::{clock_seconds, rfc3339_in};

use crate::format::round_pct;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Md,
}

pub fn parse_windows(text: &str) -> Result<Vec<Window>> {
    text.split(',')
        .map(|w| Window::parse(w).map_err(|e| eyre!(e)))
        .collect()
}

/// One flat row: a headline, a symbol (or sector) and a window.
struct Row<'a> {
    headline: &'a Headline,
    symbol: String,
    window: Window,
    reaction: Option<Reaction>,
    sector_pct: Option<f64>,
}

pub fn run(
    r: &Replay,
    headline: Option<&str>,
    windows: &[Window],
    min_importance: u8,
    format: Format,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write(&mut out, r, headline, windows, min_importance, format)
}

/// Writes the study in `format` to `out` (what `run` prints; the TUI's export uses it too).
pub fn write(
    out: &mut dyn Write,
    r: &Replay,
    headline: Option<&str>,
    windows: &[Window],
    min_importance: u8,
    format: Format,
) -> Result<()> {
    let s = &r.store;
    let chosen: Vec<&Headline> = match headline {
        Some(id) => {
            let h = s.headlines.iter().find(|h| h.id == id).ok_or_else(|| {
                eyre!("no headline {id:?}; `tapedeck study --format table` lists them")
            })?;
            vec![h]
        }
        None => s
            .headlines
            .iter()
            .filter(|h| h.ts >= s.start && h.importance >= min_importance)
            .collect(),
    };
    if chosen.is_empty() {
        bail!("no headline inside the replay matches");
    }
    let mut rows = Vec::new();
    for h in &chosen {
        for &w in windows {
            for i in 0..s.instruments.len() {
                rows.push(Row {
                    headline: h,
                    symbol: s.instruments[i].symbol.clone(),
                    window: w,
                    reaction: Some(s.reaction(i, h.ts, w)),
                    sector_pct: None,
                });
            }
            for (k, name) in s.sectors.iter().enumerate() {
                rows.push(Row {
                    headline: h,
                    symbol: format!("sector:{name}"),
                    window: w,
                    reaction: None,
                    sector_pct: s.sector_reaction(k, h.ts, w).change_pct,
                });
            }
        }
    }
    match format {
        Format::Json => {
            let list: Vec<_> = rows.iter().map(|row| row_json(r, row)).collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(FIELDS)?;
            for row in &rows {
                w.write_record(row_fields(r, row))?;
            }
            w.flush()?;
        }
        Format::Table | Format::Md => {
            write_tables(out, r, &chosen, &rows, windows, format == Format::Md)?;
        }
    }
    Ok(())
}

const FIELDS: [&str; 13] = [
    "headline_id",
    "headline_ts",
    "symbol",
    "window",
    "from_price",
    "to_price",
    "change_pct",
    "max_adverse_pct",
    "max_adverse_ts",
    "volume",
    "volume_before",
    "to_ts",
    "note",
];

fn row_fields(r: &Replay, row: &Row) -> Vec<String> {
    let v = row_json(r, row);
    FIELDS
        .iter()
        .map(|f| match &v[*f] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn row_json(r: &Replay, row: &Row) -> serde_json::Value {
    let h = row.headline;
    let base = json!({
        "headline_id": h.id,
        "headline_ts": rfc3339_in(h.ts, r.tz),
        "symbol": row.symbol,
        "window": row.window.label(),
    });
    let mut v = base;
    let m = v.as_object_mut().expect("object literal");
    match &row.reaction {
        None => {
            m.insert("change_pct".into(), json!(row.sector_pct.map(round_pct)));
            m.insert(
                "note".into(),
                json!(if row.sector_pct.is_some() {
                    "sector, weighted by market value where shares are known"
                } else {
                    "no member has numbers for this window"
                }),
            );
        }
        Some(re) => {
            m.insert("to_ts".into(), json!(rfc3339_in(re.to_ts, r.tz)));
            match re.outcome {
                Ok(mv) => {
                    m.insert("from_price".into(), json!(mv.from_price));
                    m.insert("to_price".into(), json!(mv.to_price));
                    m.insert("change_pct".into(), json!(round_pct(mv.change_pct)));
                    m.insert(
                        "max_adverse_pct".into(),
                        json!(round_pct(mv.max_adverse_pct)),
                    );
                    m.insert(
                        "max_adverse_ts".into(),
                        json!(mv.max_adverse_ts.map(|t| rfc3339_in(t, r.tz))),
                    );
                    m.insert("volume".into(), json!(mv.volume));
                    m.insert("volume_before".into(), json!(mv.volume_before));
                }
                Err(gap) => {
                    m.insert("note".into(), json!(gap.text()));
                }
            }
        }
    }
    for f in FIELDS {
        m.entry(f).or_insert(serde_json::Value::Null);
    }
    v
}

/// One table per headline: a row per symbol, a column per window (change %, adverse %).
fn write_tables(
    out: &mut dyn Write,
    r: &Replay,
    chosen: &[&Headline],
    rows: &[Row],
    windows: &[Window],
    md: bool,
) -> Result<()> {
    for h in chosen {
        let title = format!(
            "{} {} {} — {}",
            h.id,
            clock_seconds(h.ts, r.tz),
            h.source,
            h.text
        );
        if md {
            writeln!(out, "### {title}\n")?;
            write!(out, "| symbol |")?;
            for w in windows {
                write!(out, " {} % | {} adverse % |", w.label(), w.label())?;
            }
            writeln!(out)?;
            write!(out, "|---|")?;
            for _ in windows {
                write!(out, "---:|---:|")?;
            }
            writeln!(out)?;
        } else {
            writeln!(out, "{title}")?;
            write!(out, "  {:<34}", "symbol")?;
            for w in windows {
                write!(out, " {:>16}", format!("{} (adverse)", w.label()))?;
            }
            writeln!(out)?;
        }
        let mine: Vec<&Row> = rows
            .iter()
            .filter(|x| std::ptr::eq(x.headline, *h))
            .collect();
        let mut symbols: Vec<&str> = Vec::new();
        for x in &mine {
            if !symbols.contains(&x.symbol.as_str()) {
                symbols.push(&x.symbol);
            }
        }
        for sym in symbols {
            let cells: Vec<(String, String)> = windows
                .iter()
                .map(|w| {
                    let row = mine.iter().find(|x| x.symbol == sym && x.window == *w);
                    match row {
                        Some(Row {
                            reaction: Some(re), ..
                        }) => match re.outcome {
                            Ok(m) => (
                                format!("{:+.2}", m.change_pct),
                                format!("{:+.2}", m.max_adverse_pct),
                            ),
                            Err(_) => ("n/a".into(), String::new()),
                        },
                        Some(Row {
                            sector_pct: Some(p),
                            ..
                        }) => (format!("{p:+.2}"), String::new()),
                        _ => ("n/a".into(), String::new()),
                    }
                })
                .collect();
            if md {
                write!(out, "| {sym} |")?;
                for (c, a) in &cells {
                    write!(out, " {c} | {a} |")?;
                }
                writeln!(out)?;
            } else {
                write!(out, "  {sym:<34}")?;
                for (c, a) in &cells {
                    let cell = if a.is_empty() {
                        c.clone()
                    } else {
                        format!("{c} ({a})")
                    };
                    write!(out, " {cell:>16}")?;
                }
                writeln!(out)?;
            }
        }
        writeln!(out)?;
    }
    if md {
        writeln!(
            out,
            "Change from the last print at or before the headline to the last print at or before the window's end; adverse = the largest move against the window's direction; n/a = the window runs past the data or the instrument had no price yet."
        )?;
    }
    Ok(())
}
