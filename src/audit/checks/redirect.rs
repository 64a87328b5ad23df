//! Following a redirect (RFC 7644 §3.12, Table 8): after a 308 the client
//! uses the new location from then on; after a 307 it repeats the request
//! there once and goes on using the original URI.

use super::super::request::Request;
use super::super::rules::{PERMANENT_REDIRECT, TEMPORARY_REDIRECT};
use super::super::seen::Injected;
use super::super::tally::Sink;
use std::collections::HashMap;

#[derive(Default)]
pub struct Redirects {
    moved: HashMap<(Option<usize>, String), Moved>,
}

struct Moved {
    permanent: bool,
    by: u64,
    /// The client has repeated the redirected request at the location.
    repeated: bool,
}

impl Redirects {
    pub fn see(&mut self, req: &Request, out: &mut Sink) {
        let seen = req.seen;
        let key = (seen.tenant, seen.path.clone());
        if let Some(Injected::Redirected { permanent, alias }) = &seen.injected {
            match self.moved.get(&key) {
                Some(m) if m.permanent => {
                    out.occasion(PERMANENT_REDIRECT);
                    out.depart(
                        PERMANENT_REDIRECT,
                        format!("{} {} after a 308", seen.method, seen.path),
                        format!("the location the 308 to request {} named, {alias}", m.by),
                        "the old URL again",
                    );
                }
                _ => {
                    out.occasion(if *permanent { PERMANENT_REDIRECT } else { TEMPORARY_REDIRECT });
                    self.moved.insert(key, Moved { permanent: *permanent, by: seen.seq, repeated: false });
                }
            }
            return;
        }
        let Some(m) = self.moved.get_mut(&key) else { return };
        if m.permanent || !seen.via_alias {
            return;
        }
        out.occasion(TEMPORARY_REDIRECT);
        if m.repeated {
            out.depart(
                TEMPORARY_REDIRECT,
                format!("{} {}", seen.method, seen.path),
                format!(
                    "the original URI again: the 307 to request {} moved the resource for that one request",
                    m.by
                ),
                "the temporary location, used again",
            );
        }
        m.repeated = true;
    }
}
