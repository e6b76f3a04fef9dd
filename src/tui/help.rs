//! The help overlay, generated from the keymap: every action with all its keys, the mouse,
//! where to remap keys, and where the replay's data comes from.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use super::app::App;
use super::keymap::{Keymap, Section};
use super::ui::{put, wrap};

/// The overlay's lines for a given text width.
fn lines(app: &App, width: usize) -> Vec<(String, Style)> {
    let t = &app.theme;
    let key_w = 18;
    let mut out: Vec<(String, Style)> = Vec::new();
    let rows = app.keymap.help_rows();
    for section in Section::ALL {
        out.push((
            section.title().to_string(),
            t.title.add_modifier(Modifier::UNDERLINED),
        ));
        for (_, keys, help) in rows.iter().filter(|r| r.0 == section) {
            out.push((format!("  {keys:<key_w$} {help}"), t.text));
        }
        out.push((String::new(), t.text));
    }
    out.push(("Mouse".into(), t.title.add_modifier(Modifier::UNDERLINED)));
    out.push((
        format!(
            "  {:<key_w$} {}",
            "click", "select a heatmap tile or board row (the chart follows)"
        ),
        t.text,
    ));
    out.push((
        format!(
            "  {:<key_w$} {}",
            "wheel", "scroll the pane under the pointer"
        ),
        t.text,
    ));
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
    let prov = &app.replay.manifest.provenance;
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

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    let w = area.width.saturating_sub(4).min(84);
    let text_w = w.saturating_sub(4) as usize;
    let lines = lines(app, text_w);
    let h = area.height.saturating_sub(2).min(lines.len() as u16 + 2);
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
    let t = &app.theme;
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.border_focus)
        .title(Line::styled(
            " Help: ? or Esc closes, ↑/↓ scroll ",
            t.border_focus,
        ));
    let inner = block.inner(r);
    block.render(r, buf);
    let scroll = (app.help_scroll as usize).min(lines.len().saturating_sub(inner.height as usize));
    for (k, (text, style)) in lines
        .iter()
        .skip(scroll)
        .take(inner.height as usize)
        .enumerate()
    {
        put(buf, inner, inner.x + 1, inner.y + k as u16, text, *style);
    }
}
