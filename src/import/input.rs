//! Opening an input: gzip and zstd are undone transparently, the first bytes are kept to
//! recognise the format (see [`super::format`]), and every read advances the progress bar and honours Ctrl-C.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flate2::read::MultiGzDecoder;
use indicatif::ProgressBar;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
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
    pub reader: Box<dyn BufRead + Send>,
    pub head: Vec<u8>,
    pub compression: &'static str,
}

pub fn open(
    path: &Path,
    progress: &ProgressBar,
    interrupt: &Arc<AtomicBool>,
) -> io::Result<Opened> {
    open_reader(Box::new(File::open(path)?), progress, interrupt)
}

/// As [`open`], for bytes from elsewhere (an object in object storage).
pub fn open_reader(
    inner: Box<dyn Read + Send>,
    progress: &ProgressBar,
    interrupt: &Arc<AtomicBool>,
) -> io::Result<Opened> {
    let counting = Counting {
        inner,
        progress: progress.clone(),
        interrupt: interrupt.clone(),
    };
    let mut raw = BufReader::with_capacity(1 << 16, counting);
    let magic = raw.fill_buf()?;
    // Decompression runs on a thread of its own, so it overlaps with parsing.
    let (mut decoded, compression): (Box<dyn Read + Send>, _) = if magic.starts_with(GZIP_MAGIC) {
        (Box::new(Pipe::spawn(MultiGzDecoder::new(raw))?), "gzip")
    } else if magic.starts_with(ZSTD_MAGIC) {
        (
            Box::new(Pipe::spawn(zstd::stream::read::Decoder::with_buffer(raw)?)?),
            "zstd",
        )
    } else {
        (Box::new(raw), "")
    };
    let mut head = Vec::new();
    (&mut decoded).take(HEAD).read_to_end(&mut head)?;
    let reader = BufReader::with_capacity(64 << 10, Cursor::new(head.clone()).chain(decoded));
    Ok(Opened {
        reader: Box::new(reader),
        head,
        compression,
    })
}

/// Chunks a [`Pipe`]'s thread has filled, in flight at once (2 MiB): small enough that a chunk
/// is still in the shared cache when the parser reads it.
const PIPE_DEPTH: usize = 8;
const PIPE_CHUNK: usize = 256 << 10;

/// What a [`Pipe`]'s thread sends: bytes, then the end or an error.
enum Piece {
    Bytes(Vec<u8>),
    End,
    Failed(io::Error),
}

/// A reader whose bytes are produced by another thread: the decompressor fills 1 MiB chunks
/// while the parser works on the previous ones. Chunks are handed back for reuse, so the
/// steady state allocates nothing. Dropping the pipe stops the thread at its next chunk.
struct Pipe {
    full: std::sync::mpsc::Receiver<Piece>,
    empty: std::sync::mpsc::SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    done: bool,
    /// The decompressing thread, joined on drop so that no import leaves a thread behind.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // Closing the channel the thread sends into ends it at its next chunk.
        drop(std::mem::replace(
            &mut self.full,
            std::sync::mpsc::sync_channel(0).1,
        ));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Pipe {
    fn spawn<R: Read + Send + 'static>(mut inner: R) -> io::Result<Pipe> {
        use std::sync::mpsc::sync_channel;
        let (full_tx, full) = sync_channel::<Piece>(PIPE_DEPTH);
        let (empty, empty_rx) = sync_channel::<Vec<u8>>(PIPE_DEPTH + 1);
        // Named so that profilers and `top -H` tell it from the parsing thread.
        let thread = std::thread::Builder::new()
            .name("td-decompress".into())
            .spawn(move || {
                loop {
                    let mut buf = empty_rx.try_recv().unwrap_or_default();
                    buf.resize(PIPE_CHUNK, 0);
                    let mut filled = 0;
                    let ended = loop {
                        match inner.read(&mut buf[filled..]) {
                            Ok(0) => break Some(Piece::End),
                            Ok(n) => {
                                filled += n;
                                if filled == buf.len() {
                                    break None;
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => break Some(Piece::Failed(e)),
                        }
                    };
                    buf.truncate(filled);
                    // Bytes before the end (or the error) first; a send fails only when the
                    // reader is gone, and then there is nobody left to tell.
                    let sent = if filled > 0 {
                        full_tx.send(Piece::Bytes(buf))
                    } else {
                        Ok(())
                    };
                    match ended {
                        Some(last) => {
                            let _ = sent.and_then(|()| full_tx.send(last));
                            break;
                        }
                        None if sent.is_err() => break,
                        None => {}
                    }
                }
            })?;
        Ok(Pipe {
            full,
            empty,
            chunk: Vec::new(),
            pos: 0,
            done: false,
            thread: Some(thread),
        })
    }
}

impl Read for Pipe {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.full.recv() {
                Ok(Piece::Bytes(next)) => {
                    let old = std::mem::replace(&mut self.chunk, next);
                    self.pos = 0;
                    let _ = self.empty.try_send(old);
                }
                Ok(Piece::Failed(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Ok(Piece::End) | Err(_) => self.done = true,
            }
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields `data` in uneven reads, then fails with `fail` if given.
    struct Uneven {
        data: Vec<u8>,
        pos: usize,
        fail: Option<io::ErrorKind>,
    }

    impl Read for Uneven {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.data.len() {
                return match self.fail {
                    Some(k) => Err(io::Error::new(k, "broken")),
                    None => Ok(0),
                };
            }
            let n = buf.len().min(7919).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn a_pipe_passes_every_byte_then_the_error() {
        for len in [
            0,
            1,
            PIPE_CHUNK - 1,
            PIPE_CHUNK,
            PIPE_CHUNK + 1,
            3 * PIPE_CHUNK + 5,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut out = Vec::new();
            Pipe::spawn(Uneven {
                data: data.clone(),
                pos: 0,
                fail: None,
            })
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
            assert_eq!(out.len(), data.len());
            assert!(out == data, "bytes differ at length {len}");

            let mut out = Vec::new();
            let err = Pipe::spawn(Uneven {
                data: data.clone(),
                pos: 0,
                fail: Some(io::ErrorKind::UnexpectedEof),
            })
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
            assert!(
                out == data,
                "bytes before the error are kept (length {len})"
            );
        }
    }
}
