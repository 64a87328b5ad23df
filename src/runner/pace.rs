//! How many cases run at once, and how fast requests go out.
//!
//! Against a server across a network, a run waits on round trips, not on
//! the CPU: it should keep many requests in flight. How many a server takes
//! is found out, the way TCP finds a path's capacity: the window grows while
//! answers come back healthy (doubling at first, then by one per window) and
//! halves when the server pushes back: 429 or 503, connection errors and
//! timeouts, or latency far above the fastest answer seen. A 429 also teaches
//! a request rate: the run slows to below the rate that drew it, and probes
//! upward again slowly. `--jobs` caps the window, `--rate` and a declared rate
//! cap the pace; the controller never goes past either.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Cases in flight when neither `--jobs` nor the server says otherwise: a
/// run of a few hundred cases at 100 ms a round trip needs about this many
/// to finish within a few critical paths.
pub const DEFAULT_CEILING: usize = 48;
/// The most `--jobs` may ask for: each case in flight may hold a response
/// body of up to 1 MiB, and more would only trip a target's rate limits.
pub const MAX_CEILING: usize = 64;
/// Where the window starts: a handful, as a careful client would.
const INITIAL_WINDOW: f64 = 8.0;
/// Latency counts as rising past this multiple of the fastest answer seen ...
const LATENCY_FACTOR: f64 = 3.0;
/// ... and this much above it: a fast local server's jitter is not congestion.
const LATENCY_MARGIN: Duration = Duration::from_millis(50);
/// A learned rate grows by this fraction each second without a 429.
const RATE_PROBE: f64 = 0.05;

/// What a request's answer says about the server's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An answer, in this time.
    Answered(Duration),
    /// 429 Too Many Requests.
    Throttled,
    /// 503, a connection error or a timeout.
    Overloaded,
}

/// What the controller settled on, for the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Settled {
    /// Cases in flight at the end of the run, and at most during it.
    pub concurrency: usize,
    pub peak_concurrency: usize,
    /// The ceiling: `--jobs`, or the default.
    pub ceiling: usize,
    /// Requests per second the run held to: `--rate`, a declared rate, or
    /// one the server taught with 429s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Whether 429s taught the rate.
    pub rate_learned: bool,
    /// Times the window was cut because the server pushed back.
    pub backoffs: u64,
    /// The fastest answer seen, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fastest_ms: Option<f64>,
    /// Where the server first pushed back; `None` if it never did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saturated: Option<Saturation>,
}

/// Where a server's throughput stopped growing with concurrency.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Saturation {
    /// Cases (or requests, in a load run) in flight when it pushed back.
    pub in_flight: usize,
    /// Answers it served in the second before.
    pub served_per_second: usize,
    /// How it pushed back: `latency rose`, `429`, `503 or no answer`.
    pub signal: &'static str,
}

#[derive(Debug)]
struct State {
    /// `--jobs`, or the default: the window never grows past it.
    ceiling: usize,
    window: f64,
    in_flight: usize,
    peak: usize,
    /// Until the first push-back the window doubles; after, it creeps.
    slow_start: bool,
    fastest: Option<Duration>,
    /// No second cut before this: the answers already under way belong to the first.
    calm_until: Instant,
    backoffs: u64,
    saturated: Option<Saturation>,
    /// Requests per second the server taught; `None` until a 429.
    learned_rate: Option<f64>,
    last_throttle: Instant,
    last_probe: Instant,
    /// When each request of the last second went out.
    recent: VecDeque<Instant>,
    /// When each answer other than a 429 of the last second came back: what
    /// the server actually allows.
    served: VecDeque<Instant>,
    /// The earliest time the next request may go out.
    next_slot: Instant,
}

pub struct Pace {
    /// `--rate` or a declared rate: never exceeded.
    rate_cap: Option<f64>,
    state: Mutex<State>,
    room: Notify,
}

impl Pace {
    pub fn new(ceiling: Option<usize>, rate_cap: Option<f64>) -> Arc<Pace> {
        let ceiling = ceiling.unwrap_or(DEFAULT_CEILING).max(1);
        let now = Instant::now();
        Arc::new(Pace {
            rate_cap: rate_cap.filter(|r| *r > 0.0),
            state: Mutex::new(State {
                ceiling,
                window: INITIAL_WINDOW.min(ceiling as f64),
                in_flight: 0,
                peak: 0,
                slow_start: true,
                fastest: None,
                calm_until: now,
                backoffs: 0,
                saturated: None,
                learned_rate: None,
                last_throttle: now,
                last_probe: now,
                recent: VecDeque::new(),
                served: VecDeque::new(),
                next_slot: now,
            }),
            room: Notify::new(),
        })
    }

    /// Lowers (or raises) the ceiling: `--jobs` for one run of cases.
    pub fn set_ceiling(&self, ceiling: usize) {
        let mut s = self.state();
        s.ceiling = ceiling.max(1);
        s.window = s.window.min(s.ceiling as f64);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for room for one more case; the room is given back when the
    /// returned slot is dropped.
    pub async fn admit(self: &Arc<Pace>) -> Slot {
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            {
                let mut s = self.state();
                if (s.in_flight as f64) < s.window.floor().max(1.0) {
                    s.in_flight += 1;
                    s.peak = s.peak.max(s.in_flight);
                    return Slot(self.clone());
                }
            }
            room.await;
        }
    }

    /// Waits until a request may go out under the rate in force.
    pub async fn before_request(&self) {
        let delay = {
            let mut s = self.state();
            let now = Instant::now();
            s.recent.push_back(now);
            last_second(&mut s.recent, now);
            match self.rate(&s) {
                Some(rate) => {
                    let slot = s.next_slot.max(now);
                    s.next_slot = slot + Duration::from_secs_f64(1.0 / rate.max(1.0 / 60.0));
                    slot - now
                }
                None => Duration::ZERO,
            }
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }

    /// The rate in force: the lower of the cap and what the server taught.
    fn rate(&self, s: &State) -> Option<f64> {
        match (self.rate_cap, s.learned_rate) {
            (Some(cap), Some(learned)) => Some(cap.min(learned)),
            (cap, learned) => cap.or(learned),
        }
    }

    /// Learns from one answer (or its absence).
    pub fn observe(&self, signal: Signal) {
        let mut s = self.state();
        let now = Instant::now();
        let grew = match signal {
            Signal::Answered(took) => {
                s.served.push_back(now);
                last_second(&mut s.served, now);
                let fastest = *s.fastest.get_or_insert(took);
                s.fastest = Some(fastest.min(took));
                let slow = took > (fastest.mul_f64(LATENCY_FACTOR)).max(fastest + LATENCY_MARGIN);
                if slow {
                    // Rising latency: a gentler cut than an outright refusal.
                    self.back_off(&mut s, now, 0.8, "latency rose");
                    false
                } else {
                    self.grow(&mut s, now);
                    true
                }
            }
            Signal::Throttled => {
                last_second(&mut s.served, now);
                last_second(&mut s.recent, now);
                // Just under what the server served in the last second; if it
                // served nothing yet, well under what was sent.
                let served = s.served.len() as f64;
                let taught = if served > 0.0 { served * 0.9 } else { s.recent.len() as f64 * 0.5 }.max(1.0);
                s.learned_rate = Some(s.learned_rate.map_or(taught, |r| r.min(taught)));
                s.last_throttle = now;
                s.last_probe = now;
                self.back_off(&mut s, now, 0.5, "429");
                false
            }
            Signal::Overloaded => {
                self.back_off(&mut s, now, 0.5, "503 or no answer");
                false
            }
        };
        drop(s);
        if grew {
            self.room.notify_waiters();
        }
    }

    fn grow(&self, s: &mut State, now: Instant) {
        let ceiling = s.ceiling as f64;
        s.window =
            if s.slow_start { s.window + 1.0 } else { s.window + 1.0 / s.window.max(1.0) }.min(ceiling);
        // A learned rate is probed upward while no 429 comes, but only while
        // it is what holds the run back: a rate the run does not reach
        // proves nothing about the server, and would drift upward unchecked.
        if let Some(rate) = s.learned_rate
            && s.served.len() as f64 >= rate * 0.9
            && now.duration_since(s.last_throttle) > Duration::from_secs(1)
            && now.duration_since(s.last_probe) > Duration::from_secs(1)
        {
            s.learned_rate = Some(rate * (1.0 + RATE_PROBE));
            s.last_probe = now;
        }
    }

    fn back_off(&self, s: &mut State, now: Instant, factor: f64, signal: &'static str) {
        s.slow_start = false;
        if now < s.calm_until {
            return;
        }
        if s.saturated.is_none() {
            last_second(&mut s.served, now);
            s.saturated =
                Some(Saturation { in_flight: s.in_flight, served_per_second: s.served.len(), signal });
        }
        s.window = (s.window * factor).max(1.0);
        s.backoffs += 1;
        // The answers to requests already sent reflect the old window.
        let round_trip = s.fastest.unwrap_or(Duration::from_millis(100)).max(Duration::from_millis(20));
        s.calm_until = now + round_trip * 2;
    }

    /// Cases that may be in flight now.
    pub fn window(&self) -> usize {
        self.state().window.floor().max(1.0) as usize
    }

    pub fn settled(&self) -> Settled {
        let s = self.state();
        Settled {
            concurrency: s.window.floor().max(1.0) as usize,
            peak_concurrency: s.peak,
            ceiling: s.ceiling,
            rate: self.rate(&s).map(|r| (r * 10.0).round() / 10.0),
            rate_learned: s.learned_rate.is_some(),
            backoffs: s.backoffs,
            fastest_ms: s.fastest.map(|f| f.as_secs_f64() * 1000.0),
            saturated: s.saturated.clone(),
        }
    }
}

/// Keeps only the times of the last second.
fn last_second(times: &mut VecDeque<Instant>, now: Instant) {
    while times.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
        times.pop_front();
    }
}

/// Room for one case; given back on drop.
pub struct Slot(Arc<Pace>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.state().in_flight -= 1;
        self.0.room.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Signal = Signal::Answered(Duration::from_millis(10));

    #[test]
    fn healthy_answers_grow_the_window_up_to_the_ceiling_and_no_further() {
        let pace = Pace::new(Some(20), None);
        assert_eq!(pace.window(), 8);
        for _ in 0..100 {
            pace.observe(FAST);
        }
        assert_eq!(pace.window(), 20);
    }

    #[test]
    fn push_back_halves_the_window_once_per_round_trip_then_it_creeps() {
        let pace = Pace::new(Some(64), None);
        for _ in 0..24 {
            pace.observe(FAST);
        }
        assert_eq!(pace.window(), 32);
        pace.observe(Signal::Overloaded);
        pace.observe(Signal::Overloaded);
        assert_eq!(pace.window(), 16, "the second refusal of the same round trip does not cut again");
        for _ in 0..17 {
            pace.observe(FAST);
        }
        assert_eq!(
            pace.window(),
            17,
            "after a push-back the window grows by about one per window of answers"
        );
        assert_eq!(pace.settled().backoffs, 1);
    }

    #[test]
    fn latency_far_above_the_fastest_answer_cuts_the_window_and_jitter_does_not() {
        let pace = Pace::new(Some(64), None);
        pace.observe(Signal::Answered(Duration::from_millis(100)));
        pace.observe(Signal::Answered(Duration::from_millis(140)));
        assert_eq!(pace.window(), 10, "within the margin: healthy");
        pace.observe(Signal::Answered(Duration::from_millis(400)));
        assert_eq!(pace.window(), 8);
        assert_eq!(pace.settled().backoffs, 1);
    }

    #[test]
    fn a_429_teaches_a_rate_below_what_drew_it_and_never_above_the_cap() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let pace = Pace::new(None, Some(30.0));
        runtime.block_on(async {
            for _ in 0..20 {
                pace.before_request().await;
            }
        });
        pace.observe(Signal::Throttled);
        let settled = pace.settled();
        assert!(settled.rate_learned);
        let rate = settled.rate.unwrap();
        assert!(rate <= 20.0 * 0.5 + 0.1, "nothing served yet: half of what was sent, {rate}");
        let pace = Pace::new(None, None);
        for _ in 0..12 {
            pace.observe(FAST);
        }
        pace.observe(Signal::Throttled);
        assert_eq!(pace.settled().rate, Some(10.8), "just under the twelve answers of the last second");
        assert_eq!(Pace::new(None, Some(30.0)).settled().rate, Some(30.0), "a cap alone is the rate");
    }

    #[test]
    fn admission_waits_for_room_and_a_finished_case_makes_it() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let pace = Pace::new(Some(2), None);
        runtime.block_on(async {
            let first = pace.admit().await;
            let _second = pace.admit().await;
            let third = tokio::time::timeout(Duration::from_millis(20), pace.admit()).await;
            assert!(third.is_err(), "a third case waits while two run");
            drop(first);
            let third = tokio::time::timeout(Duration::from_millis(20), pace.admit()).await;
            assert!(third.is_ok(), "a finished case makes room");
        });
        assert_eq!(pace.settled().peak_concurrency, 2);
    }
}
