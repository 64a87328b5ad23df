//! Scenarios: conditions the audit server can create, when asked, to see how
//! a client copes. Each says what the server does and what a client is
//! expected to do, and names the requirement that judges it. None is on
//! unless asked for: by default the audit server behaves as `scimitar serve`.

use super::request::{Target, id_of};
use super::rules;
use super::seen::Injected;
use crate::scim::schema::Registry;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// 429 with Retry-After on the 2nd request and every 10th after it.
    RateLimit { seconds: u64 },
    /// 412 on the first conditional write.
    StaleEtag,
    /// Another writer creates the user of the first POST /Users just before it.
    Conflict,
    /// Pages of one resource.
    ShortPages,
    /// 500 on the first create, which is not applied.
    ServerError,
    /// The first create is held before the server handles it.
    Slow { seconds: u64 },
    /// 307 on the first request for a single resource.
    Redirect,
    /// 308 on the first request for a single resource, and on every later one to its old URL.
    Moved,
}

/// How long the `rate-limit` scenario asks a client to wait, unless told.
pub const DEFAULT_RETRY_AFTER: u64 = 1;
/// How long the `slow` scenario holds a request, unless told.
pub const DEFAULT_SLOW: u64 = 5;
/// The most either may be set to: a scenario is to provoke a client, not to stall an audit.
pub const MOST_SECONDS: u64 = 120;

impl Scenario {
    pub const ALL: [Scenario; 8] = [
        Scenario::RateLimit { seconds: DEFAULT_RETRY_AFTER },
        Scenario::StaleEtag,
        Scenario::Conflict,
        Scenario::ShortPages,
        Scenario::ServerError,
        Scenario::Slow { seconds: DEFAULT_SLOW },
        Scenario::Redirect,
        Scenario::Moved,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::RateLimit { .. } => "rate-limit",
            Scenario::StaleEtag => "stale-etag",
            Scenario::Conflict => "conflict",
            Scenario::ShortPages => "short-pages",
            Scenario::ServerError => "server-error",
            Scenario::Slow { .. } => "slow",
            Scenario::Redirect => "redirect",
            Scenario::Moved => "moved",
        }
    }

    /// `rate-limit`, `rate-limit=3`, `slow=10`, ...
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (text.trim(), None),
        };
        let seconds = |default: u64| -> Result<u64, String> {
            match value {
                None => Ok(default),
                Some(v) => match v.trim_end_matches('s').parse::<u64>() {
                    Ok(n) if (1..=MOST_SECONDS).contains(&n) => Ok(n),
                    _ => Err(format!("{name}={v}: give 1 to {MOST_SECONDS} seconds")),
                },
            }
        };
        let scenario = match name {
            "rate-limit" => Scenario::RateLimit { seconds: seconds(DEFAULT_RETRY_AFTER)? },
            "slow" => Scenario::Slow { seconds: seconds(DEFAULT_SLOW)? },
            other => {
                let found = Scenario::ALL.into_iter().find(|s| s.name() == other).ok_or_else(|| {
                    let known: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
                    format!("unknown scenario '{other}'; known: {}", known.join(", "))
                })?;
                if value.is_some() {
                    return Err(format!("scenario {other} takes no value"));
                }
                found
            }
        };
        Ok(scenario)
    }

    /// What the server does.
    pub fn does(self) -> String {
        match self {
            Scenario::RateLimit { seconds } => format!(
                "The 2nd request, and every 10th after it, is answered 429 Too Many Requests with Retry-After: {seconds}, and not served."
            ),
            Scenario::StaleEtag => "The first PUT, PATCH or DELETE that carries If-Match is answered 412 Precondition Failed, as if another client had changed the resource, and not served.".into(),
            Scenario::Conflict => "Just before the first POST /Users is served, another writer creates the same user, so the server answers it 409 uniqueness.".into(),
            Scenario::ShortPages => "Every page holds one resource, whatever count asks (the small-pages variant: /ServiceProviderConfig says filter.maxResults 1).".into(),
            Scenario::ServerError => "The first POST that creates a resource is answered 500 Internal Server Error, and nothing is created.".into(),
            Scenario::Slow { seconds } => format!(
                "The first POST that creates a resource is held {seconds} s before the server handles it; it is then created."
            ),
            Scenario::Redirect => format!(
                "The first request for a single user or group is answered 307 Temporary Redirect to another URL of the same resource (under {}), which serves it.",
                super::seen::ALIAS
            ),
            Scenario::Moved => "The first request for a single user or group is answered 308 Permanent Redirect to another URL of the same resource, as is every later request to the old URL; the new URL serves it, and answers name it in Location and meta.location.".into(),
        }
    }

    /// What a client is expected to do.
    pub fn expects(self) -> &'static str {
        match self {
            Scenario::RateLimit { .. } => {
                "The client waits as long as Retry-After asks before it sends the refused request again."
            }
            Scenario::StaleEtag => {
                "The client reads the resource again before it writes it again: it neither repeats the stale If-Match nor drops it to overwrite (an observation, MAY)."
            }
            Scenario::Conflict => {
                "The client looks the existing user up, or changes its request, rather than resubmitting the same create (an observation, MAY)."
            }
            Scenario::ShortPages => {
                "A client paging through a listing asks for the next page at startIndex plus the number of resources it got, and goes on until totalResults."
            }
            Scenario::ServerError => {
                "The client does not send the same POST again on its own without first looking whether it was created."
            }
            Scenario::Slow { .. } => {
                "The client waits, or gives up; it does not send the same POST again while the first may still take effect."
            }
            Scenario::Redirect => {
                "The client repeats the request at the new URL, and goes on using the original URL."
            }
            Scenario::Moved => "The client uses the new URL from then on.",
        }
    }

    /// The requirement that judges what the client does.
    pub fn judged_by(self) -> &'static str {
        match self {
            Scenario::RateLimit { .. } => rules::RETRY_AFTER,
            Scenario::StaleEtag => rules::REREAD_AFTER_412,
            Scenario::Conflict => rules::AFTER_409,
            Scenario::ShortPages => rules::SHORT_PAGES,
            Scenario::ServerError | Scenario::Slow { .. } => rules::NO_AUTO_RETRY,
            Scenario::Redirect => rules::TEMPORARY_REDIRECT,
            Scenario::Moved => rules::PERMANENT_REDIRECT,
        }
    }

    /// `rate-limit=2`: what `--scenario` takes to ask for it again.
    pub fn spelled(self) -> String {
        match self {
            Scenario::RateLimit { seconds } | Scenario::Slow { seconds } => {
                format!("{}={seconds}", self.name())
            }
            _ => self.name().to_string(),
        }
    }
}

/// A request as the scenarios see it when it arrives.
pub struct Head<'a> {
    pub seq: u64,
    pub tenant: Option<usize>,
    pub method: &'a str,
    /// The path after the tenant prefix (after the redirect alias, if the client used it).
    pub path: &'a str,
    pub via_alias: bool,
    pub if_match: bool,
    /// The body, when JSON.
    pub json: Option<&'a serde_json::Value>,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Serve,
    /// Answer this instead of serving it.
    Answer {
        status: u16,
        detail: String,
        retry_after: Option<u64>,
        injected: Injected,
    },
    /// Serve it after a while.
    Delay {
        seconds: u64,
        injected: Injected,
    },
    /// Create the same resource first, as another writer, then serve it.
    CreateFirst {
        injected: Injected,
    },
    /// Redirect it to `alias`, another path of the same resource: for good
    /// (308) or for this request only (307).
    Redirect {
        permanent: bool,
        alias: String,
    },
}

/// The scenarios asked for, and which of them have happened.
pub struct Scenarios {
    asked: Vec<Scenario>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Scenarios that only happen once and have.
    done: Vec<&'static str>,
    /// Resources moved for good by `moved`: tenant and path.
    moved: HashMap<(Option<usize>, String), ()>,
}

impl Scenarios {
    pub fn new(asked: Vec<Scenario>) -> Scenarios {
        Scenarios { asked, state: Mutex::new(State::default()) }
    }

    pub fn asked(&self) -> &[Scenario] {
        &self.asked
    }

    pub fn has(&self, name: &str) -> bool {
        self.asked.iter().any(|s| s.name() == name)
    }

    /// Paths moved for good in a tenant, whose URLs answers should name by their alias.
    pub fn moved(&self, tenant: Option<usize>) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.moved.keys().filter(|(t, _)| *t == tenant).map(|(_, p)| p.clone()).collect()
    }

    pub fn decide(&self, head: &Head, registry: &Registry) -> Action {
        if self.asked.is_empty() || head.tenant.is_none() {
            return Action::Serve;
        }
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = id_of(head.path);
        let target = super::request::Request::target_of(head.path, &id, registry);
        let method = head.method;
        let key = (head.tenant, head.path.to_string());
        if state.moved.contains_key(&key) && !head.via_alias {
            return Action::Redirect { permanent: true, alias: alias(head.path) };
        }
        let creates = matches!(target, Target::Collection(_)) && method == "POST";
        for scenario in &self.asked {
            let once = scenario.name();
            if state.done.contains(&once) {
                continue;
            }
            let action = match *scenario {
                Scenario::RateLimit { seconds } => {
                    if head.seq >= 2 && (head.seq - 2).is_multiple_of(10) {
                        return Action::Answer {
                            status: 429,
                            detail: format!("too many requests: wait {seconds} s (scimitar audit --scenario rate-limit)"),
                            retry_after: Some(seconds),
                            injected: Injected::RateLimited { seconds },
                        };
                    }
                    continue;
                }
                Scenario::ShortPages => continue,
                Scenario::StaleEtag
                    if matches!(target, Target::Resource(..))
                        && head.if_match
                        && ["PUT", "PATCH", "DELETE"].contains(&method) =>
                {
                    Action::Answer {
                        status: 412,
                        detail: "the resource has changed since that version (scimitar audit --scenario stale-etag)".into(),
                        retry_after: None,
                        injected: Injected::StalePrecondition,
                    }
                }
                Scenario::Conflict
                    if creates
                        && matches!(target, Target::Collection(rt) if rt.name == "User")
                        && head.json.and_then(|b| b.get("userName")).is_some_and(serde_json::Value::is_string) =>
                {
                    Action::CreateFirst { injected: Injected::Conflicted }
                }
                Scenario::ServerError if creates => Action::Answer {
                    status: 500,
                    detail: "internal error (scimitar audit --scenario server-error)".into(),
                    retry_after: None,
                    injected: Injected::ServerError,
                },
                Scenario::Slow { seconds } if creates => {
                    Action::Delay { seconds, injected: Injected::Delayed { seconds } }
                }
                Scenario::Redirect | Scenario::Moved
                    if matches!(target, Target::Resource(..)) && !head.via_alias =>
                {
                    let permanent = *scenario == Scenario::Moved;
                    if permanent {
                        state.moved.insert(key.clone(), ());
                    }
                    Action::Redirect { permanent, alias: alias(head.path) }
                }
                _ => continue,
            };
            state.done.push(once);
            return action;
        }
        Action::Serve
    }
}

/// The other URL path of a resource that a redirect names.
pub fn alias(path: &str) -> String {
    format!("{}{path}", super::seen::ALIAS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_parse_with_and_without_values() {
        assert_eq!(Scenario::parse("rate-limit"), Ok(Scenario::RateLimit { seconds: DEFAULT_RETRY_AFTER }));
        assert_eq!(Scenario::parse("rate-limit=3"), Ok(Scenario::RateLimit { seconds: 3 }));
        assert_eq!(Scenario::parse("slow=2s"), Ok(Scenario::Slow { seconds: 2 }));
        assert!(Scenario::parse("slow=0").is_err());
        assert!(Scenario::parse("slow=9999").is_err());
        assert!(Scenario::parse("moved=1").is_err());
        assert!(Scenario::parse("teleport").unwrap_err().contains("known: rate-limit"));
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(&s.spelled()), Ok(s));
            assert!(super::super::rules::of(s.judged_by()).is_some());
        }
    }
}
