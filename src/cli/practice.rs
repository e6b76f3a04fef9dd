//! `tapedeck practice`: a list of orders run through the practice engine on a replay, with the
//! fills and the P&L printed.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use crate::practice::fills::{FillRules, Side};
use crate::practice::{self, orders_file};
use crate::price::Price;
use crate::time::rfc3339_in;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct PracticeArgs {
    pub replay: Option<String>,
    /// Orders: CSV (ts,symbol,side,qty,type,price,stop_price) or a JSON array of objects.
    #[arg(long, value_name = "FILE")]
    pub orders: PathBuf,
    /// Commission and fees, US dollars a share or contract.
    #[arg(long, default_value_t = 0.0, value_name = "USD")]
    pub commission: f64,
    /// Ticks a market or triggered stop fill is moved against the order.
    #[arg(long, default_value_t = 0)]
    pub slippage_ticks: i64,
    /// Limits fill when a print touches their price (default: only when one trades through).
    #[arg(long)]
    pub fill_on_touch: bool,
    /// A print fills at most its own size.
    #[arg(long)]
    pub partial_fills: bool,
    /// The clock: fills and marks up to this time (default: the end of the replay).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// 1e-9 dollars as a number of dollars (for JSON and CSV).
fn dollars(v: i128) -> f64 {
    v as f64 / 1e9
}

pub fn run(a: PracticeArgs) -> Result<i32> {
    let replay = super::open(a.replay.as_deref())?;
    let orders = match orders_file::load(&a.orders, &replay) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tapedeck practice: {e}");
            return Ok(1);
        }
    };
    if !(0.0..1e6).contains(&a.commission) {
        return Err(eyre!(
            "--commission must be between 0 and 1,000,000 dollars"
        ));
    }
    let clock = match &a.at {
        Some(t) => super::time_arg(&replay, t)?,
        None => replay.store.end,
    };
    let rules = FillRules {
        slippage_ticks: a.slippage_ticks,
        fill_on_touch: a.fill_on_touch,
        partial_fills: a.partial_fills,
    };
    let fee = (a.commission * 1e9).round() as i64;
    let out = practice::simulate(&replay.store, &orders, &rules, clock, fee);
    let store = &replay.store;
    let tz = replay.tz;
    let sym = |i: usize| store.instruments[i].symbol.as_str();
    let px = |i: usize, p: i64| Price(p).display(store.instruments[i].decimals).to_string();
    let side = |s: Side| if s == Side::Buy { "buy" } else { "sell" };
    match a.format {
        Format::Json => {
            let fills: Vec<serde_json::Value> = out
                .fills
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "order": f.order, "ts": rfc3339_in(f.ts, tz), "symbol": sym(f.instrument),
                        "side": side(f.side), "qty": f.qty, "price": Price(f.price).to_f64(),
                    })
                })
                .collect();
            let positions: Vec<serde_json::Value> = out
                .positions
                .iter()
                .enumerate()
                .filter(|(_, p)| p.qty != 0 || p.realized != 0)
                .map(|(i, p)| {
                    let last = out.last[i];
                    serde_json::json!({
                        "symbol": sym(i), "qty": p.qty, "avg_price": Price(p.avg_price).to_f64(),
                        "last": last.map(|l| Price(l).to_f64()),
                        "unrealized_pnl": last.map_or(0.0, |l| dollars(p.unrealized(l, practice::multiplier(store, i)))),
                        "realized_pnl": dollars(p.realized - p.fees),
                    })
                })
                .collect();
            let doc = serde_json::json!({
                "at": rfc3339_in(clock, tz),
                "fills": fills,
                "positions": positions,
                "working": orders.iter().zip(&out.working).filter(|(_, w)| **w > 0)
                    .map(|(o, w)| serde_json::json!({"order": o.id, "qty": w})).collect::<Vec<_>>(),
                "realized_pnl": dollars(out.realized()),
                "unrealized_pnl": dollars(out.unrealized(store)),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Csv => {
            println!("order,ts,symbol,side,qty,price");
            for f in &out.fills {
                println!(
                    "{},{},{},{},{},{}",
                    f.order,
                    rfc3339_in(f.ts, tz),
                    sym(f.instrument),
                    side(f.side),
                    f.qty,
                    px(f.instrument, f.price)
                );
            }
        }
        Format::Table => {
            println!("fills as of {}:", rfc3339_in(clock, tz));
            println!(
                "  {:>5}  {:<35}  {:<6} {:<4} {:>8} {:>12}",
                "order", "time", "symbol", "side", "qty", "price"
            );
            for f in &out.fills {
                println!(
                    "  {:>5}  {:<35}  {:<6} {:<4} {:>8} {:>12}",
                    f.order,
                    rfc3339_in(f.ts, tz),
                    sym(f.instrument),
                    side(f.side),
                    f.qty,
                    px(f.instrument, f.price)
                );
            }
            for (o, w) in orders.iter().zip(&out.working) {
                if *w > 0 {
                    println!("  order {} still working: {w} of {}", o.id, o.qty);
                }
            }
            println!("positions:");
            for (i, p) in out.positions.iter().enumerate() {
                if p.qty == 0 && p.realized == 0 {
                    continue;
                }
                let last = out.last[i].map_or_else(|| "-".into(), |l| px(i, l));
                let unreal =
                    out.last[i].map_or(0, |l| p.unrealized(l, practice::multiplier(store, i)));
                println!(
                    "  {:<6} qty {:>7}  avg {:>12}  last {:>12}  realized {:>14.2}  unrealized {:>14.2}",
                    sym(i),
                    p.qty,
                    px(i, p.avg_price),
                    last,
                    dollars(p.realized - p.fees),
                    dollars(unreal)
                );
            }
            println!(
                "total: realized {:.2}, unrealized {:.2} (US dollars)",
                dollars(out.realized()),
                dollars(out.unrealized(store))
            );
        }
    }
    Ok(0)
}
