//! `tapedeck import`: vendor files → a replay folder. The flags map one to one onto
//! [`ImportOptions`]; see "Importing real data" in README.md for the formats.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::NaiveDate;
use chrono_tz::Tz;
use clap::Args;
use color_eyre::eyre::{Result, eyre};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::fetch::object_storage::{self, S3Inputs, S3Url};
use crate::import::fields::EpochUnit;
use crate::import::{self, CsvColumns, Format, ImportError, ImportOptions, TsUnit};
use crate::replay::manifest::InstrumentKind;

/// Exit code of an import stopped by Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Input files (DBN, Databento CSV/JSON, Polygon flat files, CSV, Parquet; gzip or zstd
    /// compressed or not), folders of hive-partitioned Parquet, or objects in S3:
    /// `s3://bucket/key`, `s3://bucket/prefix/` (credentials from the AWS environment or profile).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// S3-compatible store to read `s3://` inputs from (MinIO, Ceph, R2, a local test server).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Replay folder to write (replaced only once the import succeeded).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Input format (default: recognised from each file).
    #[arg(long, default_value = "auto", value_parser = Format::NAMES)]
    pub format: String,
    #[command(flatten)]
    pub meta: MetadataFlags,
    /// Time zone of timestamps written without an offset.
    #[arg(long, default_value = "America/New_York", value_name = "ZONE")]
    pub tz: String,
    /// Machine name of the replay (default: from the --out folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Kind of instruments without metadata (default: ES/NQ/MES/MNQ contracts and Databento
    /// CME data are futures, the rest stocks).
    #[arg(long, value_parser = ["stock", "etf", "future", "index"])]
    pub kind: Option<String>,
    /// Symbol of inputs that carry none (a file of one instrument).
    #[arg(long, value_name = "SYM")]
    pub symbol: Option<String>,
    /// Import only these symbols (comma-separated or repeated); with a Parquet folder only
    /// their symbol= partitions are read.
    #[arg(long, value_delimiter = ',', value_name = "SYM,...")]
    pub symbols: Vec<String>,
    /// Fail, writing nothing, when more than this percentage of rows is malformed.
    #[arg(long, default_value_t = 1.0, value_name = "PCT")]
    pub max_rejected_pct: f64,
    /// Write the prints as gzip-compressed text (trades.csv.gz: readable, diffable, smaller,
    /// slower to write and to open) instead of the binary columns file (trades.tdcol).
    #[arg(long)]
    pub text: bool,
    /// CSV: timestamp column (name or 1-based number; `Date+Time` joins columns).
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub ts_col: Option<String>,
    /// CSV: symbol column.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub symbol_col: Option<String>,
    /// CSV: price column (prints).
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub price_col: Option<String>,
    /// CSV: size column (prints).
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub size_col: Option<String>,
    /// CSV: bar open column.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub open_col: Option<String>,
    /// CSV: bar high column.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub high_col: Option<String>,
    /// CSV: bar low column.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub low_col: Option<String>,
    /// CSV: bar close column.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub close_col: Option<String>,
    /// CSV: bar volume column.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub volume_col: Option<String>,
    /// CSV: trade id or sequence column; rows equal in it and everything else are duplicates.
    #[arg(long, value_name = "COL", help_heading = "CSV columns")]
    pub id_col: Option<String>,
    /// CSV: timestamp unit (default: epoch unit guessed from the digits, else text).
    #[arg(long, value_parser = ["s", "ms", "us", "ns", "text"], help_heading = "CSV columns")]
    pub ts_unit: Option<String>,
    /// CSV: chrono format of text timestamps, e.g. `%m/%d/%Y %H:%M`.
    #[arg(long, value_name = "FORMAT", help_heading = "CSV columns")]
    pub ts_format: Option<String>,
    /// CSV/Parquet: bar length in seconds (default: the bars' smallest spacing).
    #[arg(long, value_name = "SECONDS", help_heading = "CSV columns",
          value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub bar_interval: Option<u32>,
    /// CSV: the file has no header line (name columns by number).
    #[arg(long, help_heading = "CSV columns")]
    pub no_header: bool,
    /// CSV: lines to skip before the header.
    #[arg(
        long,
        default_value_t = 0,
        value_name = "N",
        help_heading = "CSV columns"
    )]
    pub skip_lines: usize,
    /// CSV: field separator.
    #[arg(long, value_name = "CHAR", help_heading = "CSV columns")]
    pub delimiter: Option<char>,
    /// CSV/Parquet: round prices to this many decimals (prices stored as binary floats).
    #[arg(long, value_name = "N", help_heading = "CSV columns")]
    pub price_decimals: Option<u32>,
}

/// What `import` and `fetch` both take: the replay's metadata and headlines.
#[derive(Debug, Args)]
pub struct MetadataFlags {
    /// Headlines (CSV or JSON) to replay with the prints.
    #[arg(long, value_name = "FILE")]
    pub headlines: Option<PathBuf>,
    /// Instrument metadata (CSV or JSON): name, sector, kind, tick_size, reference,
    /// shares_outstanding, multiplier, ...
    #[arg(long, value_name = "FILE")]
    pub instruments: Option<PathBuf>,
    /// Set one metadata field, e.g. `--set NVDA.reference=142.62` (repeatable; wins over
    /// --instruments).
    #[arg(long, value_name = "SYMBOL.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Trading date to import (default: the last date in the data); the day before only
    /// provides reference prices.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Name a vendor symbol differently in the replay, e.g. `--rename NQH5=NQH25` (repeatable).
    #[arg(long, value_name = "VENDOR=REPLAY")]
    pub rename: Vec<String>,
    /// Title shown everywhere (default: date and symbols).
    #[arg(long)]
    pub title: Option<String>,
}

impl MetadataFlags {
    /// Sets them on `o`.
    pub fn apply(self, o: &mut ImportOptions) -> Result<()> {
        o.headlines = self.headlines;
        o.instruments = self.instruments;
        o.set = self.set;
        o.date = self
            .date
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| eyre!("--date {d:?} is not YYYY-MM-DD"))
            })
            .transpose()?;
        o.rename = super::fetch::renames(&self.rename).map_err(|e| eyre!("{e}"))?;
        o.title = self.title;
        Ok(())
    }
}

fn kind(s: &str) -> InstrumentKind {
    match s {
        "etf" => InstrumentKind::Etf,
        "future" => InstrumentKind::Future,
        "index" => InstrumentKind::Index,
        _ => InstrumentKind::Stock,
    }
}

fn ts_unit(s: &str) -> TsUnit {
    match s {
        "s" => TsUnit::Epoch(EpochUnit::S),
        "ms" => TsUnit::Epoch(EpochUnit::Ms),
        "us" => TsUnit::Epoch(EpochUnit::Us),
        "ns" => TsUnit::Epoch(EpochUnit::Ns),
        _ => TsUnit::Text,
    }
}

/// The options the flags describe.
pub fn options(a: ImportArgs) -> Result<(Vec<PathBuf>, ImportOptions)> {
    let mut o = ImportOptions::new(a.out);
    o.format = Format::parse(&a.format).ok_or_else(|| eyre!("unknown --format {}", a.format))?;
    a.meta.apply(&mut o)?;
    o.tz =
        a.tz.parse::<Tz>()
            .map_err(|_| eyre!("--tz {:?} is not an IANA time zone", a.tz))?;
    o.name = a.name;
    o.kind = a.kind.as_deref().map(kind);
    o.symbol = a.symbol;
    o.symbols = a.symbols;
    o.max_rejected_pct = a.max_rejected_pct;
    o.text = a.text;
    let delimiter = a
        .delimiter
        .map(|c| u8::try_from(c).map_err(|_| eyre!("--delimiter must be one ASCII character")))
        .transpose()?;
    o.columns = CsvColumns {
        ts: a.ts_col,
        symbol: a.symbol_col,
        price: a.price_col,
        size: a.size_col,
        open: a.open_col,
        high: a.high_col,
        low: a.low_col,
        close: a.close_col,
        volume: a.volume_col,
        id: a.id_col,
        ts_unit: a.ts_unit.as_deref().map(ts_unit),
        ts_format: a.ts_format,
        bar_interval: a.bar_interval,
        no_header: a.no_header,
        skip_lines: a.skip_lines,
        delimiter,
        price_decimals: a.price_decimals,
    };
    Ok((a.files, o))
}

/// Sets `flag` on Ctrl-C for the rest of the process, so the import stops between reads and
/// removes its temporary folder instead of dying half-way.
fn on_ctrl_c(flag: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        });
    });
}

/// `s3://` inputs become streamed objects (and downloaded Parquet) read through
/// [`S3Inputs`]; local files pass as they are.
fn with_objects(
    files: Vec<PathBuf>,
    endpoint: Option<&str>,
    opts: &mut ImportOptions,
    scratch: &std::path::Path,
) -> Result<Vec<PathBuf>, String> {
    let (remote, mut local): (Vec<PathBuf>, Vec<PathBuf>) =
        files.into_iter().partition(|p| object_storage::is_s3(p));
    if remote.is_empty() {
        return Ok(local);
    }
    let urls: Vec<S3Url> = remote
        .iter()
        .map(|p| {
            let text = p.to_string_lossy();
            S3Url::parse(&text).ok_or_else(|| format!("{text}: expected s3://bucket/key"))
        })
        .collect::<Result<_, _>>()?;
    let mut inputs = S3Inputs::new(&urls, endpoint)?;
    let found = inputs.expand(&urls, &opts.symbols, opts.date, scratch)?;
    local.extend(found.streamed);
    local.extend(found.downloaded);
    opts.remote = Some(Arc::new(inputs));
    Ok(local)
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:9} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_message("reading");
    bar
}

pub fn run(args: ImportArgs) -> Result<i32> {
    let endpoint = args.endpoint.clone();
    let (files, mut opts) = options(args)?;
    let scratch = tempfile::Builder::new()
        .prefix("tapedeck-s3-")
        .tempdir()
        .map_err(|e| eyre!("cannot create a scratch folder: {e}"))?;
    let files = match with_objects(files, endpoint.as_deref(), &mut opts, scratch.path()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tapedeck import: {e}");
            return Ok(1);
        }
    };
    opts.progress = progress_bar();
    on_ctrl_c(opts.interrupt.clone());
    let started = Instant::now();
    let result = import::import(&files, &opts);
    opts.progress.finish_and_clear();
    match result {
        Ok(report) => {
            print!("{report}");
            println!("wrote {} in {:.2?}", opts.out.display(), started.elapsed());
            Ok(0)
        }
        Err(e) => {
            if let Some(report) = e.report() {
                eprint!("{report}");
            }
            eprintln!("tapedeck import: {e}");
            Ok(match e {
                ImportError::Interrupted { .. } => EXIT_INTERRUPTED,
                _ => 1,
            })
        }
    }
}
