//! A lesson running in the app: where it is, what it shows, and the centred overlay with the
//! current question and its answer. The steps themselves run in `App` (see `lesson_continue`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use crate::lesson::Lesson;
use crate::time::{UnixNanos, clock_seconds};

use super::app::{Action, App};
use super::ui::{put, wrap};

#[derive(Debug, Clone)]
pub struct LessonRun {
    pub lesson: Lesson,
    /// The next step to run.
    pub next: usize,
    /// The first part of `steps[next]` (speed, select, pane, seek or play) is done: the
    /// lesson is playing to `waiting`.
    pub pre_done: bool,
    /// Playing until the clock reaches this time.
    pub waiting: Option<UnixNanos>,
    /// The step whose prompt is shown.
    pub prompt: Option<usize>,
    /// The step whose reveal is shown.
    pub reveal: Option<usize>,
    /// Prompts shown so far: the current stop's number.
    pub stop: usize,
    pub finished: bool,
    /// Going back: steps run without playing or pausing until this stop's prompt is shown.
    pub rewind_to: Option<usize>,
}

impl LessonRun {
    pub fn new(lesson: Lesson) -> LessonRun {
        LessonRun {
            lesson,
            next: 0,
            pre_done: false,
            waiting: None,
            prompt: None,
            reveal: None,
            stop: 0,
            finished: false,
            rewind_to: None,
        }
    }

    /// True while a prompt or an answer is on screen.
    pub fn showing(&self) -> bool {
        self.prompt.is_some() || self.reveal.is_some()
    }
}

/// What a stop shows: a heading, the question and the answer, with live figures filled in.
pub struct Shown {
    pub heading: String,
    pub prompt: Option<String>,
    pub answer: Option<String>,
}

pub fn shown(app: &App) -> Option<Shown> {
    let run = app.lesson.as_ref()?;
    if !run.showing() {
        return None;
    }
    let store = &app.replay.store;
    let tz = app.tz();
    let text = |i: Option<usize>, reveal: bool| {
        i.and_then(|i| run.lesson.steps.get(i)).and_then(|s| {
            let t = if reveal { &s.reveal } else { &s.prompt };
            t.as_ref().map(|t| t.render(store, &app.snap, tz))
        })
    };
    Some(Shown {
        heading: format!(
            "{} · stop {} of {} · {}",
            run.lesson.title,
            run.stop.max(1),
            run.lesson.stops(),
            clock_seconds(app.now(), tz)
        ),
        prompt: text(run.prompt, false),
        answer: text(run.reveal, true),
    })
}

/// The status line's lesson part: `lesson 3/10 — press . to continue`.
pub fn status_text(app: &App) -> Option<String> {
    let run = app.lesson.as_ref()?;
    let key = app.keys_text(Action::LessonNext);
    let n = run.lesson.stops();
    let at = run.stop.max(1).min(n.max(1));
    Some(if run.finished {
        "lesson over".to_string()
    } else if let Some(t) = run.waiting {
        format!(
            "lesson {at}/{n} — playing to {} ({key} skips ahead)",
            clock_seconds(t, app.tz())
        )
    } else if run.prompt.is_some()
        && run.reveal.is_none()
        && run
            .lesson
            .steps
            .get(run.next)
            .is_some_and(|s| s.reveal.is_some() && s.prompt.is_none())
    {
        format!("lesson {at}/{n} — press {key} to reveal the answer")
    } else {
        format!("lesson {at}/{n} — press {key} to continue")
    })
}

/// The centred overlay with the current prompt and answer.
pub fn render_overlay(app: &App, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    let Some(s) = shown(app) else {
        return;
    };
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(96);
    let text_w = w.saturating_sub(4) as usize;
    if text_w < 4 {
        return;
    }
    let mut lines: Vec<(String, ratatui::style::Style)> = Vec::new();
    if let Some(p) = &s.prompt {
        for l in wrap(p, text_w) {
            lines.push((l, t.text.add_modifier(Modifier::BOLD)));
        }
    }
    if let Some(a) = &s.answer {
        if !lines.is_empty() {
            lines.push((String::new(), t.text));
        }
        for l in wrap(a, text_w) {
            lines.push((l, t.important));
        }
    }
    let key = app.keys_text(Action::LessonNext);
    lines.push((String::new(), t.text));
    lines.push((format!("{key} continues"), t.dim));
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    if h < 3 {
        return;
    }
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.border_focus)
        .title(Line::styled(
            format!(
                " {} ",
                super::ui::fit(&s.heading, w.saturating_sub(4) as usize)
            ),
            t.border_focus,
        ));
    let inner = block.inner(r);
    block.render(r, buf);
    for (k, (text, style)) in lines.iter().take(inner.height as usize).enumerate() {
        put(buf, inner, inner.x + 1, inner.y + k as u16, text, *style);
    }
}
