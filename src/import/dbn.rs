//! Databento Binary Encoding (`.dbn`, `.dbn.zst`) through Databento's own `dbn` crate, which
//! upgrades versions 1 and 2 to version 3 as it decodes. Trades (MBP-0), the trades inside
//! MBP-1, TBBO, CMBP-1 and TCBBO (action `T`), and OHLCV bars (1s, 1m, 1h, 1d, EOD) are read;
//! quotes and other records are skipped. Symbols come from the file's symbology metadata (and
//! any symbol-mapping records in the stream); prices are DBN's 1e-9 fixed point, taken as is.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::BufRead;

use dbn::decode::dbn::fsm::{DbnFsm, ProcessResult};
use dbn::symbol_map::SymbolIndex;
use dbn::{Cmbp1Msg, Mbp1Msg, OhlcvMsg, RecordHeader, TradeMsg, rtype};

use super::format::{Format, ImportFormat, Input, Sniff};
use super::report::{Reject, Skip};
use super::sink::{NO_ID, Sink, Sym, vendor_id_of};
use crate::price::Price;
use crate::replay::bars::BarRow;
use crate::replay::manifest::InstrumentKind;

const TRADE: std::ffi::c_char = b'T' as std::ffi::c_char;
const NANOS_PER_DAY: u64 = 86_400 * 1_000_000_000;
/// Bytes the decoder buffers: well above the 64 KiB the input is read in.
const DECODE_BUFFER: usize = 1 << 20;
/// Records decoded per batch.
const BATCH: usize = 64;
/// The longest metadata read. The decoder allocates the length the file's header states
/// before reading it, so a damaged header (up to 4 GiB) would be an allocation, not an error.
/// Symbology for thousands of symbols over a year is a few tens of MiB.
const MAX_METADATA: u32 = 256 << 20;

/// Hashes an instrument id with one multiply: ids are already well spread, and SipHash per
/// record cost more than everything else the importer does with it.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Databento Binary Encoding, recognised by its magic.
pub struct Dbn;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const Dbn: Format = Format::of(&Dbn);
}

impl ImportFormat for Dbn {
    fn name(&self) -> &'static str {
        "dbn"
    }

    fn detect(&self, sniff: &Sniff) -> bool {
        sniff.head.starts_with(b"DBN")
    }

    fn read(&self, mut input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        read(input.bytes()?, input.fixed_symbol(), sink)
    }
}

/// Reads every record into `sink`; returns a description of the file for the manifest. A file
/// whose metadata cannot be decoded is an error; a record that cannot be decoded, or a file
/// that ends inside one, ends the file as one rejected row.
pub fn read(
    mut reader: Box<dyn BufRead + Send>,
    fixed_symbol: Option<&str>,
    sink: &mut Sink,
) -> Result<String, String> {
    // The crate's sans-I/O decoder, fed here: records come out in batches (upgraded from DBN
    // versions 1 and 2 as they are decoded). Its buffer is larger than the reads the input hands
    // over, so that they land in it directly.
    let mut fsm = DbnFsm::builder()
        .buffer_size(DECODE_BUFFER)
        .build()
        .map_err(|e| e.to_string())?;
    let mut frames = Frames::default();
    let meta = loop {
        match fsm.process() {
            ProcessResult::Metadata(meta) => break meta,
            ProcessResult::ReadMore(_) => match reader.read(fsm.space()) {
                Ok(0) => return Err("cannot read DBN metadata: the file ends inside it".into()),
                Ok(k) => {
                    let k = frames.see(&fsm.space()[..k]);
                    if let Some(len) = frames.metadata_len().filter(|&len| len > MAX_METADATA) {
                        return Err(format!(
                            "cannot read DBN metadata: its header gives a length of {len} bytes, more than the {MAX_METADATA} read: the file is damaged"
                        ));
                    }
                    fsm.fill(k);
                }
                Err(e) => return Err(format!("cannot read DBN metadata: {e}")),
            },
            ProcessResult::Err(e) => return Err(format!("cannot read DBN metadata: {e}")),
            ProcessResult::Record(()) => return Err("DBN records before the metadata".into()),
        }
    };
    let version = fsm.input_dbn_version().unwrap_or_default();
    // Without symbology (instrument ids only) records fall back to `--symbol`.
    let mut symbols = meta.symbol_map().unwrap_or_default();
    let hint = meta
        .dataset
        .starts_with("GLBX")
        .then_some(InstrumentKind::Future);
    let mut n: u64 = 0;
    // instrument_id → (UTC day, instrument) for ids already resolved: the metadata's symbology
    // is by whole UTC days, so a day's answer holds for the whole day. Not used once the
    // stream carries its own symbol mappings (their intervals need not be whole days).
    let mut resolved: HashMap<u32, (u64, u16), BuildHasherDefault<IdHasher>> = HashMap::default();
    let mut in_band = false;
    let mut day_start: u64 = u64::MAX - NANOS_PER_DAY;
    loop {
        let mut slots = [None; BATCH];
        let batch = match fsm.process_many(&mut slots) {
            ProcessResult::Record(batch) => batch,
            ProcessResult::ReadMore(_) => {
                if let Some(at) = frames.bad {
                    // The decoder would take a record that is not one: stop before it.
                    sink.reject(n + 1, Reject::Corrupt, "record", || {
                        format!("the record at byte {at} of the decoded stream has a length that is not a whole number of 8-byte words (at least 16): the file is damaged")
                    });
                    break;
                }
                match reader.read(fsm.space()) {
                    // Bytes left over that make no whole record: the file was cut short.
                    Ok(0) if !fsm.data().is_empty() => {
                        sink.reject(n + 1, Reject::Corrupt, "record", || {
                            "the file ends inside a record: it was cut short".into()
                        });
                        break;
                    }
                    Ok(0) => break,
                    Ok(k) => {
                        let k = frames.see(&fsm.space()[..k]);
                        fsm.fill(k);
                    }
                    Err(e) => {
                        sink.reject(n + 1, Reject::Corrupt, "record", || e.to_string());
                        break;
                    }
                }
                continue;
            }
            ProcessResult::Err(e) => {
                sink.reject(n + 1, Reject::Corrupt, "record", || e.to_string());
                break;
            }
            ProcessResult::Metadata(_) => {
                sink.reject(n + 1, Reject::Corrupt, "record", || {
                    "a second DBN metadata header".into()
                });
                break;
            }
        };
        for &rec in batch.iter() {
            let rt = rec.header().rtype;
            // A record's length comes from the file: one shorter than its type is damage, and
            // reading it as that type would run past it.
            let need = min_len(rt);
            let have = rec.header().record_size();
            if have < need {
                n += 1;
                sink.reject(n, Reject::Corrupt, "record", || {
                    format!("a record of {have} bytes where its type (rtype {rt:#04x}) needs {need}: the file is damaged")
                });
                continue;
            }
            if rt == rtype::SYMBOL_MAPPING {
                // Live-style streams announce symbols in-band; keep the map current.
                let _ = symbols.on_record(rec);
                in_band = true;
                resolved.clear();
                continue;
            }
            n += 1;
            let row = match rt {
                rtype::MBP_0 => rec.get::<TradeMsg>().map(|t| Row::Trade {
                    hd: t.hd,
                    price: t.price,
                    size: t.size,
                    id: (t.sequence, t.ts_recv),
                }),
                rtype::MBP_1 => {
                    rec.get::<Mbp1Msg>()
                        .filter(|m| m.action == TRADE)
                        .map(|m| Row::Trade {
                            hd: m.hd,
                            price: m.price,
                            size: m.size,
                            id: (m.sequence, m.ts_recv),
                        })
                }
                rtype::CMBP_1 | rtype::TCBBO => rec
                    .get::<Cmbp1Msg>()
                    .filter(|m| m.action == TRADE)
                    .map(|m| Row::Trade {
                        hd: m.hd,
                        price: m.price,
                        size: m.size,
                        id: (0, m.ts_recv),
                    }),
                rtype::OHLCV_1S
                | rtype::OHLCV_1M
                | rtype::OHLCV_1H
                | rtype::OHLCV_1D
                | rtype::OHLCV_EOD => rec.get::<OhlcvMsg>().map(|b| Row::Bar {
                    hd: b.hd,
                    px: [b.open, b.high, b.low, b.close],
                    volume: b.volume,
                    interval_s: interval(rt),
                }),
                _ => None,
            };
            let Some(row) = row else {
                sink.skip(Skip::NotATrade);
                continue;
            };
            let (hd, index_ts) = row.header();
            // The UTC day of the record (symbology is by UTC day of the index time), without a
            // division per record. The typed record names its index time without a lookup.
            if !(day_start..day_start + NANOS_PER_DAY).contains(&index_ts) {
                day_start = index_ts - index_ts % NANOS_PER_DAY;
            }
            let day = day_start / NANOS_PER_DAY;
            let known = resolved
                .get(&hd.instrument_id)
                .filter(|(d, _)| *d == day)
                .map(|&(_, i)| i);
            let inst = match known {
                Some(i) => i,
                None => {
                    if let Some(name) = symbols
                        .get_for_rec(&rec)
                        .map(String::as_str)
                        .or(fixed_symbol)
                    {
                        match sink.symbol(name.as_bytes(), hint) {
                            Sym::Id(i) => {
                                if !in_band {
                                    resolved.insert(hd.instrument_id, (day, i));
                                }
                                i
                            }
                            other => {
                                sink.bad_symbol(n, other, name.as_bytes());
                                continue;
                            }
                        }
                    } else {
                        let id = hd.instrument_id;
                        sink.reject(n, Reject::Symbol, "instrument_id", || {
                    format!("no symbol for instrument {id} in the file's symbology (name one with --symbol)")
                });
                        continue;
                    }
                }
            };
            let Ok(ts) = i64::try_from(hd.ts_event) else {
                sink.reject(n, Reject::Timestamp, "ts_event", || "undefined".into());
                continue;
            };
            match row {
                Row::Trade {
                    hd,
                    price,
                    size,
                    id,
                    ..
                } => {
                    if price == dbn::UNDEF_PRICE {
                        sink.reject(n, Reject::Price, "price", || "undefined".into());
                        continue;
                    }
                    let id = if id == (0, 0) {
                        NO_ID
                    } else {
                        vendor_id_of(&[u64::from(id.0), id.1, u64::from(hd.publisher_id)])
                    };
                    sink.trade(n, ts, inst, Price(price), size, id);
                }
                Row::Bar {
                    px,
                    volume,
                    interval_s,
                    ..
                } => {
                    if px.contains(&dbn::UNDEF_PRICE) {
                        sink.reject(n, Reject::Price, "open/high/low/close", || {
                            "undefined".into()
                        });
                        continue;
                    }
                    sink.bar(
                        n,
                        BarRow::from_ohlc(ts, inst, px.map(Price), volume, interval_s),
                    );
                }
            }
        }
    }
    let schema = meta
        .schema
        .map_or("mixed schemas".to_string(), |s| s.to_string());
    Ok(format!(
        "Databento DBN v{version}, {schema}, {}",
        meta.dataset
    ))
}

enum Row {
    Trade {
        hd: RecordHeader,
        price: i64,
        size: u32,
        id: (u32, u64),
    },
    Bar {
        hd: RecordHeader,
        px: [i64; 4],
        volume: u64,
        interval_s: u32,
    },
}

impl Row {
    /// The header and the index time: `ts_recv` for the trade records (all carry it), the
    /// event time for bars (as the crate's `raw_index_ts`, without a record-type lookup).
    fn header(&self) -> (&RecordHeader, u64) {
        match self {
            Row::Trade { hd, id, .. } => (hd, id.1),
            Row::Bar { hd, .. } => (hd, hd.ts_event),
        }
    }
}

/// Where each record starts in the decoded stream, from the metadata's length and every
/// record's length byte: the decoder trusts a record's length, and one that is not a whole
/// number of 8-byte words (or shorter than a header) would misplace every record after it.
#[derive(Default)]
struct Frames {
    /// Bytes seen so far.
    pos: u64,
    /// The first 8 bytes: `DBN`, the version, the metadata's length.
    prefix: Vec<u8>,
    /// Where the next record starts, once the metadata's length is known.
    next: Option<u64>,
    /// The offset of the first bad record.
    bad: Option<u64>,
}

impl Frames {
    /// The metadata's length from the file's header, once its 8 bytes have been seen.
    fn metadata_len(&self) -> Option<u32> {
        let b = self.prefix.get(4..8)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Takes the next bytes read; returns how many of them the decoder may have: all, or
    /// those before the first bad record.
    fn see(&mut self, bytes: &[u8]) -> usize {
        let start = self.pos;
        self.pos += bytes.len() as u64;
        if let Some(bad) = self.bad {
            return bad.saturating_sub(start).min(bytes.len() as u64) as usize;
        }
        if self.next.is_none() {
            let want = 8 - self.prefix.len();
            self.prefix
                .extend_from_slice(&bytes[..want.min(bytes.len())]);
            if self.prefix.len() == 8 {
                let len = u32::from_le_bytes([
                    self.prefix[4],
                    self.prefix[5],
                    self.prefix[6],
                    self.prefix[7],
                ]);
                self.next = Some(8 + u64::from(len));
            }
        }
        let Some(mut next) = self.next else {
            return bytes.len();
        };
        while next < self.pos {
            let len = u64::from(bytes[(next - start) as usize]) * 4;
            if len < 16 || len % 8 != 0 {
                self.bad = Some(next);
                self.pos = next;
                return (next - start) as usize;
            }
            next += len;
        }
        self.next = Some(next);
        bytes.len()
    }
}

/// The length a record of type `rt` must have to be read (0: a type the importer skips).
fn min_len(rt: u8) -> usize {
    use std::mem::size_of;
    match rt {
        rtype::MBP_0 => size_of::<TradeMsg>(),
        rtype::MBP_1 => size_of::<Mbp1Msg>(),
        rtype::CMBP_1 | rtype::TCBBO => size_of::<Cmbp1Msg>(),
        rtype::OHLCV_1S
        | rtype::OHLCV_1M
        | rtype::OHLCV_1H
        | rtype::OHLCV_1D
        | rtype::OHLCV_EOD => size_of::<OhlcvMsg>(),
        rtype::SYMBOL_MAPPING => size_of::<dbn::SymbolMappingMsg>(),
        _ => 0,
    }
}

fn interval(rt: u8) -> u32 {
    match rt {
        rtype::OHLCV_1S => 1,
        rtype::OHLCV_1M => 60,
        rtype::OHLCV_1H => 3600,
        _ => 86_400,
    }
}
