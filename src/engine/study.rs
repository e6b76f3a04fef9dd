//! Reaction study: how each instrument and sector moved after a headline. Pure: computed from
//! the store alone, with prices that agree with [`Store::snapshot`] at the two ends of each
//! window.

use crate::price::Price;
use crate::time::{NANOS_PER_MIN, UnixNanos};

use super::store::Store;

/// A window after a headline: a fixed length, or to the instrument's close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Minutes(u32),
    Close,
}

impl Window {
    pub const DEFAULT: [Window; 5] = [
        Window::Minutes(1),
        Window::Minutes(5),
        Window::Minutes(15),
        Window::Minutes(60),
        Window::Close,
    ];

    /// `5m`, `1h`, `90m`, `close`.
    pub fn parse(text: &str) -> Result<Window, String> {
        let t = text.trim().to_ascii_lowercase();
        if t == "close" {
            return Ok(Window::Close);
        }
        let (num, mult) = if let Some(n) = t.strip_suffix('h') {
            (n, 60)
        } else if let Some(n) = t.strip_suffix('m') {
            (n, 1)
        } else {
            (t.as_str(), 1)
        };
        match num.parse::<u32>() {
            Ok(n) if n > 0 && n <= 24 * 60 => Ok(Window::Minutes(n * mult)),
            _ => Err(format!(
                "{text:?} is not a window: use e.g. 1m, 5m, 15m, 1h or close"
            )),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Window::Minutes(m) if m % 60 == 0 => format!("{}h", m / 60),
            Window::Minutes(m) => format!("{m}m"),
            Window::Close => "close".into(),
        }
    }
}

/// Why a window has no numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// No print at or before the headline.
    NoPriceAtHeadline,
    /// The window ends after this instrument's data does (or after the replay).
    PastEndOfData,
    /// A `close` window for a headline after the instrument's close.
    AfterClose,
}

impl Gap {
    pub fn text(&self) -> &'static str {
        match self {
            Gap::NoPriceAtHeadline => "no price at the headline's time",
            Gap::PastEndOfData => "window runs past the end of the data",
            Gap::AfterClose => "headline came after the close",
        }
    }
}

/// One instrument over one window after one headline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reaction {
    pub instrument: usize,
    pub window: Window,
    pub from_ts: UnixNanos,
    pub to_ts: UnixNanos,
    pub outcome: Result<Move, Gap>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Move {
    pub from_price: Price,
    pub to_price: Price,
    pub change_pct: f64,
    /// The largest excursion against the window's net direction (a rise inside a falling
    /// window, a fall inside a rising one), in % of `from_price`, and when it printed. Zero and
    /// `None` when price never went the other way.
    pub max_adverse_pct: f64,
    pub max_adverse_ts: Option<UnixNanos>,
    /// Volume printed in the window, and in the same length of time before the headline.
    pub volume: u64,
    pub volume_before: u64,
}

/// A sector's market-value-weighted move over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectorReaction {
    pub sector: usize,
    pub window: Window,
    pub change_pct: Option<f64>,
}

impl Store {
    /// Until when the replay knows this instrument's prices: the replay's end if it traded
    /// into the last minutes, else its trading day's end or its last print, whichever is later
    /// (futures stop at their 17:00 close; a later window would invent numbers).
    pub fn covered_until(&self, instrument: usize) -> UnixNanos {
        let s = self.series(instrument);
        let Some(&last) = s.ts.last() else {
            return self.start;
        };
        if last >= self.end - 5 * NANOS_PER_MIN {
            self.end
        } else {
            last.max(self.instruments[instrument].day_end.min(self.end))
        }
    }

    /// End of `window` for an instrument after a headline at `t`.
    fn window_end(&self, instrument: usize, t: UnixNanos, window: Window) -> UnixNanos {
        match window {
            Window::Minutes(m) => t + i64::from(m) * NANOS_PER_MIN,
            Window::Close => self.instruments[instrument].day_end,
        }
    }

    /// The reaction of `instrument` over `window` after time `t`.
    pub fn reaction(&self, instrument: usize, t: UnixNanos, window: Window) -> Reaction {
        let s = self.series(instrument);
        let end = self.window_end(instrument, t, window);
        let outcome = (|| {
            if window == Window::Close && t >= end {
                return Err(Gap::AfterClose);
            }
            let k0 = s.count_until(t);
            if k0 == 0 {
                return Err(Gap::NoPriceAtHeadline);
            }
            let k1 = s.count_until(end);
            if end > self.covered_until(instrument) {
                return Err(Gap::PastEndOfData);
            }
            let from = s.price[k0 - 1];
            let to = s.price[k1 - 1];
            let falling = to < from;
            let mut adverse = 0i64;
            let mut adverse_ts = None;
            let mut volume = 0u64;
            for i in k0..k1 {
                volume += u64::from(s.size[i]);
                let excursion = if falling {
                    s.price[i] - from
                } else {
                    from - s.price[i]
                };
                if excursion > adverse {
                    adverse = excursion;
                    adverse_ts = Some(s.ts[i]);
                }
            }
            let length = end - t;
            let b0 = s.count_until(t - length);
            let volume_before = (b0..k0).map(|i| u64::from(s.size[i])).sum();
            let pct = |d: i64| d as f64 / from as f64 * 100.0;
            Ok(Move {
                from_price: Price(from),
                to_price: Price(to),
                change_pct: pct(to - from),
                max_adverse_pct: match (adverse, falling) {
                    (0, _) => 0.0,
                    (a, true) => pct(a),
                    (a, false) => -pct(a),
                },
                max_adverse_ts: adverse_ts,
                volume,
                volume_before,
            })
        })();
        Reaction {
            instrument,
            window,
            from_ts: t,
            to_ts: end,
            outcome,
        }
    }

    /// A sector's move over `window` after `t`: weighted by market value (shares × price at
    /// `t`) over members with known shares and numbers, else the plain average.
    pub fn sector_reaction(&self, sector: usize, t: UnixNanos, window: Window) -> SectorReaction {
        let (mut base, mut delta, mut any_cap) = (0f64, 0f64, false);
        let (mut sum, mut n) = (0f64, 0u32);
        for (i, info) in self
            .instruments
            .iter()
            .enumerate()
            .filter(|(_, x)| x.sector == sector)
        {
            if let Ok(m) = self.reaction(i, t, window).outcome {
                sum += m.change_pct;
                n += 1;
                if let Some(sh) = info.shares {
                    base += sh as f64 * m.from_price.to_f64();
                    delta += sh as f64 * (m.to_price.to_f64() - m.from_price.to_f64());
                    any_cap = true;
                }
            }
        }
        let change_pct = if any_cap && base > 0.0 {
            Some(delta / base * 100.0)
        } else {
            (n > 0).then(|| sum / f64::from(n))
        };
        SectorReaction {
            sector,
            window,
            change_pct,
        }
    }
}
