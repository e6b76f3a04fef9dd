//! The replay clock is a plain value: replay time, speed, paused flag, and the (wall, replay)
//! pair of the last play/seek/speed change. The caller passes wall time in; the clock never
//! reads it, so it is exact and testable, and replay time depends on wall time elapsed, not on
//! how many frames were drawn.

use std::time::Duration;

use crate::time::UnixNanos;

/// Speed presets the `+`/`-` keys step through.
pub const SPEEDS: [f64; 12] = [
    0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0,
];
pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 3600.0;

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayClock {
    start: UnixNanos,
    end: UnixNanos,
    anchor_wall: Duration,
    anchor_t: UnixNanos,
    speed: f64,
    paused: bool,
    /// Jump over quiet stretches (no prints, no headlines) while playing.
    pub skip_gaps: bool,
}

impl ReplayClock {
    /// A paused clock at `t` on a replay spanning `[start, end]`.
    pub fn new(start: UnixNanos, end: UnixNanos, t: UnixNanos) -> Self {
        ReplayClock {
            start,
            end,
            anchor_wall: Duration::ZERO,
            anchor_t: t.clamp(start, end),
            speed: 1.0,
            paused: true,
            skip_gaps: true,
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    pub fn span(&self) -> (UnixNanos, UnixNanos) {
        (self.start, self.end)
    }

    /// Replay time at wall time `wall`.
    pub fn now(&self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)]) -> UnixNanos {
        if self.paused {
            return self.anchor_t;
        }
        let elapsed = wall.saturating_sub(self.anchor_wall).as_nanos() as f64 * self.speed;
        let mut left = elapsed.min((self.end - self.start) as f64 * 2.0) as i64;
        let mut t = self.anchor_t;
        if self.skip_gaps {
            let first = gaps.partition_point(|g| g.1 <= t);
            for &(from, to) in &gaps[first..] {
                if from <= t {
                    t = to;
                    continue;
                }
                if t + left < from {
                    break;
                }
                left -= from - t;
                t = to;
            }
        }
        (t + left).min(self.end)
    }

    /// True once a playing clock has reached the end of the replay.
    pub fn at_end(&self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)]) -> bool {
        self.now(wall, gaps) >= self.end
    }

    fn reanchor(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)]) {
        self.anchor_t = self.now(wall, gaps);
        self.anchor_wall = wall;
    }

    pub fn play(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)]) {
        self.reanchor(wall, gaps);
        if self.anchor_t >= self.end {
            self.anchor_t = self.start;
        }
        self.paused = false;
    }

    pub fn pause(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)]) {
        self.reanchor(wall, gaps);
        self.paused = true;
    }

    pub fn toggle(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)]) {
        if self.paused {
            self.play(wall, gaps);
        } else {
            self.pause(wall, gaps);
        }
    }

    pub fn set_speed(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)], speed: f64) {
        self.reanchor(wall, gaps);
        self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
    }

    /// Next faster (`up`) or slower preset.
    pub fn step_speed(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)], up: bool) {
        let next = if up {
            SPEEDS.iter().copied().find(|&s| s > self.speed + 1e-9)
        } else {
            SPEEDS
                .iter()
                .rev()
                .copied()
                .find(|&s| s < self.speed - 1e-9)
        };
        if let Some(s) = next {
            self.set_speed(wall, gaps, s);
        }
    }

    /// Moves to `t` (clamped to the replay), keeping play/pause and speed.
    pub fn seek(&mut self, wall: Duration, t: UnixNanos) {
        self.anchor_t = t.clamp(self.start, self.end);
        self.anchor_wall = wall;
    }

    /// Moves by `delta` (one second, one minute, or back with a negative value).
    pub fn step_by(&mut self, wall: Duration, gaps: &[(UnixNanos, UnixNanos)], delta: i64) {
        let t = self.now(wall, gaps).saturating_add(delta);
        self.seek(wall, t);
    }

    /// Moves to the next (`forward`) or previous print of any instrument; stays put when there
    /// is none.
    pub fn step_print(&mut self, wall: Duration, store: &super::Store, forward: bool) {
        let now = self.now(wall, &store.gaps);
        let next = if forward {
            store.next_print_after(now)
        } else {
            store.prev_print_before(now)
        };
        if let Some(t) = next {
            self.seek(wall, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{NANOS_PER_MIN, NANOS_PER_SEC};

    const S: UnixNanos = 1_000 * NANOS_PER_SEC;
    const E: UnixNanos = S + 120 * NANOS_PER_MIN;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn paused_clock_does_not_move() {
        let c = ReplayClock::new(S, E, S);
        assert_eq!(c.now(ms(10_000), &[]), S);
    }

    #[test]
    fn time_follows_wall_time_times_speed() {
        let mut c = ReplayClock::new(S, E, S);
        c.set_speed(ms(0), &[], 60.0);
        c.play(ms(0), &[]);
        assert_eq!(c.now(ms(1_000), &[]), S + 60 * NANOS_PER_SEC);
        // Pausing keeps the time reached; more wall time changes nothing.
        c.pause(ms(2_000), &[]);
        assert_eq!(c.now(ms(9_000), &[]), S + 120 * NANOS_PER_SEC);
        // Speed changes re-anchor: no jump at the moment of the change.
        c.play(ms(9_000), &[]);
        c.set_speed(ms(10_000), &[], 1.0);
        assert_eq!(c.now(ms(10_000), &[]), S + 180 * NANOS_PER_SEC);
        assert_eq!(c.now(ms(11_000), &[]), S + 181 * NANOS_PER_SEC);
    }

    #[test]
    fn stops_at_the_end_and_restarts_from_the_start() {
        let mut c = ReplayClock::new(S, E, E - NANOS_PER_SEC);
        c.play(ms(0), &[]);
        assert_eq!(c.now(ms(5_000), &[]), E);
        assert!(c.at_end(ms(5_000), &[]));
        c.pause(ms(5_000), &[]);
        c.play(ms(6_000), &[]);
        assert_eq!(c.now(ms(6_000), &[]), S);
    }

    #[test]
    fn quiet_stretches_are_skipped_only_when_asked() {
        let gap = (S + 10 * NANOS_PER_SEC, S + 60 * NANOS_PER_MIN);
        let mut c = ReplayClock::new(S, E, S);
        c.play(ms(0), &[gap]);
        // 20 s of play: 10 s to the gap, then 10 s after it.
        assert_eq!(c.now(ms(20_000), &[gap]), gap.1 + 10 * NANOS_PER_SEC);
        c.skip_gaps = false;
        assert_eq!(c.now(ms(20_000), &[gap]), S + 20 * NANOS_PER_SEC);
    }

    #[test]
    fn speed_presets_step_and_clamp() {
        let mut c = ReplayClock::new(S, E, S);
        c.step_speed(ms(0), &[], true);
        assert_eq!(c.speed(), 2.0);
        for _ in 0..20 {
            c.step_speed(ms(0), &[], true);
        }
        assert_eq!(c.speed(), MAX_SPEED);
        for _ in 0..20 {
            c.step_speed(ms(0), &[], false);
        }
        assert_eq!(c.speed(), MIN_SPEED);
        c.set_speed(ms(0), &[], 1e9);
        assert_eq!(c.speed(), MAX_SPEED);
    }

    #[test]
    fn steps_of_a_second_and_a_minute() {
        let mut c = ReplayClock::new(S, E, S + NANOS_PER_MIN);
        c.step_by(ms(0), &[], NANOS_PER_SEC);
        assert_eq!(c.now(ms(0), &[]), S + NANOS_PER_MIN + NANOS_PER_SEC);
        c.step_by(ms(0), &[], -2 * NANOS_PER_MIN);
        assert_eq!(c.now(ms(0), &[]), S, "clamped at the start");
        // Stepping while playing moves from where the clock is now.
        c.set_speed(ms(0), &[], 10.0);
        c.play(ms(0), &[]);
        c.step_by(ms(1_000), &[], NANOS_PER_MIN);
        assert_eq!(
            c.now(ms(1_000), &[]),
            S + 10 * NANOS_PER_SEC + NANOS_PER_MIN
        );
    }

    #[test]
    fn seek_clamps_to_the_replay() {
        let mut c = ReplayClock::new(S, E, S);
        c.seek(ms(0), E + NANOS_PER_MIN);
        assert_eq!(c.now(ms(0), &[]), E);
        c.seek(ms(0), 0);
        assert_eq!(c.now(ms(0), &[]), S);
    }
}
