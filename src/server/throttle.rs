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

    /// Takes a token if there is one.
    fn admit(&self) -> bool {
        let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let (tokens, since) = *bucket;
        let tokens = (tokens + now.duration_since(since).as_secs_f64() * self.rate).min(self.rate.max(1.0));
        let admitted = tokens >= 1.0;
        *bucket = (if admitted { tokens - 1.0 } else { tokens }, now);
        admitted
    }
}

pub async fn limit(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(throttle) = &shared.throttle else { return next.run(request).await };
    if throttle.admit() {
        return next.run(request).await;
    }
    let e = ScimError::new(
        429,
        None,
        format!("more than {} requests per second; retry after 1 s", throttle.rate),
    );
    let mut response = error_response(shared.config.faults, &e);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_past_the_rate_is_refused_until_tokens_come_back() {
        let throttle = Throttle::new(5.0);
        let admitted = (0..20).filter(|_| throttle.admit()).count();
        assert_eq!(admitted, 5, "one second's worth, then nothing");
        std::thread::sleep(std::time::Duration::from_millis(450));
        assert!(throttle.admit(), "tokens come back at the rate");
    }
}
