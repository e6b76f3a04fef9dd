//! Databento CSV, as Databento's tools and the `dbn` crate's encoder write it: a header with
//! `ts_event` and `rtype`, then one record a line (see [`super::databento_records`]).

use std::io::BufRead;

use super::csv_rows::Rows;
use super::databento_records::{Ctx, Fields, NAMES, RTYPE, Symbology, TS_EVENT, record};
use super::format::{Format, ImportFormat, Input, Sniff};
use super::sink::Sink;

pub struct DatabentoCsv;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const DatabentoCsv: Format = Format::of(&DatabentoCsv);
}

impl ImportFormat for DatabentoCsv {
    fn name(&self) -> &'static str {
        "databento-csv"
    }

    fn detect(&self, sniff: &Sniff) -> bool {
        sniff.has_columns(&["ts_event", "rtype"])
    }

    fn read(&self, mut input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        let ctx = Ctx {
            symbology: Symbology::beside(input.path)?,
            fixed_symbol: input.fixed_symbol(),
        };
        read_csv(input.bytes()?, &ctx, sink)
    }
}

pub fn read_csv(
    reader: Box<dyn BufRead + Send>,
    ctx: &Ctx,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut rows = Rows::new(reader, true, b',', 0)?;
    let cols: Vec<Option<usize>> = NAMES.iter().map(|n| rows.column(&[n])).collect();
    for required in [TS_EVENT, RTYPE] {
        if cols[required].is_none() {
            return Err(format!("no {:?} column in the header", NAMES[required]));
        }
    }
    while let Some(line) = rows.next(sink) {
        let rec = &rows.rec;
        let fields: Fields =
            std::array::from_fn(|i| cols[i].and_then(|c| rec.get(c)).unwrap_or(b""));
        record(&fields, line, ctx, sink);
    }
    Ok("Databento CSV".into())
}
