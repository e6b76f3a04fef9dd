//! Header: provenance badge, title, session phase, play state and speed, and the replay clock.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use crate::time::to_utc;

use super::app::App;
use super::ui::{fit, put};

/// `60×`, `0.25×`.
pub fn speed_label(speed: f64) -> String {
    if speed.fract() == 0.0 {
        format!("{speed:.0}×")
    } else {
        format!("{speed}×")
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let t = &app.theme;
    buf.set_style(area, t.header);
    let y = area.y;
    let badge_text = format!(" {} ", app.replay.manifest.provenance.kind.badge());
    let badge_style = if app.replay.is_reconstructed() {
        t.badge_reconstructed
    } else {
        t.badge_recorded
    };

    let local = to_utc(app.now()).with_timezone(&app.tz());
    let speed = speed_label(app.clock.speed());
    let (sym, word) = if app.playing() {
        ("▶", "playing")
    } else {
        ("‖", "paused")
    };
    let phase = app.replay.store.phase_at(app.now());
    let auto = if app.auto_pause { "auto-pause" } else { "" };
    let variants = [
        (
            local.format("%a %d %b %Y %H:%M:%S %Z").to_string(),
            format!("{sym} {word} {speed}"),
            auto,
        ),
        (
            local.format("%d %b %H:%M:%S %Z").to_string(),
            format!("{sym} {speed}"),
            auto,
        ),
        (
            local.format("%H:%M:%S %Z").to_string(),
            format!("{sym} {speed}"),
            if app.auto_pause { "A" } else { "" },
        ),
    ];
    let badge_w = badge_text.width();
    let pieces = |v: &(String, String, &str)| -> Vec<String> {
        [phase.to_string(), v.1.clone(), v.2.to_string(), v.0.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect()
    };
    let width_of = |p: &[String]| p.iter().map(|s| s.width() + 2).sum::<usize>();
    let pick = variants
        .iter()
        .find(|v| badge_w + width_of(&pieces(v)) <= area.width as usize);
    let Some(v) = pick.or(variants.last()) else {
        return;
    };
    let (clock, play, auto) = (&v.0, &v.1, v.2);

    let mut x = put(buf, area, area.x, y, &badge_text, badge_style);
    let mut right: Vec<(String, Style)> = vec![(phase.to_string(), t.title)];
    right.push((
        play.clone(),
        if app.playing() {
            t.up.patch(t.title)
        } else {
            t.title
        },
    ));
    if !auto.is_empty() {
        right.push((auto.to_string(), t.important));
    }
    right.push((clock.clone(), t.title));
    let right_w: u16 = right.iter().map(|(s, _)| s.width() as u16 + 2).sum();
    // The title sits between the badge and the right-hand group, one space from each.
    let title_w = area.right().saturating_sub(right_w).saturating_sub(x + 1);
    if title_w > 3 {
        x = put(
            buf,
            area,
            x + 1,
            y,
            &fit(&app.title, title_w as usize),
            t.header.patch(t.title),
        );
    }
    let mut rx = area.right().saturating_sub(right_w).max(x);
    for (text, style) in right {
        rx = put(buf, area, rx + 2, y, &text, t.header.patch(style));
    }
}
