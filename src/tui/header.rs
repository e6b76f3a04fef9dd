//! Header: provenance badge, title, session phase, play state and speed, and the replay clock.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use crate::time::to_utc;

use super::paint::{fit, put};
use super::view::View;

/// `60×`, `0.25×`.
pub fn speed_label(speed: f64) -> String {
    if speed.fract() == 0.0 {
        format!("{speed:.0}×")
    } else {
        format!("{speed}×")
    }
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let t = v.theme;
    buf.set_style(area, t.header);
    let y = area.y;
    let badge_text = format!(" {} ", v.provenance.kind.badge());
    let badge_style = if v.reconstructed {
        t.badge_reconstructed
    } else {
        t.badge_recorded
    };

    let local = to_utc(v.now()).with_timezone(&v.tz());
    let speed = speed_label(v.speed);
    let (sym, word) = if v.playing() {
        ("▶", "playing")
    } else {
        ("‖", "paused")
    };
    let phase = v.phase;
    let auto = if v.auto_pause { "auto-pause" } else { "" };
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
            if v.auto_pause { "A" } else { "" },
        ),
    ];
    let badge_w = badge_text.width();
    let pnl_text = v.trading.as_ref().map(|tv| {
        let total = tv.realized + tv.unrealized;
        (format!("P&L {}", crate::format::pnl(total)), total)
    });
    let pieces = |var: &(String, String, &str)| -> Vec<String> {
        [
            pnl_text.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
            phase.to_string(),
            var.1.clone(),
            var.2.to_string(),
            var.0.clone(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
    };
    let width_of = |p: &[String]| p.iter().map(|s| s.width() + 2).sum::<usize>();
    let pick = variants
        .iter()
        .find(|var| badge_w + width_of(&pieces(var)) <= area.width as usize);
    let Some(var) = pick.or(variants.last()) else {
        return;
    };
    let (clock, play, auto) = (&var.0, &var.1, var.2);

    let mut x = put(buf, area, area.x, y, &badge_text, badge_style);
    let mut right: Vec<(String, Style)> = vec![(phase.to_string(), t.title)];
    right.push((
        play.clone(),
        if v.playing() {
            t.up.patch(t.title)
        } else {
            t.title
        },
    ));
    if !auto.is_empty() {
        right.push((auto.to_string(), t.important));
    }
    if let Some((text, total)) = pnl_text {
        right.push((text, t.signed(Some(total.signum() as f64))));
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
            &fit(v.title, title_w as usize),
            t.header.patch(t.title),
        );
    }
    let mut rx = area.right().saturating_sub(right_w).max(x);
    for (text, style) in right {
        rx = put(buf, area, rx + 2, y, &text, t.header.patch(style));
    }
}
