//! A request rate the reference server holds clients to, as a vendor's API
//! gateway does: past it, 429 Too Many Requests with a `Retry-After`. Off by
//! default; `serve --rate-limit N` and tests that prove a client backs off.

use super::Shared;
use super::http::error_response;
use crate::scim::error::ScimError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// A token bucket: `rate` tokens a second, at most one second's worth saved up.
#[derive(Debug)]
pub struct Throttle {
    rate: f64,
    bucket: Mutex<(f64, Instant)>,
}

impl Throttle {
    pub fn new(rate: f64) -> Throttle {
        let rate = rate.max(0.1);
        Throttle { rate, bucket: Mutex::new((rate, Instant::now())) }
    }

    /// Takes a token if there is one; if not, the whole seconds until one
    /// comes back, for `Retry-After`.
    fn admit(&self) -> Result<(), u64> {
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let (tokens, since) = *bucket;
        let tokens = (tokens + now.duration_since(since).as_secs_f64() * self.rate).min(self.rate.max(1.0));
        let admitted = tokens >= 1.0;
        *bucket = (if admitted { tokens - 1.0 } else { tokens }, now);
        if admitted { Ok(()) } else { Err((((1.0 - tokens) / self.rate).ceil() as u64).max(1)) }
    }
}

pub async fn limit(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(throttle) = &shared.throttle else { return next.run(request).await };
    let Err(wait) = throttle.admit() else { return next.run(request).await };
    let e = ScimError::new(
        429,
        None,
        format!("more than {} requests per second; retry after {wait} s", throttle.rate),
    );
    let mut response = error_response(shared.config.faults, &e);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_past_the_rate_is_refused_until_tokens_come_back() {
        let throttle = Throttle::new(5.0);
        let admitted = (0..20).filter(|_| throttle.admit().is_ok()).count();
        assert_eq!(admitted, 5, "one second's worth, then nothing");
        assert_eq!(throttle.admit(), Err(1), "a token comes back within a second");
        std::thread::sleep(std::time::Duration::from_millis(450));
        assert!(throttle.admit().is_ok(), "tokens come back at the rate");
    }

    #[test]
    fn below_one_a_second_retry_after_says_how_long_a_token_takes() {
        let wait = Throttle::new(0.2).admit().unwrap_err();
        assert!((4..=5).contains(&wait), "a token every 5 s, a fifth saved up: {wait}");
    }
}
