//! `tapedeck bench-import`: the import comparison benchmark. One run generates the same trades
//! as a Polygon stocks-trades flat file (uncompressed CSV) and as a Databento `.dbn.zst`, then
//! times, side by side:
//!
//! - `tapedeck import` of the CSV into a replay folder, against polars `read_csv` and DuckDB
//!   `read_csv` of the same file on 1 and 2 threads (`assets/bench/compare_readers.py`, which
//!   installs both from PyPI into a virtual environment of its own);
//! - `tapedeck import` of the `.dbn.zst`, against the bare `dbn` decode loop over it;
//! - reopening the imported replay (from its cache) to the first drawn frame, and the resident
//!   bytes per print after the reopen.
//!
//! Every reader's row count and checksum (rows, sum of sizes, sum of price in cents × size) are
//! compared with the generator's. Tapedeck's import times include writing the replay folder
//! (the binary prints file and the manifest) and checking it by loading it; polars and DuckDB
//! only read the file into memory. Every reader runs `--repeat` times (3) and its median is
//! reported; the DBN import and the bare loop run in alternating rounds. Each timed import
//! starts without a previous replay in its way, and what it wrote is flushed to disk after
//! the timing.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::engine::Snapshot;
use crate::import::{self, ImportOptions, report::thousands};
use crate::replay::trades::TradeRow;
use crate::time::{NANOS_PER_HOUR, UnixNanos};

/// 2025-01-27T04:00:00-05:00, where `bench::generate_rows` starts its 16 hours.
const GEN_START: UnixNanos = 1_737_968_400 * 1_000_000_000;
const GEN_SPAN: i64 = 16 * NANOS_PER_HOUR;
/// 2025-01-27T09:30:00-05:00: the regular session the trades are squeezed into.
const REGULAR_START: UnixNanos = GEN_START + 11 * NANOS_PER_HOUR / 2;
const REGULAR_SPAN: i64 = 13 * NANOS_PER_HOUR / 2;
/// Price units (1e-9) per cent.
const CENT: i64 = 10_000_000;

pub const POLYGON_HEADER: &str = "ticker,conditions,correction,exchange,id,participant_timestamp,\
price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp";

const TICKERS: [&str; 30] = [
    "AAPL", "AMD", "AMZN", "AVGO", "BAC", "COST", "CRM", "CSCO", "GOOGL", "HD", "INTC", "JNJ",
    "JPM", "KO", "LLY", "MA", "META", "MSFT", "MU", "NFLX", "NVDA", "ORCL", "PEP", "PG", "QCOM",
    "SMCI", "TSLA", "UNH", "V", "XOM",
];

#[derive(Debug, Clone, Args)]
pub struct BenchImportArgs {
    /// Number of trades to generate.
    #[arg(long, default_value_t = 10_000_000)]
    pub trades: usize,
    #[arg(long, default_value_t = 30)]
    pub instruments: usize,
    /// Folder for the generated files and replays (default: a new one under the temp dir).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Keep the generated files and replays.
    #[arg(long)]
    pub keep: bool,
    /// Skip polars and DuckDB (no Python, no PyPI).
    #[arg(long)]
    pub no_python: bool,
    /// Runs of each timed reader; the median is reported (the machine may be busy).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
}

/// Row count and checksum of a set of trades, defined identically for every reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub rows: u64,
    pub volume: u64,
    /// Sum of price in cents × size.
    pub notional_cents: i128,
}

impl Sums {
    fn add(&mut self, price: i64, size: u32) {
        self.rows += 1;
        self.volume += u64::from(size);
        self.notional_cents += i128::from(price / CENT) * i128::from(size);
    }

    fn of_store(store: &crate::engine::Store) -> Sums {
        let mut s = Sums::default();
        for series in store.all_series().iter().filter(|s| s.bar_interval == 0) {
            for (&p, &q) in series.price.iter().zip(series.size.iter()) {
                s.add(p, q);
            }
        }
        s
    }
}

/// One line of the side-by-side table.
#[derive(Debug, Clone)]
pub struct Line {
    pub reader: String,
    pub threads: u32,
    pub rows: u64,
    pub seconds: f64,
    /// `None`: not checked (reopen) or the reader did not run.
    pub ok: Option<bool>,
    pub note: String,
}

impl Line {
    fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub expected: Sums,
    pub csv_import: Option<Line>,
    pub dbn_import: Option<Line>,
    pub dbn_bare: Option<Line>,
    pub python: Vec<Line>,
    pub python_note: Option<String>,
    pub reopen: Option<Duration>,
    pub reopen_note: String,
    pub bytes_per_print: Option<f64>,
    /// The same after reading every print once (every page of the columns mapped in).
    pub bytes_per_print_all: Option<f64>,
    pub csv_bytes: u64,
    pub dbn_bytes: u64,
}

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub fn ticker(i: usize) -> String {
    TICKERS
        .get(i)
        .map_or_else(|| format!("Z{i:04}"), std::string::ToString::to_string)
}

/// `bench::generate_rows` (random walks on a 0.01 grid) squeezed into 09:30–16:00 New York
/// time on 2025-01-27, still in time order.
pub fn generate(trades: usize, instruments: usize) -> Vec<TradeRow> {
    let mut rows = super::bench::generate_rows(trades, instruments, 42);
    for r in &mut rows {
        let off = i128::from((r.ts - GEN_START).clamp(0, GEN_SPAN - 1));
        r.ts = REGULAR_START + (off * i128::from(REGULAR_SPAN) / i128::from(GEN_SPAN)) as i64;
    }
    rows
}

fn mix(n: u64) -> u64 {
    super::bench::Rng::new(n ^ 0x5EED).next_u64()
}

fn put_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Price in cents as Polygon writes it (shortest decimal: `142.62`, `142.6`, `142`).
fn put_price(buf: &mut Vec<u8>, cents: u64) {
    put_u64(buf, cents / 100);
    let c = cents % 100;
    if c != 0 {
        buf.push(b'.');
        buf.push(b'0' + (c / 10) as u8);
        if !c.is_multiple_of(10) {
            buf.push(b'0' + (c % 10) as u8);
        }
    }
}

/// Writes the Polygon stocks-trades flat file: sorted by ticker, then SIP timestamp.
pub fn write_polygon_csv(path: &Path, rows: &[TradeRow], instruments: usize) -> Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    write_polygon_csv_to(&mut out, rows, instruments)?;
    out.flush()?;
    Ok(())
}

/// As [`write_polygon_csv`], into any writer (a gzip encoder for a flat file).
pub fn write_polygon_csv_to(
    out: &mut impl Write,
    rows: &[TradeRow],
    instruments: usize,
) -> Result<()> {
    let names: Vec<String> = (0..instruments).map(ticker).collect();
    let mut rank = vec![0u32; instruments];
    let mut by_name: Vec<usize> = (0..instruments).collect();
    by_name.sort_by(|&a, &b| names[a].cmp(&names[b]));
    for (r, &i) in by_name.iter().enumerate() {
        rank[i] = r as u32;
    }
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    // Stable: within a ticker the rows stay in time order.
    order.sort_by_key(|&n| rank[rows[n as usize].instrument as usize]);

    const EXCHANGES: [u64; 10] = [4, 4, 4, 11, 12, 15, 19, 21, 8, 10];
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(POLYGON_HEADER.as_bytes());
    buf.push(b'\n');
    for &n in &order {
        let r = &rows[n as usize];
        let h = mix(u64::from(n));
        let sip = r.ts as u64;
        let participant = sip - (h >> 20) % 400_000;
        buf.extend_from_slice(names[r.instrument as usize].as_bytes());
        buf.extend_from_slice(match h % 10 {
            0..=5 => b",,," as &[u8],
            6 | 7 => b",\"12,37\",,",
            8 => b",37,,",
            _ => b",\"14,41\",,",
        });
        let exchange = EXCHANGES[((h >> 8) % 10) as usize];
        put_u64(&mut buf, exchange);
        buf.push(b',');
        put_u64(&mut buf, 52_983_525_000_000 + u64::from(n));
        buf.push(b',');
        put_u64(&mut buf, participant);
        buf.push(b',');
        put_price(&mut buf, (r.price.0 / CENT) as u64);
        buf.push(b',');
        put_u64(&mut buf, u64::from(n) + 1);
        buf.push(b',');
        put_u64(&mut buf, sip);
        buf.push(b',');
        put_u64(&mut buf, u64::from(r.size));
        buf.push(b',');
        put_u64(&mut buf, 1 + u64::from(r.instrument) % 3);
        if exchange == 4 {
            buf.extend_from_slice(b",201,");
            put_u64(&mut buf, participant - 150);
            buf.push(b'\n');
        } else {
            buf.extend_from_slice(b",,\n");
        }
        if buf.len() > (1 << 20) - 256 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    Ok(())
}

/// Writes the trades as Databento XNAS.ITCH trades (MBP-0) with zstd, in time order, with
/// symbology metadata mapping each instrument id to its ticker for the day.
pub fn write_dbn_zst(path: &Path, rows: &[TradeRow], instruments: usize) -> Result<()> {
    use dbn::encode::{DbnEncoder, EncodeRecord};
    use dbn::{
        Dataset, FlagSet, MappingInterval, Metadata, Record, RecordHeader, SType, Schema,
        SymbolMapping, TradeMsg, rtype,
    };
    use std::num::NonZeroU64;

    let id = |i: usize| 1000 + i as u32;
    let trade = |r: &TradeRow, seq: u32| TradeMsg {
        hd: RecordHeader::new::<TradeMsg>(rtype::MBP_0, 2, id(r.instrument as usize), r.ts as u64),
        price: r.price.0,
        size: r.size,
        action: b'T' as std::ffi::c_char,
        side: if seq.is_multiple_of(2) { b'A' } else { b'B' } as std::ffi::c_char,
        flags: FlagSet::default(),
        depth: 0,
        ts_recv: r.ts as u64 + 1_000,
        ts_in_delta: 0,
        sequence: seq,
    };
    // `time` is not a dependency of the crate: take the trading day from a record's index date.
    let probe = TradeRow {
        ts: REGULAR_START,
        instrument: 0,
        price: crate::price::Price(CENT),
        size: 1,
    };
    let day = trade(&probe, 0)
        .index_date()
        .ok_or_else(|| eyre!("no index date"))?;
    let next = day.next_day().ok_or_else(|| eyre!("no next day"))?;
    let symbols: Vec<String> = (0..instruments).map(ticker).collect();
    let md = Metadata::builder()
        .dataset(Dataset::XnasItch)
        .schema(Some(Schema::Trades))
        .start(GEN_START as u64)
        .end(NonZeroU64::new((GEN_START + GEN_SPAN) as u64))
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .symbols(symbols.clone())
        .mappings(
            symbols
                .iter()
                .enumerate()
                .map(|(i, s)| SymbolMapping {
                    raw_symbol: s.clone(),
                    intervals: vec![MappingInterval {
                        start_date: day,
                        end_date: next,
                        symbol: id(i).to_string(),
                    }],
                })
                .collect(),
        )
        .build();
    let file = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut enc = DbnEncoder::with_zstd(file, &md)?;
    for (n, r) in rows.iter().enumerate() {
        enc.encode_record(&trade(r, n as u32 + 1))?;
    }
    enc.flush()?;
    drop(enc);
    Ok(())
}

/// The floor for a DBN importer: decode every trade of the file and sum it, nothing else.
pub fn bare_dbn_loop(path: &Path) -> Result<Sums> {
    use dbn::TradeMsg;
    use dbn::decode::{DbnDecoder, DecodeRecord};
    let mut dec = DbnDecoder::from_zstd_file(path)?;
    let mut sums = Sums::default();
    while let Some(t) = dec.decode_record::<TradeMsg>()? {
        sums.add(t.price, t.size);
    }
    Ok(sums)
}

/// One timed import of `input` into `out`: the rows imported and the time. The previous
/// replay in `out` is removed first, outside the timing: the other readers replace nothing.
fn import_once(input: &Path, out: &Path) -> Result<(u64, Duration)> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    let opts = ImportOptions::new(out);
    let t = Instant::now();
    let report = import::import(&[input.to_path_buf()], &opts).map_err(|e| {
        let counts = e
            .report()
            .map(std::string::ToString::to_string)
            .unwrap_or_default();
        eyre!("importing {}: {e}\n{counts}", input.display())
    })?;
    let took = t.elapsed();
    settle(out)?;
    Ok((report.trades, took))
}

/// Flushes the files under `path` to disk, outside any timing. The kernel writes dirty pages
/// back about 30 s after they were written, on a core a later measurement would be using:
/// flushing them here keeps each measurement from paying for the one before.
fn settle(path: &Path) -> Result<()> {
    if path.is_dir() {
        for entry in std::fs::read_dir(path)? {
            settle(&entry?.path())?;
        }
    } else {
        std::fs::File::open(path)?.sync_all()?;
    }
    Ok(())
}

/// Imports `input` into `out` `repeat` times; the rows imported and the median time.
fn import_one(input: &Path, out: &Path, repeat: usize) -> Result<(u64, Duration)> {
    let mut rows = 0;
    let took = median(repeat, || {
        let (n, took) = import_once(input, out)?;
        rows = n;
        Ok(took)
    })?;
    Ok((rows, took))
}

/// The median of `repeat` timed runs (at least one).
fn median(repeat: usize, mut run: impl FnMut() -> Result<Duration>) -> Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        times.push(run()?);
    }
    Ok(median_of(&mut times))
}

fn median_of(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Generates the files and measures everything but the Python readers.
pub fn measure(args: &BenchImportArgs, dir: &Path) -> Result<Outcome> {
    let (n, k) = (args.trades, args.instruments);
    let mut o = Outcome::default();
    std::fs::create_dir_all(dir)?;
    let csv = dir.join("polygon-trades-2025-01-27.csv");
    let dbn = dir.join("xnas-itch-trades-2025-01-27.dbn.zst");

    let t = Instant::now();
    let rows = generate(n, k);
    for r in &rows {
        o.expected.add(r.price.0, r.size);
    }
    println!(
        "  generate {} trades        {:>9.2?}",
        thousands(n as u64),
        t.elapsed()
    );
    let t = Instant::now();
    write_polygon_csv(&csv, &rows, k)?;
    o.csv_bytes = std::fs::metadata(&csv)?.len();
    println!(
        "  write Polygon CSV            {:>9.2?}  ({:.1} MB)",
        t.elapsed(),
        o.csv_bytes as f64 / 1e6
    );
    let t = Instant::now();
    write_dbn_zst(&dbn, &rows, k)?;
    o.dbn_bytes = std::fs::metadata(&dbn)?.len();
    println!(
        "  write DBN.zst                {:>9.2?}  ({:.1} MB)",
        t.elapsed(),
        o.dbn_bytes as f64 / 1e6
    );
    drop(rows);
    settle(&csv)?;
    settle(&dbn)?;

    // CSV → replay.
    let csv_out = dir.join("replay-from-csv");
    let (imported, took) = import_one(&csv, &csv_out, args.repeat)?;
    let t = Instant::now();
    let first = crate::replay::load(&csv_out).map_err(|e| eyre!("{e}"))?;
    let first_open = t.elapsed();
    let got = Sums::of_store(&first.store);
    let cache_note = cache_word(&first.cache);
    drop(first);
    o.csv_import = Some(Line {
        reader: "tapedeck import CSV -> replay".into(),
        threads: 2,
        rows: imported,
        seconds: took.as_secs_f64(),
        ok: Some(got == o.expected && imported == o.expected.rows),
        note: format!(
            "splitting || parsing; incl. writing + checking the replay; median of {}",
            args.repeat.max(1)
        ),
    });

    // Reopen to the first frame, from the cache the load above wrote.
    let rss_before = rss_bytes();
    let t = Instant::now();
    let replay = crate::replay::load(&csv_out).map_err(|e| eyre!("{e}"))?;
    let mut snap = Snapshot::default();
    replay
        .store
        .snapshot_into(replay.store.start, 50, &mut snap);
    if let Some(screen) = super::screen() {
        (screen.draw_frames)(&replay, 200, 50, 1);
    }
    o.reopen = Some(t.elapsed());
    if let (Some(a), Some(b)) = (rss_before, rss_bytes()) {
        o.bytes_per_print =
            Some(b.saturating_sub(a) as f64 / replay.store.print_count().max(1) as f64);
    }
    o.reopen_note = format!(
        "reopen {}; first open {first_open:.2?} ({cache_note})",
        cache_word(&replay.cache)
    );
    // The first frame reads little of a mapped replay; scrubbing through it reads it all.
    let every = Sums::of_store(&replay.store);
    if let (Some(a), Some(b), true) = (rss_before, rss_bytes(), every.rows > 0) {
        o.bytes_per_print_all =
            Some(b.saturating_sub(a) as f64 / replay.store.print_count().max(1) as f64);
    }
    drop(replay);

    // DBN.zst → replay, and the bare decode loop, in alternating rounds: a drift in the
    // machine's speed (this is often a VM) then weighs on both alike.
    let dbn_out = dir.join("replay-from-dbn");
    let (mut imports, mut bares) = (Vec::new(), Vec::new());
    let mut imported = 0;
    let mut bare = Sums::default();
    for _ in 0..args.repeat.max(1) {
        let (n, took) = import_once(&dbn, &dbn_out)?;
        imported = n;
        imports.push(took);
        let t = Instant::now();
        bare = bare_dbn_loop(&dbn)?;
        bares.push(t.elapsed());
    }
    let took = median_of(&mut imports);
    let loaded = crate::replay::load_uncached(&dbn_out).map_err(|e| eyre!("{e}"))?;
    let got = Sums::of_store(&loaded.store);
    drop(loaded);
    o.dbn_import = Some(Line {
        reader: "tapedeck import DBN.zst -> replay".into(),
        threads: 2,
        rows: imported,
        seconds: took.as_secs_f64(),
        ok: Some(got == o.expected && imported == o.expected.rows),
        note: format!(
            "zstd || decoding; incl. writing + checking the replay; median of {}, rounds alternate with the bare loop",
            args.repeat.max(1)
        ),
    });
    let took = median_of(&mut bares);
    o.dbn_bare = Some(Line {
        reader: "dbn decode loop (bare)".into(),
        threads: 1,
        rows: bare.rows,
        seconds: took.as_secs_f64(),
        ok: Some(bare == o.expected),
        note: format!(
            "DbnDecoder::from_zstd_file + decode_record::<TradeMsg>; median of {}",
            args.repeat.max(1)
        ),
    });

    if !args.no_python {
        let expected = o.expected;
        run_python(&csv, &expected, args.repeat, &mut o);
    }
    Ok(o)
}

fn cache_word(c: &crate::replay::CacheStatus) -> String {
    use crate::replay::CacheStatus;
    match c {
        CacheStatus::Hit(_) => "from the cache".into(),
        CacheStatus::Written(_, _) => "from the prints file, cache written".into(),
        CacheStatus::NotUsed(why) => format!("from the prints file: {why}"),
    }
}

fn script_path() -> PathBuf {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/bench/compare_readers.py");
    if built.is_file() {
        built
    } else {
        PathBuf::from("assets/bench/compare_readers.py")
    }
}

/// Runs `compare_readers.py`, passing its own lines through and collecting its `RESULT` lines.
fn run_python(csv: &Path, expected: &Sums, repeat: usize, o: &mut Outcome) {
    let script = script_path();
    println!(
        "  running {} (installs polars and duckdb if needed)",
        script.display()
    );
    let child = Command::new("python3")
        .arg(&script)
        .arg(csv)
        .args(["--expect-rows", &expected.rows.to_string()])
        .args(["--expect-volume", &expected.volume.to_string()])
        .args(["--expect-checksum", &expected.notional_cents.to_string()])
        .args(["--repeat", &repeat.max(1).to_string()])
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            o.python_note = Some(format!("cannot run python3: {e}"));
            return;
        }
    };
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            match line.strip_prefix("RESULT ") {
                Some(json) => match parse_result(json) {
                    Some(l) => o.python.push(l),
                    None => println!("    python: unreadable result {json}"),
                },
                None => println!("    python: {line}"),
            }
        }
    }
    match child.wait() {
        Ok(s) if s.success() => {}
        Ok(s) => o.python_note = Some(format!("compare_readers.py exited with {s}")),
        Err(e) => o.python_note = Some(format!("compare_readers.py: {e}")),
    }
    if o.python.is_empty() && o.python_note.is_none() {
        o.python_note = Some("compare_readers.py reported no reader".into());
    }
}

fn parse_result(json: &str) -> Option<Line> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    Some(Line {
        reader: v.get("reader")?.as_str()?.to_string(),
        threads: v.get("threads")?.as_u64()? as u32,
        rows: v
            .get("rows")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0),
        seconds: v
            .get("seconds")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(0.0),
        ok: v.get("ok").and_then(serde_json::Value::as_bool),
        note: v
            .get("note")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string(),
    })
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// The side-by-side table and the target lines.
pub fn table(o: &Outcome) -> String {
    let mut s = String::new();
    let mut line = |l: &Line| {
        let ok = match l.ok {
            Some(true) => "ok",
            Some(false) => "MISMATCH",
            None => "-",
        };
        s.push_str(&format!(
            "  {:<36} {:>7} {:>12} {:>9.3} {:>9} {:>9}  {}\n",
            l.reader,
            l.threads,
            thousands(l.rows),
            l.seconds,
            if l.ok.is_some() {
                format!("{:.2}", l.rate() / 1e6)
            } else {
                "-".into()
            },
            ok,
            l.note
        ));
    };
    let header = format!(
        "  {:<36} {:>7} {:>12} {:>9} {:>9} {:>9}\n",
        "reader", "threads", "rows", "seconds", "M rows/s", "checksum"
    );
    let csv_part: Vec<&Line> = o.csv_import.iter().chain(o.python.iter()).collect();
    for l in csv_part {
        line(l);
    }
    for l in o.dbn_import.iter().chain(o.dbn_bare.iter()) {
        line(l);
    }
    if let Some(d) = o.reopen {
        line(&Line {
            reader: "reopen -> snapshot + 200x50 frame".into(),
            threads: 1,
            rows: o.expected.rows,
            seconds: d.as_secs_f64(),
            ok: None,
            note: o.reopen_note.clone(),
        });
    }
    let mut out = header + &s;
    if let Some(n) = &o.python_note {
        out.push_str(&format!("  polars/duckdb: {n}\n"));
    }
    out.push_str("targets:\n");
    let polars1 = o
        .python
        .iter()
        .find(|l| l.reader.starts_with("polars") && l.threads == 1 && l.seconds > 0.0);
    match (&o.csv_import, polars1) {
        (Some(t), Some(p)) => out.push_str(&format!(
            "  {}  CSV import >= polars read_csv on 1 thread: {:.2} vs {:.2} M rows/s ({:.2}x)\n",
            pass(t.rate() >= p.rate()),
            t.rate() / 1e6,
            p.rate() / 1e6,
            t.rate() / p.rate()
        )),
        _ => out.push_str("  n/a   CSV import >= polars read_csv on 1 thread: polars not run\n"),
    }
    if let (Some(t), Some(b)) = (&o.dbn_import, &o.dbn_bare) {
        out.push_str(&format!(
            "  {}  DBN.zst import >= 0.8x bare decode loop: {:.2} vs {:.2} M rows/s ({:.2}x)\n",
            pass(t.rate() >= 0.8 * b.rate()),
            t.rate() / 1e6,
            b.rate() / 1e6,
            t.rate() / b.rate()
        ));
    }
    if let Some(d) = o.reopen {
        out.push_str(&format!(
            "  {}  reopen to first frame < 200 ms: {:.1} ms\n",
            pass(d < Duration::from_millis(200)),
            d.as_secs_f64() * 1e3
        ));
    }
    match (o.bytes_per_print, o.bytes_per_print_all) {
        (Some(b), Some(all)) => out.push_str(&format!(
            "  {}  <= 24 bytes per print resident: {b:.1} after reopen and first frame, {all:.1} after reading every print\n",
            pass(b.max(all) <= 24.0)
        )),
        _ => out.push_str("  n/a   <= 24 bytes per print resident: no /proc/self/status\n"),
    }
    out
}

/// Every reader read every row with the same checksum.
pub fn all_ok(o: &Outcome) -> bool {
    [&o.csv_import, &o.dbn_import, &o.dbn_bare]
        .into_iter()
        .flatten()
        .chain(o.python.iter())
        .all(|l| l.ok != Some(false))
}

pub fn run(args: BenchImportArgs) -> Result<i32> {
    if args.instruments == 0 || args.instruments > u16::MAX as usize {
        return Err(eyre!("--instruments must be 1..65535"));
    }
    if args.trades == 0 || args.trades > u32::MAX as usize {
        return Err(eyre!("--trades must be 1..4294967295"));
    }
    let started = Instant::now();
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("tapedeck-bench-import-{}", std::process::id()))
    });
    let cache_dir = dir.join("cache");
    // SAFETY: no other thread runs yet; the variable only steers where this run's cache goes.
    unsafe { std::env::set_var("TAPEDECK_CACHE_DIR", &cache_dir) };
    println!(
        "tapedeck bench-import: {} trades over {} instruments in {}",
        thousands(args.trades as u64),
        args.instruments,
        dir.display()
    );
    let result = measure(&args, &dir);
    if !args.keep {
        for name in [
            "polygon-trades-2025-01-27.csv",
            "xnas-itch-trades-2025-01-27.dbn.zst",
        ] {
            let _ = std::fs::remove_file(dir.join(name));
        }
        for name in ["replay-from-csv", "replay-from-dbn", "cache"] {
            let _ = std::fs::remove_dir_all(dir.join(name));
        }
        let _ = std::fs::remove_dir(&dir);
    }
    let o = result?;
    println!(
        "\nfiles: Polygon CSV {:.1} MB, DBN.zst {:.1} MB; checksum: {} rows, volume {}, sum(cents*size) {}",
        o.csv_bytes as f64 / 1e6,
        o.dbn_bytes as f64 / 1e6,
        thousands(o.expected.rows),
        o.expected.volume,
        o.expected.notional_cents
    );
    print!("{}", table(&o));
    println!("total {:.1?}", started.elapsed());
    Ok(i32::from(!all_ok(&o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_imports_every_generated_trade_from_both_formats() {
        let tmp = tempfile::tempdir().unwrap();
        let args = BenchImportArgs {
            trades: 20_000,
            instruments: 30,
            dir: None,
            keep: false,
            no_python: true,
            repeat: 1,
        };
        let o = measure(&args, tmp.path()).unwrap();
        assert_eq!(o.expected.rows, 20_000);
        for l in [&o.csv_import, &o.dbn_import, &o.dbn_bare] {
            let l = l.as_ref().unwrap();
            assert_eq!(l.rows, 20_000, "{}", l.reader);
            assert_eq!(l.ok, Some(true), "{}", l.reader);
        }
        assert!(o.reopen.is_some());
        assert!(all_ok(&o));
        assert!(table(&o).contains("DBN.zst import >= 0.8x"));
    }

    #[test]
    fn polygon_file_has_the_vendor_header_and_quoted_conditions() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("t.csv");
        let rows = generate(200, 3);
        write_polygon_csv(&path, &rows, 3).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(POLYGON_HEADER));
        assert!(text.contains("\"12,37\""));
        let tickers: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(tickers.len(), 200);
        assert!(tickers.is_sorted());
    }

    #[test]
    fn prices_are_written_shortest() {
        let mut b = Vec::new();
        for c in [14262, 14260, 14200, 7] {
            put_price(&mut b, c);
            b.push(b' ');
        }
        assert_eq!(String::from_utf8(b).unwrap(), "142.62 142.6 142 0.07 ");
    }
}
