//! The command line: argument definitions, and the exit codes in one place.

use crate::faults::Fault;
use crate::scim::quirks::Idp;
use crate::server::variant::{Variant, VariantSet};
use crate::suite::capability::Capability;
use crate::suite::profile::Profile;
use crate::suite::requirement::Level;
mod vocabulary;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Exit codes. A verdict about the server and a failure of the harness never share a code.

#[derive(Parser)]
#[command(
    name = "scimitar",
    version,
    about = "SCIM 2.0 conformance harness and strict reference server",
    long_about = "scimitar checks SCIM 2.0 service providers against RFC 7643/7644 and the way \
                  Okta and Microsoft Entra ID really call them. It also bundles a strict in-memory \
                  reference server for local work."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check a SCIM server against the suites (with no --url: the bundled reference server)
    Run(Box<RunArgs>),
    /// Run the bundled reference SCIM server
    Serve(ServeArgs),
    /// Show which catalogued RFC requirements the suites check, and which they do not
    Coverage(CoverageArgs),
    /// Prove the suites can fail: every case against the reference server with each fault on
    Selftest(SelftestArgs),
    /// Record a client's traffic through a proxy, as a case file `scimitar run FILE` replays
    Record(RecordArgs),
    /// Audit a SCIM client: serve as `serve` does and judge every request the client sends
    Audit(Box<AuditArgs>),
    /// List the cases: ids, levels, requirements, and the capabilities each needs
    List(ListArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout
    Man,
}

#[derive(Args)]
#[command(after_long_help = "\
Examples:
  scimitar list
      Every RFC case: id, the levels of the requirements it checks, the capabilities it needs
  scimitar list --profile okta,entra --json -
      The IdP cases, as JSON
  scimitar list --tag patch --only rfc7644::patch")]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// Write the list as JSON here ('-' for stdout instead of the table)
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Read suites from this directory instead of the ones built in
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

#[derive(Args)]
#[command(after_long_help = "\
Examples:
  scimitar completions bash > /etc/bash_completion.d/scimitar
  scimitar completions zsh > \"${fpath[1]}/_scimitar\"
  scimitar completions fish > ~/.config/fish/completions/scimitar.fish")]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args)]
#[command(after_long_help = "\
Point the client (an IdP's SCIM connector, a script, scimitar itself) at the proxy's address in place
of the server's base URL: http://127.0.0.1:8081 stands for the whole --upstream URL, path prefix
included. --out is rewritten in the background as exchanges arrive (never half-written), and once
more when the proxy stops.

In the file, ids and versions the server generated become captures, timestamps and URLs match
anything, credentials are left out and passwords replaced: the replay sends the target's own
credentials. A replay may only change resources it creates itself.

Examples:
  scimitar record --upstream https://api.example.com/scim/v2 --out okta-push.yaml
      Then set the IdP's SCIM base URL to http://127.0.0.1:8081 (through a tunnel if it is in the cloud)
  scimitar serve --port 8080 --token t --compat okta &
  scimitar record --listen 127.0.0.1:9000 --upstream http://127.0.0.1:8080/scim/v2 --out okta.yaml &
  scimitar run --profile okta --url http://127.0.0.1:9000 --token t --jobs 1
      Record the Okta profile's own traffic
  scimitar run okta.yaml --url https://staging.example.com/scim/v2 --token \"$TOKEN\"
      Replay it against another server")]
pub struct RecordArgs {
    /// Address the proxy listens on; clients use http://ADDR as the base URL
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: String,

    /// Base URL of the server to forward to, path prefix included
    #[arg(long, value_name = "URL")]
    pub upstream: String,

    /// The case file to write
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Name for the case id (recorded::NAME) [default: the file's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Replace --out if it exists
    #[arg(long)]
    pub force: bool,

    /// Seconds to wait for the upstream's answer, 1 to 600 (Okta waits 60)
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(TIMEOUT_SECONDS))]
    pub timeout: u64,

    /// Do not print a line per exchange
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
#[command(after_long_help = "\
Examples:
  scimitar coverage
      Every requirement of RFC 7643 and RFC 7644, section by section, with the cases that check it
  scimitar coverage --uncovered
      Only the observable requirements no case checks yet
  scimitar coverage --json coverage.json --min-must 95
      A machine-readable copy, and exit 1 if under 95% of the observable MUSTs are covered")]
pub struct CoverageArgs {
    /// List only the observable requirements no case checks
    #[arg(long)]
    pub uncovered: bool,

    /// Write the coverage as JSON here ('-' for stdout instead of the listing)
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Exit 1 if fewer than this percentage (0 to 100) of the observable MUST requirements are covered
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent)]
    pub min_must: Option<f64>,

    /// Read suites and catalogue from this directory instead of the ones built in
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

#[derive(Args)]
#[command(after_long_help = "\
Each case runs against a healthy in-process reference server (it must pass) and against one
server per fault (see `scimitar serve --list-faults`). A case that no fault makes fail is a check
nothing shows can fail; a fault no case catches is a bug the suites would miss.

Examples:
  scimitar selftest
      The whole matrix; exit 1 unless every case passes, every case can fail and every fault is caught
  scimitar selftest rfc7644::patch --fault remove-filter-clears-all
      A subset while writing cases: which of them this fault makes fail")]
pub struct SelftestArgs {
    /// Only the cases whose id contains one of these
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// Only these faults (repeatable; default: all)
    #[arg(long = "fault", value_name = "NAME", value_parser = vocabulary::fault())]
    pub faults: Vec<Fault>,

    /// Cases run at once against each reference server, 1 to 64 [default: the number of CPUs]
    #[arg(long, short, value_name = "N", value_parser = jobs_range())]
    pub jobs: Option<usize>,

    /// Write the matrix as JSON here
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Load suites from this directory instead of the ones built in
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}

/// `run --help`: examples, every key of a target file, exit codes.
fn run_after_help() -> String {
    let target_file: String = crate::runner::target_file::EXAMPLE
        .lines()
        .map(|l| if l.is_empty() { "\n".into() } else { format!("  {l}\n") })
        .collect();
    format!(
        "{RUN_EXAMPLES}\n\nTarget file (--target FILE), every key it takes:\n{target_file}\n{RUN_EXIT_CODES}"
    )
}

const RUN_EXAMPLES: &str = "\
Examples:
  scimitar run
      All suites against an in-process reference server: a passing run
  scimitar run --fault count-ignored
      The same, with a deliberate bug in that server: see what a failure looks like
  scimitar run --url https://api.example.com/scim/v2 --token \"$TOKEN\" --json report.json --junit junit.xml
      Your server; bearer token from a variable, reports for CI
  SCIMITAR_TOKEN=... scimitar run --url https://api.example.com/scim/v2 rfc7644::patch rfc7644::filter
      Only the cases whose id contains one of the filters
  scimitar run --target acme.toml --jobs 1 --rate 5
      A saved target (URL, which env var holds the token, declared limits), gently
  scimitar run --profile okta,entra --url https://api.example.com/scim/v2 --token \"$TOKEN\"
      What Okta and Entra send, in their order and with their headers; each finding says whether
      it breaks that IdP or is an RFC deviation the IdP tolerates
  scimitar run --profile okta --compat okta
      The same against the in-process server, lenient for what Okta sends that the RFCs forbid
  scimitar run okta-session.yaml --url https://staging.example.com/scim/v2 --token \"$TOKEN\"
      Replay a recording made with `scimitar record`
  scimitar run --profile entra --users 500 --url https://api.example.com/scim/v2 --token \"$TOKEN\"
      Entra's initial sync of 500 users and 50 groups at 25 requests/s: latency percentiles,
      errors, 429s

In CI:
  scimitar run --url \"$URL\" --waivers waivers.yaml --junit junit.xml --html report.html --markdown summary.md
      Known gaps waived (each with a reason and an expiry date), reports to upload
  scimitar run --url \"$URL\" --baseline main.json --json this.json
      Fail only on regressions against an earlier run's report; list what was fixed";

const RUN_EXIT_CODES: &str = "\
Exit codes:
  0    compliant: no finding at or above --fail-on (waived and declared ones do not count)
  1    not compliant, a regression against --baseline, or an expired waiver
  2    usage error, or a bad suite, waiver or target file
  3    the harness could not run (network, TLS, timeouts, credentials, no SCIM service there)
  130  interrupted";

#[derive(Args)]
#[command(after_long_help = run_after_help())]
pub struct RunArgs {
    #[command(flatten)]
    pub select: SelectArgs,

    /// Base URL of the SCIM server, path prefix included (default: an in-process reference server)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Bearer token
    #[arg(long, value_name = "TOKEN", env = "SCIMITAR_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// HTTP Basic credentials: user:password, or an API key alone (empty password)
    #[arg(long, value_name = "CREDENTIALS", env = "SCIMITAR_BASIC", hide_env_values = true)]
    pub basic: Option<String>,

    /// A header that carries the credential, e.g. 'X-API-Key: ...'
    #[arg(long = "header", value_name = "NAME: VALUE", env = "SCIMITAR_HEADER", hide_env_values = true)]
    pub auth_header: Option<String>,

    /// A target file (TOML): URL, which environment variable holds the secret, capabilities, and
    /// what the vendor declares (limits, what DELETE does); `run --help` lists every key
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,

    /// Treat these capabilities as present, whatever discovery says (comma-separated)
    #[arg(long, value_name = "CAPS", value_delimiter = ',', value_parser = vocabulary::capability())]
    pub assume: Vec<Capability>,

    /// Treat these capabilities as absent: their cases are skipped (comma-separated)
    #[arg(long, value_name = "CAPS", value_delimiter = ',', value_parser = vocabulary::capability())]
    pub deny: Vec<Capability>,

    /// The most cases run at once, 1 to 64 [default: 48]: the run starts with 8 and grows while
    /// the target answers promptly, and backs off on 429, 503, errors or rising latency; --jobs 1
    /// for fragile targets. With --users: the most requests in flight
    #[arg(long, short, value_name = "N", value_parser = jobs_range())]
    pub jobs: Option<usize>,

    /// At most this many requests per second across all jobs: 0.1 to 10000, or 0 for no limit
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Seconds to wait for each response, headers and whole body, 1 to 600
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(TIMEOUT_SECONDS))]
    pub timeout: u64,

    /// Leave what the run created, for debugging (the count is reported)
    #[arg(long)]
    pub keep: bool,

    #[command(flatten)]
    pub gate: GateArgs,

    /// An earlier JSON report: fail only on regressions (new failures), and list what was fixed
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Load suites from this directory instead of the ones built in
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,

    /// A variable for the suites' templates, name=value; repeatable
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// With no --url: switch on a fault in the in-process reference server (see `scimitar serve --list-faults`)
    #[arg(long = "fault", value_name = "NAME", value_parser = vocabulary::fault(), conflicts_with_all = ["url", "target"])]
    pub faults: Vec<Fault>,

    /// With no --url: switch on a legal variation of the in-process reference server (see
    /// `scimitar serve --list-variants`), or `minimal` for most of them at once
    #[arg(long = "variant", value_name = "NAME", value_parser = vocabulary::variant(), conflicts_with_all = ["url", "target"])]
    pub variants: Vec<VariantChoice>,

    /// Instead of the cases: replay the profile's initial sync of this many users, 1 to 100000
    /// (one --profile: okta or entra), at --rate (Entra's default: its documented 25/s; --rate 0
    /// for no limit), and report latencies, errors and 429s
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_USERS))]
    pub users: Option<usize>,

    /// With --users: groups to create and fill with those users, 0 to 10000 [default: one per ten
    /// users]
    #[arg(long, value_name = "N", requires = "users", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=MAX_GROUPS))]
    pub groups: Option<usize>,

    /// With no --url: the in-process reference server accepts what these IdPs send that the RFCs do
    /// not allow (comma-separated), as `scimitar serve --compat` does
    #[arg(long, value_name = "IDPS", value_delimiter = ',', value_parser = vocabulary::idp(), conflicts_with_all = ["url", "target"])]
    pub compat: Vec<Idp>,

    #[command(flatten)]
    pub reports: ReportArgs,
}

/// Which cases: shared by `run` and `list`.
#[derive(Args, Debug, Clone, Default)]
pub struct SelectArgs {
    /// Only the cases whose id contains one of these, e.g. rfc7644::patch; a path ending in .yaml
    /// is a case file instead (a recording from `scimitar record`)
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// Which client to play, comma-separated: rfc is RFC 7643/7644 as written, the others what that
    /// client sends [default: rfc]
    #[arg(long = "profile", value_name = "PROFILES", value_delimiter = ',', value_parser = vocabulary::profile())]
    pub profiles: Vec<ProfileChoice>,

    /// Only the cases under these ids, e.g. rfc7644::patch or idp::okta (repeatable; a trailing *
    /// matches any id that starts so)
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,

    /// Leave out the cases under these ids (repeatable; as --only)
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,

    /// Only the cases with one of these tags, e.g. patch, groups, quirk (repeatable)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
}

/// One `--profile` value: a profile, or `all` of them.
#[derive(Debug, Clone)]
pub struct ProfileChoice(pub Vec<Profile>);

impl ProfileChoice {
    /// Every profile chosen, in order, each once; `rfc` when none is.
    pub fn resolve(choices: &[ProfileChoice]) -> Vec<Profile> {
        let mut all: Vec<Profile> = choices.iter().flat_map(|c| c.0.iter().copied()).collect();
        all.sort();
        all.dedup();
        if all.is_empty() { vec![Profile::Rfc] } else { all }
    }
}

#[derive(Args)]
#[command(after_long_help = "\
Examples:
  scimitar serve
      Random bearer token, printed at start; base URL http://127.0.0.1:8080/scim/v2
  scimitar serve --port 9000 --token s3cret --token next-s3cret
      Two tokens valid at once, as during a rotation
  scimitar serve --basic MY_API_KEY --tenant /scim/v2/dir-1 --tenant /scim/v2/dir-2
      Basic auth with an API key as user name; two isolated tenants
  scimitar serve --no-auth --compat okta,entra
      Accept what Okta and Entra send that RFC 7644 does not allow
  scimitar serve --token t --fault no-location-on-create --fault count-ignored
      Switch on deliberate bugs, to see a check catch them
  scimitar serve --token t --variant minimal
      A server as small as the RFCs allow: eq-only filters, a trimmed schema, 204 to PATCH, ...
  curl -H 'Authorization: Bearer t' http://127.0.0.1:8080/scim/v2/Users")]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub host: String,

    /// Port to listen on, 0 to 65535 (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,

    /// Accept this bearer token; repeat to accept several (rotation)
    #[arg(long = "token", value_name = "TOKEN", env = "SCIMITAR_SERVE_TOKEN", hide_env_values = true)]
    pub tokens: Vec<String>,

    /// Accept this API key as an HTTP Basic user name with an empty password; repeatable
    #[arg(long = "basic", value_name = "KEY", env = "SCIMITAR_SERVE_BASIC", hide_env_values = true)]
    pub basic: Vec<String>,

    /// Serve without authentication
    #[arg(long, conflicts_with_all = ["tokens", "basic"])]
    pub no_auth: bool,

    /// Serve a tenant under this path prefix; repeat for several isolated tenants
    #[arg(long = "tenant", value_name = "PREFIX", default_value = "/scim/v2")]
    pub tenants: Vec<String>,

    /// Accept the non-RFC requests these identity providers send (comma-separated)
    #[arg(long, value_name = "IDPS", value_delimiter = ',', value_parser = vocabulary::idp())]
    pub compat: Vec<Idp>,

    /// Switch on a deliberate bug (see --list-faults); repeatable
    #[arg(long = "fault", value_name = "NAME", value_parser = vocabulary::fault())]
    pub faults: Vec<Fault>,

    /// List the faults --fault accepts, one per line, and exit
    #[arg(long)]
    pub list_faults: bool,

    /// Switch on a legal variation the RFCs allow a server (see --list-variants), or `minimal` for
    /// most of them at once; repeatable
    #[arg(long = "variant", value_name = "NAME", value_parser = vocabulary::variant())]
    pub variants: Vec<VariantChoice>,

    /// List the variants --variant accepts, with the RFC text that allows each, and exit
    #[arg(long)]
    pub list_variants: bool,

    /// Serve pages of at most N resources, however many a client asks for (as a vendor's
    /// documented page limit does; advertised as filter.maxResults)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_page_size: Option<u32>,

    /// Answer 429 Too Many Requests (Retry-After: 1) past N requests per second, as a vendor's
    /// gateway does
    #[arg(long, value_name = "N", value_parser = parse_rate_limit)]
    pub rate_limit: Option<f64>,

    /// Refuse (400) a PATCH carrying more than N member values, as some vendors do
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_members_per_patch: Option<u32>,

    /// Load users and groups from a JSON file ({"Users": [...], "Groups": [...]}) into every tenant
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,

    /// Do not log requests to stderr
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args)]
#[command(after_long_help = "\
The server behaves exactly as `scimitar serve` (tenants, credentials, --compat, variants) unless a
--scenario asks otherwise. Point the client at it. When the audit ends (Ctrl-C, or an --until
condition), every requirement RFC 7643/7644 put on a client is a case: pass, fail (MUST), warn
(SHOULD), note (MAY), or not applicable when the client never had occasion to show it. What the
server accepts from an IdP under --compat is reported as declared. Reports and exit codes are
those of `scimitar run`; Ctrl-C is the ordinary end, and a second one quits without reports.

Examples:
  scimitar audit --token t --until idle=30 --html audit.html
      Then point the client at http://127.0.0.1:8080/scim/v2 with the bearer token t
  scimitar audit --no-auth --port 0 --scenario rate-limit,stale-etag --like okta
      Provoke the client with a 429 and a 412, and compare it with what Okta sends
  scimitar audit --token t --compat entra --like entra --until requests=200 --json audit.json
      A connector that means to act like Entra, judged after 200 requests
  scimitar audit --list-scenarios
      What each scenario does, and what a client is expected to do")]
pub struct AuditArgs {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// Provoke the client (comma-separated, repeatable): rate-limit[=SECONDS], stale-etag, conflict,
    /// short-pages, server-error, slow[=SECONDS], redirect, moved; see --list-scenarios
    #[arg(long = "scenario", value_name = "NAME", value_delimiter = ',', value_parser = vocabulary::scenario())]
    pub scenarios: Vec<crate::audit::scenario::Scenario>,

    /// List the scenarios --scenario takes, what each does and what a client is expected to do, and exit
    #[arg(long)]
    pub list_scenarios: bool,

    /// Compare the client with what these identity providers send for the same lifecycle: okta, entra
    #[arg(long, value_name = "IDPS", value_delimiter = ',', value_parser = vocabulary::like())]
    pub like: Vec<Profile>,

    /// End the audit when idle=SECONDS pass without a request, or after requests=N requests
    /// (repeatable: the first reached ends it) [default: Ctrl-C]
    #[arg(long, value_name = "CONDITION", value_parser = parse_until)]
    pub until: Vec<Until>,

    #[command(flatten)]
    pub gate: GateArgs,

    #[command(flatten)]
    pub reports: ReportArgs,
}

/// When an audit ends by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// No request for this long.
    Idle(std::time::Duration),
    /// This many requests answered.
    Requests(u64),
}

fn parse_until(s: &str) -> Result<Until, String> {
    let bad = || format!("'{s}': write idle=SECONDS (1 to 86400) or requests=N (1 to 10000000)");
    let (what, value) = s.split_once('=').ok_or_else(bad)?;
    match what.trim() {
        "idle" => match value.trim().trim_end_matches('s').parse::<u64>() {
            Ok(n) if (1..=86_400).contains(&n) => Ok(Until::Idle(std::time::Duration::from_secs(n))),
            _ => Err(bad()),
        },
        "requests" => match value.trim().parse::<u64>() {
            Ok(n) if (1..=10_000_000).contains(&n) => Ok(Until::Requests(n)),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// `--timeout`: past ten minutes a target is not answering, and a run that
/// stops after two unanswered requests would look hung.
const TIMEOUT_SECONDS: std::ops::RangeInclusive<u64> = 1..=600;
pub use crate::runner::pace::MAX_CEILING as MAX_JOBS;
/// `--users`: a run keeps a latency sample per request, and an initial sync
/// this big already takes over an hour at Entra's pace.
const MAX_USERS: u64 = 100_000;
const MAX_GROUPS: u64 = 10_000;

fn jobs_range() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_JOBS as u64)
}

/// The jobs to run when --jobs does not say: one per CPU, within the range --jobs takes.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(4, std::num::NonZero::get).clamp(1, MAX_JOBS)
}

fn parse_rate_limit(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if (0.1..=10_000.0).contains(&r) => Ok(r),
        _ => Err(format!("'{s}' is not a rate: give 0.1 to 10000 requests per second")),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r == 0.0 || (0.1..=10_000.0).contains(&r) => Ok(r),
        _ => Err(format!("'{s}' is not a rate: give 0.1 to 10000 requests per second, or 0 for no limit")),
    }
}

fn parse_percent(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("'{s}' is not a percentage: give 0 to 100")),
    }
}

/// What decides the verdicts, as `run` and `audit` take it.
#[derive(Args, Debug, Clone)]
pub struct GateArgs {
    /// Fail on SHOULD and MAY findings too: the same as --fail-on may
    #[arg(long, conflicts_with = "fail_on")]
    pub strict: bool,

    /// What fails: the weakest level whose findings do (must, should or may), and `declared` for
    /// declared deviations (a target file's, or what an audit server accepts under --compat);
    /// comma-separated, e.g. should,declared
    #[arg(long, value_name = "WHAT", value_enum, value_delimiter = ',', default_value = "must")]
    pub fail_on: Vec<FailOn>,

    /// A waiver file (YAML): case or requirement ids whose failures are accepted, with a reason and
    /// an optional expiry date; waived failures are reported as waived, an expired waiver fails
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
}

/// The report files `run` and `audit` write.
#[derive(Args, Debug, Clone, Default)]
pub struct ReportArgs {
    /// Write the JSON report here (format: reports/run-report.schema.json; with run --users, the
    /// load report instead)
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,

    /// Write a JUnit XML report here
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Write a self-contained HTML report here, to read and share
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Write a Markdown summary here (also appended to $GITHUB_STEP_SUMMARY when that is set)
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,

    /// Write the exchanges as a HAR file (credentials redacted), for a support ticket
    #[arg(long, value_name = "PATH")]
    pub har: Option<PathBuf>,
}

/// One `--fail-on` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// MUST findings (the default)
    Must,
    /// SHOULD findings and stronger
    Should,
    /// MAY findings and stronger: every finding
    May,
    /// Deviations the target file declares
    Declared,
}

impl FailOn {
    /// The weakest level named (MUST when none is), and whether `declared` is.
    pub fn resolve(values: &[FailOn]) -> (Level, bool) {
        let level = values
            .iter()
            .filter_map(|v| match v {
                FailOn::Must => Some(Level::Must),
                FailOn::Should => Some(Level::Should),
                FailOn::May => Some(Level::May),
                FailOn::Declared => None,
            })
            .max()
            .unwrap_or(Level::Must);
        (level, values.contains(&FailOn::Declared))
    }
}

/// One `--variant` value: a variant, or the `minimal` bundle.
#[derive(Debug, Clone)]
pub struct VariantChoice(pub Vec<Variant>);

impl VariantChoice {
    pub fn resolve(choices: &[VariantChoice]) -> VariantSet {
        VariantSet::of(&choices.iter().flat_map(|c| c.0.iter().copied()).collect::<Vec<_>>())
    }
}
