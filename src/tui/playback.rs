//! The one owner of the replay clock: play, pause, seek and speed, and every reason a playing
//! clock stops by itself (a lesson's next stop, run-to-next, auto-pause, the end). The app asks
//! it for the time and tells it what the user did; nothing else moves the clock, so where the
//! replay stands is decided in one place.

use std::time::Duration;

use crate::engine::clock::MAX_SPEED;
use crate::engine::{ReplayClock, Store};
use crate::time::UnixNanos;

use super::filter::HeadlineFilter;

/// Run-to-next in progress: the headline to stop at and the speed to return to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunTo {
    pub headline: usize,
    pub speed: f64,
}

/// Where a playing clock stopped by itself during [`Playback::advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Arrived {
    /// The lesson's play-to time was reached.
    pub lesson: bool,
    /// Run-to-next reached this headline.
    pub run_to: Option<usize>,
    /// Auto-pause stopped at a headline.
    pub auto_paused: bool,
    /// The clock reached the end of the replay.
    pub end: bool,
}

#[derive(Debug, Clone)]
pub struct Playback {
    clock: ReplayClock,
    run_to: Option<RunTo>,
    auto_pause: bool,
    filter: HeadlineFilter,
    /// A lesson is playing until the clock reaches this time.
    lesson_target: Option<UnixNanos>,
}

impl Playback {
    /// Paused at the replay's start, at `speed`.
    pub fn new(store: &Store, speed: f64) -> Playback {
        let mut clock = ReplayClock::new(store.start, store.end, store.start);
        clock.set_speed(Duration::ZERO, &store.gaps, speed);
        Playback {
            clock,
            run_to: None,
            auto_pause: false,
            filter: HeadlineFilter::default(),
            lesson_target: None,
        }
    }

    pub fn playing(&self) -> bool {
        !self.clock.is_paused()
    }

    pub fn speed(&self) -> f64 {
        self.clock.speed()
    }

    pub fn auto_pause(&self) -> bool {
        self.auto_pause
    }

    pub fn filter(&self) -> &HeadlineFilter {
        &self.filter
    }

    pub fn run_to(&self) -> Option<RunTo> {
        self.run_to
    }

    /// The time a lesson is playing to, if it is.
    pub fn lesson_target(&self) -> Option<UnixNanos> {
        self.lesson_target
    }

    /// The clock's time at `wall` (without any of the stops `advance` applies).
    pub fn time(&self, wall: Duration, store: &Store) -> UnixNanos {
        self.clock.now(wall, &store.gaps)
    }

    pub fn play(&mut self, wall: Duration, store: &Store) {
        self.clock.play(wall, &store.gaps);
    }

    pub fn pause(&mut self, wall: Duration, store: &Store) {
        self.clock.pause(wall, &store.gaps);
    }

    /// Space: stops a run-to-next (back at its old speed), else plays or pauses. True when it
    /// stopped a run.
    pub fn toggle(&mut self, wall: Duration, store: &Store) -> bool {
        if let Some(r) = self.run_to.take() {
            self.clock.pause(wall, &store.gaps);
            self.clock.set_speed(wall, &store.gaps, r.speed);
            return true;
        }
        self.clock.toggle(wall, &store.gaps);
        false
    }

    pub fn set_speed(&mut self, wall: Duration, store: &Store, speed: f64) {
        self.clock.set_speed(wall, &store.gaps, speed);
    }

    pub fn step_speed(&mut self, wall: Duration, store: &Store, up: bool) {
        self.clock.step_speed(wall, &store.gaps, up);
    }

    /// Jumps to `t` (clamped to the replay); returns the time landed on.
    pub fn seek(&mut self, wall: Duration, store: &Store, t: UnixNanos) -> UnixNanos {
        self.clock.seek(wall, t);
        self.clock.now(wall, &store.gaps)
    }

    pub fn toggle_auto_pause(&mut self) -> bool {
        self.auto_pause = !self.auto_pause;
        self.auto_pause
    }

    /// A new filter for auto-pause and run-to-next; turns auto-pause on.
    pub fn set_filter(&mut self, filter: HeadlineFilter) {
        self.filter = filter;
        self.auto_pause = true;
    }

    /// Plays at top speed to headline `i`, then pauses on it at the speed it had before.
    pub fn start_run_to(&mut self, wall: Duration, store: &Store, i: usize) {
        let speed = self.run_to.map_or(self.clock.speed(), |r| r.speed);
        self.run_to = Some(RunTo { headline: i, speed });
        self.clock.set_speed(wall, &store.gaps, MAX_SPEED);
        self.clock.play(wall, &store.gaps);
    }

    /// A lesson plays on until `t`.
    pub fn play_to(&mut self, wall: Duration, store: &Store, t: UnixNanos) {
        self.lesson_target = Some(t);
        self.clock.play(wall, &store.gaps);
    }

    /// Forgets the lesson's play-to time (the lesson moved on or was left); returns it.
    pub fn take_lesson_target(&mut self) -> Option<UnixNanos> {
        self.lesson_target.take()
    }

    /// Moves a playing clock on from `prev` to `wall`, stopping where it must: at the lesson's
    /// play-to time, at the run-to headline, at a headline auto-pause accepts, or at the end.
    /// Returns the time to show and what it stopped at.
    pub fn advance(
        &mut self,
        wall: Duration,
        store: &Store,
        prev: UnixNanos,
    ) -> (UnixNanos, Arrived) {
        let mut arrived = Arrived::default();
        if !self.playing() {
            return (prev, arrived);
        }
        let gaps = &store.gaps;
        let mut t = self.clock.now(wall, gaps);
        if let Some(target) = self.lesson_target
            && t >= target
            && prev <= target
        {
            t = target;
            self.stop_at(wall, store, t);
            arrived.lesson = true;
        }
        if let Some(r) = self.run_to
            && t >= store.headlines[r.headline].ts
        {
            t = store.headlines[r.headline].ts;
            self.stop_at(wall, store, t);
            self.clock.set_speed(wall, gaps, r.speed);
            self.run_to = None;
            arrived.run_to = Some(r.headline);
        }
        if self.auto_pause && t > prev && arrived.run_to.is_none() {
            let i = store.headlines.partition_point(|h| h.ts <= prev);
            if let Some(h) = store.headlines[i..]
                .iter()
                .take_while(|h| h.ts <= t)
                .find(|h| self.filter.matches(h))
            {
                t = h.ts;
                self.stop_at(wall, store, t);
                // The lesson's stop is still ahead: it waits for the next play.
                arrived.lesson = false;
                arrived.auto_paused = true;
            }
        }
        if t >= store.end {
            self.clock.pause(wall, gaps);
            arrived.end = true;
        }
        if arrived.lesson {
            self.lesson_target = None;
        }
        (t, arrived)
    }

    fn stop_at(&mut self, wall: Duration, store: &Store, t: UnixNanos) {
        self.clock.pause(wall, &store.gaps);
        self.clock.seek(wall, t);
    }
}
