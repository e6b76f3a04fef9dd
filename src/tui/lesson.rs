//! A lesson running in the app: where it is, what it shows, and the centred overlay with the
//! current question and its answer. The steps themselves run in `App` (see `app/lesson_steps.rs`).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use chrono_tz::Tz;

use crate::engine::{Snapshot, Store};
use crate::lesson::Lesson;
use crate::time::{UnixNanos, clock_seconds};

use super::action::Action;
use super::paint::{put, wrap};
use super::view::{LessonStatus, View};

#[derive(Debug, Clone)]
pub struct LessonRun {
    pub lesson: Lesson,
    /// The next step to run.
    pub next: usize,
    /// The first part of `steps[next]` (speed, select, pane, seek or play) is done: the
    /// lesson is playing to `waiting`.
    pub pre_done: bool,
    /// The step whose prompt is shown.
    pub prompt: Option<usize>,
    /// The step whose reveal is shown.
    pub reveal: Option<usize>,
    /// Prompts shown so far: the current stop's number.
    pub stop: usize,
    pub finished: bool,
    /// Going back: steps run without playing or pausing until this stop's prompt is shown.
    pub rewind_to: Option<usize>,
    /// A manual seek left the stop; the lesson key goes on from the next stop after the clock.
    pub left: bool,
}

impl LessonRun {
    pub fn new(lesson: Lesson) -> LessonRun {
        LessonRun {
            lesson,
            next: 0,
            pre_done: false,
            left: false,
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

pub use super::model::Shown;

impl LessonRun {
    /// The stop on screen, with live figures filled in from the snapshot.
    pub fn shown(&self, store: &Store, snap: &Snapshot, tz: Tz) -> Option<Shown> {
        if !self.showing() {
            return None;
        }
        let text = |i: Option<usize>, reveal: bool| {
            i.and_then(|i| self.lesson.steps.get(i)).and_then(|s| {
                let t = if reveal { &s.reveal } else { &s.prompt };
                t.as_ref().map(|t| t.render(store, snap, tz))
            })
        };
        Some(Shown {
            heading: format!(
                "{} · stop {} of {} · {}",
                self.lesson.title,
                self.stop.max(1),
                self.lesson.stops(),
                clock_seconds(snap.t, tz)
            ),
            prompt: text(self.prompt, false),
            answer: text(self.reveal, true),
        })
    }

    /// Where the lesson stands: (stop shown, stops in all, what the lesson key does next).
    /// `target` is the time playback is taking the lesson to, if any.
    pub fn status(&self, target: Option<UnixNanos>) -> (usize, usize, LessonStatus) {
        let n = self.lesson.stops();
        let at = self.stop.max(1).min(n.max(1));
        let status = if self.finished {
            LessonStatus::Over
        } else if self.left {
            LessonStatus::Left {
                next_at: self.step_time(self.next),
            }
        } else if let Some(t) = target {
            LessonStatus::Playing(t)
        } else if self.prompt.is_some()
            && self.reveal.is_none()
            && self
                .lesson
                .steps
                .get(self.next)
                .is_some_and(|s| s.reveal.is_some() && s.prompt.is_none())
        {
            LessonStatus::Reveal
        } else {
            LessonStatus::Continue
        };
        (at, n, status)
    }

    /// The replay time step `i` takes the lesson to (its play-to or seek time, else the time of
    /// the step before it).
    fn step_time(&self, i: usize) -> Option<UnixNanos> {
        self.lesson.steps[..(i + 1).min(self.lesson.steps.len())]
            .iter()
            .rev()
            .find_map(|s| s.play_to.or(s.seek))
    }

    /// Leaves the stop after a manual seek to `now`: nothing of it stays on screen, and the
    /// lesson goes on from the first stop after the clock (with the settings steps that lead
    /// to it).
    pub fn leave(&mut self, now: UnixNanos) {
        let steps = &self.lesson.steps;
        let mut resume = (0..steps.len())
            .find(|&i| self.step_time(i).is_some_and(|t| t > now))
            .unwrap_or(steps.len());
        while resume > 0 && {
            let s = &steps[resume - 1];
            s.play_to.is_none() && s.seek.is_none() && !s.waits()
        } {
            resume -= 1;
        }
        self.stop = steps[..resume]
            .iter()
            .filter(|s| s.prompt.is_some())
            .count();
        self.next = resume;
        self.pre_done = false;
        self.prompt = None;
        self.reveal = None;
        self.rewind_to = None;
        self.left = true;
    }
}

/// The status line's lesson part: `lesson 3/10 — press . to continue`.
pub fn status_text(v: &View) -> Option<String> {
    let (at, n, status) = v.lesson_status.as_ref()?;
    let key = v.keys_text(Action::LessonNext);
    Some(match status {
        LessonStatus::Over => "lesson over".to_string(),
        LessonStatus::Playing(t) => format!(
            "lesson {at}/{n} — playing to {} ({key} skips ahead)",
            clock_seconds(*t, v.tz())
        ),
        LessonStatus::Reveal => format!("lesson {at}/{n} — press {key} to reveal the answer"),
        LessonStatus::Continue => format!("lesson {at}/{n} — press {key} to continue"),
        LessonStatus::Left { next_at: Some(t) } if *t > v.now() => format!(
            "lesson left at a seek — {key} goes on to its next stop ({})",
            clock_seconds(*t, v.tz())
        ),
        LessonStatus::Left { .. } => {
            format!("lesson left at a seek — no stop after the clock ({key} ends it)")
        }
    })
}

/// The centred overlay with the current prompt and answer.
pub fn render_overlay(v: &View, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    let Some(s) = &v.lesson else {
        return;
    };
    let t = v.theme;
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
    let key = v.keys_text(Action::LessonNext);
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
                super::paint::fit(&s.heading, w.saturating_sub(4) as usize)
            ),
            t.border_focus,
        ));
    let inner = block.inner(r);
    block.render(r, buf);
    for (k, (text, style)) in lines.iter().take(inner.height as usize).enumerate() {
        put(buf, inner, inner.x + 1, inner.y + k as u16, text, *style);
    }
}
