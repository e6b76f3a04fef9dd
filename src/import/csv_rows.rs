//! The CSV reading loop the CSV formats share: records are split on a thread of their own
//! (the `csv` crate's state machine is the largest single cost of reading a CSV file) and
//! handed over in batches of reused `ByteRecord`s, so the reader thread parses fields while the
//! next batch is split, with no allocation per row. Every malformed row (wrong column count, not
//! UTF-8, unreadable) is counted in the report.

use std::io::BufRead;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use csv::{ByteRecord, ErrorKind};

use super::report::Reject;
use super::sink::Sink;

/// Records per batch handed between the threads.
const BATCH: usize = 2048;
/// Batches in flight.
const DEPTH: usize = 4;

/// What the splitting thread found for one slot of a batch.
enum Found {
    Row,
    Bad(csv::Error),
}

/// Records split by the thread, and what each slot holds; `last` ends the stream.
#[derive(Default)]
struct Batch {
    recs: Vec<ByteRecord>,
    found: Vec<Found>,
    last: bool,
}

pub struct Rows {
    pub rec: ByteRecord,
    /// Lower-case column names (empty without a header).
    pub header: Vec<String>,
    full: Receiver<Batch>,
    empty: SyncSender<Batch>,
    batch: Batch,
    at: usize,
    done: bool,
    /// The splitting thread, joined on drop so that no import leaves a thread behind.
    splitter: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Rows {
    fn drop(&mut self) {
        // Closing the channel the thread sends into ends it at its next batch.
        drop(std::mem::replace(&mut self.full, sync_channel(0).1));
        if let Some(t) = self.splitter.take() {
            let _ = t.join();
        }
    }
}

/// The splitting thread: fills batches until the input ends or cannot be read further.
fn split(
    mut reader: csv::Reader<Box<dyn BufRead + Send>>,
    full: SyncSender<Batch>,
    empty: Receiver<Batch>,
) {
    loop {
        let mut b = empty.try_recv().unwrap_or_default();
        b.found.clear();
        b.last = false;
        if b.recs.len() < BATCH {
            b.recs.resize_with(BATCH, ByteRecord::new);
        }
        for k in 0..BATCH {
            match reader.read_byte_record(&mut b.recs[k]) {
                Ok(true) => b.found.push(Found::Row),
                Ok(false) => {
                    b.last = true;
                    break;
                }
                Err(e) => {
                    // A short row is reported and reading goes on; anything else ends the file.
                    let goes_on = matches!(e.kind(), ErrorKind::UnequalLengths { .. });
                    b.found.push(Found::Bad(e));
                    if !goes_on {
                        b.last = true;
                        break;
                    }
                }
            }
        }
        let last = b.last;
        if full.send(b).is_err() || last {
            return;
        }
    }
}

impl Rows {
    /// Opens a CSV stream after skipping `skip_lines` lines (preambles some tools write).
    pub fn new(
        mut input: Box<dyn BufRead + Send>,
        has_header: bool,
        delimiter: u8,
        skip_lines: usize,
    ) -> Result<Rows, String> {
        let mut junk = Vec::new();
        for _ in 0..skip_lines {
            junk.clear();
            input
                .read_until(b'\n', &mut junk)
                .map_err(|e| format!("cannot read: {e}"))?;
        }
        let mut reader: csv::Reader<Box<dyn BufRead + Send>> = csv::ReaderBuilder::new()
            .has_headers(has_header)
            .delimiter(delimiter)
            .from_reader(input);
        let header = if has_header {
            let h = reader
                .byte_headers()
                .map_err(|e| format!("cannot read the header: {e}"))?;
            h.iter()
                .map(|c| {
                    String::from_utf8_lossy(c)
                        .trim_start_matches('\u{feff}')
                        .trim()
                        .to_ascii_lowercase()
                })
                .collect()
        } else {
            Vec::new()
        };
        let (full_tx, full) = sync_channel(DEPTH);
        let (empty, empty_rx) = sync_channel(DEPTH + 1);
        let splitter = std::thread::Builder::new()
            .name("td-csv-split".into())
            .spawn(move || split(reader, full_tx, empty_rx))
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        Ok(Rows {
            rec: ByteRecord::new(),
            header,
            full,
            empty,
            batch: Batch::default(),
            at: 0,
            done: false,
            splitter: Some(splitter),
        })
    }

    /// Column index of the first of `names` present in the header.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h == n))
    }

    /// Column indexes of `names`, every one required.
    pub fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N], String> {
        let mut out = [0; N];
        for (o, n) in out.iter_mut().zip(names) {
            *o = self
                .column(&[n])
                .ok_or_else(|| format!("no {n:?} column in the header"))?;
        }
        Ok(out)
    }

    /// The next record the splitting thread found, moved into `self.rec`; `None` at the end.
    fn next_found(&mut self) -> Option<Result<(), csv::Error>> {
        while self.at == self.batch.found.len() {
            if self.batch.last {
                return None;
            }
            let next = self.full.recv().ok()?;
            let used = std::mem::replace(&mut self.batch, next);
            let _ = self.empty.try_send(used);
            self.at = 0;
        }
        let k = self.at;
        self.at += 1;
        // The placeholder left behind is reused by the next batch split into this one.
        match std::mem::replace(&mut self.batch.found[k], Found::Row) {
            Found::Row => {
                std::mem::swap(&mut self.rec, &mut self.batch.recs[k]);
                Some(Ok(()))
            }
            Found::Bad(e) => Some(Err(e)),
        }
    }

    /// Advances to the next well-formed row and returns its line number; malformed rows are
    /// rejected on the way. `None` at the end or after an unreadable stretch.
    pub fn next(&mut self, sink: &mut Sink) -> Option<u64> {
        while !self.done {
            match self.next_found() {
                None => self.done = true,
                Some(Ok(())) => {
                    let line = self.rec.position().map_or(0, csv::Position::line);
                    let bytes = self.rec.as_slice();
                    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_err() {
                        sink.reject(line, Reject::Utf8, "", || "not UTF-8 text".into());
                        continue;
                    }
                    return Some(line);
                }
                Some(Err(e)) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    match e.kind() {
                        ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            let (want, got) = (*expected_len, *len);
                            sink.reject(line, Reject::Columns, "", || {
                                format!("expected {want} fields, found {got}")
                            });
                        }
                        ErrorKind::Io(io) if io.to_string() == super::input::INTERRUPTED => {
                            self.done = true;
                        }
                        _ => {
                            let msg = crate::text::sanitize(&e.to_string());
                            sink.reject(line, Reject::Corrupt, "", || {
                                format!("cannot read further (truncated or corrupt file?): {msg}")
                            });
                            self.done = true;
                        }
                    }
                }
            }
        }
        None
    }
}
