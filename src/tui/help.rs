//! The help overlay, generated from the keymap: every action with all its keys, the mouse,
//! where to remap keys, and where the replay's data comes from.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use super::keymap::{Keymap, Section};
use super::paint::{put, wrap};
use super::view::View;

/// The overlay's lines for a given text width.
fn lines(v: &View, width: usize) -> Vec<(String, Style)> {
    let t = v.theme;
    let key_w = if width >= 70 { 18 } else { 10 };
    let mut out: Vec<(String, Style)> = Vec::new();
    let rows = v.keymap.help_rows();
    for section in Section::ALL {
        out.push((
            section.title().to_string(),
            t.title.add_modifier(Modifier::UNDERLINED),
        ));
        for (_, keys, help) in rows.iter().filter(|r| r.0 == section) {
            let room = width.saturating_sub(key_w + 3).max(8);
            for (k, l) in wrap(help, room).iter().enumerate() {
                let keys = if k == 0 { keys.as_str() } else { "" };
                out.push((format!("  {keys:<key_w$} {l}"), t.text));
            }
        }
        out.push((String::new(), t.text));
    }
    out.push(("Mouse".into(), t.title.add_modifier(Modifier::UNDERLINED)));
    for (key, help) in [
        (
            "click",
            "select a heatmap tile or board row (the chart follows)",
        ),
        ("wheel", "scroll the pane under the pointer"),
    ] {
        let room = width.saturating_sub(key_w + 3).max(8);
        for (k, l) in wrap(help, room).iter().enumerate() {
            let key = if k == 0 { key } else { "" };
            out.push((format!("  {key:<key_w$} {l}"), t.text));
        }
    }
    out.push((String::new(), t.text));
    let remap = match Keymap::config_path() {
        Some((p, _)) => format!(
            "Keys can be remapped in {} (JSON: {{\"quit\": [\"q\", \"x\"]}}).",
            p.display()
        ),
        None => "Keys can be remapped in a JSON file named by $TAPEDECK_KEYS.".into(),
    };
    for l in wrap(&remap, width) {
        out.push((l, t.dim));
    }
    let prov = &v.provenance;
    let about = format!(
        "{}: {}",
        prov.kind.badge(),
        crate::text::sanitize(&prov.summary)
    );
    for l in wrap(&about, width) {
        out.push((l, t.important));
    }
    out
}

pub fn render(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    let one = lines(v, area.width.saturating_sub(8).min(80) as usize);
    // Two columns when one does not fit the height and the screen is wide enough.
    let two = one.len() as u16 + 2 > area.height.saturating_sub(2) && area.width >= 100;
    let w = if two {
        area.width.saturating_sub(4).min(168)
    } else {
        area.width.saturating_sub(4).min(84)
    };
    let col_w = if two {
        (w - 4) / 2
    } else {
        w.saturating_sub(4)
    };
    let lines = lines(v, col_w.saturating_sub(1) as usize);
    // Split near the middle: at a section start if one is close, else between two commands
    // (never inside a wrapped one).
    let split = if two {
        let mid = lines.len().div_ceil(2);
        let section = (0..lines.len())
            .filter(|&i| i > 0 && lines[i - 1].0.is_empty())
            .min_by_key(|&i| i.abs_diff(mid))
            .filter(|i| i.abs_diff(mid) <= 3);
        section.unwrap_or_else(|| {
            (mid..lines.len())
                .find(|&i| !lines[i].0.starts_with("   ") && !lines[i].0.is_empty())
                .unwrap_or(mid)
        })
    } else {
        lines.len()
    };
    let (left, right) = lines.split_at(split);
    let tall = left.len().max(right.len());
    let h = area.height.saturating_sub(2).min(tall as u16 + 2);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    if r.is_empty() {
        return;
    }
    Clear.render(r, buf);
    let t = v.theme;
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.border_focus)
        .title(Line::styled(
            " Help: ? or Esc closes, ↑/↓ scroll ",
            t.border_focus,
        ));
    let inner = block.inner(r);
    block.render(r, buf);
    let scroll = (v.help_scroll as usize).min(tall.saturating_sub(inner.height as usize));
    for (c, col) in [left, right].iter().enumerate() {
        let x = inner.x + 1 + c as u16 * col_w;
        let clip = Rect {
            x: inner.x + c as u16 * col_w,
            width: if two { col_w } else { inner.width },
            ..inner
        }
        .intersection(inner);
        for (k, (text, style)) in col
            .iter()
            .skip(scroll)
            .take(inner.height as usize)
            .enumerate()
        {
            put(buf, clip, x, inner.y + k as u16, text, *style);
        }
    }
}
