//! Building a frame's [`View`] from the app's state: the one place that asks the store for
//! what the panes show (board order, moves, chart bars, the lesson's live figures).

use ratatui::layout::Rect;

use super::super::chart;
use super::super::layout;
use super::super::model::{Baseline, Pane};
use super::super::view::{self, ChartData, View};
use super::App;

impl App<'_> {
    /// The panes Tab cycles through in the current layout.
    pub fn focus_order(&self) -> &'static [Pane] {
        if self.study {
            &[Pane::Heatmap, Pane::News, Pane::Study]
        } else if self.orders_shown() {
            &[
                Pane::Heatmap,
                Pane::News,
                Pane::Board,
                Pane::Orders,
                Pane::Chart,
                Pane::Tape,
            ]
        } else {
            &Pane::ALL
        }
    }

    /// The layout of the normal (not presenter) screen at `area`.
    pub(super) fn screen_at(&self, area: Rect) -> layout::Screen {
        let orders = self.orders_shown();
        layout::screen_for(area, self.focus, self.zoom, self.study, orders)
    }

    /// The layout at the app's size.
    pub(super) fn screen(&self) -> layout::Screen {
        self.screen_at(self.area)
    }

    /// What a frame of `area` shows.
    pub fn view(&self, area: Rect) -> View<'_> {
        let replay = self.replay;
        let store = &replay.store;
        let snap = &self.snap;
        let now = snap.t;
        let tz = self.tz();
        let headline_ts = self.headline_in_focus().map(|i| store.headlines[i].ts);
        let moves: Vec<_> = store
            .instruments
            .iter()
            .zip(&snap.instruments)
            .enumerate()
            .map(|(i, (info, st))| {
                let (price, base) = match (self.baseline, headline_ts) {
                    (Baseline::Open, _) => (st.day_price, st.open),
                    (Baseline::Headline, Some(ts)) => (st.last, store.series(i).price_at(ts)),
                    _ => (st.day_price, Some(info.reference)),
                };
                view::move_of(info, price, base)
            })
            .collect();
        let sector_moves = (0..store.sectors.len())
            .map(|s| view::sector_move(&store.instruments, s, &moves))
            .collect();
        let mut v = View {
            theme: &self.theme,
            keymap: &self.keymap,
            title: &self.title,
            name: &replay.manifest.name,
            provenance: &replay.manifest.provenance,
            reconstructed: replay.is_reconstructed(),
            instruments: &store.instruments,
            sectors: &store.sectors,
            headlines: &store.headlines,
            phases: &store.phases,
            start: store.start,
            end: store.end,
            snap,
            time: now,
            zone: tz,
            is_playing: self.playing(),
            speed: self.playback.speed(),
            auto_pause: self.playback.auto_pause(),
            phase: store.phase_at(now),
            area,
            screen: self.screen_at(area),
            focus: self.focus,
            zoom: self.zoom,
            help: self.help,
            help_scroll: self.help_scroll,
            presenter: self.presenter,
            study: self.study,
            study_scroll: self.study_scroll,
            prompt: self.prompt.as_ref(),
            message: self.message.as_ref(),
            selected: self.selected,
            compare: self.compare,
            sort: self.sort,
            sort_reverse: self.sort_reverse,
            board_order: view::board_order(&store.instruments, snap, self.sort, self.sort_reverse),
            baseline: self.baseline,
            moves,
            sector_moves,
            tile_weight: &self.tile_weight,
            news_selected: self.news_selected,
            fresh: (0..snap.headlines_seen)
                .filter(|&i| self.is_fresh(i))
                .collect(),
            tape: &self.tape,
            tape_scroll: self.tape_scroll,
            tape_filter: &self.tape_filter,
            min_size: self.min_size,
            tape_frozen: self.tape_frozen.is_some(),
            large_print: &self.large_print,
            has_bars: self.has_bars,
            chart_style: self.chart_style,
            chart_window: self.chart_window,
            chart: ChartData::default(),
            study_table: self.study_table.as_deref().filter(|_| self.study),
            lesson: self
                .lesson
                .as_ref()
                .and_then(|run| run.shown(store, snap, tz)),
            lesson_status: self
                .lesson
                .as_ref()
                .map(|run| run.status(self.playback.lesson_target())),
            notes: &self.notes,
            notes_open: self.notes_open,
            notes_selected: self.notes_selected,
            fills: self.trading.fills(),
            trading: self.trading_view(),
        };
        v.chart = chart::data(&v, store);
        v
    }
}
