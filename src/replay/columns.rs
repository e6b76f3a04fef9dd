//! The binary prints file of a replay, `trades.tdcol`: every instrument's prints as three plain
//! little-endian columns (ts i64 UTC ns, price i64 in 1e-9 units, size u32), so a replay of tens
//! of millions of prints is written at disk speed and opened by mapping it, with no parsing.
//! `tapedeck import` writes it by default; `trades.csv[.gz]` is the text alternative.
//!
//! Layout (every section starts on a 64-byte boundary):
//!
//! ```text
//! header (64 bytes): magic "TDCOLS01", version u32 = 1, instruments u32, prints u64,
//!     body_len u64, checksum u64, zeros
//! directory (64 bytes per instrument, in manifest order): symbol (32 bytes, UTF-8, NUL
//!     padded), rows u64, then the absolute byte offsets of its ts, price and size columns
//! sections: per instrument its ts, price and size columns
//! ```
//!
//! The checksum is the xxh3-64 of the directory followed by the xxh3-64 (u64 LE) of each column
//! in directory order, so that columns are written and checked on two threads at once;
//! alignment padding is zeros. Each instrument's prints are in time order; the replay loader
//! checks that and everything else the text form is checked for.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use crate::engine::column::Column;
use crate::time::UnixNanos;

pub const MAGIC: &[u8; 8] = b"TDCOLS01";
pub const VERSION: u32 = 1;
pub const EXTENSION: &str = "tdcol";
const HEADER_LEN: usize = 64;
const DIR_LEN: usize = 64;
const SYMBOL_LEN: usize = 32;
const ALIGN: usize = 64;

/// Whether a replay's `files.trades` names a binary prints file.
pub fn is_columns_file(name: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == EXTENSION)
}

/// One instrument's prints as borrowed columns, for writing.
pub struct Prints<'a> {
    pub symbol: &'a str,
    pub ts: &'a [UnixNanos],
    pub price: &'a [i64],
    pub size: &'a [u32],
}

/// One instrument's prints as read: columns that view the mapped file.
pub struct MappedPrints {
    pub symbol: String,
    pub ts: Column<UnixNanos>,
    pub price: Column<i64>,
    pub size: Column<u32>,
}

/// Writes `instruments` to `path` (created or truncated). The same prints always give the same
/// bytes.
pub fn write(path: &Path, instruments: &[Prints]) -> io::Result<()> {
    for p in instruments {
        if p.symbol.len() > SYMBOL_LEN || p.symbol.as_bytes().contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("symbol {:?} does not fit the directory", p.symbol),
            ));
        }
        if p.price.len() != p.ts.len() || p.size.len() != p.ts.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: columns of different lengths", p.symbol),
            ));
        }
    }
    let mut next = HEADER_LEN + instruments.len() * DIR_LEN;
    let mut take = |bytes: usize| {
        next = next.div_ceil(ALIGN) * ALIGN;
        let at = next;
        next += bytes;
        at as u64
    };
    // The directory is small: built whole, then written once.
    let mut dir = Vec::with_capacity(instruments.len() * DIR_LEN);
    let mut sections: Vec<(u64, &[u8])> = Vec::with_capacity(instruments.len() * 3);
    for p in instruments {
        let mut entry = [0u8; DIR_LEN];
        entry[..p.symbol.len()].copy_from_slice(p.symbol.as_bytes());
        let columns: [&[u8]; 3] = [
            bytemuck::cast_slice(p.ts),
            bytemuck::cast_slice(p.price),
            bytemuck::cast_slice(p.size),
        ];
        entry[SYMBOL_LEN..SYMBOL_LEN + 8].copy_from_slice(&(p.ts.len() as u64).to_le_bytes());
        for (k, c) in columns.into_iter().enumerate() {
            let at = take(c.len());
            let w = SYMBOL_LEN + 8 + k * 8;
            entry[w..w + 8].copy_from_slice(&at.to_le_bytes());
            sections.push((at, c));
        }
        dir.extend_from_slice(&entry);
    }
    let file = File::create(path)?;
    // Gaps between sections (alignment) read back as zeros.
    file.set_len(next as u64)?;
    file.write_all_at(&dir, HEADER_LEN as u64)?;
    // One thread writes while the other hashes: writing into the page cache costs about as
    // much CPU as decoding the input did, and two writers into one file only wait on its lock.
    let hashes = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| {
            sections
                .iter()
                .map(|(_, bytes)| xxh3_64(bytes))
                .collect::<Vec<u64>>()
        });
        for (at, bytes) in &sections {
            file.write_all_at(bytes, *at)?;
        }
        hasher
            .join()
            .map_err(|_| io::Error::other("the hashing thread panicked"))
    })?;
    let body_len = (next - HEADER_LEN) as u64;
    let body_hash = combine(&dir, &hashes);
    let prints: u64 = instruments.iter().map(|p| p.ts.len() as u64).sum();
    let mut header = [0u8; HEADER_LEN];
    header[0..8].copy_from_slice(MAGIC);
    header[8..12].copy_from_slice(&VERSION.to_le_bytes());
    header[12..16].copy_from_slice(&(instruments.len() as u32).to_le_bytes());
    header[16..24].copy_from_slice(&prints.to_le_bytes());
    header[24..32].copy_from_slice(&body_len.to_le_bytes());
    header[32..40].copy_from_slice(&body_hash.to_le_bytes());
    file.write_all_at(&header, 0)
}

/// Writes rows in time order (instrument = index into `symbols`) as a prints file: each
/// instrument's rows keep their order.
pub fn write_rows(
    path: &Path,
    rows: &[crate::replay::trades::TradeRow],
    symbols: &[String],
) -> io::Result<()> {
    let mut cols: Vec<(Vec<UnixNanos>, Vec<i64>, Vec<u32>)> =
        symbols.iter().map(|_| Default::default()).collect();
    for r in rows {
        let c = cols.get_mut(r.instrument as usize).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "a row names no instrument")
        })?;
        c.0.push(r.ts);
        c.1.push(r.price.0);
        c.2.push(r.size);
    }
    let prints: Vec<Prints> = symbols
        .iter()
        .zip(&cols)
        .map(|(symbol, c)| Prints {
            symbol,
            ts: &c.0,
            price: &c.1,
            size: &c.2,
        })
        .collect();
    write(path, &prints)
}

/// The file's checksum: xxh3-64 of the directory followed by the xxh3-64 of each column in
/// directory order (so that columns can be hashed in parallel).
fn combine(dir: &[u8], column_hashes: &[u64]) -> u64 {
    let mut h = Xxh3::new();
    h.update(dir);
    for c in column_hashes {
        h.update(&c.to_le_bytes());
    }
    h.digest()
}

/// `f` over every section, the bytes split about evenly between two threads; results (or the
/// first error) in section order.
fn on_two_threads<T: Send>(
    sections: &[(u64, &[u8])],
    f: impl Fn(&(u64, &[u8])) -> io::Result<T> + Sync,
) -> io::Result<Vec<T>> {
    crate::par::map_balanced(sections.iter().collect(), |s| s.1.len(), f)
        .into_iter()
        .collect()
}

/// A prints file opened and checked for shape: header, directory and bounds. `verify` checks
/// the body's checksum too.
pub struct ColumnsFile {
    pub instruments: Vec<MappedPrints>,
    map: Arc<Mmap>,
    body_hash: u64,
}

/// Bytes of a column.
fn bytes_of<T: bytemuck::Pod>(c: &Column<T>) -> &[u8] {
    bytemuck::cast_slice(&c[..])
}

impl ColumnsFile {
    /// Maps `path` and checks its header and directory; the error says what is wrong.
    pub fn open(path: &Path) -> Result<ColumnsFile, String> {
        let file = File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        // SAFETY: a read-only private mapping. Replay files are replaced by renaming a new folder
        // into place, never rewritten in place, so the mapped bytes do not change under us.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| format!("cannot map: {e}"))?;
        let map = Arc::new(map);
        if map.is_empty() {
            return Err("the file is empty: a prints file starts with a 64-byte header".into());
        }
        if !map.starts_with(MAGIC) && !MAGIC.starts_with(&map[..map.len().min(8)]) {
            return Err(format!(
                "not a tapedeck prints file (bad magic: it does not begin with {:?})",
                std::str::from_utf8(MAGIC).unwrap_or_default()
            ));
        }
        let h = map.get(..HEADER_LEN).ok_or_else(|| {
            format!(
                "{} bytes, too short for the {HEADER_LEN}-byte header: the file is truncated \
                 (cut short while it was written or copied)",
                map.len()
            )
        })?;
        let u32_at =
            |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or([0; 4]));
        let u64_at =
            |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let version = u32_at(h, 8);
        if version != VERSION {
            return Err(format!(
                "written by another version of tapedeck (prints file version {version}; this \
                 build reads version {VERSION})"
            ));
        }
        let count = u32_at(h, 12) as usize;
        let prints = u64_at(h, 16);
        let body_len = u64_at(h, 24);
        let body_hash = u64_at(h, 32);
        length_matches(map.len() as u64, body_len)?;
        let dir_end = count
            .checked_mul(DIR_LEN)
            .and_then(|n| n.checked_add(HEADER_LEN))
            .filter(|&n| n <= map.len())
            .ok_or_else(|| {
                format!(
                    "the header lists {count} instruments, whose directory does not fit in the \
                     file's {} bytes: the header is damaged",
                    map.len()
                )
            })?;
        let mut instruments = Vec::with_capacity(count);
        let mut total = 0u64;
        for (i, d) in map[HEADER_LEN..dir_end].chunks_exact(DIR_LEN).enumerate() {
            let name = &d[..SYMBOL_LEN];
            let end = name.iter().position(|&b| b == 0).unwrap_or(SYMBOL_LEN);
            let symbol = std::str::from_utf8(&name[..end])
                .map_err(|_| format!("directory entry {i}: the symbol is not UTF-8"))?
                .to_string();
            let rows = u64_at(d, SYMBOL_LEN) as usize;
            let at = |k: usize| u64_at(d, SYMBOL_LEN + 8 + k * 8) as usize;
            let bad = || {
                format!(
                    "directory entry {i} ({symbol}): a column lies outside the file or is misaligned"
                )
            };
            let ts = Column::mapped(&map, at(0), rows).ok_or_else(bad)?;
            let price = Column::mapped(&map, at(1), rows).ok_or_else(bad)?;
            let size = Column::mapped(&map, at(2), rows).ok_or_else(bad)?;
            total += rows as u64;
            instruments.push(MappedPrints {
                symbol,
                ts,
                price,
                size,
            });
        }
        if total != prints {
            return Err(format!(
                "the directory holds {total} prints, the header says {prints}: the file is damaged"
            ));
        }
        Ok(ColumnsFile {
            instruments,
            map,
            body_hash,
        })
    }

    /// Checks the body against the header's checksum (reads the whole file).
    pub fn verify(&self) -> Result<(), String> {
        let dir_end = HEADER_LEN + self.instruments.len() * DIR_LEN;
        let sections: Vec<(u64, &[u8])> = self
            .instruments
            .iter()
            .flat_map(|m| [bytes_of(&m.ts), bytes_of(&m.price), bytes_of(&m.size)])
            .map(|b| (0, b))
            .collect();
        let hashes = on_two_threads(&sections, |(_, b)| Ok(xxh3_64(b)))
            .map_err(|e| format!("cannot read: {e}"))?;
        if combine(&self.map[HEADER_LEN..dir_end], &hashes) == self.body_hash {
            Ok(())
        } else {
            Err(
                "checksum mismatch: the file is damaged (its bytes are not those that were written)"
                    .into(),
            )
        }
    }
}

/// Whether a file of `file_len` bytes is as long as its header says (`body_len` bytes after
/// it); if not, says which way it is off and what that means.
#[allow(clippy::comparison_chain)] // three outcomes, each with its own message
fn length_matches(file_len: u64, body_len: u64) -> Result<(), String> {
    let body = file_len.saturating_sub(HEADER_LEN as u64);
    let expected = HEADER_LEN as u64 + body_len;
    if body > body_len {
        Err(format!(
            "{} bytes after the end of the data its header describes (the header says \
             {expected} bytes in all, the file has {file_len}): bytes were appended to it, or it \
             is damaged or was written by another version",
            body - body_len
        ))
    } else if body < body_len {
        Err(format!(
            "{} bytes missing at the end (the header says {expected} bytes in all, the file has \
             {file_len}): the file is truncated (cut short while it was written or copied)",
            body_len - body
        ))
    } else {
        Ok(())
    }
}

/// Divisibility by a fixed step without a division per value: `x % step == 0` for `x >= 0`,
/// by multiplying by the inverse of step's odd part (Granlund–Montgomery, as in Lemire's
/// "faster remainder by direct computation"). Validating tens of millions of prices with a
/// hardware divide each would dominate opening a replay.
#[derive(Debug, Clone, Copy)]
pub struct Divisible {
    shift: u32,
    inverse: u64,
    limit: u64,
}

impl Divisible {
    /// `step` must be positive.
    pub fn by(step: i64) -> Divisible {
        let step = step.max(1) as u64;
        let shift = step.trailing_zeros();
        let odd = step >> shift;
        // Newton's iteration doubles the correct low bits each step: 3 → 6 → 12 → 24 → 48 → 96.
        let mut inverse = odd;
        for _ in 0..5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
        }
        Divisible {
            shift,
            inverse,
            limit: u64::MAX / odd,
        }
    }

    /// Whether non-negative `x` is a multiple of the step.
    #[inline]
    pub fn test(self, x: i64) -> bool {
        let x = x as u64;
        // The low `shift` bits must be zero, and what is left a multiple of the odd part.
        let low = x & ((1u64 << self.shift) - 1);
        low == 0 && (x >> self.shift).wrapping_mul(self.inverse) <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisibility_matches_the_remainder() {
        let steps = [
            1i64,
            2,
            3,
            7,
            10,
            250_000_000,
            10_000_000,
            100_000,
            1_000_000_000,
            12_345,
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for &s in &steps {
            let d = Divisible::by(s);
            for k in 0..2000i64 {
                for v in [k, k * s, k * s + 1, k * s + s - 1] {
                    assert_eq!(d.test(v), v % s == 0, "{v} by {s}");
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = (x >> 2) as i64;
                assert_eq!(d.test(v), v % s == 0, "{v} by {s}");
            }
        }
    }

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trades.tdcol");
        let ts = [10i64, 20, 20, 35];
        let price = [1_000_000_000i64, 1_010_000_000, 990_000_000, 1_000_000_000];
        let size = [1u32, 5, 2, 9];
        let prints = [
            Prints {
                symbol: "AAA",
                ts: &ts,
                price: &price,
                size: &size,
            },
            Prints {
                symbol: "NQH25",
                ts: &[],
                price: &[],
                size: &[],
            },
        ];
        write(&path, &prints).unwrap();
        let f = ColumnsFile::open(&path).unwrap();
        f.verify().unwrap();
        assert_eq!(f.instruments.len(), 2);
        assert_eq!(f.instruments[0].symbol, "AAA");
        assert_eq!(&f.instruments[0].ts[..], &ts);
        assert_eq!(&f.instruments[0].price[..], &price);
        assert_eq!(&f.instruments[0].size[..], &size);
        assert_eq!(f.instruments[1].symbol, "NQH25");
        assert!(f.instruments[1].ts.is_empty());
        let bytes = std::fs::read(&path).unwrap();
        drop(f);

        // The same prints give the same bytes.
        write(&path, &prints).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes);

        // One flipped bit in each column, and in the directory: the shape is fine, the
        // checksum is not.
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        let entry = HEADER_LEN + SYMBOL_LEN;
        for at in [
            word(entry + 8),
            word(entry + 16) + 9,
            word(entry + 24) + 15,
            HEADER_LEN + 2,
        ] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1;
            std::fs::write(&path, &flipped).unwrap();
            let f = ColumnsFile::open(&path).unwrap();
            assert!(f.verify().unwrap_err().contains("checksum"), "byte {at}");
        }

        // Bytes appended: said plainly, and not called truncated.
        std::fs::write(&path, [bytes.as_slice(), &[7u8; 13]].concat()).unwrap();
        let err = ColumnsFile::open(&path).err().unwrap();
        assert!(
            err.starts_with("13 bytes after the end of the data its header describes"),
            "{err}"
        );
        assert!(
            err.contains("appended") && !err.contains("truncated"),
            "{err}"
        );
        std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
        let err = ColumnsFile::open(&path).err().unwrap();
        assert!(err.starts_with("8 bytes missing at the end"), "{err}");
        std::fs::write(&path, &bytes[..40]).unwrap();
        let err = ColumnsFile::open(&path).err().unwrap();
        assert!(
            err.starts_with("40 bytes, too short for the 64-byte header"),
            "{err}"
        );

        // Truncated, wrong magic, wrong version, empty.
        std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
        assert!(
            ColumnsFile::open(&path)
                .err()
                .unwrap()
                .contains("truncated")
        );
        let mut magic = bytes.clone();
        magic[0] = b'X';
        std::fs::write(&path, &magic).unwrap();
        assert!(ColumnsFile::open(&path).err().unwrap().contains("magic"));
        let mut version = bytes.clone();
        version[8] = 9;
        std::fs::write(&path, &version).unwrap();
        assert!(
            ColumnsFile::open(&path)
                .err()
                .unwrap()
                .contains("version 9")
        );
        std::fs::write(&path, b"").unwrap();
        assert!(ColumnsFile::open(&path).is_err());

        // A directory entry pointing past the end of the file.
        let mut outside = bytes.clone();
        let off = HEADER_LEN + SYMBOL_LEN + 8;
        outside[off..off + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        std::fs::write(&path, &outside).unwrap();
        assert!(
            ColumnsFile::open(&path)
                .err()
                .unwrap()
                .contains("outside the file")
        );
    }
}
