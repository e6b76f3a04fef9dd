//! The lesson's steps, run by the app: each step's settings, seek or play-to, then its stop
//! (a question or an answer) where the lesson waits for the presenter's key. The clock moves
//! only through playback; a manual seek leaves the stop (see [`LessonRun::leave`]).

use std::time::Duration;

use super::super::lesson::LessonRun;
use super::{Action, App, Pane};

impl App<'_> {
    /// The lesson key: skip ahead to where the lesson is playing to, or go on from a stop.
    pub(super) fn lesson_next(&mut self, wall: Duration) {
        let Some(run) = self.lesson.as_mut() else {
            self.say("no lesson is running: start one with tapedeck --lesson FILE");
            return;
        };
        if run.finished {
            self.say("the lesson is over");
            return;
        }
        run.left = false;
        if let Some(t) = self.playback.take_lesson_target() {
            self.playback.pause(wall, &self.replay.store);
            self.seek(wall, t, true);
            self.lesson_continue(wall);
            return;
        }
        // A reveal right after a prompt shows under it; anything else clears the stop.
        let keep_prompt = run
            .lesson
            .steps
            .get(run.next)
            .is_some_and(|s| s.reveal.is_some() && s.prompt.is_none());
        if !keep_prompt {
            run.prompt = None;
        }
        run.reveal = None;
        self.lesson_continue(wall);
    }

    /// Back to the previous stop: from an unanswered question to the one before it, from an
    /// answer (or the way to the next stop, or the end) to its own question. The lesson runs
    /// again from its first step, jumping instead of playing, so every seek, selection and pane
    /// is as it was; before the first stop it simply starts again.
    pub(super) fn lesson_back(&mut self, wall: Duration) {
        let Some(run) = self.lesson.as_mut() else {
            self.say("no lesson is running: start one with tapedeck --lesson FILE");
            return;
        };
        let waiting = self.playback.lesson_target().is_some();
        let unanswered = run.prompt.is_some() && run.reveal.is_none() && !waiting;
        let target = if unanswered && !run.finished {
            run.stop.saturating_sub(1)
        } else {
            run.stop
        };
        let lesson = run.lesson.clone();
        let mut fresh = LessonRun::new(lesson);
        fresh.rewind_to = (target > 0).then_some(target);
        self.lesson = Some(fresh);
        self.playback.take_lesson_target();
        self.message = None;
        self.lesson_continue(wall);
        self.redraw = true;
    }

    /// Runs lesson steps until one waits (a prompt, a reveal, or a time to play to).
    pub(super) fn lesson_continue(&mut self, wall: Duration) {
        loop {
            let Some(run) = self.lesson.as_mut() else {
                return;
            };
            let index = run.next;
            let Some(step) = run.lesson.steps.get(index).cloned() else {
                run.finished = true;
                run.left = false;
                self.playback.take_lesson_target();
                let keys = self.keys_text(Action::Quit);
                self.say(format!(
                    "end of the lesson: the replay is yours ({keys} quits)"
                ));
                return;
            };
            let store = &self.replay.store;
            if !run.pre_done {
                run.pre_done = true;
                if let Some(speed) = step.speed {
                    self.playback.set_speed(wall, store, speed);
                }
                if let Some(i) = step.select {
                    self.selected = i;
                    self.compare = None;
                }
                if let Some(p) = &step.pane {
                    self.show_pane(p);
                }
                if let Some(t) = step.seek {
                    self.playback.pause(wall, store);
                    self.seek(wall, t, false);
                }
                if let Some(t) = step.play_to {
                    let rewinding = self.lesson.as_ref().is_some_and(|r| r.rewind_to.is_some());
                    if self.now() < t && !rewinding {
                        self.playback.play_to(wall, &self.replay.store, t);
                        return;
                    }
                    self.playback.pause(wall, &self.replay.store);
                    self.seek(wall, t, false);
                }
            }
            let Some(run) = self.lesson.as_mut() else {
                return;
            };
            run.next += 1;
            run.pre_done = false;
            if step.prompt.is_some() {
                run.prompt = Some(index);
                run.reveal = None;
                run.stop += 1;
            } else if step.reveal.is_some() {
                run.reveal = Some(index);
            }
            if let Some(h) = step.headline
                && h < self.snap.headlines_seen
            {
                self.news_selected = Some(h);
            }
            if step.waits() {
                let Some(run) = self.lesson.as_mut() else {
                    return;
                };
                // Rewinding passes earlier questions and answers by.
                if let Some(target) = run.rewind_to {
                    if step.prompt.is_none() || run.stop < target {
                        continue;
                    }
                    run.rewind_to = None;
                }
                self.playback.pause(wall, &self.replay.store);
                return;
            }
        }
    }

    /// Focuses a pane named in a lesson (showing the study or leaving presenter mode as
    /// needed).
    fn show_pane(&mut self, name: &str) {
        let pane = match name {
            "heatmap" => Pane::Heatmap,
            "headlines" | "news" => Pane::News,
            "board" => Pane::Board,
            "chart" => Pane::Chart,
            "tape" => Pane::Tape,
            "study" => Pane::Study,
            // The counters strip is always on screen; presenter mode shows them largest.
            _ => return,
        };
        if pane == Pane::Study {
            self.study = true;
            self.study_scroll = 0;
        } else if self.study && !matches!(pane, Pane::Heatmap | Pane::News) {
            self.study = false;
        }
        self.focus = pane;
    }

    /// After a manual seek: the stop on screen (or the play to it) is left, and the lesson key
    /// goes on from the next stop after the clock.
    pub(super) fn leave_lesson(&mut self) {
        let now = self.now();
        if let Some(run) = self.lesson.as_mut()
            && !run.finished
            && (run.showing() || self.playback.lesson_target().is_some() || run.left)
        {
            self.playback.take_lesson_target();
            run.leave(now);
        }
    }
}
