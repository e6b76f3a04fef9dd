//! Drawing the whole screen: the frame's view is built once from the app, then every pane
//! draws its part of it.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use super::app::App;
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::model::Pane;
use super::paint::{put, wrap};
use super::view::View;
use super::{
    board, chart, counters, header, heatmap, help, lesson, news, notes, orders, presenter, status,
    study, tape,
};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let view = app.view(area);
    render(&view, area, frame.buffer_mut());
}

/// Renders the whole screen into `area` of `buf`.
pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if v.presenter {
        presenter::render(v, area, buf);
    } else {
        let screen = &v.screen;
        if screen.too_small {
            too_small(area, buf);
            return;
        }
        header::render(v, screen.header, buf);
        for &(pane, rect) in &screen.panes {
            render_pane(v, pane, rect, buf);
        }
        counters::render_strip(v, screen.counters, buf);
        status::render(v, screen.status, buf);
        lesson::render_overlay(v, area, buf);
    }
    if v.notes_open {
        notes::render(v, area, buf);
    }
    if v.help {
        help::render(v, area, buf);
    }
}

pub fn render_pane(v: &View, pane: Pane, area: Rect, buf: &mut Buffer) {
    match pane {
        Pane::Heatmap => heatmap::render(v, area, buf),
        Pane::News => news::render(v, area, buf),
        Pane::Board => board::render(v, area, buf),
        Pane::Chart => chart::render(v, area, buf),
        Pane::Tape => tape::render(v, area, buf),
        Pane::Study => study::render(v, area, buf),
        Pane::Orders => orders::render(v, area, buf),
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    let text = format!(
        "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
        area.width, area.height
    );
    let lines = wrap(&text, area.width as usize);
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().enumerate() {
        let x = area.x + area.width.saturating_sub(l.width() as u16) / 2;
        put(buf, area, x, top.saturating_add(i as u16), l, Style::new());
    }
}
