//! `--symbols` on a full-market file whose symbol is its first column (Polygon's day files hold
//! every US ticker): rows of other symbols are blanked before the CSV parser sees them, found
//! with `memchr` and never split into fields. A blanked row stays a line (an empty one, which
//! the CSV reader passes over), so the line numbers in problems stay those of the file.

use std::collections::HashSet;
use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Wraps a reader of CSV text; the first line (the header) always passes.
pub struct AskedOnly<R> {
    inner: R,
    f: Filter,
    pos: usize,
}

/// The filter's state, apart from the reader so that a chunk the reader lends can be
/// filtered in place, without a copy.
struct Filter {
    /// Upper-case symbols asked for.
    asked: HashSet<Vec<u8>>,
    out: Vec<u8>,
    /// The start of a line the last read ended inside.
    carry: Vec<u8>,
    header_done: bool,
    /// The last first field met and whether it was asked: day files are sorted by ticker.
    last: Vec<u8>,
    last_kept: bool,
    upper: Vec<u8>,
    skipped: Arc<AtomicU64>,
}

impl Filter {
    fn keep(&mut self, line: &[u8]) -> bool {
        if !self.header_done {
            self.header_done = true;
            return true;
        }
        // A quoted or empty first field is left to the parser.
        if line
            .first()
            .is_none_or(|&b| b == b'"' || b == b'\n' || b == b'\r')
        {
            return true;
        }
        let field = match memchr::memchr(b',', line) {
            Some(i) => &line[..i],
            None => line.strip_suffix(b"\n").unwrap_or(line),
        };
        if field != self.last.as_slice() {
            self.last.clear();
            self.last.extend_from_slice(field);
            self.upper.clear();
            self.upper.extend(field.iter().map(u8::to_ascii_uppercase));
            self.last_kept = self.asked.contains(&self.upper);
        }
        self.last_kept
    }

    fn emit(&mut self, line: &[u8], ends: bool) {
        if self.keep(line) {
            self.out.extend_from_slice(line);
        } else {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            if ends {
                self.out.push(b'\n');
            }
        }
    }

    /// The carried start of a line completed by `rest`.
    fn finish_carry(&mut self, rest: &[u8]) {
        let mut line = std::mem::take(&mut self.carry);
        line.extend_from_slice(rest);
        self.emit(&line, true);
        // The buffer is kept for the next carry.
        line.clear();
        self.carry = line;
    }
}

impl<R: BufRead> AskedOnly<R> {
    /// `skipped` counts the rows blanked.
    pub fn new(inner: R, asked: &HashSet<String>, skipped: Arc<AtomicU64>) -> Self {
        AskedOnly {
            inner,
            f: Filter {
                asked: asked
                    .iter()
                    .map(|s| s.as_bytes().to_ascii_uppercase())
                    .collect(),
                out: Vec::with_capacity(1 << 16),
                carry: Vec::new(),
                header_done: false,
                last: Vec::new(),
                last_kept: false,
                upper: Vec::new(),
                skipped,
            },
            pos: 0,
        }
    }

    /// Fills `out` with the next lines; leaves it empty only at the end of the input.
    fn refill(&mut self) -> io::Result<()> {
        self.f.out.clear();
        self.pos = 0;
        while self.f.out.is_empty() {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if !self.f.carry.is_empty() {
                    let line = std::mem::take(&mut self.f.carry);
                    self.f.emit(&line, false);
                }
                return Ok(());
            }
            let n = chunk.len();
            let mut at = 0;
            if !self.f.carry.is_empty() {
                let Some(i) = memchr::memchr(b'\n', chunk) else {
                    self.f.carry.extend_from_slice(chunk);
                    self.inner.consume(n);
                    continue;
                };
                self.f.finish_carry(&chunk[..=i]);
                at = i + 1;
            }
            while let Some(i) = memchr::memchr(b'\n', &chunk[at..]) {
                let end = at + i + 1;
                self.f.emit(&chunk[at..end], true);
                at = end;
            }
            self.f.carry.extend_from_slice(&chunk[at..]);
            self.inner.consume(n);
        }
        Ok(())
    }
}

impl<R: BufRead> Read for AskedOnly<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for AskedOnly<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.f.out.len() {
            self.refill()?;
        }
        Ok(&self.f.out[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.f.out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filtered(text: &str, chunk: usize) -> (String, u64) {
        let asked: HashSet<String> = ["NVDA".to_string(), "AMD".to_string()].into();
        let skipped = Arc::new(AtomicU64::new(0));
        let inner = io::BufReader::with_capacity(chunk, text.as_bytes());
        let mut f = AskedOnly::new(inner, &asked, skipped.clone());
        let mut out = String::new();
        f.read_to_string(&mut out).unwrap();
        (out, skipped.load(Ordering::Relaxed))
    }

    #[test]
    fn other_symbols_become_empty_lines_at_any_read_size() {
        let text = "ticker,price\nAAPL,1\nAMD,2\nAMD,3\nMSFT,4\n\"NVDA\",5\nnvda,6\nZ,7";
        for chunk in [1, 2, 3, 7, 64, 4096] {
            let (out, skipped) = filtered(text, chunk);
            assert_eq!(
                out, "ticker,price\n\nAMD,2\nAMD,3\n\n\"NVDA\",5\nnvda,6\n",
                "chunk {chunk}"
            );
            assert_eq!(skipped, 3, "chunk {chunk}");
            // Every kept row is on the line it had in the file.
            for (n, line) in out.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
                assert_eq!(text.lines().nth(n), Some(line), "chunk {chunk}");
            }
        }
    }
}
