//! The student's panel in `tapedeck join`: the teacher's clock and phase, the stop's prompt and
//! question, the answer being typed or the choices, and after the reveal the true value, the
//! student's points and the class's spread. A pure function of the class's latest state
//! (everything from the network is stripped of control characters before it is drawn).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::{Block, Borders, Clear, Widget};
use serde_json::Value;

use super::join::{JoinLink, text_of};
use super::paint::{put, wrap};
use super::theme::Theme;

/// Where the app and the panel go: the panel on the right from 110 columns, else a box over
/// the lower part of the app while a stop is on.
pub fn split(area: Rect, stop_on: bool) -> (Rect, Option<Rect>) {
    if area.width >= super::class_panel::SIDE_FROM {
        let (app, panel) = super::class_panel::split(area);
        (app, Some(panel))
    } else if stop_on {
        let h = 12.min(area.height / 2);
        (
            area,
            Some(Rect {
                y: area.bottom() - h - 1,
                height: h,
                ..area
            }),
        )
    } else {
        (area, None)
    }
}

fn s(v: &Value) -> String {
    crate::text::sanitize(v.as_str().unwrap_or(""))
}

pub fn render(j: &JoinLink, theme: &Theme, area: Rect, buf: &mut Buffer) {
    Clear.render(area, buf);
    let c = &j.current;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(format!(
            " Class · {} · score {} ",
            j.name,
            c["score"].as_u64().unwrap_or(0)
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let w = inner.width as usize;
    let mut lines: Vec<(String, ratatui::style::Style)> = Vec::new();
    let phase = c["phase"].as_str().unwrap_or("connecting");
    lines.push((
        format!(
            "{} · {} · {} students",
            s(&c["clock"]),
            phase,
            c["students"].as_u64().unwrap_or(0)
        ),
        theme.title,
    ));
    let stop_on = matches!(phase, "question" | "reveal");
    if stop_on {
        lines.push((
            format!("stop {}", c["stop"].as_u64().unwrap_or(0)),
            theme.dim,
        ));
        for l in wrap(&s(&c["prompt"]), w) {
            lines.push((l, theme.text));
        }
        for l in wrap(&s(&c["ask"]), w) {
            lines.push((l, theme.text.add_modifier(Modifier::BOLD)));
        }
        let kind = c["kind"].as_str().unwrap_or("open");
        let yours = c.get("yours").filter(|v| !v.is_null()).map(text_of);
        let answer = c.get("answer").filter(|v| !v.is_null()).map(text_of);
        if let Some(choices) = c["choices"].as_array().filter(|a| !a.is_empty()) {
            for (k, ch) in choices.iter().enumerate() {
                let label = s(ch);
                let mut line = format!("{} {label}", k + 1);
                if yours.as_deref() == Some(label.as_str()) {
                    line.push_str("  ← yours");
                }
                if answer.as_deref() == Some(label.as_str()) {
                    line.push_str("  ✓");
                }
                lines.push((line, theme.text));
            }
        }
        let unit = s(&c["unit"]);
        if phase == "question" && kind != "open" {
            let hint = match (&j.typing, kind) {
                (Some(t), _) => format!("answer: {t}▏ {unit}  (Enter sends, Esc cancels)"),
                (None, "number") => format!("a: type your answer ({unit})"),
                (None, _) => "1–8: pick your answer".into(),
            };
            lines.push((hint, theme.prompt));
            if let Some(y) = &yours {
                lines.push((
                    format!("your answer: {y} (change it until the reveal)"),
                    theme.dim,
                ));
            }
        } else if phase == "question" {
            lines.push(("discuss with the class".into(), theme.dim));
        }
        if phase == "reveal" {
            if let Some(a) = &answer {
                lines.push((format!("answer: {a} {unit}"), theme.important));
            }
            if let Some(p) = c["points"].as_u64() {
                let err = c["error"]
                    .as_f64()
                    .map(|e| format!(", off by {e}"))
                    .unwrap_or_default();
                lines.push((
                    format!(
                        "you: {}{err} · {p} points",
                        yours.clone().unwrap_or_default()
                    ),
                    theme.text,
                ));
            }
            let sp = &c["spread"];
            if let Some(m) = sp["median"].as_f64() {
                lines.push((
                    format!("class: {} answers, median {m}", sp["count"]),
                    theme.dim,
                ));
            }
            for l in wrap(&s(&c["reveal"]), w) {
                lines.push((l, theme.text));
            }
        }
    }
    if !j.message.is_empty() {
        lines.push((crate::text::sanitize(&j.message), theme.dim));
    }
    for (k, (text, style)) in lines.iter().enumerate() {
        let y = inner.y + k as u16;
        if y >= inner.bottom() {
            break;
        }
        put(buf, inner, inner.x, y, text, *style);
    }
}
