//! Turning what was read into a replay folder: the manifest (sessions, instruments with their
//! reference prices and print increments, provenance), headlines, prints and bars, written
//! atomically and checked by the replay loader before they are moved into place.

use std::collections::BTreeMap;

use chrono::Duration;

use super::instruments::{InstrumentMeta, MetaTable};
use super::sink::{self, Collected, MARKET_TZ, Output, day_session};
use super::symbols::quarter_tick_root;
use super::{ImportError, ImportOptions, ImportReport, headlines};
use crate::price::{Price, SCALE, SCALE_DIGITS, decimals_of};
use crate::replay::manifest::{
    FORMAT_NAME, FORMAT_VERSION, Files, Instrument, InstrumentKind, Manifest, Provenance,
    ProvenanceKind, Session, Source,
};
use crate::replay::{bars, columns, trades, write};
use crate::time::rfc3339_in;

pub const HEADLINES_FILE: &str = "headlines.json";
/// The binary prints file `import` writes by default; `--text` writes [`TEXT_TRADES_FILE`].
pub const TRADES_FILE: &str = "trades.tdcol";
pub const TEXT_TRADES_FILE: &str = "trades.csv.gz";
pub const BARS_FILE: &str = "bars.csv.gz";
/// Sector of instruments the metadata does not place.
pub const DEFAULT_SECTOR: &str = "Imported";

fn cents() -> Price {
    Price(SCALE / 100)
}

/// Contract multiplier of the index futures whose tick is recognised.
fn default_multiplier(root: &str) -> u32 {
    match root {
        "NQ" => 20,
        "ES" => 50,
        "MNQ" => 2,
        _ => 5,
    }
}

/// The smallest step every price of the instrument is a multiple of and that divides the tick:
/// `None` when all prices are on the tick grid.
fn print_increment(tick: Price, price_gcd: i64, given: Option<Price>) -> Option<Price> {
    let fits = |step: Price| step.0 > 0 && price_gcd % step.0 == 0 && tick.0 % step.0 == 0;
    if let Some(g) = given.filter(|g| fits(*g)) {
        return (g != tick).then_some(g);
    }
    if price_gcd % tick.0 == 0 {
        return None;
    }
    // The finest decimal digit the prices use, then what it shares with the tick.
    let mut pow10 = SCALE;
    while pow10 > 1 && price_gcd % pow10 != 0 {
        pow10 /= 10;
    }
    let (mut a, mut b) = (tick.0, pow10);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    Some(Price(a))
}

/// `first_price_refs` collects the symbols whose reference had to be their first price.
fn instrument(c: &Collected, m: &InstrumentMeta, first_price_refs: &mut Vec<String>) -> Instrument {
    let symbol = c.seen.symbol.clone();
    let kind = c.seen.kind;
    let root = quarter_tick_root(&symbol);
    let tick = m.tick_size.unwrap_or(match root {
        Some(_) => Price(SCALE / 4),
        None => cents(),
    });
    let future = kind == InstrumentKind::Future;
    let mut notes: Vec<String> = m.note.iter().cloned().collect();
    let (reference, reference_source) = match (m.reference, c.prior) {
        (Some(r), _) => (
            r,
            Some(
                m.reference_source
                    .clone()
                    .unwrap_or_else(|| "instrument metadata".into()),
            ),
        ),
        (None, Some((day, p))) => {
            let what = match (future, p.from_bar) {
                (true, false) => "last print of the Globex day",
                (true, true) => "last bar close of the Globex day",
                (false, false) => "last regular-session print",
                (false, true) => "last regular-session bar close",
            };
            (
                p.price,
                Some(format!(
                    "{what} {} in the imported data",
                    day.format("%a %-d %b %Y")
                )),
            )
        }
        (None, None) => {
            first_price_refs.push(symbol.clone());
            notes.push("reference = first price of the day (no prior close known)".into());
            (
                c.first,
                Some("first price of the day in the imported data".into()),
            )
        }
    };
    if c.has_bars {
        notes.push("known from bars only: replayed bar by bar".into());
    }
    Instrument {
        name: m.name.clone().unwrap_or_else(|| symbol.clone()),
        kind,
        sector: m.sector.clone().unwrap_or_else(|| DEFAULT_SECTOR.into()),
        tick_size: tick,
        print_increment: print_increment(tick, c.price_gcd, m.print_increment),
        reference,
        reference_source,
        day_session: if future { "globex" } else { "regular" }.into(),
        shares_outstanding: m.shares_outstanding,
        shares_source: m.shares_source.clone(),
        multiplier: m
            .multiplier
            .or_else(|| root.filter(|_| future).map(default_multiplier)),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        symbol,
    }
}

/// A machine name from the output folder's: lower case, `a-z 0-9 . _ -`.
fn machine_name(opts: &ImportOptions, date: &str) -> String {
    let raw = opts.name.clone().unwrap_or_else(|| {
        opts.out
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string())
    });
    let name: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_string();
    if name.is_empty() {
        format!("import-{date}")
    } else {
        name
    }
}

fn title(out: &Output, instruments: &[Instrument]) -> String {
    const SHOWN: usize = 6;
    let mut list: Vec<&str> = instruments
        .iter()
        .take(SHOWN)
        .map(|i| i.symbol.as_str())
        .collect();
    let more = instruments.len().saturating_sub(SHOWN);
    let more = (more > 0).then(|| format!("and {more} more"));
    list.extend(more.as_deref());
    format!(
        "{}: {} (recorded)",
        out.date.format("%a %-d %b %Y"),
        list.join(", ")
    )
}

fn sessions(out: &Output) -> Vec<Session> {
    let d = out.date;
    let at = |day, hh, mm| rfc3339_in(sink::at(day, hh, mm), MARKET_TZ);
    let prev = d - Duration::days(1);
    let mut s = Vec::new();
    let mut push = |name: &str, start: String, end: String, phase: bool| {
        s.push(Session {
            name: name.into(),
            start,
            end,
            phase,
        });
    };
    if out.has_future {
        push("overnight", at(prev, 18, 0), at(d, 4, 0), true);
    }
    push("premarket", at(d, 4, 0), at(d, 9, 30), true);
    push("regular", at(d, 9, 30), at(d, 16, 0), true);
    push("after-hours", at(d, 16, 0), at(d, 20, 0), true);
    if out.has_future {
        let (a, b) = day_session(InstrumentKind::Future, d);
        push(
            "globex",
            rfc3339_in(a, MARKET_TZ),
            rfc3339_in(b, MARKET_TZ),
            false,
        );
    }
    s
}

/// Builds the manifest and writes the folder; `report` gains notes (reference prices,
/// headlines dropped).
pub fn write(
    out: &Output,
    meta: &MetaTable,
    sources: Vec<Source>,
    formats: &[String],
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let none = InstrumentMeta::default();
    let mut first_price_refs = Vec::new();
    let instruments: Vec<Instrument> = out
        .instruments
        .iter()
        .map(|c| {
            let m = meta
                .get(&c.seen.symbol.to_ascii_uppercase())
                .unwrap_or(&none);
            instrument(c, m, &mut first_price_refs)
        })
        .collect();
    if !first_price_refs.is_empty() {
        report.notes.push(format!(
            "{}: no reference price in the metadata (--instruments, --set SYM.reference=) and no earlier day in the data: the first price of the day is used",
            first_price_refs.join(", ")
        ));
    }
    let mut sectors: Vec<String> = Vec::new();
    for i in &instruments {
        if !sectors.contains(&i.sector) {
            sectors.push(i.sector.clone());
        }
    }
    let (start, end) = sink::replay_span(out.date, out.has_future);
    let date = out.date.format("%Y-%m-%d").to_string();

    let symbols: BTreeMap<String, String> = instruments
        .iter()
        .map(|i| (i.symbol.to_ascii_uppercase(), i.symbol.clone()))
        .collect();
    let headline_records = match &opts.headlines {
        Some(path) => {
            let ctx = headlines::Context {
                symbols: &symbols,
                end,
                input_tz: opts.tz,
                display_tz: MARKET_TZ,
            };
            let (records, notes) = headlines::load(path, &ctx)?;
            report.notes.extend(notes);
            records
        }
        None => Vec::new(),
    };

    let mut kinds: Vec<&str> = Vec::new();
    for f in formats {
        if !kinds.contains(&f.as_str()) {
            kinds.push(f);
        }
    }
    let files = sources.len();
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        name: machine_name(opts, &date),
        title: opts
            .title
            .clone()
            .unwrap_or_else(|| title(out, &instruments)),
        trading_date: date,
        time_zone: MARKET_TZ.name().into(),
        start: rfc3339_in(start, MARKET_TZ),
        end: rfc3339_in(end, MARKET_TZ),
        sessions: sessions(out),
        sectors,
        provenance: Provenance {
            kind: ProvenanceKind::Recorded,
            summary: opts.summary.clone().unwrap_or_else(|| {
                format!(
                    "Recorded market data imported with tapedeck import from {files} file{} ({}).",
                    if files == 1 { "" } else { "s" },
                    kinds.join("; ")
                )
            }),
            sources,
            generator: None,
        },
        files: Files {
            headlines: HEADLINES_FILE.into(),
            trades: if opts.text {
                TEXT_TRADES_FILE
            } else {
                TRADES_FILE
            }
            .into(),
            bars: (!out.bars.is_empty()).then(|| BARS_FILE.into()),
        },
        instruments,
    };
    let symbols: Vec<String> = manifest
        .instruments
        .iter()
        .map(|i| i.symbol.clone())
        .collect();
    let decimals: Vec<u32> = manifest
        .instruments
        .iter()
        .map(|i| decimals_of(i.tick_size).min(SCALE_DIGITS))
        .collect();

    let io =
        |path: std::path::PathBuf| move |source: std::io::Error| ImportError::Io { path, source };
    write::atomically(
        &opts.out,
        |dir| {
            write::write_manifest(dir, &manifest).map_err(io(dir.join("replay.json")))?;
            let mut json = serde_json::to_string_pretty(&headline_records)
                .map_err(|e| ImportError::Input(e.to_string()))?;
            json.push('\n');
            let hp = dir.join(HEADLINES_FILE);
            std::fs::write(&hp, json).map_err(io(hp))?;
            let tp = dir.join(&manifest.files.trades);
            if opts.text {
                let rows = out.trades_in_time_order();
                trades::write(&tp, &rows, &symbols, &decimals).map_err(io(tp))?;
            } else {
                let prints: Vec<columns::Prints> = out
                    .prints
                    .iter()
                    .zip(&symbols)
                    .map(|(p, symbol)| columns::Prints {
                        symbol,
                        ts: &p.ts,
                        price: &p.price,
                        size: &p.size,
                    })
                    .collect();
                columns::write(&tp, &prints).map_err(io(tp))?;
            }
            if !out.bars.is_empty() {
                let bp = dir.join(BARS_FILE);
                bars::write(&bp, &out.bars, &symbols, &decimals).map_err(io(bp))?;
            }
            let problems = crate::replay::check(dir);
            if !problems.is_empty() {
                let text: Vec<String> = problems
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                return Err(ImportError::Invalid(text.join("\n")));
            }
            if opts.interrupted() {
                return Err(ImportError::Interrupted {
                    out: opts.out.clone(),
                });
            }
            Ok(())
        },
        |source| ImportError::Io {
            path: opts.out.clone(),
            source,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Price {
        Price::parse(s).unwrap()
    }

    #[test]
    fn print_increments() {
        let tick = p("0.01");
        assert_eq!(print_increment(tick, p("0.01").0, None), None);
        assert_eq!(print_increment(tick, p("0.05").0, None), None);
        assert_eq!(
            print_increment(tick, p("0.0001").0, None),
            Some(p("0.0001"))
        );
        assert_eq!(
            print_increment(tick, p("0.0002").0, None),
            Some(p("0.0001"))
        );
        assert_eq!(print_increment(p("0.25"), p("0.25").0, None), None);
        assert_eq!(
            print_increment(p("0.25"), p("0.1").0, None),
            Some(p("0.05"))
        );
        // A given increment is kept when the prices fit it.
        assert_eq!(
            print_increment(tick, p("0.01").0, Some(p("0.0001"))),
            Some(p("0.0001"))
        );
        assert_eq!(
            print_increment(tick, p("0.00001").0, Some(p("0.0001"))),
            Some(p("0.00001"))
        );
    }
}
