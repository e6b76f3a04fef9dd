//! `tapedeck import`: vendor files → a replay folder that opens like the bundled one.
//!
//! Each input's format is recognised from its bytes (DBN's magic, Parquet's, gzip and zstd are
//! looked inside, then a CSV header or JSON record) by the formats of [`format::FORMATS`], one
//! file each, and read by that format into a [`sink::Sink`] that keeps only the trading date's rows (earlier days fold into reference
//! prices), and written through [`crate::replay::write::atomically`], so a failed or
//! interrupted import leaves no replay behind. Identical inputs give byte-identical folders.

pub mod asked_only;
pub mod csv_rows;
pub mod databento_csv;
pub mod databento_json;
pub mod databento_records;
pub mod dbn;
pub mod fields;
pub mod format;
pub mod generic_csv;
pub mod headlines;
pub mod input;
pub mod instruments;
pub mod output;
pub mod parquet;
mod parquet_footer;
pub mod polygon_aggs;
pub mod polygon_trades;
pub mod report;
pub mod sink;
pub mod symbols;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use chrono_tz::Tz;
use indicatif::ProgressBar;

pub use format::{Format, ImportFormat};
pub use generic_csv::{CsvColumns, TsUnit};
pub use report::{ImportReport, Reject, Skip};

use crate::replay::manifest::{InstrumentKind, Source};

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
    /// Vendor symbol → replay symbol (`NQH5` → `NQH25`), applied after `symbols` filters.
    pub rename: Vec<(String, String)>,
    /// Where the files came from beyond their names (`fetch`: dataset, request, cost), added
    /// to the provenance's sources.
    pub origin: Vec<Source>,
    /// The provenance summary, when the caller knows better than "imported from N files".
    pub summary: Option<String>,
    /// Inputs that are not local files (objects in object storage), read as streams.
    pub remote: Option<Arc<dyn Remote>>,
}

/// Inputs named by URL rather than path (`s3://bucket/key`): the layer above the import
/// (`fetch::object_storage`) implements it, so that the import knows no network.
pub trait Remote: Send + Sync + std::fmt::Debug {
    /// Whether `name` is one of its inputs.
    fn owns(&self, name: &Path) -> bool;
    /// Its size in bytes (for the progress bar).
    fn len(&self, name: &Path) -> std::io::Result<u64>;
    /// Its bytes, as they are stored (compressed or not), streamed.
    fn open(&self, name: &Path) -> std::io::Result<Box<dyn std::io::Read + Send>>;
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
            rename: Vec::new(),
            origin: Vec::new(),
            summary: None,
            remote: None,
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
struct Named {
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
        let remote = opts.remote.as_ref().filter(|r| r.owns(path));
        let parts = if let Some(r) = remote {
            total += r.len(path).map_err(io)?;
            None
        } else if path.is_dir() {
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
        inputs.push(Named {
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
            Some(parts) => parquet::read_dataset(&input.path, parts, opts, &mut sink),
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
    sources.extend(opts.origin.iter().cloned());
    output::write(&out, &meta, sources, &formats, opts, &mut report)?;
    // The staged columns are no longer needed once the replay is in place.
    let bytes = out.print_count() * 20;
    crate::par::drop_in_background(out, bytes);
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

/// Reads one file with the format named, else the one that recognises it: a format read by path
/// from the file's own first bytes, else one read as a stream from its decompressed first bytes.
fn read_file(
    path: &Path,
    opts: &ImportOptions,
    sink: &mut sink::Sink,
) -> Result<String, ImportError> {
    let label = path.display().to_string();
    sink.begin_file(&label);
    let bad = |e: String| ImportError::Input(format!("{label}: {e}"));
    let named = opts.format.get();
    let remote = opts.remote.as_ref().filter(|r| r.owns(path));
    let by_path = match named {
        // Objects are streams; formats read by path (Parquet) are downloaded before.
        _ if remote.is_some() => None,
        Some(f) => (f.access() == format::Access::File).then_some(f),
        None => format::detect_file(path).and_then(Format::get),
    };
    if let Some(f) = by_path {
        return f
            .read(format::Input::file(path, &label, opts), sink)
            .map_err(bad);
    }
    let opened = match remote {
        Some(r) => r
            .open(path)
            .and_then(|inner| input::open_reader(inner, &opts.progress, &opts.interrupt)),
        None => input::open(path, &opts.progress, &opts.interrupt),
    }
    .map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if opened.head.iter().all(u8::is_ascii_whitespace) {
        sink.report.notes.push(format!("{label}: empty file"));
        return Ok("empty file".into());
    }
    let f = match named {
        Some(f) => f,
        None => format::detect(&opened.head)
            .and_then(Format::get)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::names().collect();
                bad(format!(
                    "format not recognised; name it with --format ({})",
                    names.join(", ")
                ))
            })?,
    };
    let compressed = match opened.compression {
        "" => String::new(),
        c => format!(" ({c})"),
    };
    let what = f
        .read(
            format::Input::stream(path, &label, opts, opened.reader),
            sink,
        )
        .map_err(bad)?;
    Ok(format!("{what}{compressed}"))
}
