//! The CSV reading loop the CSV formats share: one reused `ByteRecord`, no allocation per row,
//! and every malformed row (wrong column count, not UTF-8, unreadable) counted in the report.

use std::io::BufRead;

use csv::{ByteRecord, ErrorKind};

use super::report::Reject;
use super::sink::Sink;

pub struct Rows {
    reader: csv::Reader<Box<dyn BufRead>>,
    pub rec: ByteRecord,
    /// Lower-case column names (empty without a header).
    pub header: Vec<String>,
    done: bool,
}

impl Rows {
    /// Opens a CSV stream after skipping `skip_lines` lines (preambles some tools write).
    pub fn new(
        mut input: Box<dyn BufRead>,
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
        let mut reader = csv::ReaderBuilder::new()
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
        Ok(Rows {
            reader,
            rec: ByteRecord::new(),
            header,
            done: false,
        })
    }

    /// Column index of the first of `names` present in the header.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.header.iter().position(|h| h == n))
    }

    /// Advances to the next well-formed row and returns its line number; malformed rows are
    /// rejected on the way. `None` at the end or after an unreadable stretch.
    pub fn next(&mut self, sink: &mut Sink) -> Option<u64> {
        while !self.done {
            match self.reader.read_byte_record(&mut self.rec) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let line = self.rec.position().map_or(0, |p| p.line());
                    if std::str::from_utf8(self.rec.as_slice()).is_err() {
                        sink.reject(line, Reject::Utf8, "", || "not UTF-8 text".into());
                        continue;
                    }
                    return Some(line);
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
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
