//! Parquet files with a documented schema (see "Parquet schema" in README.md), as DuckDB, Spark, ClickHouse
//! or polars write them, read column by column in batches with the `parquet` crate:
//!
//! | column | type |
//! |---|---|
//! | `ts_event` (or `timestamp`, `ts`) | INT64 ns since the epoch (UTC), a TIMESTAMP (ms/µs/ns), INT96, or RFC 3339 text |
//! | `symbol` (or `ticker`) | string; else a `symbol=` folder, else `--symbol` |
//! | `price` | DOUBLE/FLOAT, DECIMAL, INT64 in 1e-9 units (as DBN), or decimal text |
//! | `size` | integer (or whole DOUBLE) |
//! | `id` (or `trade_id`, `sequence`) | optional: rows equal in it and everything else are duplicates |
//! | `open`, `high`, `low`, `close`, `volume`, `interval_s` | bars instead of `price`, `size` |
//!
//! A folder is read as a hive-partitioned dataset (`date=2025-01-27/symbol=NVDA/*.parquet`):
//! only the partitions asked for (the trading date and the day before it; `--symbols`) are
//! opened.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use indicatif::ProgressBar;
use parquet::basic::{ConvertedType, LogicalType, TimeUnit};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, FixedLenByteArray, Int96};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescPtr;

use super::fields::{
    parse_dbn_ts, parse_price, parse_price_rounded, parse_size, parse_volume, shown,
};
use super::format::{Access, Format, ImportFormat, Input, Sniff};
use super::report::Reject;
use super::sink::{NO_ID, Sink, Sym, vendor_id};
use super::{ImportError, ImportOptions};
use crate::price::{Price, SCALE_DIGITS};
use crate::replay::bars::BarRow;

/// Parquet's magic, at the start of every file.
const MAGIC: &[u8] = b"PAR1";

/// Parquet files, read by path (the footer comes first); folders of them are read by
/// [`read_dataset`].
pub struct Parquet;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const Parquet: Format = Format::of(&Parquet);
}

impl ImportFormat for Parquet {
    fn name(&self) -> &'static str {
        "parquet"
    }

    fn access(&self) -> Access {
        Access::File
    }

    fn detect(&self, sniff: &Sniff) -> bool {
        sniff.head.starts_with(MAGIC)
    }

    fn read(&self, input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        let part = Part {
            path: input.path.to_path_buf(),
            partition: Vec::new(),
        };
        read(&part, &Options::of(input.opts), sink)
    }
}

/// Rows decoded per column at a time.
const BATCH: usize = 8192;

/// One Parquet file and the `key=value` folders above it.
#[derive(Debug, Clone)]
pub struct Part {
    pub path: PathBuf,
    pub partition: Vec<(String, String)>,
}

impl Part {
    fn value(&self, keys: &[&str]) -> Option<&str> {
        self.partition
            .iter()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .map(|(_, v)| v.as_str())
    }
}

const DATE_KEYS: &[&str] = &["date", "dt", "day", "trade_date"];
const SYMBOL_KEYS: &[&str] = &["symbol", "ticker"];

fn partition_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y%m%d"))
        .ok()
}

/// The Parquet files of a hive-partitioned folder that hold what is asked for: the trading
/// date (`date`, else the latest) and the day before it in the data, and `symbols`.
pub fn partitions(
    dir: &Path,
    date: Option<NaiveDate>,
    symbols: &[String],
) -> std::io::Result<Vec<Part>> {
    let mut all = Vec::new();
    walk(dir, &mut Vec::new(), &mut all)?;
    let dates: Vec<NaiveDate> = {
        let mut d: Vec<NaiveDate> = all
            .iter()
            .filter_map(|p| p.value(DATE_KEYS).and_then(partition_date))
            .collect();
        d.sort();
        d.dedup();
        d
    };
    let target = date.or(dates.last().copied());
    let prior = target.and_then(|t| dates.iter().rev().find(|d| **d < t).copied());
    let asked: Vec<String> = symbols.iter().map(|s| s.to_ascii_uppercase()).collect();
    Ok(all
        .into_iter()
        .filter(|p| match p.value(DATE_KEYS).and_then(partition_date) {
            Some(d) => Some(d) == target || Some(d) == prior,
            None => true,
        })
        .filter(|p| match p.value(SYMBOL_KEYS) {
            Some(s) => asked.is_empty() || asked.contains(&s.to_ascii_uppercase()),
            None => true,
        })
        .collect())
}

fn walk(dir: &Path, keys: &mut Vec<(String, String)>, out: &mut Vec<Part>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        // Spark's `_SUCCESS`, checksums and hidden files are not data.
        if name.starts_with(['.', '_']) {
            continue;
        }
        let path = e.path();
        if path.is_dir() {
            let kv = name
                .split_once('=')
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()));
            let pushed = kv.is_some();
            keys.extend(kv);
            walk(&path, keys, out)?;
            if pushed {
                keys.pop();
            }
        } else if name.ends_with(".parquet") || name.ends_with(".parq") {
            out.push(Part {
                path,
                partition: keys.clone(),
            });
        }
    }
    Ok(())
}

/// A column of the file and how its values become ours.
struct Column {
    desc: ColumnDescPtr,
    index: usize,
}

impl Column {
    fn decimal_scale(&self) -> Option<i32> {
        (self.desc.converted_type() == ConvertedType::DECIMAL).then(|| self.desc.type_scale())
    }

    fn is_text(&self) -> bool {
        self.desc.converted_type() == ConvertedType::UTF8
            || matches!(self.desc.logical_type_ref(), Some(LogicalType::String))
    }

    /// Nanoseconds per unit of an integer timestamp.
    fn ts_nanos(&self) -> i64 {
        match (self.desc.logical_type_ref(), self.desc.converted_type()) {
            (Some(LogicalType::Timestamp(t)), _) => match t.unit {
                TimeUnit::MILLIS => 1_000_000,
                TimeUnit::MICROS => 1_000,
                TimeUnit::NANOS => 1,
            },
            (_, ConvertedType::TIMESTAMP_MILLIS) => 1_000_000,
            (_, ConvertedType::TIMESTAMP_MICROS) => 1_000,
            _ => 1,
        }
    }
}

/// One decoded value.
#[derive(Debug, Clone)]
enum Value {
    I(i64),
    F(f64),
    B(ByteArray),
    T(Int96),
}

/// Reads the next batch of a column into `out` (`None` for nulls); returns the rows read.
fn read_batch(
    reader: &mut ColumnReader,
    max_def: i16,
    defs: &mut Vec<i16>,
    out: &mut Vec<Option<Value>>,
) -> parquet::errors::Result<usize> {
    defs.clear();
    out.clear();
    let defs_arg = (max_def > 0).then_some(&mut *defs);
    macro_rules! batch {
        ($r:expr, $wrap:expr) => {{
            let mut vals = Vec::with_capacity(BATCH);
            let (records, _, _) = $r.read_records(BATCH, defs_arg, None, &mut vals)?;
            (records, vals.into_iter().map($wrap).collect::<Vec<Value>>())
        }};
    }
    let (records, vals) = match reader {
        ColumnReader::BoolColumnReader(r) => batch!(r, |v: bool| Value::I(i64::from(v))),
        ColumnReader::Int32ColumnReader(r) => batch!(r, |v: i32| Value::I(i64::from(v))),
        ColumnReader::Int64ColumnReader(r) => batch!(r, Value::I),
        ColumnReader::Int96ColumnReader(r) => batch!(r, Value::T),
        ColumnReader::FloatColumnReader(r) => batch!(r, |v: f32| Value::F(f64::from(v))),
        ColumnReader::DoubleColumnReader(r) => batch!(r, Value::F),
        ColumnReader::ByteArrayColumnReader(r) => batch!(r, Value::B),
        ColumnReader::FixedLenByteArrayColumnReader(r) => {
            batch!(r, |v: FixedLenByteArray| Value::B(ByteArray::from(
                v.data().to_vec()
            )))
        }
    };
    if max_def == 0 {
        out.extend(vals.into_iter().map(Some));
    } else {
        let mut vals = vals.into_iter();
        out.extend(
            defs[..records]
                .iter()
                .map(|&d| if d == max_def { vals.next() } else { None }),
        );
    }
    Ok(records)
}

/// The roles of the columns found.
struct Roles {
    ts: Column,
    symbol: Option<Column>,
    id: Option<Column>,
    kind: Kind,
}

enum Kind {
    Trades {
        price: Column,
        size: Column,
    },
    Bars {
        ohlc: [Column; 4],
        volume: Option<Column>,
        interval: Option<Column>,
    },
}

pub struct Options<'a> {
    pub fixed_symbol: Option<&'a str>,
    pub price_decimals: Option<u32>,
    pub bar_interval: Option<u32>,
    pub progress: &'a ProgressBar,
    pub interrupt: &'a Arc<AtomicBool>,
}

impl<'a> Options<'a> {
    pub fn of(opts: &'a ImportOptions) -> Self {
        Options {
            fixed_symbol: opts.symbol.as_deref(),
            price_decimals: opts.columns.price_decimals,
            bar_interval: opts.columns.bar_interval,
            progress: &opts.progress,
            interrupt: &opts.interrupt,
        }
    }
}

/// Reads the files of a hive-partitioned folder ([`partitions`]) one after the other.
pub fn read_dataset(
    dir: &Path,
    parts: &[Part],
    opts: &ImportOptions,
    sink: &mut Sink,
) -> Result<String, ImportError> {
    if parts.is_empty() {
        return Err(ImportError::Input(format!(
            "{}: no Parquet files for the date and symbols asked for",
            dir.display()
        )));
    }
    let o = Options::of(opts);
    for part in parts {
        let label = part.path.display().to_string();
        sink.begin_file(&label);
        read(part, &o, sink).map_err(|e| ImportError::Input(format!("{label}: {e}")))?;
        if o.interrupt.load(Ordering::Relaxed) {
            break;
        }
    }
    Ok(format!("Parquet dataset, {} files read", parts.len()))
}

/// Every column chunk's place in the file, as the footer gives it, is a real place: the
/// `parquet` crate asserts on a negative offset or size when it reads the chunk, and a damaged
/// footer must be an error naming it, not a crash.
fn check_chunks(meta: &parquet::file::metadata::ParquetMetaData) -> Result<(), String> {
    for (g, group) in meta.row_groups().iter().enumerate() {
        for c in group.columns() {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            if start < 0 || c.data_page_offset() < 0 || c.compressed_size() < 0 {
                return Err(format!(
                    "damaged Parquet footer: row group {g}, column {}: offset {start}, size {} (negative)",
                    c.column_path(),
                    c.compressed_size()
                ));
            }
        }
    }
    Ok(())
}

thread_local! {
    /// Whether this thread is inside [`read`], where a panic becomes the file's error.
    static READING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a panic is the `parquet` crate's, raised while [`read`] reads a file on this
/// thread: it will be caught and reported as the file's error, so a panic hook (the CLI's
/// crash report, the fuzzer's abort) should let it pass.
pub fn is_decoder_panic(info: &std::panic::PanicHookInfo<'_>) -> bool {
    READING.get()
        // The crate's sources sit in cargo's registry as `.../parquet-<version>/src/...`.
        && info
            .location()
            .is_some_and(|l| l.file().replace('\\', "/").contains("/parquet-"))
}

/// Reads one Parquet file into `sink`. The `parquet` crate can panic on damaged page data (it
/// indexes past a slice where a length in the file lies); that is turned into this file's
/// error, so the import fails cleanly and writes nothing. A panic hook asks
/// [`is_decoder_panic`] to stay quiet about it.
pub fn read(part: &Part, o: &Options, sink: &mut Sink) -> Result<String, String> {
    let run = std::panic::AssertUnwindSafe(|| read_file(part, o, sink));
    READING.set(true);
    let result = std::panic::catch_unwind(run);
    READING.set(false);
    result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "damaged Parquet data: the reader failed inside the file ({what})"
        ))
    })
}

fn read_file(part: &Part, o: &Options, sink: &mut Sink) -> Result<String, String> {
    let mut file = File::open(&part.path).map_err(|e| format!("cannot open: {e}"))?;
    // Counts in a damaged footer would have the crate allocate gigabytes before reading.
    super::parquet_footer::check(&mut file)?;
    let reader =
        SerializedFileReader::new(file).map_err(|e| format!("not a readable Parquet file: {e}"))?;
    check_chunks(reader.metadata())?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let find = |names: &[&str]| {
        schema
            .columns()
            .iter()
            .enumerate()
            .find(|(_, c)| names.iter().any(|n| c.name().eq_ignore_ascii_case(n)))
            .map(|(index, c)| Column {
                desc: c.clone(),
                index,
            })
    };
    let ts = find(&["ts_event", "timestamp", "ts"])
        .ok_or("no ts_event column (see the documented schema)")?;
    let kind = match (find(&["price"]), find(&["size"])) {
        (Some(price), Some(size)) => Kind::Trades { price, size },
        (Some(_), None) => return Err("no size column (see the documented schema)".into()),
        _ => {
            let ohlc = [
                find(&["open"]),
                find(&["high"]),
                find(&["low"]),
                find(&["close"]),
            ];
            match ohlc {
                [Some(open), Some(high), Some(low), Some(close)] => Kind::Bars {
                    ohlc: [open, high, low, close],
                    volume: find(&["volume"]),
                    interval: find(&["interval_s"]),
                },
                _ => return Err("neither price and size nor open, high, low and close columns (see the documented schema)".into()),
            }
        }
    };
    let roles = Roles {
        ts,
        symbol: find(&["symbol", "ticker"]),
        id: find(&["id", "trade_id", "sequence"]),
        kind,
    };
    let fixed = roles
        .symbol
        .is_none()
        .then(|| part.value(SYMBOL_KEYS).or(o.fixed_symbol))
        .flatten()
        .map(str::as_bytes);
    if roles.symbol.is_none() && fixed.is_none() {
        return Err("no symbol column, no symbol= folder and no --symbol".into());
    }
    let mut used: Vec<&Column> = vec![&roles.ts];
    used.extend(roles.symbol.iter().chain(roles.id.iter()));
    match &roles.kind {
        Kind::Trades { price, size } => used.extend([price, size]),
        Kind::Bars {
            ohlc,
            volume,
            interval,
        } => {
            used.extend(ohlc.iter());
            used.extend(volume.iter().chain(interval.iter()));
        }
    }

    let mut line: u64 = 0;
    let mut defs = Vec::new();
    let mut cols: Vec<Vec<Option<Value>>> = vec![Vec::new(); used.len()];
    for g in 0..reader.num_row_groups() {
        let group = reader
            .get_row_group(g)
            .map_err(|e| format!("row group {g}: {e}"))?;
        let mut readers = used
            .iter()
            .map(|c| group.get_column_reader(c.index))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("row group {g}: {e}"))?;
        loop {
            if o.interrupt.load(Ordering::Relaxed) {
                return Ok(String::new());
            }
            let mut n = None;
            for (k, r) in readers.iter_mut().enumerate() {
                let read =
                    match read_batch(r, used[k].desc.max_def_level(), &mut defs, &mut cols[k]) {
                        Ok(read) => read,
                        Err(e) => {
                            sink.reject(line + 1, Reject::Corrupt, used[k].desc.name(), || {
                                e.to_string()
                            });
                            return Ok(describe(&roles));
                        }
                    };
                n = Some(n.map_or(read, |m: usize| m.min(read)));
            }
            let n = n.unwrap_or(0);
            if n == 0 {
                break;
            }
            for i in 0..n {
                line += 1;
                row(&roles, &cols, i, line, fixed, o, sink);
            }
        }
        o.progress
            .inc(group.metadata().compressed_size().max(0) as u64);
    }
    Ok(describe(&roles))
}

fn describe(roles: &Roles) -> String {
    match roles.kind {
        Kind::Trades { .. } => "Parquet prints".into(),
        Kind::Bars { .. } => "Parquet bars".into(),
    }
}

/// One row: `cols` hold the batch in the order of the columns used (ts, symbol?, id?, rest).
fn row(
    roles: &Roles,
    cols: &[Vec<Option<Value>>],
    i: usize,
    line: u64,
    fixed: Option<&[u8]>,
    o: &Options,
    sink: &mut Sink,
) {
    let mut k = 0;
    let mut next = || {
        k += 1;
        cols[k - 1][i].as_ref()
    };
    let ts_val = next();
    let sym_val = roles.symbol.as_ref().map(|_| next());
    let id_val = roles.id.as_ref().map(|_| next());
    let Some(ts) = ts_val.and_then(|v| timestamp(&roles.ts, v)) else {
        return sink.reject(line, Reject::Timestamp, roles.ts.desc.name(), || {
            "missing or not a time".into()
        });
    };
    let name: &[u8] = match (sym_val, fixed) {
        (Some(Some(Value::B(b))), _) => b.data(),
        (None, Some(f)) => f,
        _ => b"",
    };
    let inst = match sink.symbol(name, None) {
        Sym::Id(i) => i,
        other => return sink.bad_symbol(line, other, name),
    };
    match &roles.kind {
        Kind::Trades { price, size } => {
            let p = match price_of(price, next(), o.price_decimals) {
                Ok(p) => p,
                Err(e) => return sink.reject(line, Reject::Price, price.desc.name(), || e),
            };
            let s = match next() {
                Some(Value::I(v)) if *v > 0 && *v <= i64::from(u32::MAX) => Ok(*v as u32),
                Some(Value::I(v)) => Err(format!("{v} is not a size from 1 to {}", u32::MAX)),
                Some(Value::F(f)) if f.fract() == 0.0 && *f >= 1.0 && *f <= f64::from(u32::MAX) => {
                    Ok(*f as u32)
                }
                Some(Value::F(f)) => Err(format!("{f} is not a whole size from 1 to {}", u32::MAX)),
                Some(Value::B(b)) => parse_size(b.data()),
                _ => Err("missing".into()),
            };
            let s = match s {
                Ok(s) => s,
                Err(e) => return sink.reject(line, Reject::Size, size.desc.name(), || e),
            };
            let id = match id_val.flatten() {
                Some(Value::I(v)) => vendor_id(&[&v.to_le_bytes()]),
                Some(Value::B(b)) => vendor_id(&[b.data()]),
                _ => NO_ID,
            };
            sink.trade(line, ts, inst, p, s, id);
        }
        Kind::Bars {
            ohlc,
            volume,
            interval,
        } => {
            let mut px = [Price::ZERO; 4];
            for (p, c) in px.iter_mut().zip(ohlc) {
                match price_of(c, next(), o.price_decimals) {
                    Ok(v) => *p = v,
                    Err(e) => return sink.reject(line, Reject::Price, c.desc.name(), || e),
                }
            }
            let vol = match volume.as_ref().map(|_| next()) {
                None | Some(None) => Ok(0),
                Some(Some(Value::I(v))) => {
                    u64::try_from(*v).map_err(|_| format!("{v} is negative"))
                }
                Some(Some(Value::F(f)))
                    if f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64 =>
                {
                    Ok(*f as u64)
                }
                Some(Some(Value::F(f))) => Err(format!("{f} is not a whole number ≥ 0")),
                Some(Some(Value::B(b))) => parse_volume(b.data()),
                Some(Some(Value::T(_))) => Err("not a number".into()),
            };
            let vol = match vol {
                Ok(v) => v,
                Err(e) => return sink.reject(line, Reject::Size, "volume", || e),
            };
            let interval_s = match interval.as_ref().map(|_| next()) {
                Some(Some(Value::I(v))) if *v > 0 => (*v).min(i64::from(u32::MAX)) as u32,
                _ => o.bar_interval.unwrap_or(0),
            };
            sink.bar(line, BarRow::from_ohlc(ts, inst, px, vol, interval_s));
        }
    }
}

fn timestamp(col: &Column, v: &Value) -> Option<i64> {
    match v {
        Value::I(n) => n.checked_mul(col.ts_nanos()),
        Value::T(t) => Some(t.to_nanos()),
        Value::B(b) => parse_dbn_ts(b.data()),
        Value::F(_) => None,
    }
}

/// A price from a float, a decimal, 1e-9 integer units or text.
fn price_of(col: &Column, v: Option<&Value>, decimals: Option<u32>) -> Result<Price, String> {
    let scaled = |unscaled: i128, scale: i32| -> Result<Price, String> {
        let shift = SCALE_DIGITS as i32 - scale;
        let v = if shift >= 0 {
            unscaled.checked_mul(10i128.pow(shift as u32))
        } else {
            Some(unscaled / 10i128.pow((-shift) as u32))
        };
        v.and_then(|v| i64::try_from(v).ok())
            .map(Price)
            .ok_or_else(|| "out of range".to_string())
    };
    let p = match v {
        None => return Err("missing".into()),
        Some(Value::F(f)) if !f.is_finite() => return Err(format!("{f} is not a price")),
        Some(Value::F(f)) => Price::from_f64(*f).map_err(|e| format!("{f}: {e}"))?,
        Some(Value::I(n)) => match col.decimal_scale() {
            Some(s) => scaled(i128::from(*n), s)?,
            None => Price(*n),
        },
        Some(Value::B(b)) if col.is_text() => {
            return match decimals {
                Some(d) => parse_price_rounded(b.data(), d),
                None => parse_price(b.data()),
            };
        }
        Some(Value::B(b)) => {
            // A DECIMAL as big-endian two's complement bytes.
            let bytes = b.data();
            if bytes.is_empty() || bytes.len() > 16 {
                return Err(format!("{:?} is not a decimal", shown(bytes)));
            }
            let mut v: i128 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
            for &x in bytes {
                v = (v << 8) | i128::from(x);
            }
            scaled(v, col.decimal_scale().unwrap_or(0))?
        }
        Some(Value::T(_)) => return Err("not a price".into()),
    };
    Ok(match decimals {
        Some(d) => p.round_to(Price(10i64.pow(SCALE_DIGITS - d.min(SCALE_DIGITS)))),
        None => p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_partitions_read_only_what_is_asked() {
        let root = tempfile::tempdir().unwrap();
        for d in ["2025-01-23", "2025-01-24", "2025-01-27", "2025-01-28"] {
            for s in ["NVDA", "AMD"] {
                let dir = root.path().join(format!("date={d}/symbol={s}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("part-0.parquet"), b"").unwrap();
            }
        }
        std::fs::write(root.path().join("_SUCCESS"), b"").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 1, 27);
        let parts = partitions(root.path(), day, &["nvda".into()]).unwrap();
        let got: Vec<String> = parts
            .iter()
            .map(|p| {
                p.path
                    .strip_prefix(root.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            got,
            [
                "date=2025-01-24/symbol=NVDA/part-0.parquet",
                "date=2025-01-27/symbol=NVDA/part-0.parquet"
            ]
        );
        let latest = partitions(root.path(), None, &[]).unwrap();
        assert_eq!(
            latest.len(),
            4,
            "the latest date and the one before, both symbols"
        );
        assert_eq!(latest[0].value(DATE_KEYS), Some("2025-01-27"));
    }
}
