//! `tapedeck import`: vendor files → a replay folder that opens like the bundled one.
//!
//! Each input's format is recognised from its bytes (DBN's magic, Parquet's, gzip and zstd are
//! looked inside, then a CSV header or JSON record), read by one reader per format into a
//! [`sink::Sink`] that keeps only the trading date's rows (earlier days fold into reference
//! prices), and written through [`crate::replay::write::atomically`], so a failed or
//! interrupted import leaves no replay behind. Identical inputs give byte-identical folders.

pub mod csv_rows;
pub mod databento_text;
pub mod dbn;
pub mod fields;
pub mod generic_csv;
pub mod headlines;
pub mod input;
pub mod instruments;
pub mod output;
pub mod parquet;
pub mod polygon;
pub mod report;
pub mod sink;
pub mod symbols;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use chrono_tz::Tz;
use indicatif::ProgressBar;

pub use generic_csv::{CsvColumns, TsUnit};
pub use report::{ImportReport, Reject, Skip};

use crate::replay::manifest::{InstrumentKind, Source};

/// Input formats; `Auto` recognises each file by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Auto,
    Dbn,
    DatabentoCsv,
    DatabentoJson,
    PolygonTrades,
    PolygonMinute,
    Csv,
    Parquet,
}

impl Format {
    pub const NAMES: [&str; 8] = [
        "auto",
        "dbn",
        "databento-csv",
        "databento-json",
        "polygon-trades",
        "polygon-minute",
        "csv",
        "parquet",
    ];

    pub fn name(self) -> &'static str {
        Format::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Format> {
        use Format::*;
        let all = [
            Auto,
            Dbn,
            DatabentoCsv,
            DatabentoJson,
            PolygonTrades,
            PolygonMinute,
            Csv,
            Parquet,
        ];
        all.into_iter().find(|f| f.name() == s)
    }
}

/// Everything `tapedeck import` can be told.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub out: PathBuf,
    pub format: Format,
    pub headlines: Option<PathBuf>,
    pub instruments: Option<PathBuf>,
    /// `SYMBOL.FIELD=VALUE` metadata settings.
    pub set: Vec<String>,
    /// The trading date; default: the last date in the data.
    pub date: Option<NaiveDate>,
    /// Zone of timestamps written without an offset.
    pub tz: Tz,
    pub name: Option<String>,
    pub title: Option<String>,
    /// Kind of instruments the metadata does not describe (default: recognised, else stock).
    pub kind: Option<InstrumentKind>,
    /// Symbol for inputs that carry none (a file of one instrument).
    pub symbol: Option<String>,
    /// Only these symbols.
    pub symbols: Vec<String>,
    pub columns: CsvColumns,
    /// Fail when more than this percentage of rows is rejected.
    pub max_rejected_pct: f64,
    /// Write the prints as text (`trades.csv.gz`) instead of the binary `trades.tdcol`.
    pub text: bool,
    /// Advanced by bytes read; hidden unless the caller shows it.
    pub progress: ProgressBar,
    /// Set (by a Ctrl-C handler) to stop the import; nothing is written then.
    pub interrupt: Arc<AtomicBool>,
}

impl ImportOptions {
    pub fn new(out: impl Into<PathBuf>) -> Self {
        ImportOptions {
            out: out.into(),
            format: Format::Auto,
            headlines: None,
            instruments: None,
            set: Vec::new(),
            date: None,
            tz: chrono_tz::America::New_York,
            name: None,
            title: None,
            kind: None,
            symbol: None,
            symbols: Vec::new(),
            columns: CsvColumns::default(),
            max_rejected_pct: 1.0,
            text: false,
            progress: ProgressBar::hidden(),
            interrupt: Arc::new(AtomicBool::new(false)),
        }
    }

    fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bad flag or option.
    #[error("{0}")]
    Usage(String),
    /// An input (or metadata or headlines file) that cannot be read at all.
    #[error("{0}")]
    Input(String),
    #[error("nothing could be imported: no replay written")]
    Nothing(Box<ImportReport>),
    #[error(
        "{pct:.2}% of the rows were rejected, more than --max-rejected-pct {max}: no replay written"
    )]
    TooManyRejected {
        report: Box<ImportReport>,
        pct: f64,
        max: f64,
    },
    #[error("interrupted: no replay written ({} left as it was)", out.display())]
    Interrupted { out: PathBuf },
    /// The folder written does not load: a bug in the importer, never the user's input.
    #[error("the imported replay does not load (please report this):\n{0}")]
    Invalid(String),
}

impl ImportError {
    /// The counts so far, when the import got as far as reading rows.
    pub fn report(&self) -> Option<&ImportReport> {
        match self {
            ImportError::Nothing(r) | ImportError::TooManyRejected { report: r, .. } => Some(r),
            _ => None,
        }
    }
}

/// One input as named on the command line: a file or a hive-partitioned Parquet folder.
struct Input {
    path: PathBuf,
    parts: Option<Vec<parquet::Part>>,
}

/// Imports `files` into `opts.out`. On success the replay is in place and the report says what
/// was read; on any error nothing was written.
pub fn import(files: &[PathBuf], opts: &ImportOptions) -> Result<ImportReport, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Usage("no input files".into()));
    }
    if !(0.0..=100.0).contains(&opts.max_rejected_pct) {
        return Err(ImportError::Usage(
            "--max-rejected-pct must be between 0 and 100".into(),
        ));
    }
    refuse_to_replace_other_folders(&opts.out)?;
    large_blocks_grow_in_place();
    let meta = instruments::load(opts.instruments.as_deref(), &opts.set)?;
    let mut inputs = Vec::new();
    let mut total = 0u64;
    for path in files {
        let io = |source| ImportError::Io {
            path: path.clone(),
            source,
        };
        let parts = if path.is_dir() {
            let parts = parquet::partitions(path, opts.date, &opts.symbols).map_err(io)?;
            total += parts
                .iter()
                .map(|p| p.path.metadata().map_or(0, |m| m.len()))
                .sum::<u64>();
            Some(parts)
        } else {
            total += path.metadata().map_err(io)?.len();
            None
        };
        inputs.push(Input {
            path: path.clone(),
            parts,
        });
    }
    opts.progress.set_length(total);

    let mut sink = sink::Sink::new(opts, &meta);
    let mut sources = Vec::new();
    let mut formats = Vec::new();
    for input in &inputs {
        let before = sink.report.read;
        let what = match &input.parts {
            Some(parts) => read_folder(&input.path, parts, opts, &mut sink),
            None => read_file(&input.path, opts, &mut sink),
        };
        // An interrupted read surfaces as whatever error the reader met; Ctrl-C is the cause.
        if opts.interrupted() {
            return Err(ImportError::Interrupted {
                out: opts.out.clone(),
            });
        }
        let what = what?;
        let rows = sink.report.read - before;
        let key = source_key(&input.path, &sources);
        formats.push(what.clone());
        sources.push(Source {
            key,
            what: format!("{what}; {} rows read", report::thousands(rows)),
            r#where: None,
        });
    }
    opts.progress.set_message("writing");

    let (out, mut report) = sink.finish();
    let Some(out) = out else {
        return Err(ImportError::Nothing(Box::new(report)));
    };
    let pct = report.rejected_pct();
    if pct > opts.max_rejected_pct {
        return Err(ImportError::TooManyRejected {
            report: Box::new(report),
            pct,
            max: opts.max_rejected_pct,
        });
    }
    output::write(&out, &meta, sources, &formats, opts, &mut report)?;
    // The staged columns are no longer needed once the replay is in place.
    crate::par::drop_in_background(out);
    Ok(report)
}

/// Staging columns grow by doubling to hundreds of megabytes. glibc maps blocks of 128 KiB and
/// more by themselves, and such a block grows in place (`mremap`, nothing copied), but it
/// raises that threshold (up to 32 MiB) each time the process frees a mapped block; blocks
/// under it live in the heap, where growing copies them and touches a new block while the old
/// one is still live. Fixing the threshold keeps an import in a process that has already done
/// other work (the benchmark, a test run) as fast as in a fresh `tapedeck import`.
fn large_blocks_grow_in_place() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const M_MMAP_THRESHOLD: i32 = -3;
        const DEFAULT_THRESHOLD: i32 = 128 << 10;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: a documented glibc tunable, set to its own default value; it only changes
        // where later blocks come from.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD);
        }
    }
}

/// `--out` is replaced whole on success: only an existing replay (or an empty folder) may be.
fn refuse_to_replace_other_folders(out: &Path) -> Result<(), ImportError> {
    let is_replay = out.join(crate::replay::load::MANIFEST_FILE).is_file();
    let is_empty = out.read_dir().is_ok_and(|mut d| d.next().is_none());
    if out.exists() && !is_replay && !is_empty {
        return Err(ImportError::Usage(format!(
            "{} exists and is not a replay folder: refusing to replace it",
            out.display()
        )));
    }
    Ok(())
}

/// A source's key: the file name, made unique if two inputs share one.
fn source_key(path: &Path, sources: &[Source]) -> String {
    let base = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let mut key = base.clone();
    let mut n = 1;
    while sources.iter().any(|s| s.key == key) {
        n += 1;
        key = format!("{base} ({n})");
    }
    key
}

fn read_folder(
    dir: &Path,
    parts: &[parquet::Part],
    opts: &ImportOptions,
    sink: &mut sink::Sink,
) -> Result<String, ImportError> {
    if parts.is_empty() {
        return Err(ImportError::Input(format!(
            "{}: no Parquet files for the date and symbols asked for",
            dir.display()
        )));
    }
    let o = parquet_options(opts);
    for part in parts {
        let label = part.path.display().to_string();
        sink.begin_file(&label);
        parquet::read(part, &o, sink).map_err(|e| ImportError::Input(format!("{label}: {e}")))?;
        if opts.interrupted() {
            break;
        }
    }
    Ok(format!("Parquet dataset, {} files read", parts.len()))
}

fn parquet_options(opts: &ImportOptions) -> parquet::Options<'_> {
    parquet::Options {
        fixed_symbol: opts.symbol.as_deref(),
        price_decimals: opts.columns.price_decimals,
        bar_interval: opts.columns.bar_interval,
        progress: &opts.progress,
        interrupt: &opts.interrupt,
    }
}

fn read_file(
    path: &Path,
    opts: &ImportOptions,
    sink: &mut sink::Sink,
) -> Result<String, ImportError> {
    let label = path.display().to_string();
    sink.begin_file(&label);
    let bad = |e: String| ImportError::Input(format!("{label}: {e}"));
    if opts.format == Format::Parquet || (opts.format == Format::Auto && parquet::is_parquet(path))
    {
        let part = parquet::Part {
            path: path.to_path_buf(),
            partition: Vec::new(),
        };
        return parquet::read(&part, &parquet_options(opts), sink).map_err(bad);
    }
    let opened =
        input::open(path, &opts.progress, &opts.interrupt).map_err(|source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if opened.head.iter().all(u8::is_ascii_whitespace) {
        sink.report.notes.push(format!("{label}: empty file"));
        return Ok("empty file".into());
    }
    let format = match opts.format {
        Format::Auto => input::detect(&opened.head).ok_or_else(|| {
            bad(format!(
                "format not recognised (not DBN, Parquet, CSV or Databento JSON); name it with --format ({})",
                Format::NAMES.join(", ")
            ))
        })?,
        f => f,
    };
    let compressed = match opened.compression {
        "" => String::new(),
        c => format!(" ({c})"),
    };
    let reader = opened.reader;
    let fixed = opts.symbol.as_deref();
    let what = match format {
        Format::Dbn => dbn::read(reader, fixed, sink),
        Format::DatabentoCsv | Format::DatabentoJson => {
            let ctx = databento_text::Ctx {
                symbology: databento_text::Symbology::beside(path).map_err(ImportError::Input)?,
                fixed_symbol: fixed,
            };
            if format == Format::DatabentoCsv {
                databento_text::read_csv(reader, &ctx, sink)
            } else {
                databento_text::read_json(reader, &ctx, sink)
            }
        }
        Format::PolygonTrades => polygon::read_trades(reader, sink),
        Format::PolygonMinute => {
            let day_file = label.contains("day_aggs");
            polygon::read_minute(reader, day_file, sink)
        }
        Format::Csv => generic_csv::read(reader, &opts.columns, opts.tz, fixed, sink),
        // Parquet was read above; detection never answers `Auto`.
        Format::Auto | Format::Parquet => Err("not a Parquet file".to_string()),
    }
    .map_err(bad)?;
    Ok(format!("{what}{compressed}"))
}
