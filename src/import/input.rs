//! Opening an input: gzip and zstd are undone transparently, the first bytes are kept to
//! recognise the format, and every read advances the progress bar and honours Ctrl-C.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flate2::read::MultiGzDecoder;
use indicatif::ProgressBar;

use super::Format;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
pub const PARQUET_MAGIC: &[u8] = b"PAR1";
/// Bytes looked at to recognise a format (a header line is far shorter).
const HEAD: u64 = 64 * 1024;

/// The message of the I/O error an interrupted read returns.
pub const INTERRUPTED: &str = "interrupted";

/// Counts compressed bytes into the progress bar and stops reading on Ctrl-C.
struct Counting<R> {
    inner: R,
    progress: ProgressBar,
    interrupt: Arc<AtomicBool>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.interrupt.load(Ordering::Relaxed) {
            return Err(io::Error::other(INTERRUPTED));
        }
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// An opened input, decompressed, with its first bytes for recognition.
pub struct Opened {
    pub reader: Box<dyn BufRead>,
    pub head: Vec<u8>,
    pub compression: &'static str,
}

pub fn open(
    path: &Path,
    progress: &ProgressBar,
    interrupt: &Arc<AtomicBool>,
) -> io::Result<Opened> {
    let counting = Counting {
        inner: File::open(path)?,
        progress: progress.clone(),
        interrupt: interrupt.clone(),
    };
    let mut raw = BufReader::with_capacity(1 << 16, counting);
    let magic = raw.fill_buf()?;
    let (mut decoded, compression): (Box<dyn Read>, _) = if magic.starts_with(GZIP_MAGIC) {
        (Box::new(MultiGzDecoder::new(raw)), "gzip")
    } else if magic.starts_with(ZSTD_MAGIC) {
        (
            Box::new(zstd::stream::read::Decoder::with_buffer(raw)?),
            "zstd",
        )
    } else {
        (Box::new(raw), "")
    };
    let mut head = Vec::new();
    (&mut decoded).take(HEAD).read_to_end(&mut head)?;
    let reader = BufReader::with_capacity(1 << 20, Cursor::new(head.clone()).chain(decoded));
    Ok(Opened {
        reader: Box::new(reader),
        head,
        compression,
    })
}

/// Recognises a format from the first bytes (already decompressed): DBN's magic, then for
/// text the first line: JSON, or CSV header names.
pub fn detect(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"DBN") {
        return Some(Format::Dbn);
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let first = head
        .split(|&b| b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))?;
    if first.contains(&0) {
        return None;
    }
    // A first line cut by the sniffing limit may end mid-character.
    let first = match std::str::from_utf8(first) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&first[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let first = first.trim();
    if first.starts_with('{') {
        return first.contains("\"hd\"").then_some(Format::DatabentoJson);
    }
    if first.starts_with('[') {
        return None;
    }
    let names: Vec<String> = first
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |n: &str| names.iter().any(|c| c == n);
    Some(if has("ts_event") && has("rtype") {
        Format::DatabentoCsv
    } else if has("ticker") && has("sip_timestamp") && has("participant_timestamp") {
        Format::PolygonTrades
    } else if has("ticker") && has("window_start") && has("open") {
        Format::PolygonMinute
    } else {
        Format::Csv
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_their_first_bytes() {
        assert_eq!(detect(b"DBN\x02...."), Some(Format::Dbn));
        assert_eq!(
            detect(b"ts_recv,ts_event,rtype,publisher_id,instrument_id,action\n1,2"),
            Some(Format::DatabentoCsv)
        );
        assert_eq!(
            detect(b"{\"ts_recv\":\"1\",\"hd\":{\"ts_event\":\"1\"}}\n"),
            Some(Format::DatabentoJson)
        );
        assert_eq!(
            detect(b"ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n"),
            Some(Format::PolygonTrades)
        );
        assert_eq!(
            detect(b"ticker,volume,open,close,high,low,window_start,transactions\n"),
            Some(Format::PolygonMinute)
        );
        assert_eq!(
            detect(b"\xef\xbb\xbfDatetime,Open,High,Low,Close,Volume\n"),
            Some(Format::Csv)
        );
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0"), None);
        assert_eq!(detect(b"\xff\xfe,a,b\n"), None);
        assert_eq!(detect(b"[1, 2]"), None);
    }
}
