//! Status line: the input line when one is open, else the latest message, then key hints
//! generated from the keymap.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::paint::{fit, put};
use super::view::View;

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let t = v.theme;
    let y = area.y;
    let mut x = area.x;
    if let Some(p) = v.prompt {
        x = put(buf, area, x, y, &format!("{}: ", p.kind.label()), t.prompt);
        x = put(buf, area, x, y, &p.text, t.text);
        x = put(buf, area, x, y, "█", t.prompt);
        x = put(buf, area, x + 2, y, "Enter ok · Esc cancel · ", t.dim);
        put(buf, area, x, y, p.kind.hint(), t.dim);
        return;
    }
    if let Some(l) = super::lesson::status_text(v) {
        x = put(buf, area, x, y, &l, t.prompt);
        x += 2;
    }
    if let Some(m) = v.message {
        let room = area.width.saturating_sub(24) as usize;
        let style = if m.error { t.error } else { t.important };
        x = put(
            buf,
            area,
            x,
            y,
            &fit(&m.text, room.max(area.width as usize / 2)),
            style,
        );
        x += 2;
    }
    for (keys, label) in v.keymap.status_items() {
        let w = (keys.width() + 1 + label.width()) as u16;
        if x + w > area.right() {
            break;
        }
        x = put(buf, area, x, y, &keys, t.title);
        x = put(buf, area, x + 1, y, label, t.dim);
        x += 2;
    }
}
