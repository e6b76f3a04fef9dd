//! Databento JSON lines, as Databento's tools and the `dbn` crate's encoder write them: one
//! object a line with the header under `hd`, 64-bit numbers quoted (see
//! [`super::databento_records`]).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::BufRead;

use serde::Deserialize;

use super::databento_records::{Ctx, Fields, NAMES, Symbology, record};
use super::format::{Format, ImportFormat, Input, Sniff};
use super::report::Reject;
use super::sink::Sink;

pub struct DatabentoJson;

impl Format {
    #[allow(non_upper_case_globals)]
    pub const DatabentoJson: Format = Format::of(&DatabentoJson);
}

impl ImportFormat for DatabentoJson {
    fn name(&self) -> &'static str {
        "databento-json"
    }

    fn detect(&self, sniff: &Sniff) -> bool {
        sniff
            .first_line()
            .is_some_and(|l| l.starts_with('{') && l.contains("\"hd\""))
    }

    fn read(&self, mut input: Input<'_>, sink: &mut Sink) -> Result<String, String> {
        let ctx = Ctx {
            symbology: Symbology::beside(input.path)?,
            fixed_symbol: input.fixed_symbol(),
        };
        read_json(input.bytes()?, &ctx, sink)
    }
}

pub fn read_json(
    mut reader: Box<dyn BufRead + Send>,
    ctx: &Ctx,
    sink: &mut Sink,
) -> Result<String, String> {
    let mut line_buf = Vec::new();
    let mut scratch: [String; NAMES.len()] = Default::default();
    let mut line = 0u64;
    loop {
        line_buf.clear();
        match reader.read_until(b'\n', &mut line_buf) {
            Ok(0) => break,
            Ok(_) => line += 1,
            Err(e) if e.to_string() == super::input::INTERRUPTED => break,
            Err(e) => {
                sink.reject(line + 1, Reject::Corrupt, "", || {
                    format!("cannot read further (truncated or corrupt file?): {e}")
                });
                break;
            }
        }
        let Ok(text) = std::str::from_utf8(&line_buf) else {
            sink.reject(line, Reject::Utf8, "", || "not UTF-8 text".into());
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let rec: JsonRecord = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let msg = crate::text::sanitize(&e.to_string());
                sink.reject(line, Reject::Corrupt, "", || {
                    format!("not a Databento JSON record: {msg}")
                });
                continue;
            }
        };
        let vals: [&Val; NAMES.len()] = [
            &rec.hd.ts_event,
            &rec.hd.rtype,
            &rec.hd.instrument_id,
            &rec.symbol,
            &rec.action,
            &rec.price,
            &rec.size,
            &rec.sequence,
            &rec.ts_recv,
            &rec.hd.publisher_id,
            &rec.open,
            &rec.high,
            &rec.low,
            &rec.close,
            &rec.volume,
        ];
        for (s, v) in scratch.iter_mut().zip(vals) {
            s.clear();
            let _ = match v {
                Val::Null => Ok(()),
                Val::Str(t) => s.write_str(t),
                Val::U(n) => write!(s, "{n}"),
                Val::I(n) => write!(s, "{n}"),
                Val::F(f) => write!(s, "{f}"),
            };
        }
        let fields: Fields = std::array::from_fn(|i| scratch[i].as_bytes());
        record(&fields, line, ctx, sink);
    }
    Ok("Databento JSON".into())
}

/// A JSON value as Databento writes it: 64-bit numbers quoted, others plain, `null` for
/// undefined.
#[derive(Debug, Default)]
enum Val<'a> {
    #[default]
    Null,
    Str(Cow<'a, str>),
    U(u64),
    I(i64),
    F(f64),
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Val<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
                Ok(Val::U(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
                Ok(Val::I(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
                Ok(Val::F(v))
            }
            fn visit_unit<E>(self) -> Result<Val<'de>, E> {
                Ok(Val::Null)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct JsonHeader<'a> {
    #[serde(borrow, default)]
    ts_event: Val<'a>,
    #[serde(borrow, default)]
    rtype: Val<'a>,
    #[serde(borrow, default)]
    publisher_id: Val<'a>,
    #[serde(borrow, default)]
    instrument_id: Val<'a>,
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow)]
    hd: JsonHeader<'a>,
    #[serde(borrow, default)]
    ts_recv: Val<'a>,
    #[serde(borrow, default)]
    action: Val<'a>,
    #[serde(borrow, default)]
    price: Val<'a>,
    #[serde(borrow, default)]
    size: Val<'a>,
    #[serde(borrow, default)]
    sequence: Val<'a>,
    #[serde(borrow, default)]
    open: Val<'a>,
    #[serde(borrow, default)]
    high: Val<'a>,
    #[serde(borrow, default)]
    low: Val<'a>,
    #[serde(borrow, default)]
    close: Val<'a>,
    #[serde(borrow, default)]
    volume: Val<'a>,
    #[serde(borrow, default)]
    symbol: Val<'a>,
}
