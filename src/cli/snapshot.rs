//! `tapedeck snapshot`: the state at a time, as a table or JSON.

use std::io::Write;

use color_eyre::eyre::Result;
use serde_json::{Value, json};

use crate::engine::{InstrumentState, Snapshot};
use crate::format::{self, price_or};
use crate::price::Price;
use crate::replay::Replay;
use crate::time::{UnixNanos, rfc3339_in};

// Kept under their old paths while the terminal app and lessons still call them from here.
pub use crate::format::{money, round_pct};

pub fn run(r: &Replay, t: UnixNanos, as_json: bool) -> Result<()> {
    let snap = r.store.snapshot(t, 0);
    let mut out = std::io::stdout().lock();
    if as_json {
        serde_json::to_writer_pretty(&mut out, &snapshot_json(r, &snap))?;
        writeln!(out)?;
    } else {
        write!(out, "{}", snapshot_text(r, &snap))?;
    }
    Ok(())
}

fn price(p: Option<Price>) -> Value {
    p.map_or(Value::Null, |p| json!(p))
}

/// The documented JSON form of a snapshot.
pub fn snapshot_json(r: &Replay, snap: &Snapshot) -> Value {
    let s = &r.store;
    let instruments: Vec<Value> = s
        .instruments
        .iter()
        .zip(&snap.instruments)
        .map(|(info, st)| {
            let started = st.open.is_some();
            json!({
                "symbol": info.symbol,
                "name": info.name,
                "kind": info.kind.as_str(),
                "sector": s.sectors[info.sector],
                "reference": info.reference,
                "last": price(st.last),
                "last_ts": st.last_ts.map(|t| rfc3339_in(t, r.tz)),
                "change": price(st.change),
                "change_pct": st.change_pct.map(round_pct),
                "open": price(st.open),
                "high": price(st.high),
                "low": price(st.low),
                "close": price(st.close),
                "volume": started.then_some(st.volume),
                "vwap": price(st.vwap_exact.map(|v| format::vwap(v, info.decimals))),
                "trades": started.then_some(st.trades),
                "market_cap_change": st.market_cap_change.map(f64::round),
                "extended_change_pct": st.extended_change_pct.map(round_pct),
            })
        })
        .collect();
    let sectors: Vec<Value> = s
        .sectors
        .iter()
        .zip(&snap.sectors)
        .map(|(name, st)| {
            json!({
                "name": name,
                "change_pct": st.change_pct.map(round_pct),
                "market_cap_change": st.market_cap_change.map(f64::round),
                "weighting": if st.cap_weighted { "market value" } else { "equal" },
            })
        })
        .collect();
    let latest = snap.headlines_seen.checked_sub(1).map(|i| &s.headlines[i]);
    json!({
        "replay": r.manifest.name,
        "provenance": r.manifest.provenance.kind,
        "at": rfc3339_in(snap.t, r.tz),
        "at_ns": snap.t,
        "session": s.phase_at(snap.t),
        "instruments": instruments,
        "sectors": sectors,
        "market_cap_change_total": snap.total_market_cap_change().map(f64::round),
        "headlines": {
            "seen": snap.headlines_seen,
            "latest": latest.map(|h| json!({
                "id": h.id,
                "ts": rfc3339_in(h.ts, r.tz),
                "source": h.source,
                "text": h.text,
                "tickers": h.tickers.iter().map(|&i| s.instruments[i as usize].symbol.as_str()).collect::<Vec<_>>(),
                "importance": h.importance,
            })),
        },
    })
}

pub fn snapshot_text(r: &Replay, snap: &Snapshot) -> String {
    use std::fmt::Write;
    let s = &r.store;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} [{}] at {} ({})",
        r.title(),
        r.manifest.provenance.kind.badge(),
        rfc3339_in(snap.t, r.tz),
        s.phase_at(snap.t)
    );
    let _ = writeln!(
        o,
        "{:<7} {:>10} {:>9} {:>8} {:>10} {:>10} {:>10} {:>10} {:>13} {:>10} {:>9}",
        "symbol",
        "last",
        "change",
        "%",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "vwap",
        "mkt val"
    );
    for (sector, name) in s.sectors.iter().enumerate() {
        let sec = &snap.sectors[sector];
        let weighting = if sec.cap_weighted {
            "by market value"
        } else {
            "average"
        };
        let _ = writeln!(
            o,
            "-- {name} {}",
            sec.change_pct
                .map_or(String::new(), |p| format!("{p:+.2}% ({weighting})"))
        );
        for (info, st) in s
            .instruments
            .iter()
            .zip(&snap.instruments)
            .filter(|(i, _)| i.sector == sector)
        {
            let _ = writeln!(o, "{}", row(info.symbol.as_str(), st, info.decimals));
        }
    }
    if let Some(total) = snap.total_market_cap_change() {
        let _ = writeln!(
            o,
            "market value change (where shares are known): {}",
            money(total)
        );
    }
    let _ = writeln!(o, "headlines seen: {}", snap.headlines_seen);
    if let Some(h) = snap.headlines_seen.checked_sub(1).map(|i| &s.headlines[i]) {
        let _ = writeln!(
            o,
            "latest: {} {} — {}",
            rfc3339_in(h.ts, r.tz),
            h.source,
            h.text
        );
    }
    o
}

fn opt(p: Option<Price>, d: u32) -> String {
    price_or(p, d, "-")
}

fn row(symbol: &str, st: &InstrumentState, d: u32) -> String {
    format!(
        "{:<7} {:>10} {:>9} {:>8} {:>10} {:>10} {:>10} {:>10} {:>13} {:>10} {:>9}",
        symbol,
        opt(st.last, d),
        st.change
            .map_or_else(|| "-".into(), |c| c.display(d).to_string()),
        st.change_pct
            .map_or_else(|| "-".into(), |p| format!("{:+.2}", round_pct(p))),
        opt(st.open, d),
        opt(st.high, d),
        opt(st.low, d),
        opt(st.close, d),
        if st.open.is_some() {
            st.volume.to_string()
        } else {
            "-".into()
        },
        st.vwap_exact
            .map_or_else(|| "-".into(), |v| format::vwap_text(v, d)),
        st.market_cap_change.map_or_else(|| "-".into(), money),
    )
}
