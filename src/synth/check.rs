//! Folds one instrument's generated prints and confirms every pinned figure: the generator's
//! promise is checked on every run, so a combination of anchors it cannot honour is reported as
//! an error instead of being written as a replay that quietly misses a figure.

use super::SynthError;
use super::anchors::ExtremeKind;
use super::plan::{InstrumentPlan, LIVE_NS};
use crate::price::Price;
use crate::replay::trades::TradeRow;

/// The first way `prints` fail to make the bar `[open, high, low, close]` with `volume`: the
/// field and what the prints give instead.
pub(crate) fn ohlcv_mismatch(
    prints: &[TradeRow],
    [open, high, low, close]: [Price; 4],
    volume: u64,
) -> Option<(&'static str, String)> {
    let (Some(first), Some(last)) = (prints.first(), prints.last()) else {
        return Some(("bar", "has no prints".into()));
    };
    let got_high = prints.iter().map(|r| r.price).max().unwrap_or(first.price);
    let got_low = prints.iter().map(|r| r.price).min().unwrap_or(first.price);
    let got_volume: u64 = prints.iter().map(|r| u64::from(r.size)).sum();
    for (what, got, want) in [
        ("open", first.price, open),
        ("close", last.price, close),
        ("high", got_high, high),
        ("low", got_low, low),
    ] {
        if got != want {
            return Some((what, format!("{got} instead of {want}")));
        }
    }
    (got_volume != volume).then(|| ("volume", format!("{got_volume} instead of {volume}")))
}

pub(crate) fn verify(inst: &InstrumentPlan, rows: &[TradeRow]) -> Result<(), SynthError> {
    let miss = |field: &str, problem: String| SynthError::Anchor {
        symbol: inst.symbol.clone(),
        field: field.to_string(),
        problem: format!("the generated prints cannot reproduce it: {problem}"),
    };
    for seg in &inst.segments {
        let Some(bar) = &seg.bar else { continue };
        let a = rows.partition_point(|r| r.ts < seg.span.start);
        let b = rows.partition_point(|r| r.ts < seg.span.end);
        let prints = &rows[a..b];
        let want = [bar.open, bar.high, bar.low, bar.close];
        if let Some((what, problem)) = ohlcv_mismatch(prints, want, bar.volume) {
            return Err(miss(&format!("{} {what}", bar.label), problem));
        }
        for which in [ExtremeKind::High, ExtremeKind::Low] {
            let Some(w) = bar.window(which) else { continue };
            let v = bar.extreme(which);
            if !prints.iter().any(|r| w.contains(r.ts) && r.price == v) {
                return Err(miss(
                    &format!("{} {which:?} window", bar.label),
                    format!("no print at {v} inside it"),
                ));
            }
        }
    }
    for l in &inst.levels {
        let k = rows.partition_point(|r| r.ts <= l.at);
        match k.checked_sub(1).map(|i| rows[i]) {
            Some(r) if r.price == l.price && l.at - r.ts <= LIVE_NS => {}
            Some(r) => {
                return Err(miss(
                    &l.label,
                    format!("the last print before it is {} at {} ns", r.price, r.ts),
                ));
            }
            None => return Err(miss(&l.label, "no print before it".into())),
        }
    }
    Ok(())
}
