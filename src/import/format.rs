//! The input formats behind one trait, and the one list of them. A format recognises a file
//! from its first bytes and streams its rows into the [`Sink`]; `--format NAME`, the names
//! `--help` lists, recognition and reading all come from [`FORMATS`], so adding a format is its
//! own file and one line there.

use std::ffi::OsStr;
use std::io::{BufRead, Read};
use std::path::Path;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use super::ImportOptions;
use super::sink::Sink;
use super::{
    databento_csv, databento_json, dbn, generic_csv, parquet, polygon_aggs, polygon_trades,
};

/// Every input format, in the order `--help` lists them and recognition asks them. `csv` takes
/// any CSV header, so a format recognised by its header names goes before it.
pub static FORMATS: &[&dyn ImportFormat] = &[
    &dbn::Dbn,
    &databento_csv::DatabentoCsv,
    &databento_json::DatabentoJson,
    &polygon_trades::PolygonTrades,
    &polygon_aggs::PolygonAggs,
    &generic_csv::GenericCsv,
    &parquet::Parquet,
];

/// What `--format` calls recognising each file by itself.
pub const AUTO: &str = "auto";

/// One input format.
pub trait ImportFormat: Sync {
    /// The name `--format` takes (lower case, `-` between words).
    fn name(&self) -> &'static str;

    /// How the file reaches [`ImportFormat::read`]; recognition sees the same bytes.
    fn access(&self) -> Access {
        Access::Stream
    }

    /// Whether a file starting like `sniff` is of this format.
    fn detect(&self, sniff: &Sniff) -> bool;

    /// Reads every row into `sink`; returns a description of the file for the manifest. A
    /// row that cannot be used is counted and reported by `sink` (file, line and field); an
    /// error here means the file cannot be read at all (the caller names the file).
    fn read(&self, input: Input<'_>, sink: &mut Sink) -> Result<String, String>;
}

/// How a format reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The decompressed bytes, in order (gzip and zstd undone, progress counted).
    Stream,
    /// The file itself, by path (a format that seeks, as Parquet does).
    File,
}

/// The first bytes of a file, as recognition looks at them: the decompressed bytes for
/// [`Access::Stream`] formats, the file's own for [`Access::File`] ones.
pub struct Sniff<'a> {
    pub head: &'a [u8],
    line: Option<&'a str>,
    names: Vec<String>,
}

impl<'a> Sniff<'a> {
    pub fn new(head: &'a [u8]) -> Sniff<'a> {
        let line = first_line(head);
        let names = line
            .filter(|l| !l.starts_with(['{', '[']))
            .map(|l| {
                l.split(',')
                    .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        Sniff { head, line, names }
    }

    /// The first line that is not blank, trimmed (a byte-order mark dropped); `None` when the
    /// bytes are not text.
    pub fn first_line(&self) -> Option<&'a str> {
        self.line
    }

    /// Whether the first line, read as a CSV header, names every one of `columns` (given in
    /// lower case; the header's case does not matter).
    pub fn has_columns(&self, columns: &[&str]) -> bool {
        columns.iter().all(|c| self.names.iter().any(|n| n == c))
    }
}

fn first_line(head: &[u8]) -> Option<&str> {
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
    Some(first.trim())
}

/// One file handed to a format.
pub struct Input<'a> {
    pub path: &'a Path,
    /// The file as problems name it.
    pub label: &'a str,
    pub opts: &'a ImportOptions,
    reader: Option<Box<dyn BufRead + Send>>,
}

impl<'a> Input<'a> {
    pub fn stream(
        path: &'a Path,
        label: &'a str,
        opts: &'a ImportOptions,
        reader: Box<dyn BufRead + Send>,
    ) -> Self {
        Input {
            path,
            label,
            opts,
            reader: Some(reader),
        }
    }

    pub fn file(path: &'a Path, label: &'a str, opts: &'a ImportOptions) -> Self {
        Input {
            path,
            label,
            opts,
            reader: None,
        }
    }

    /// The decompressed bytes (for [`Access::Stream`] formats).
    pub fn bytes(&mut self) -> Result<Box<dyn BufRead + Send>, String> {
        self.reader
            .take()
            .ok_or_else(|| "read from the file itself, not as a stream".to_string())
    }

    /// `--symbol`: the symbol of inputs that carry none.
    pub fn fixed_symbol(&self) -> Option<&'a str> {
        self.opts.symbol.as_deref()
    }
}

/// The format of the first bytes of a stream, if any format recognises them.
pub fn detect(head: &[u8]) -> Option<Format> {
    detect_among(Access::Stream, head)
}

/// The format of a file read by path ([`Access::File`]), recognised from its own first bytes
/// before anything is decompressed.
pub fn detect_file(path: &Path) -> Option<Format> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .ok()?;
    detect_among(Access::File, &head)
}

fn detect_among(access: Access, head: &[u8]) -> Option<Format> {
    let sniff = Sniff::new(head);
    FORMATS
        .iter()
        .find(|f| f.access() == access && f.detect(&sniff))
        .map(|&f| Format::of(f))
}

/// An input format as options name it: one of [`FORMATS`], or auto (each file recognised by
/// itself). Formats may give themselves a constant here (`Format::Csv`) for callers naming one
/// in code.
#[derive(Clone, Copy, Default)]
pub struct Format(Option<&'static dyn ImportFormat>);

impl Format {
    #[allow(non_upper_case_globals)]
    pub const Auto: Format = Format(None);

    /// The names `--format` takes, as a clap value parser (`value_parser = Format::NAMES`).
    pub const NAMES: FormatNames = FormatNames;

    pub const fn of(format: &'static dyn ImportFormat) -> Format {
        Format(Some(format))
    }

    /// `auto`, then every format's name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        std::iter::once(AUTO).chain(FORMATS.iter().map(|f| f.name()))
    }

    pub fn name(self) -> &'static str {
        self.0.map_or(AUTO, |f| f.name())
    }

    pub fn parse(s: &str) -> Option<Format> {
        if s == AUTO {
            return Some(Format::Auto);
        }
        FORMATS
            .iter()
            .find(|f| f.name() == s)
            .map(|&f| Format::of(f))
    }

    /// The format named, `None` for auto.
    pub fn get(self) -> Option<&'static dyn ImportFormat> {
        self.0
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Format {}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Format({})", self.name())
    }
}

/// `--format`'s value parser: [`Format::names`], shown in `--help` and checked by clap.
#[derive(Debug, Clone, Copy)]
pub struct FormatNames;

impl FormatNames {
    fn parser() -> PossibleValuesParser {
        PossibleValuesParser::new(Format::names())
    }
}

impl TypedValueParser for FormatNames {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        Self::parser().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Format::names().map(PossibleValue::new)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let names: Vec<&str> = Format::names().collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[..i].contains(n), "{n} twice");
            assert_eq!(Format::parse(n).map(Format::name), Some(*n));
        }
        assert_eq!(Format::parse("auto"), Some(Format::Auto));
        assert_eq!(Format::parse("nope"), None);
        assert_eq!(Format::default(), Format::Auto);
    }

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
        assert_eq!(detect(b"{\"a\": 1}\n"), None);
        assert_eq!(
            detect_among(Access::File, b"PAR1\x15\x04"),
            Some(Format::Parquet)
        );
        assert_eq!(detect_among(Access::File, b"ticker,price\n"), None);
    }
}
