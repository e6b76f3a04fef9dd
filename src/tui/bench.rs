//! Frame-drawing benchmark: full frames into an off-screen terminal at replay times spread
//! over the whole replay (`cargo run --release --example frame_bench`).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::replay::Replay;

use super::app::{Action, App};
use super::keymap::Keymap;
use super::theme::Theme;
use super::ui;

#[derive(Debug, Clone, Copy)]
pub struct FrameStats {
    pub frames: usize,
    /// Drawing one frame (all panes, diffed into the terminal buffer).
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Moving the clock there (snapshot and tape refresh) before the frame.
    pub seek_p50: Duration,
    pub seek_p99: Duration,
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted
        .get(((sorted.len().saturating_sub(1)) as f64 * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// Draws `frames` full frames at `width`×`height`, each at a different replay time (half in
/// line and half in candle style).
pub fn bench_frame(replay: &Replay, width: u16, height: u16, frames: usize) -> FrameStats {
    let mut app = App::new(replay, Keymap::default(), Theme::colored());
    app.update(Action::Resize(width, height), Duration::ZERO);
    let mut term = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    let (start, end) = (replay.store.start, replay.store.end);
    let mut draws = Vec::with_capacity(frames);
    let mut seeks = Vec::with_capacity(frames);
    for k in 0..frames {
        let t = start + (i128::from(end - start) * k as i128 / frames.max(1) as i128) as i64;
        app.update(Action::ChartStyle, Duration::ZERO);
        let s = Instant::now();
        app.update(Action::SeekTo(t), Duration::ZERO);
        seeks.push(s.elapsed());
        let d = Instant::now();
        term.draw(|f| ui::draw(f, &app)).expect("draw");
        draws.push(d.elapsed());
    }
    draws.sort_unstable();
    seeks.sort_unstable();
    FrameStats {
        frames,
        p50: quantile(&draws, 0.5),
        p99: quantile(&draws, 0.99),
        max: draws.last().copied().unwrap_or_default(),
        seek_p50: quantile(&seeks, 0.5),
        seek_p99: quantile(&seeks, 0.99),
    }
}
