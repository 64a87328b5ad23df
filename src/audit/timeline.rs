//! What was true when each request arrived, which its own exchange cannot
//! show: an identical request still unanswered, and an earlier answer to the
//! same request that asked the client to wait.

use super::seen::{Arrival, Wait};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Answers asking to wait remembered at once; a long audit forgets them past this.
const REMEMBERED: usize = 10_000;

#[derive(Default)]
pub struct Timeline {
    /// Requests unanswered: fingerprint, and whether a repeat of it matters
    /// (a POST or a PATCH).
    in_flight: HashMap<u64, (u64, bool)>,
    /// Requests whose answer asked to wait, by fingerprint: which request,
    /// when it was answered, and for how long.
    waits: HashMap<u64, (u64, Instant, Duration)>,
}

impl Timeline {
    pub fn arrive(&mut self, seq: u64, fingerprint: u64, non_idempotent: bool) -> Arrival {
        let duplicate_of = if non_idempotent {
            self.in_flight.iter().filter(|(_, (f, n))| *n && *f == fingerprint).map(|(s, _)| *s).min()
        } else {
            None
        };
        let wait = self.waits.get(&fingerprint).map(|(after, answered, asked)| Wait {
            after: *after,
            asked_ms: asked.as_millis() as u64,
            waited_ms: answered.elapsed().as_millis() as u64,
        });
        // Judged until the refused request comes back on time.
        if wait.as_ref().is_some_and(|w| w.waited_ms >= w.asked_ms) {
            self.waits.remove(&fingerprint);
        }
        self.in_flight.insert(seq, (fingerprint, non_idempotent));
        Arrival { duplicate_of, wait }
    }

    /// The answer to request `seq` asked the client to wait before sending it again.
    pub fn asked_to_wait(&mut self, seq: u64, fingerprint: u64, wait: Duration) {
        if self.waits.len() >= REMEMBERED {
            self.waits.clear();
        }
        self.waits.insert(fingerprint, (seq, Instant::now(), wait));
    }

    pub fn finished(&mut self, seq: u64) {
        self.in_flight.remove(&seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_in_flight_and_an_early_request_are_noticed() {
        let mut t = Timeline::default();
        assert_eq!(t.arrive(1, 7, true), Arrival::default());
        assert_eq!(t.arrive(2, 7, true).duplicate_of, Some(1));
        assert_eq!(t.arrive(3, 7, false).duplicate_of, None, "a GET may be repeated");
        t.finished(1);
        t.finished(2);
        assert_eq!(t.arrive(4, 7, true).duplicate_of, None);
        t.asked_to_wait(4, 7, Duration::from_secs(60));
        assert_eq!(t.arrive(5, 8, false).wait, None, "another request owes that answer nothing");
        let early = t.arrive(6, 7, true).wait.unwrap();
        assert_eq!((early.after, early.asked_ms), (4, 60_000));
        assert!(early.waited_ms < early.asked_ms);
        assert!(t.arrive(7, 7, true).wait.is_some(), "still within the wait");
    }
}
