//! Loading a replay folder into a [`Store`], validating everything on the way. Every problem
//! is reported as `file:line: field: what is wrong`; `check` lists them all, loading fails
//! with them all. Nothing from a file reaches the terminal with control characters in it.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::cache;
use super::columns::{self, ColumnsFile, Divisible};
use super::json_lines::{self, array_element_lines, key_line};
use super::manifest::{FORMAT_NAME, FORMAT_VERSION, HeadlineRecord, Manifest};
use super::trades::{self, HEADER};
use crate::engine::store::{Headline, InstrumentInfo, Phase, Store, StoreBuilder};
use crate::price::{Price, decimals_of, parse_int};
use crate::text::{has_control, sanitize};
use crate::time::{UnixNanos, parse_rfc3339, rfc3339_in};

pub const MANIFEST_FILE: &str = "replay.json";
/// The replay `cargo run` opens when none is named.
pub const DEFAULT_REPLAY: &str = "deepseek-2025-01-27";
/// Problems listed per file before the rest are only counted.
const MAX_PROBLEMS_PER_FILE: usize = 50;

/// One thing wrong with a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A replay that could not be loaded, with every problem found.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub problems: Vec<Problem>,
    /// Problems found beyond those listed.
    pub more: usize,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        if self.more > 0 {
            write!(f, "\n... and {} more problems", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// A loaded, validated replay.
#[derive(Debug)]
pub struct Replay {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub tz: Tz,
    pub date: NaiveDate,
    pub store: Store,
    /// How the prints were loaded.
    pub cache: CacheStatus,
}

/// Whether the prints came from the binary cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// Opened from the memory-mapped cache at this path.
    Hit(PathBuf),
    /// Read from text, then written to the cache at this path for next time.
    Written(PathBuf, Option<cache::Miss>),
    /// Read from text; not cached (small replay, caching off, or the write failed).
    NotUsed(String),
}

impl Replay {
    pub fn is_reconstructed(&self) -> bool {
        self.manifest.provenance.kind == super::manifest::ProvenanceKind::Reconstructed
    }

    /// Title as safe terminal text.
    pub fn title(&self) -> String {
        sanitize(&self.manifest.title)
    }
}

/// Finds a replay folder: an existing path, or the name of a folder under `replays/` in the
/// working directory or in the source tree this binary was built from.
pub fn resolve(arg: Option<&str>) -> Result<PathBuf, String> {
    let name = arg.unwrap_or(DEFAULT_REPLAY);
    let direct = PathBuf::from(name);
    if direct.join(MANIFEST_FILE).is_file() || (arg.is_some() && direct.is_dir()) {
        return Ok(direct);
    }
    let candidates = [
        PathBuf::from("replays").join(name),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("replays")
            .join(name),
    ];
    candidates
        .iter()
        .find(|p| p.join(MANIFEST_FILE).is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no replay {name:?}: not a folder with a {MANIFEST_FILE}, and not a bundled replay under replays/"
            )
        })
}

/// Problems collected while reading one replay.
struct Problems {
    list: Vec<Problem>,
    more: usize,
    per_file: HashMap<PathBuf, usize>,
}

impl Problems {
    fn new() -> Self {
        Problems {
            list: Vec::new(),
            more: 0,
            per_file: HashMap::new(),
        }
    }

    fn add(&mut self, file: &Path, line: Option<usize>, field: &str, message: impl Into<String>) {
        let n = self.per_file.entry(file.to_path_buf()).or_default();
        *n += 1;
        if *n > MAX_PROBLEMS_PER_FILE {
            self.more += 1;
            return;
        }
        self.list.push(Problem {
            file: file.to_path_buf(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }

    fn into_error(self) -> LoadError {
        LoadError {
            problems: self.list,
            more: self.more,
        }
    }
}

/// Validates a replay folder from its text files (never the cache) and returns every problem
/// (empty when clean).
pub fn check(dir: &Path) -> Vec<Problem> {
    match load_with(dir, Mode::Check) {
        Ok(_) => Vec::new(),
        Err(e) => {
            let mut list = e.problems;
            if e.more > 0 {
                list.push(Problem {
                    file: dir.to_path_buf(),
                    line: None,
                    field: String::new(),
                    message: format!("{} more problems not listed", e.more),
                });
            }
            list
        }
    }
}

/// Loads and validates a replay folder, opening its binary cache when it is current and
/// writing one after reading a large replay from text.
pub fn load(dir: &Path) -> Result<Replay, LoadError> {
    load_with(dir, Mode::Cached).map(|r| r.expect("a replay is built when opening"))
}

/// Loads and validates a replay folder from its text files only.
pub fn load_uncached(dir: &Path) -> Result<Replay, LoadError> {
    load_with(dir, Mode::Uncached).map(|r| r.expect("a replay is built when opening"))
}

/// What loading is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Open, through the cache.
    Cached,
    /// Open from the replay's own files.
    Uncached,
    /// Check the replay's own files only: no store is built (`None` on success).
    Check,
}

fn load_with(dir: &Path, mode: Mode) -> Result<Option<Replay>, LoadError> {
    let use_cache = mode == Mode::Cached;
    let mut problems = Problems::new();
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read(&manifest_path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                problems.add(&manifest_path, None, "", format!("not UTF-8 text ({e})"));
                return Err(problems.into_error());
            }
        },
        Err(e) => {
            problems.add(&manifest_path, None, "", format!("cannot read: {e}"));
            return Err(problems.into_error());
        }
    };
    let manifest: Manifest = match json_lines::parse(&text) {
        Ok(m) => m,
        Err(e) => {
            problems.add(&manifest_path, Some(e.line), &e.field, e.message);
            return Err(problems.into_error());
        }
    };
    let Some(ctx) = validate_manifest(&manifest, &text, &manifest_path, &mut problems) else {
        return Err(problems.into_error());
    };

    let headlines = load_headlines(dir, &manifest, &ctx, &mut problems);
    let mut builder = StoreBuilder::new(
        ctx.instruments.clone(),
        manifest.sectors.iter().map(|s| sanitize(s)).collect(),
        ctx.phases.clone(),
        ctx.start,
        ctx.end,
    );
    let trades_path = dir.join(&manifest.files.trades);
    let bars_path = manifest.files.bars.as_ref().map(|b| dir.join(b));
    let source = cache::Source {
        manifest: text.as_bytes(),
        files: [Some(&trades_path), bars_path.as_deref()],
    };
    let cache_path = if use_cache {
        cache::path_for(dir)
    } else {
        None
    };
    // A binary prints file is mapped, not parsed; its columns serve the cache and the store.
    let binary = columns::is_columns_file(&manifest.files.trades);
    let mapped = if binary && problems.is_empty() {
        open_columns(&trades_path, &ctx, &mut problems)
    } else {
        None
    };
    let raw = |f: &ColumnsFile| -> Vec<cache::RawColumns> {
        f.instruments
            .iter()
            .map(|m| (m.ts.clone(), m.price.clone(), m.size.clone()))
            .collect()
    };
    let mut miss = None;
    if let Some(path) = &cache_path
        && problems.is_empty()
    {
        match cache::read(
            path,
            &source,
            ctx.instruments.len(),
            mapped.as_ref().map(raw),
        ) {
            Ok(series) => {
                builder.headlines(headlines);
                return Ok(Some(Replay {
                    dir: dir.to_path_buf(),
                    tz: ctx.tz,
                    date: ctx.date,
                    store: builder.build_with(series),
                    manifest,
                    cache: CacheStatus::Hit(path.clone()),
                }));
            }
            Err(cache::Miss::Absent) => {}
            Err(m) => miss = Some(m),
        }
    }
    let traded = match &mapped {
        Some(f) => check_columns(&trades_path, f, &ctx, &mut builder, &mut problems),
        None if binary => vec![false; ctx.instruments.len()],
        None => load_trades(dir, &manifest, &ctx, &mut builder, &mut problems),
    };
    if let Some(bars) = &bars_path {
        load_bars(bars, &ctx, &traded, &mut builder, &mut problems);
    }
    if !problems.is_empty() {
        return Err(problems.into_error());
    }
    if mode == Mode::Check {
        return Ok(None);
    }
    builder.headlines(headlines);
    let store = builder.build();
    let cache = match cache_path {
        None => CacheStatus::NotUsed("caching is off".into()),
        Some(_) if store.print_count() < cache::MIN_PRINTS => {
            CacheStatus::NotUsed(format!("fewer than {} prints", cache::MIN_PRINTS))
        }
        Some(path) => match cache::write(&path, &source, store.all_series(), binary) {
            Ok(()) => CacheStatus::Written(path, miss),
            Err(e) => CacheStatus::NotUsed(format!("cannot write {}: {e}", path.display())),
        },
    };
    Ok(Some(Replay {
        dir: dir.to_path_buf(),
        tz: ctx.tz,
        date: ctx.date,
        store,
        manifest,
        cache,
    }))
}

/// What the rest of loading needs from a valid manifest.
struct Context {
    tz: Tz,
    date: NaiveDate,
    start: UnixNanos,
    end: UnixNanos,
    phases: Vec<Phase>,
    instruments: Vec<InstrumentInfo>,
    steps: Vec<Price>,
    symbols: HashMap<String, u16>,
}

fn validate_manifest(m: &Manifest, text: &str, path: &Path, p: &mut Problems) -> Option<Context> {
    let at = |key: &str| key_line(text, key);
    if m.format != FORMAT_NAME {
        p.add(
            path,
            at("format"),
            "format",
            format!("expected {FORMAT_NAME:?}, found {:?}", m.format),
        );
    }
    if m.version != FORMAT_VERSION {
        p.add(
            path,
            at("version"),
            "version",
            format!(
                "this build reads version {FORMAT_VERSION}, the file is version {}",
                m.version
            ),
        );
    }
    for (key, value) in [("name", &m.name), ("title", &m.title)] {
        if value.trim().is_empty() {
            p.add(path, at(key), key, "must not be empty");
        } else if has_control(value) {
            p.add(path, at(key), key, "contains control characters");
        }
    }
    if has_control(&m.provenance.summary) {
        p.add(
            path,
            at("provenance"),
            "provenance.summary",
            "contains control characters",
        );
    }
    let tz = Tz::from_str(&m.time_zone)
        .map_err(|_| {
            p.add(
                path,
                at("time_zone"),
                "time_zone",
                format!("unknown time zone {:?}", m.time_zone),
            );
        })
        .ok();
    let date = NaiveDate::parse_from_str(&m.trading_date, "%Y-%m-%d")
        .map_err(|_| {
            p.add(
                path,
                at("trading_date"),
                "trading_date",
                format!("{:?} is not YYYY-MM-DD", m.trading_date),
            );
        })
        .ok();
    let mut time = |key: &str, value: &str, line: Option<usize>| {
        parse_rfc3339(value)
            .ok_or_else(|| {
                p.add(
                    path,
                    line,
                    key,
                    format!("{value:?} is not an RFC 3339 time with an offset"),
                );
            })
            .ok()
    };
    let start = time("start", &m.start, at("start"));
    let end = time("end", &m.end, at("end"));
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        p.add(path, at("end"), "end", "must be after start");
    }

    let session_lines = array_element_lines(text, Some("sessions"));
    let mut sessions: HashMap<&str, (UnixNanos, UnixNanos)> = HashMap::new();
    let mut phases = Vec::new();
    for (i, s) in m.sessions.iter().enumerate() {
        let line = session_lines.get(i).copied();
        let field = format!("sessions[{i}]");
        if has_control(&s.name) || s.name.is_empty() {
            p.add(
                path,
                line,
                &field,
                "name is empty or contains control characters",
            );
        }
        let (Some(a), Some(b)) = (
            parse_rfc3339(&s.start).or_else(|| {
                p.add(
                    path,
                    line,
                    &format!("{field}.start"),
                    format!("{:?} is not RFC 3339", s.start),
                );
                None
            }),
            parse_rfc3339(&s.end).or_else(|| {
                p.add(
                    path,
                    line,
                    &format!("{field}.end"),
                    format!("{:?} is not RFC 3339", s.end),
                );
                None
            }),
        ) else {
            continue;
        };
        if a >= b {
            p.add(
                path,
                line,
                &field,
                format!("session {:?} ends before it starts", s.name),
            );
        }
        if sessions.insert(s.name.as_str(), (a, b)).is_some() {
            p.add(
                path,
                line,
                &field,
                format!("session {:?} is listed twice", s.name),
            );
        }
        if s.phase {
            phases.push(Phase {
                name: sanitize(&s.name),
                start: a,
                end: b,
            });
        }
    }

    let sector_index: HashMap<&str, usize> = m
        .sectors
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    if sector_index.len() != m.sectors.len() {
        p.add(path, at("sectors"), "sectors", "a sector is listed twice");
    }
    if m.sectors.iter().any(|s| has_control(s)) {
        p.add(
            path,
            at("sectors"),
            "sectors",
            "a sector name contains control characters",
        );
    }

    let lines = array_element_lines(text, Some("instruments"));
    let mut instruments = Vec::new();
    let mut steps = Vec::new();
    let mut symbols = HashMap::new();
    if m.instruments.is_empty() {
        p.add(path, at("instruments"), "instruments", "no instruments");
    }
    if m.instruments.len() > u16::MAX as usize {
        p.add(
            path,
            at("instruments"),
            "instruments",
            "more than 65535 instruments",
        );
    }
    for (i, ins) in m.instruments.iter().enumerate() {
        let line = lines.get(i).copied();
        let f = |name: &str| format!("instruments[{i}].{name}");
        let sym_ok = !ins.symbol.is_empty()
            && ins.symbol.len() <= 32
            && ins.symbol.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/' | b'^' | b'=')
            });
        if !sym_ok {
            p.add(
                path,
                line,
                &f("symbol"),
                format!(
                    "{:?} is not a symbol (1-32 of A-Z a-z 0-9 . - _ / ^ =)",
                    sanitize(&ins.symbol)
                ),
            );
        }
        if symbols
            .insert(ins.symbol.to_ascii_uppercase(), i as u16)
            .is_some()
        {
            p.add(
                path,
                line,
                &f("symbol"),
                format!("{} is listed twice", ins.symbol),
            );
        }
        for (name, v) in [("name", &ins.name), ("sector", &ins.sector)] {
            if has_control(v) {
                p.add(path, line, &f(name), "contains control characters");
            }
        }
        if let Some(n) = &ins.note
            && has_control(n)
        {
            p.add(path, line, &f("note"), "contains control characters");
        }
        let sector = sector_index.get(ins.sector.as_str()).copied();
        if sector.is_none() {
            p.add(
                path,
                line,
                &f("sector"),
                format!("{:?} is not in sectors", ins.sector),
            );
        }
        if ins.tick_size.0 <= 0 {
            p.add(
                path,
                line,
                &f("tick_size"),
                format!("must be positive (found {})", ins.tick_size),
            );
        }
        let step = ins.print_step();
        if ins.print_increment.is_some_and(|s| s.0 <= 0) {
            p.add(
                path,
                line,
                &f("print_increment"),
                format!("must be positive (found {step})"),
            );
        } else if ins.tick_size.0 > 0 && step.0 > 0 && !ins.tick_size.is_multiple_of(step) {
            p.add(
                path,
                line,
                &f("print_increment"),
                format!("{step} must divide the tick size {}", ins.tick_size),
            );
        }
        if ins.reference.0 <= 0 {
            p.add(
                path,
                line,
                &f("reference"),
                format!("must be a positive price (found {})", ins.reference),
            );
        }
        if ins.shares_outstanding == Some(0) {
            p.add(
                path,
                line,
                &f("shares_outstanding"),
                "must be positive when given",
            );
        }
        let day = sessions.get(ins.day_session.as_str()).copied();
        if day.is_none() {
            p.add(
                path,
                line,
                &f("day_session"),
                format!("{:?} is not a session of this replay", ins.day_session),
            );
        }
        if let (Some(sector), Some((day_start, day_end))) = (sector, day) {
            instruments.push(InstrumentInfo {
                symbol: ins.symbol.clone(),
                name: sanitize(&ins.name),
                kind: ins.kind,
                sector,
                tick: ins.tick_size,
                decimals: decimals_of(ins.tick_size),
                reference: ins.reference,
                shares: ins.shares_outstanding,
                multiplier: ins.multiplier,
                day_start,
                day_end,
                note: ins.note.as_deref().map(sanitize),
            });
            steps.push(step);
        }
    }
    for (key, file) in [
        ("files.headlines", &m.files.headlines),
        ("files.trades", &m.files.trades),
    ] {
        let pb = Path::new(file);
        if file.is_empty()
            || pb.is_absolute()
            || pb
                .components()
                .any(|c| c == std::path::Component::ParentDir)
        {
            p.add(
                path,
                at("files"),
                key,
                format!("{file:?} must be a file name inside the replay folder"),
            );
        }
    }
    if !p.is_empty() {
        return None;
    }
    Some(Context {
        tz: tz?,
        date: date?,
        start: start?,
        end: end?,
        phases,
        instruments,
        steps,
        symbols,
    })
}

fn load_headlines(dir: &Path, m: &Manifest, ctx: &Context, p: &mut Problems) -> Vec<Headline> {
    let path = dir.join(&m.files.headlines);
    let text = match std::fs::read(&path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            p.add(&path, None, "", format!("not UTF-8 text ({e})"));
            return Vec::new();
        }
        Err(e) => {
            p.add(&path, None, "", format!("cannot read: {e}"));
            return Vec::new();
        }
    };
    let records: Vec<HeadlineRecord> = match json_lines::parse(&text) {
        Ok(r) => r,
        Err(e) => {
            p.add(&path, Some(e.line), &e.field, e.message);
            return Vec::new();
        }
    };
    let lines = array_element_lines(&text, None);
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(records.len());
    for (i, h) in records.iter().enumerate() {
        let line = lines.get(i).copied();
        let f = |name: &str| format!("[{i}].{name}");
        let mut ok = true;
        let mut bad = |field: String, msg: String| {
            p.add(&path, line, &field, msg);
            ok = false;
        };
        for (name, v) in [("id", &h.id), ("source", &h.source), ("text", &h.text)] {
            if let Some((col, c)) = v.chars().enumerate().find(|(_, c)| c.is_control()) {
                bad(
                    f(name),
                    format!(
                        "contains a control character (U+{:04X} at character {})",
                        c as u32,
                        col + 1
                    ),
                );
            } else if has_control(v) {
                bad(f(name), "contains a control character".into());
            } else if v.trim().is_empty() {
                bad(f(name), "must not be empty".into());
            }
        }
        for (name, v) in [
            ("confidence", &h.confidence),
            ("time_note", &h.time_note),
            ("url", &h.url),
        ] {
            if v.as_deref().is_some_and(has_control) {
                bad(f(name), "contains a control character".into());
            }
        }
        if h.tags.iter().any(|t| has_control(t)) {
            bad(f("tags"), "a tag contains a control character".into());
        }
        if !ids.insert(h.id.as_str()) {
            bad(f("id"), format!("{:?} is used twice", sanitize(&h.id)));
        }
        if !(1..=3).contains(&h.importance) {
            bad(
                f("importance"),
                format!("{} is not 1, 2 or 3", h.importance),
            );
        }
        let ts = parse_rfc3339(&h.ts);
        match ts {
            None => bad(
                f("ts"),
                format!(
                    "{:?} is not an RFC 3339 time with an offset",
                    sanitize(&h.ts)
                ),
            ),
            Some(t) if t > ctx.end => bad(
                f("ts"),
                format!("{} is after the replay ends ({})", h.ts, m.end),
            ),
            _ => {}
        }
        let mut tickers = Vec::with_capacity(h.tickers.len());
        for t in &h.tickers {
            match ctx.symbols.get(&t.to_ascii_uppercase()) {
                Some(&ix) => tickers.push(ix),
                None => bad(
                    f("tickers"),
                    format!("unknown symbol {:?} (not in {MANIFEST_FILE})", sanitize(t)),
                ),
            }
        }
        if ok && let Some(ts) = ts {
            out.push(Headline {
                id: h.id.clone(),
                ts,
                source: h.source.clone(),
                text: h.text.clone(),
                tickers,
                tags: h.tags.clone(),
                importance: h.importance,
                confidence: h.confidence.clone(),
                time_note: h.time_note.clone(),
                url: h.url.clone(),
            });
        }
    }
    out
}

/// Opens a CSV file of the replay and checks its header.
fn open_csv(
    path: &Path,
    header: &[&str],
    p: &mut Problems,
) -> Option<csv::Reader<Box<dyn std::io::Read>>> {
    let reader = match trades::open(path) {
        Ok(r) => r,
        Err(e) => {
            p.add(path, None, "", format!("cannot read: {e}"));
            return None;
        }
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    match csv.byte_headers() {
        Ok(h) if h.iter().eq(header.iter().map(|s| s.as_bytes())) => Some(csv),
        Ok(h) => {
            let found: Vec<String> = h
                .iter()
                .map(|f| sanitize(&String::from_utf8_lossy(f)))
                .collect();
            let msg = format!("expected {}, found {}", header.join(","), found.join(","));
            p.add(path, Some(1), "header", msg);
            None
        }
        Err(e) => {
            p.add(path, Some(1), "header", csv_error_text(&e));
            None
        }
    }
}

/// Reads the next record and its line: `Ok(None)` at the end, `Err(true)` to stop (the file
/// cannot be read further), `Err(false)` to skip a malformed row (already reported).
#[allow(clippy::option_option)] // none left / a row skipped / a row read at this line
fn next_record(
    csv: &mut csv::Reader<Box<dyn std::io::Read>>,
    rec: &mut csv::ByteRecord,
    last_line: &mut u64,
    path: &Path,
    p: &mut Problems,
) -> Result<Option<Option<usize>>, bool> {
    match csv.read_byte_record(rec) {
        Ok(false) => Ok(None),
        Ok(true) => {
            let line = rec.position().map_or(*last_line + 1, csv::Position::line);
            *last_line = line;
            Ok(Some(Some(line as usize)))
        }
        Err(e) => {
            let line = e.position().map_or(*last_line + 1, csv::Position::line);
            p.add(path, Some(line as usize), "", csv_error_text(&e));
            Err(matches!(e.kind(), csv::ErrorKind::Io(_)))
        }
    }
}

/// Symbol lookup with a one-entry cache (rows of one symbol tend to come in runs).
struct SymbolCache {
    last: (Vec<u8>, u16),
}

impl SymbolCache {
    fn new() -> Self {
        SymbolCache {
            last: (Vec::new(), u16::MAX),
        }
    }

    fn get(&mut self, sym: &[u8], ctx: &Context) -> Option<u16> {
        // (Nothing is cached yet while the index is u16::MAX: an empty symbol must not match.)
        if self.last.1 != u16::MAX && sym == self.last.0.as_slice() {
            return Some(self.last.1);
        }
        let ix = *ctx
            .symbols
            .get(&String::from_utf8_lossy(sym).to_ascii_uppercase())?;
        self.last = (sym.to_vec(), ix);
        Some(ix)
    }
}

/// A positive price on the instrument's grid, or a problem reported.
fn price_field(
    raw: &[u8],
    field: &str,
    step: Price,
    symbol: &str,
    at: (&Path, Option<usize>),
    p: &mut Problems,
) -> Option<Price> {
    let (path, line) = at;
    let price = match std::str::from_utf8(raw).map(Price::parse) {
        Ok(Ok(v)) if v.0 > 0 => v,
        Ok(Ok(_)) => {
            p.add(
                path,
                line,
                field,
                format!("{} is not a positive price", lossy(raw)),
            );
            return None;
        }
        Ok(Err(e)) => {
            p.add(path, line, field, format!("{:?}: {e}", lossy(raw)));
            return None;
        }
        Err(_) => {
            p.add(path, line, field, "not UTF-8 text");
            return None;
        }
    };
    if !price.is_multiple_of(step) {
        let msg = format!("{price} is not a multiple of {step} for {symbol}");
        p.add(path, line, field, msg);
        return None;
    }
    Some(price)
}

/// Reads the trades file; returns which instruments have prints.
fn load_trades(
    dir: &Path,
    m: &Manifest,
    ctx: &Context,
    b: &mut StoreBuilder,
    p: &mut Problems,
) -> Vec<bool> {
    let mut traded = vec![false; ctx.instruments.len()];
    let path = dir.join(&m.files.trades);
    let Some(mut csv) = open_csv(&path, &HEADER, p) else {
        return traded;
    };
    let mut rec = csv::ByteRecord::new();
    let mut last_ts = i64::MIN;
    let mut last_line = 1u64;
    let mut symbols = SymbolCache::new();
    loop {
        let line = match next_record(&mut csv, &mut rec, &mut last_line, &path, p) {
            Ok(Some(line)) => line,
            Ok(None) | Err(true) => break,
            Err(false) => continue,
        };
        let Some(ts) = parse_int(&rec[0]) else {
            p.add(
                &path,
                line,
                "ts_event",
                format!("{:?} is not integer nanoseconds", lossy(&rec[0])),
            );
            continue;
        };
        let Some(instrument) = symbols.get(&rec[1], ctx) else {
            p.add(
                &path,
                line,
                "symbol",
                format!(
                    "unknown symbol {:?} (not in {MANIFEST_FILE})",
                    lossy(&rec[1])
                ),
            );
            continue;
        };
        let i = instrument as usize;
        let Some(price) = price_field(
            &rec[2],
            "price",
            ctx.steps[i],
            &ctx.instruments[i].symbol,
            (&path, line),
            p,
        ) else {
            continue;
        };
        let size = match parse_int(&rec[3]) {
            Some(v) if v > 0 && v <= i64::from(u32::MAX) => v as u32,
            _ => {
                p.add(
                    &path,
                    line,
                    "size",
                    format!(
                        "{:?} is not a whole number from 1 to {}",
                        lossy(&rec[3]),
                        u32::MAX
                    ),
                );
                continue;
            }
        };
        if ts < ctx.start || ts > ctx.end {
            p.add(
                &path,
                line,
                "ts_event",
                format!("{ts} is outside the replay ({} to {})", m.start, m.end),
            );
            continue;
        }
        if ts < last_ts {
            p.add(
                &path,
                line,
                "ts_event",
                format!("out of order: {ts} is earlier than the row before ({last_ts})"),
            );
            continue;
        }
        last_ts = ts;
        traded[i] = true;
        b.push(i, ts, price, size);
    }
    traded
}

/// Maps a binary prints file and checks that its directory lists the manifest's instruments.
fn open_columns(path: &Path, ctx: &Context, p: &mut Problems) -> Option<ColumnsFile> {
    let f = match ColumnsFile::open(path) {
        Ok(f) => f,
        Err(e) => {
            p.add(path, None, "", e);
            return None;
        }
    };
    if f.instruments.len() != ctx.instruments.len() {
        p.add(
            path,
            None,
            "directory",
            format!(
                "{} instruments, {MANIFEST_FILE} lists {}",
                f.instruments.len(),
                ctx.instruments.len()
            ),
        );
        return None;
    }
    for (i, (m, info)) in f.instruments.iter().zip(&ctx.instruments).enumerate() {
        if m.symbol != info.symbol {
            p.add(
                path,
                None,
                &format!("directory[{i}]"),
                format!(
                    "symbol {:?}, {MANIFEST_FILE} lists {} there",
                    sanitize(&m.symbol),
                    info.symbol
                ),
            );
        }
    }
    p.is_empty().then_some(f)
}

/// Checks every print of a binary prints file as `load_trades` checks text rows (checksum, time
/// order, span, positive size, price on the grid) and hands the columns to the store as they
/// are. Returns which instruments have prints.
fn check_columns(
    path: &Path,
    f: &ColumnsFile,
    ctx: &Context,
    b: &mut StoreBuilder,
    p: &mut Problems,
) -> Vec<bool> {
    if let Err(e) = f.verify() {
        p.add(path, None, "", e);
        return vec![false; ctx.instruments.len()];
    }
    let mut traded = vec![false; ctx.instruments.len()];
    for (i, m) in f.instruments.iter().enumerate() {
        let symbol = &ctx.instruments[i].symbol;
        let step = ctx.steps[i];
        let at = |k: usize, field: &str| format!("{symbol} print {}: {field}", k + 1);
        match first_bad_print(&m.ts, &m.price, &m.size, ctx.start, ctx.end, step) {
            None => {}
            Some((k, BadPrint::Order)) => p.add(
                path,
                None,
                &at(k, "ts_event"),
                format!(
                    "out of order: {} is earlier than the print before ({})",
                    m.ts[k],
                    m.ts[k - 1]
                ),
            ),
            Some((k, BadPrint::Span)) => p.add(
                path,
                None,
                &at(k, "ts_event"),
                format!(
                    "{} ({}) is outside the replay ({} to {})",
                    m.ts[k],
                    rfc3339_in(m.ts[k], ctx.tz),
                    rfc3339_in(ctx.start, ctx.tz),
                    rfc3339_in(ctx.end, ctx.tz)
                ),
            ),
            Some((k, BadPrint::Price)) => p.add(
                path,
                None,
                &at(k, "price"),
                format!(
                    "{} is not a positive multiple of {step}",
                    Price(m.price[k]).display(ctx.instruments[i].decimals)
                ),
            ),
            Some((k, BadPrint::Size)) => p.add(path, None, &at(k, "size"), "0 is not positive"),
        }
        // An instrument without prints may be one known from bars (the bars file fills it).
        if !m.ts.is_empty() {
            traded[i] = true;
            b.columns(i, m.ts.clone(), m.price.clone(), m.size.clone());
        }
    }
    traded
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadPrint {
    Order,
    Span,
    Price,
    Size,
}

/// The first print that breaks a rule, found without a branch per print: each block is folded
/// into one "anything wrong" flag, and only a flagged block is searched row by row.
fn first_bad_print(
    ts: &[UnixNanos],
    price: &[i64],
    size: &[u32],
    start: UnixNanos,
    end: UnixNanos,
    step: Price,
) -> Option<(usize, BadPrint)> {
    const CHUNK: usize = 4096;
    let grid = Divisible::by(step.0);
    let row = |k: usize, prev: UnixNanos| -> Option<BadPrint> {
        if ts[k] < prev {
            Some(BadPrint::Order)
        } else if ts[k] < start || ts[k] > end {
            Some(BadPrint::Span)
        } else if price[k] <= 0 || !grid.test(price[k]) {
            Some(BadPrint::Price)
        } else if size[k] == 0 {
            Some(BadPrint::Size)
        } else {
            None
        }
    };
    let mut prev = start;
    for from in (0..ts.len()).step_by(CHUNK) {
        let to = (from + CHUNK).min(ts.len());
        let mut wrong = false;
        let mut last = prev;
        for ((&t, &p), &q) in ts[from..to]
            .iter()
            .zip(&price[from..to])
            .zip(&size[from..to])
        {
            wrong |= (t < last) || (t > end) || (p <= 0) | !grid.test(p) || (q == 0);
            last = t;
        }
        // `prev` starts at `start`, so a print before the replay shows up as out of order.
        if wrong {
            let mut prev = if from == 0 { i64::MIN } else { ts[from - 1] };
            for (k, &t) in ts.iter().enumerate().take(to).skip(from) {
                if let Some(why) = row(k, prev) {
                    return Some((k, why));
                }
                prev = t;
            }
        }
        prev = last;
    }
    None
}

/// Reads the bars file of bar-only instruments.
fn load_bars(path: &Path, ctx: &Context, traded: &[bool], b: &mut StoreBuilder, p: &mut Problems) {
    use super::bars::{BarRow, HEADER as BAR_HEADER};
    let Some(mut csv) = open_csv(path, &BAR_HEADER, p) else {
        return;
    };
    let mut rec = csv::ByteRecord::new();
    let mut last_line = 1u64;
    let mut symbols = SymbolCache::new();
    let mut last_start = vec![i64::MIN; ctx.instruments.len()];
    let mut interval = vec![0u32; ctx.instruments.len()];
    loop {
        let line = match next_record(&mut csv, &mut rec, &mut last_line, path, p) {
            Ok(Some(line)) => line,
            Ok(None) | Err(true) => break,
            Err(false) => continue,
        };
        let Some(ts) = parse_int(&rec[0]) else {
            p.add(
                path,
                line,
                "ts_event",
                format!("{:?} is not integer nanoseconds", lossy(&rec[0])),
            );
            continue;
        };
        let Some(instrument) = symbols.get(&rec[1], ctx) else {
            p.add(
                path,
                line,
                "symbol",
                format!(
                    "unknown symbol {:?} (not in {MANIFEST_FILE})",
                    lossy(&rec[1])
                ),
            );
            continue;
        };
        let i = instrument as usize;
        let sym = ctx.instruments[i].symbol.as_str();
        if traded[i] {
            p.add(path, line, "symbol", format!("{sym} has prints in the trades file too; an instrument is either prints or bars"));
            continue;
        }
        let mut prices = [Price::ZERO; 4];
        let mut ok = true;
        for (k, name) in ["open", "high", "low", "close"].into_iter().enumerate() {
            match price_field(&rec[2 + k], name, ctx.steps[i], sym, (path, line), p) {
                Some(v) => prices[k] = v,
                None => ok = false,
            }
        }
        let [open, high, low, close] = prices;
        if ok && (low > open.min(close) || high < open.max(close)) {
            p.add(
                path,
                line,
                "high/low",
                format!(
                    "the bar's range {low}..{high} does not hold its open {open} and close {close}"
                ),
            );
            ok = false;
        }
        let volume = parse_int(&rec[6]).filter(|v| *v >= 0).map(|v| v as u64);
        if volume.is_none() {
            p.add(
                path,
                line,
                "volume",
                format!("{:?} is not a whole number", lossy(&rec[6])),
            );
            ok = false;
        }
        let secs = parse_int(&rec[7])
            .filter(|v| (1..=86_400).contains(v))
            .map(|v| v as u32);
        match secs {
            None => {
                p.add(
                    path,
                    line,
                    "interval_s",
                    format!(
                        "{:?} is not a bar length from 1 to 86400 seconds",
                        lossy(&rec[7])
                    ),
                );
                ok = false;
            }
            Some(s) if interval[i] != 0 && interval[i] != s => {
                p.add(
                    path,
                    line,
                    "interval_s",
                    format!("{sym} mixes {}s and {s}s bars", interval[i]),
                );
                ok = false;
            }
            _ => {}
        }
        if ts < last_start[i] {
            p.add(
                path,
                line,
                "ts_event",
                format!("out of order: {sym} bar starts before the bar above it"),
            );
            ok = false;
        }
        let (Some(volume), Some(secs), true) = (volume, secs, ok) else {
            continue;
        };
        let row = BarRow::from_ohlc(ts, instrument, [open, high, low, close], volume, secs);
        if ts < ctx.start || row.visible_at() > ctx.end {
            p.add(
                path,
                line,
                "ts_event",
                format!("the bar {ts}+{secs}s is outside the replay"),
            );
            continue;
        }
        last_start[i] = ts;
        interval[i] = secs;
        b.push_bar(i, &row);
    }
}

fn lossy(b: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(b))
}

fn csv_error_text(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Io(io) => {
            format!("cannot read further: the file is truncated or corrupt ({io})")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8 text: {err}"),
        _ => sanitize(&e.to_string()),
    }
}
