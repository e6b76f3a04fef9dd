//! A binary cache of a replay's prints, memory-mapped on open, so a large replay reaches its
//! first frame in milliseconds instead of re-parsing text. Text stays the source of truth: the
//! cache is rebuilt whenever it is stale (the manifest or a data file changed) or damaged (bad
//! magic, version, layout or checksum).
//!
//! Layout (little-endian; every section starts on a 64-byte boundary):
//!
//! ```text
//! header (128 bytes): magic "TDCACHE1", version u32, instruments u32, body_len u64,
//!     body_xxh3 u64, source_xxh3 u64, manifest_xxh3 u64,
//!     trades (len u64, mtime_ns i64), bars (len u64, mtime_ns i64)
//! directory: per instrument 16 u64 (rows, bar_interval, day_lo, day_hi, blocks, bars,
//!     then byte offsets of ts, price, size, bar_open, bar_high, bar_low, blocks, bars,
//!     then flags: 1 = ts, price and size live in the replay's own prints file)
//! sections: the columns themselves
//! ```
//!
//! A replay whose prints are already binary (`trades.tdcol`) keeps only the derived sections
//! here (prefix summaries, minute bars): its columns are mapped from the replay itself.
//!
//! `source_xxh3` hashes the manifest and data files' contents. A file whose size and mtime are
//! unchanged is trusted without rehashing; one that was touched is rehashed and, if its content
//! is the same, the cache is kept.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use memmap2::Mmap;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::engine::column::Column;
use crate::engine::store::{Bar, Prefix, Series};

const MAGIC: &[u8; 8] = b"TDCACHE1";
const VERSION: u32 = 2;
const HEADER_LEN: usize = 128;
const DIR_WORDS: usize = 16;
const ALIGN: usize = 64;
/// Replays with fewer prints load from text about as fast as a cache opens.
pub const MIN_PRINTS: usize = 100_000;

/// Where a replay's cache lives: `$TAPEDECK_CACHE_DIR`, else `$XDG_CACHE_HOME/tapedeck`, else
/// `~/.cache/tapedeck`, named by a hash of the replay's absolute path. `TAPEDECK_NO_CACHE=1`
/// turns caching off.
pub fn path_for(replay_dir: &Path) -> Option<PathBuf> {
    if std::env::var_os("TAPEDECK_NO_CACHE").is_some_and(|v| v != "0") {
        return None;
    }
    let base = std::env::var_os("TAPEDECK_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("tapedeck")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/tapedeck")))?;
    let abs = fs::canonicalize(replay_dir).ok()?;
    let key = xxh3_64(abs.as_os_str().as_encoded_bytes());
    Some(base.join(format!("{key:016x}.tdc")))
}

/// Size and modification time of a data file, as recorded in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileId {
    pub len: u64,
    pub mtime_ns: i64,
}

impl FileId {
    pub fn of(path: &Path) -> io::Result<FileId> {
        let m = fs::metadata(path)?;
        let mtime_ns = m
            .modified()?
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        Ok(FileId {
            len: m.len(),
            mtime_ns,
        })
    }
}

/// What a cache must match to be used.
pub struct Source<'a> {
    pub manifest: &'a [u8],
    /// The trades file, and the bars file if the replay has one.
    pub files: [Option<&'a Path>; 2],
}

impl Source<'_> {
    fn ids(&self) -> io::Result<[FileId; 2]> {
        let mut ids = [FileId::default(); 2];
        for (id, f) in ids.iter_mut().zip(&self.files) {
            if let Some(f) = f {
                *id = FileId::of(f)?;
            }
        }
        Ok(ids)
    }

    /// xxh3 of the manifest and the data files' bytes.
    fn content_hash(&self) -> io::Result<u64> {
        let mut h = Xxh3::new();
        h.update(self.manifest);
        let mut buf = vec![0u8; 1 << 20];
        for f in self.files.iter().flatten() {
            let mut file = File::open(f)?;
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            // Separate files so moving bytes between them changes the hash.
            h.update(b"\0file\0");
        }
        Ok(h.digest())
    }
}

/// Why a cache was not used (shown by `info`, never an error for the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    Disabled,
    Absent,
    Stale(&'static str),
    Damaged(&'static str),
}

#[derive(Clone, Copy)]
struct Header {
    instruments: u32,
    body_len: u64,
    body_hash: u64,
    source_hash: u64,
    manifest_hash: u64,
    ids: [FileId; 2],
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&self.instruments.to_le_bytes());
        let words = [
            self.body_len,
            self.body_hash,
            self.source_hash,
            self.manifest_hash,
            self.ids[0].len,
            self.ids[0].mtime_ns as u64,
            self.ids[1].len,
            self.ids[1].mtime_ns as u64,
        ];
        for (i, w) in words.iter().enumerate() {
            b[16 + i * 8..24 + i * 8].copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    fn decode(b: &[u8]) -> Result<Header, Miss> {
        if b.len() < HEADER_LEN || &b[0..8] != MAGIC {
            return Err(Miss::Damaged("not a tapedeck cache"));
        }
        if u32::from_le_bytes(b[8..12].try_into().unwrap_or_default()) != VERSION {
            return Err(Miss::Stale("cache format version changed"));
        }
        let w =
            |i: usize| u64::from_le_bytes(b[16 + i * 8..24 + i * 8].try_into().unwrap_or_default());
        Ok(Header {
            instruments: u32::from_le_bytes(b[12..16].try_into().unwrap_or_default()),
            body_len: w(0),
            body_hash: w(1),
            source_hash: w(2),
            manifest_hash: w(3),
            ids: [
                FileId {
                    len: w(4),
                    mtime_ns: w(5) as i64,
                },
                FileId {
                    len: w(6),
                    mtime_ns: w(7) as i64,
                },
            ],
        })
    }
}

/// Prints columns supplied from outside the cache (mapped from a `trades.tdcol`).
pub type RawColumns = (Column<i64>, Column<i64>, Column<u32>);

/// Opens the cache at `path` if it matches `source`, returning one series per instrument.
/// `raw` supplies the prints columns of a replay whose prints file is binary.
pub fn read(
    path: &Path,
    source: &Source,
    instruments: usize,
    raw: Option<Vec<RawColumns>>,
) -> Result<Vec<Series>, Miss> {
    let file = File::open(path).map_err(|_| Miss::Absent)?;
    // SAFETY: the mapping is read-only and private; tapedeck replaces cache files by rename,
    // never in place, so a mapped file's bytes do not change under us.
    let map = unsafe { Mmap::map(&file) }.map_err(|_| Miss::Damaged("cannot map"))?;
    let header = Header::decode(&map)?;
    if header.manifest_hash != xxh3_64(source.manifest) {
        return Err(Miss::Stale("replay.json changed"));
    }
    if header.instruments as usize != instruments {
        return Err(Miss::Stale("instrument count changed"));
    }
    let ids = source
        .ids()
        .map_err(|_| Miss::Stale("a data file is missing"))?;
    if ids != header.ids {
        // Touched but maybe not changed: decide by content.
        let hash = source
            .content_hash()
            .map_err(|_| Miss::Stale("a data file is unreadable"))?;
        if hash != header.source_hash {
            return Err(Miss::Stale("a data file changed"));
        }
        refresh_ids(path, &header, ids);
    }
    let body = map.get(HEADER_LEN..).ok_or(Miss::Damaged("truncated"))?;
    if (body.len() as u64) < header.body_len {
        return Err(Miss::Damaged("truncated"));
    }
    if body.len() as u64 > header.body_len {
        return Err(Miss::Damaged(
            "longer than its header says (bytes appended)",
        ));
    }
    if xxh3_64(body) != header.body_hash {
        return Err(Miss::Damaged("checksum mismatch"));
    }
    let map = Arc::new(map);
    let mut raw = raw.map(std::iter::IntoIterator::into_iter);
    (0..instruments)
        .map(|i| {
            let outside = raw.as_mut().and_then(Iterator::next);
            series_at(&map, i, outside)
        })
        .collect()
}

/// Records new file ids after a touch that did not change content (best effort).
fn refresh_ids(path: &Path, header: &Header, ids: [FileId; 2]) {
    let fresh = Header { ids, ..*header };
    let tmp = path.with_extension(format!("tdc.{}.touch.tmp", std::process::id()));
    let rewrite = || -> io::Result<()> {
        fs::copy(path, &tmp)?;
        let mut f = fs::OpenOptions::new().write(true).open(&tmp)?;
        f.write_all(&fresh.encode())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    if rewrite().is_err() {
        let _ = fs::remove_file(&tmp);
    }
}

fn series_at(map: &Arc<Mmap>, i: usize, outside: Option<RawColumns>) -> Result<Series, Miss> {
    let bad = Miss::Damaged("bad directory");
    let at = HEADER_LEN + i * DIR_WORDS * 8;
    let d = map.get(at..at + DIR_WORDS * 8).ok_or(bad.clone())?;
    let w =
        |k: usize| u64::from_le_bytes(d[k * 8..k * 8 + 8].try_into().unwrap_or_default()) as usize;
    let (rows, bar_interval, day_lo, day_hi, n_blocks, n_bars) =
        (w(0), w(1), w(2), w(3), w(4), w(5));
    let is_bars = bar_interval > 0;
    let bar_rows = if is_bars { rows } else { 0 };
    if day_lo > day_hi
        || day_hi > rows
        || n_blocks != (day_hi - day_lo) / crate::engine::store::BLOCK + 1
        || (is_bars && n_bars != rows)
    {
        return Err(bad);
    }
    let external = (w(14) as u64) & FLAG_EXTERNAL != 0;
    let (ts, price, size) = match (external, outside) {
        (true, Some((ts, price, size))) => {
            if ts.len() != rows || price.len() != rows || size.len() != rows {
                return Err(Miss::Stale("the prints file changed"));
            }
            (ts, price, size)
        }
        // Bar-only series live in the cache whatever the prints file is.
        (false, _) => (
            Column::mapped(map, w(6), rows).ok_or(bad.clone())?,
            Column::mapped(map, w(7), rows).ok_or(bad.clone())?,
            Column::mapped(map, w(8), rows).ok_or(bad.clone())?,
        ),
        (true, None) => return Err(Miss::Stale("the prints file kind changed")),
    };
    let mapped = |k: usize, n: usize| Column::mapped(map, w(k), n).ok_or(bad.clone());
    Ok(Series {
        ts,
        price,
        size,
        bar_interval: bar_interval as i64,
        bar_open: mapped(9, bar_rows)?,
        bar_high: mapped(10, bar_rows)?,
        bar_low: mapped(11, bar_rows)?,
        day_lo,
        day_hi,
        blocks: Column::<Prefix>::mapped(map, w(12), n_blocks).ok_or(bad.clone())?,
        bars: Column::<Bar>::mapped(map, w(13), n_bars).ok_or(bad)?,
    })
}

/// Directory flag: the prints columns are not in the cache (see [`RawColumns`]).
const FLAG_EXTERNAL: u64 = 1;

/// Writes the cache for `series` atomically (temp file, then rename). With `external_raw` the
/// prints columns of every series of prints are left out: the replay's binary prints file
/// holds them.
pub fn write(
    path: &Path,
    source: &Source,
    series: &[Series],
    external_raw: bool,
) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    // Unique per process and call: threads of one process may write the same cache at once.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tdc.{}-{n}.tmp", std::process::id()));
    let result = write_to(&tmp, source, series, external_raw).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

struct Body<W: Write> {
    out: W,
    hash: Xxh3,
    pos: usize,
}

impl<W: Write> Body<W> {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.hash.update(bytes);
        self.pos += bytes.len();
        Ok(())
    }

    fn align(&mut self) -> io::Result<()> {
        let pad = (ALIGN - self.pos % ALIGN) % ALIGN;
        self.put(&[0u8; ALIGN][..pad])
    }
}

fn write_to(tmp: &Path, source: &Source, series: &[Series], external: bool) -> io::Result<()> {
    let ids = source.ids()?;
    let source_hash = source.content_hash()?;
    let mut file = File::create(tmp)?;
    file.write_all(&[0u8; HEADER_LEN])?;
    let mut body = Body {
        out: BufWriter::with_capacity(1 << 20, &mut file),
        hash: Xxh3::new(),
        pos: HEADER_LEN,
    };
    // Directory: offsets follow from the section sizes, computed before writing them.
    let dir_len = series.len() * DIR_WORDS * 8;
    let mut pos = HEADER_LEN + dir_len;
    let mut next = |bytes: usize| {
        pos = pos.div_ceil(ALIGN) * ALIGN;
        let at = pos;
        pos += bytes;
        at as u64
    };
    for s in series {
        // A bar-only series is built from the bars file, not the prints file: it stays here.
        let external = external && !s.is_bars();
        let sections: [&[u8]; 8] = sections(s, external);
        let mut words = [0u64; DIR_WORDS];
        words[..6].copy_from_slice(&[
            s.ts.len() as u64,
            s.bar_interval as u64,
            s.day_lo as u64,
            s.day_hi as u64,
            s.blocks.len() as u64,
            s.bars.len() as u64,
        ]);
        for (k, sec) in sections.iter().enumerate() {
            words[6 + k] = next(sec.len());
        }
        words[14] = if external { FLAG_EXTERNAL } else { 0 };
        for w in words {
            body.put(&w.to_le_bytes())?;
        }
    }
    for s in series {
        for sec in sections(s, external && !s.is_bars()) {
            body.align()?;
            body.put(sec)?;
        }
    }
    let body_len = (body.pos - HEADER_LEN) as u64;
    let body_hash = body.hash.digest();
    body.out.flush()?;
    drop(body);
    let header = Header {
        instruments: series.len() as u32,
        body_len,
        body_hash,
        source_hash,
        manifest_hash: xxh3_64(source.manifest),
        ids,
    };
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&header.encode())?;
    file.sync_all()
}

fn sections(s: &Series, external: bool) -> [&[u8]; 8] {
    fn raw(c: &[u8], external: bool) -> &[u8] {
        if external { &[] } else { c }
    }
    [
        raw(bytemuck::cast_slice(&s.ts), external),
        raw(bytemuck::cast_slice(&s.price), external),
        raw(bytemuck::cast_slice(&s.size), external),
        bytemuck::cast_slice(&s.bar_open),
        bytemuck::cast_slice(&s.bar_high),
        bytemuck::cast_slice(&s.bar_low),
        bytemuck::cast_slice(&s.blocks),
        bytemuck::cast_slice(&s.bars),
    ]
}
