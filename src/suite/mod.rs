//! Suites: the requirement catalogue and the case files, loaded and checked.
//!
//! Suites are compiled into the binary (see `build.rs`); `--suites DIR` loads
//! them from disk instead, for suite authors. Loading is all-or-nothing and
//! reports every problem in every file, each with its file and line: a
//! template that cannot render included, so a case that loads never fails
//! on its own text at run time.

pub mod capability;
pub mod case;
pub mod client;
pub mod coverage;
pub mod json_schema;
pub mod profile;
pub mod requirement;
pub mod template;

use case::{CaseDoc, Step};
use indexmap::IndexMap;
use requirement::Requirement;
use serde_saphyr::Spanned;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/embedded_suites.rs"));

/// The directory holding the requirement catalogue; every `.yaml` outside
/// it, but for [`client::CLIENTS_FILE`], is a case.
pub const CATALOGUE_DIR: &str = "requirements/";

/// A loaded, checked case.
#[derive(Debug)]
pub struct Case {
    pub doc: CaseDoc,
    /// Path under the suites directory, e.g. `rfc7644/crud/create-user.yaml`.
    pub file: String,
    /// The catalogue entries for `doc.requirements`, in that order: what the
    /// case is about.
    pub requirements: Vec<Requirement>,
    /// Every other catalogue entry a step or pointer check cites.
    pub cited: IndexMap<String, Requirement>,
    /// What every request of the case carries: its client's headers with
    /// the case's own over them.
    pub headers: client::Headers,
}

impl Case {
    pub fn id(&self) -> &str {
        &self.doc.id.value
    }

    /// The requirement a step's findings cite: its own `req` (a setup step
    /// cites what it sets up, such as creation), else the case's first.
    pub fn requirement_for(&self, step: &Step) -> &Requirement {
        step.req.as_ref().and_then(|r| self.cited(&r.value)).unwrap_or(&self.requirements[0])
    }

    /// A catalogue requirement this case cites anywhere.
    pub fn cited(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id).or_else(|| self.cited.get(id))
    }

    /// `file:line`, for pointing at a construct of this case.
    pub fn at(&self, line: u64) -> String {
        format!("{}:{line}", self.file)
    }
}

#[derive(Debug)]
pub struct Suite {
    pub catalogue: IndexMap<String, Requirement>,
    /// The identity providers' clients cases may play.
    pub clients: client::Clients,
    pub cases: Vec<Arc<Case>>,
}

/// A problem with a suite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// Every problem found, in file order.
#[derive(Debug)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

impl Suite {
    /// The suites compiled into this binary.
    pub fn embedded() -> Result<Suite, LoadErrors> {
        Suite::from_sources(EMBEDDED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect())
    }

    /// Suites from a directory laid out like `suites/`.
    pub fn from_dir(dir: &Path) -> Result<Suite, LoadErrors> {
        let mut files = Vec::new();
        collect_yaml(dir, dir, &mut files).map_err(|e| {
            LoadErrors(vec![LoadError { file: dir.display().to_string(), line: 0, message: e.to_string() }])
        })?;
        files.sort();
        let mut sources = Vec::new();
        let mut errors = Vec::new();
        for (relative, path) in files {
            match std::fs::read_to_string(&path) {
                Ok(text) => sources.push((relative, text)),
                Err(e) => errors.push(LoadError { file: relative, line: 0, message: e.to_string() }),
            }
        }
        if !errors.is_empty() {
            return Err(LoadErrors(errors));
        }
        Suite::from_sources(sources)
    }

    /// Loads `(path, text)` pairs: one of them the catalogue, the rest cases.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<Suite, LoadErrors> {
        let mut errors = Vec::new();
        let mut catalogue = IndexMap::new();
        for (path, text) in sources.iter().filter(|(p, _)| p.starts_with(CATALOGUE_DIR)) {
            load_catalogue(path, text, &mut catalogue, &mut errors);
        }
        let mut clients = client::Clients::default();
        for (path, text) in sources.iter().filter(|(p, _)| p == client::CLIENTS_FILE) {
            load_clients(path, text, &mut clients, &mut errors);
        }
        if catalogue.is_empty() && errors.is_empty() {
            errors.push(LoadError {
                file: CATALOGUE_DIR.into(),
                line: 0,
                message: "the requirement catalogue is missing or empty".into(),
            });
        }
        let mut cases: Vec<Arc<Case>> = Vec::new();
        let is_case = |p: &str| !p.starts_with(CATALOGUE_DIR) && p != client::CLIENTS_FILE;
        for (path, text) in sources.iter().filter(|(p, _)| is_case(p)) {
            if let Some(case) = load_case(path, text, &catalogue, &clients, &cases, &mut errors) {
                cases.push(Arc::new(case));
            }
        }
        if cases.is_empty() && errors.is_empty() {
            errors.push(LoadError { file: "suites".into(), line: 0, message: "no case files found".into() });
        }
        if errors.is_empty() { Ok(Suite { catalogue, clients, cases }) } else { Err(LoadErrors(errors)) }
    }
}

impl Suite {
    /// Adds a case file from outside the suites (a recording to replay),
    /// checked against this suite's catalogue; returns its index.
    pub fn add_case_file(&mut self, path: &str, text: &str) -> Result<usize, LoadErrors> {
        let mut errors = Vec::new();
        match load_case(path, text, &self.catalogue, &self.clients, &self.cases, &mut errors) {
            Some(case) if errors.is_empty() => {
                self.cases.push(Arc::new(case));
                Ok(self.cases.len() - 1)
            }
            _ => Err(LoadErrors(errors)),
        }
    }
}

/// One case file, checked; its problems go to `errors`.
fn load_case(
    path: &str,
    text: &str,
    catalogue: &IndexMap<String, Requirement>,
    clients: &client::Clients,
    loaded: &[Arc<Case>],
    errors: &mut Vec<LoadError>,
) -> Option<Case> {
    let doc: CaseDoc = match parse_yaml(path, text) {
        Ok(doc) => doc,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let before = errors.len();
    check_case(path, text, &doc, catalogue, errors);
    let played = match &doc.client {
        None => None,
        Some(name) => {
            let found = clients.get(&name.value);
            if found.is_none() {
                errors.push(LoadError {
                    file: path.to_string(),
                    line: name.referenced.line(),
                    message: format!(
                        "no client '{}' in {}; defined: {}",
                        name.value,
                        client::CLIENTS_FILE,
                        clients.names().join(", ")
                    ),
                });
            }
            found
        }
    };
    if let Some(other) = loaded.iter().find(|c| c.id() == doc.id.value) {
        errors.push(LoadError {
            file: path.to_string(),
            line: doc.id.referenced.line(),
            message: format!("case id {} is also used by {}", doc.id.value, other.file),
        });
    }
    if errors.len() != before {
        return None;
    }
    let requirements = doc.requirements.iter().filter_map(|r| catalogue.get(&r.value).cloned()).collect();
    let cited = step_requirements(&doc)
        .into_iter()
        .filter_map(|id| catalogue.get(id).map(|r| (id.to_string(), r.clone())))
        .collect();
    let headers = client::with_own(played, &doc.headers);
    Some(Case { doc, file: path.to_string(), requirements, cited, headers })
}

/// The clients file: each client's headers, each one HTTP can send.
fn load_clients(file: &str, text: &str, clients: &mut client::Clients, errors: &mut Vec<LoadError>) {
    let parsed: IndexMap<String, Spanned<client::Client>> = match parse_yaml(file, text) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    for (name, defined) in parsed {
        let line = defined.referenced.line();
        for (header, value) in &defined.value.headers {
            if let Some(problem) = client::header_problem(header, value.as_deref()) {
                errors.push(LoadError {
                    file: file.into(),
                    line,
                    message: format!("client {name}: {problem}"),
                });
            }
        }
        clients.0.insert(name, defined.value);
    }
}

fn collect_yaml(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((relative, path));
        }
    }
    Ok(())
}

/// YAML 1.2 scalars: `no`, `on`, `010` stay strings. A SCIM body in a suite
/// must mean what it shows, not what YAML 1.1 would make of it.
fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    options
}

pub(crate) fn parse_yaml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, LoadError> {
    serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| {
        let rendered =
            e.render_with_options(serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off });
        LoadError { file: file.to_string(), line: e.location().map_or(0, |l| l.line()), message: rendered }
    })
}

fn load_catalogue(
    file: &str,
    text: &str,
    map: &mut IndexMap<String, Requirement>,
    errors: &mut Vec<LoadError>,
) {
    let entries: Vec<Spanned<Requirement>> = match parse_yaml(file, text) {
        Ok(e) => e,
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    for entry in entries {
        let line = entry.referenced.line();
        let r = entry.value;
        if !valid_requirement_id(&r.id) {
            errors.push(LoadError {
                file: file.into(),
                line,
                message: format!("requirement id '{}' must be lower-case words joined by '.' or '-'", r.id),
            });
        }
        if map.contains_key(&r.id) {
            errors.push(LoadError {
                file: file.into(),
                line,
                message: format!("requirement '{}' is defined twice", r.id),
            });
        }
        let of_an_idp = profile::Profile::of_requirement(&r.id).is_some();
        if of_an_idp && r.breaks.as_deref().is_none_or(str::is_empty) {
            errors.push(LoadError {
                file: file.into(),
                line,
                message: format!(
                    "requirement '{}' describes an identity provider: say what it does when a server breaks it in `breaks`",
                    r.id
                ),
            });
        }
        if of_an_idp && r.confidence.is_none() {
            errors.push(LoadError {
                file: file.into(),
                line,
                message: format!(
                    "requirement '{}' describes an identity provider: say how sure the source makes us in `confidence` (high, medium, low)",
                    r.id
                ),
            });
        }
        if r.unaudited.is_some() && !r.client {
            errors.push(LoadError {
                file: file.into(),
                line,
                message: format!(
                    "requirement '{}' says why an audit of a client cannot see it, but is not a client's: add `client: true`",
                    r.id
                ),
            });
        }
        if !r.observable && r.reason.as_deref().is_none_or(str::is_empty) {
            errors.push(LoadError {
                file: file.into(),
                line,
                message: format!("requirement '{}' is not observable: say why in `reason`", r.id),
            });
        }
        map.insert(r.id.clone(), r);
    }
}

fn valid_requirement_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

/// `area::sub::name`: two or more `::`-separated lower-case segments.
fn valid_case_id(id: &str) -> bool {
    let segments: Vec<&str> = id.split("::").collect();
    segments.len() >= 2
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        })
}

/// Requirement ids cited by steps and pointer checks.
fn step_requirements(doc: &CaseDoc) -> Vec<&str> {
    let mut ids = Vec::new();
    for step in doc.steps.iter().chain(doc.cleanup.iter()) {
        ids.extend(step.value.req.as_ref().map(|r| r.value.as_str()));
        if step.value.walk.is_some() {
            ids.extend(case::Walk::IMPLIED.iter().copied());
        }
        ids.extend(step.value.expect.pointers.iter().filter_map(|p| p.value.req.as_deref()));
        ids.extend(step.value.expect.prefer.iter().map(|p| p.value.req.as_str()));
        if let Some(each) = &step.value.expect.each {
            ids.extend(each.value.pointers.iter().filter_map(|p| p.req.as_deref()));
        }
    }
    ids
}

fn check_case(
    file: &str,
    text: &str,
    doc: &CaseDoc,
    catalogue: &IndexMap<String, Requirement>,
    errors: &mut Vec<LoadError>,
) {
    let mut err = |line: u64, message: String| errors.push(LoadError { file: file.into(), line, message });
    if !valid_case_id(&doc.id.value) {
        err(
            doc.id.referenced.line(),
            format!("case id '{}' must look like area::sub::name (lower case)", doc.id.value),
        );
    }
    if doc.requirements.is_empty() {
        err(doc.id.referenced.line(), "a case checks at least one requirement".into());
    }
    for r in &doc.requirements {
        match catalogue.get(&r.value) {
            None => err(r.referenced.line(), format!("requirement '{}' is not in {CATALOGUE_DIR}", r.value)),
            Some(q) if !q.observable => err(
                r.referenced.line(),
                format!(
                    "requirement '{}' is marked not observable ({}); a case cannot check it",
                    r.value,
                    q.reason.as_deref().unwrap_or("")
                ),
            ),
            Some(_) => {}
        }
    }
    if doc.steps.is_empty() {
        err(doc.id.referenced.line(), "a case has at least one step".into());
    }
    for (name, value) in &doc.headers {
        if let Some(problem) = client::header_problem(name, value.as_deref()) {
            err(doc.id.referenced.line(), problem);
        }
    }
    let mut starts: Vec<u64> = doc.steps.iter().chain(&doc.cleanup).map(|s| s.referenced.line()).collect();
    starts.sort_unstable();
    for step in doc.steps.iter().chain(doc.cleanup.iter()) {
        let line = step.referenced.line();
        for (line, message) in check_step(&step.value, line, catalogue) {
            err(line, message);
        }
        let ends = starts.iter().copied().find(|s| *s > line);
        for (at, malformed) in templates_of(&step.value, line) {
            err(line_of(text, at, ends, &malformed.text), malformed.message);
        }
    }
}

/// Every template the runner renders for this step, checked: what step.rs,
/// walk.rs and expect.rs pass to `template::render_*`. Each problem comes
/// with the line of the construct that holds it.
fn templates_of(step: &Step, line: u64) -> Vec<(u64, template::Malformed)> {
    let mut problems = Vec::new();
    let mut text = |at: u64, s: &str| {
        if let Err(m) = template::check_str(s) {
            problems.push((at, m));
        }
    };
    if let Some(r) = &step.request {
        text(line, &r.path);
        r.query.values().chain(r.headers.values()).for_each(|v| text(line, v));
        if let Some(body) = &r.body {
            text(line, body);
        }
    }
    if let Some(past) = &step.wait_past {
        text(line, past);
    }
    if let Some(w) = &step.walk {
        text(line, &w.path);
        w.query.values().chain(&w.includes).for_each(|v| text(line, v));
    }
    let e = &step.expect;
    for check in e.headers.values() {
        match &check.value {
            case::HeaderCheck::Equals(v) | case::HeaderCheck::Differs(v) | case::HeaderCheck::Matches(v) => {
                text(check.referenced.line(), v)
            }
            case::HeaderCheck::Present | case::HeaderCheck::Absent => {}
        }
    }
    let pointer_texts = e
        .pointers
        .iter()
        .map(|p| (p.referenced.line(), &p.value))
        .chain(e.each.iter().flat_map(|x| x.value.pointers.iter().map(|p| (x.referenced.line(), p))));
    for (at, p) in pointer_texts.clone() {
        text(at, &p.at);
        if let Some(re) = &p.matches {
            text(at, re);
        }
    }
    let mut value = |at: u64, v: &serde_json::Value| {
        if let Err(m) = template::check_value(v) {
            problems.push((at, m));
        }
    };
    if let Some(r) = &step.request
        && let Some(json) = &r.json
    {
        value(line, json);
    }
    if let Some(json) = &e.json {
        value(json.referenced.line(), &json.value);
    }
    if let Some(each) = &e.each
        && let Some(json) = &each.value.json
    {
        value(each.referenced.line(), json);
    }
    for (at, p) in pointer_texts {
        [&p.equals, &p.differs, &p.contains, &p.lacks].into_iter().flatten().for_each(|v| value(at, v));
    }
    problems
}

/// The line at or after `from` (and before `until`) where `needle` is
/// written, else `from`: a problem inside a step's request or body is
/// pointed at the line that holds it, where the file shows it as one line.
fn line_of(text: &str, from: u64, until: Option<u64>, needle: &str) -> u64 {
    let first = usize::try_from(from.max(1) - 1).unwrap_or(usize::MAX);
    text.lines()
        .enumerate()
        .skip(first)
        .take_while(|(i, _)| until.is_none_or(|u| (*i as u64) + 1 < u))
        .find(|(_, l)| !needle.is_empty() && l.contains(needle))
        .map_or(from, |(i, _)| i as u64 + 1)
}

fn check_step(step: &Step, line: u64, catalogue: &IndexMap<String, Requirement>) -> Vec<(u64, String)> {
    let mut problems = Vec::new();
    let kinds = [step.request.is_some(), step.walk.is_some(), step.wait.is_some(), step.wait_past.is_some()];
    match kinds.iter().filter(|k| **k).count() {
        0 => problems.push((line, "a step needs `request`, `walk`, `wait` or `wait_past`".into())),
        1 => {}
        _ => problems.push((line, "a step has one of `request`, `walk`, `wait` or `wait_past`".into())),
    }
    if step.request.is_none() && (!is_empty_expect(&step.expect) || !step.capture.is_empty()) {
        problems.push((line, "only a `request` step takes `expect` or `capture`".into()));
    }
    if step.wait.is_some_and(|ms| ms > MAX_WAIT_MS) {
        problems.push((line, format!("`wait` is at most {MAX_WAIT_MS} milliseconds")));
    }
    if let Some(r) = &step.request
        && r.json.is_some()
        && r.body.is_some()
    {
        problems.push((line, "a request has `json` or `body`, not both".into()));
    }
    if let Some(req) = &step.req
        && !catalogue.contains_key(&req.value)
    {
        problems.push((req.referenced.line(), format!("`req: {}` is not in {CATALOGUE_DIR}", req.value)));
    }
    if let Some(prefer) = &step.expect.prefer {
        if !catalogue.contains_key(&prefer.value.req) {
            problems.push((
                prefer.referenced.line(),
                format!("`prefer.req: {}` is not in {CATALOGUE_DIR}", prefer.value.req),
            ));
        }
        if step.expect.status.is_none() {
            problems.push((prefer.referenced.line(), "`prefer` narrows `status`; give `status` too".into()));
        }
    }
    let e = &step.expect;
    for (name, check) in &e.headers {
        if let case::HeaderCheck::Matches(re) = &check.value
            && let Ok(shape) = template::regex_shape(re)
            && let Err(err) = regex::Regex::new(&shape)
        {
            problems
                .push((check.referenced.line(), format!("header {name}: invalid regular expression: {err}")));
        }
    }
    for p in &e.pointers {
        problems.extend(check_pointer_check(&p.value, p.referenced.line(), catalogue));
    }
    if let Some(each) = &e.each {
        for c in &each.value.pointers {
            problems.extend(check_pointer_check(c, each.referenced.line(), catalogue));
        }
    }
    let schema_names = e.schema.iter().map(|s| (s.referenced.line(), s.value.as_str())).chain(
        e.each.iter().filter_map(|each| each.value.schema.as_deref().map(|s| (each.referenced.line(), s))),
    );
    for (line, name) in schema_names {
        if json_schema::get(name).is_none() {
            problems
                .push((line, format!("no JSON Schema '{name}'; known: {}", json_schema::names().join(", "))));
        }
    }
    if let Some(each) = &e.each
        && each.value.json.is_none()
        && each.value.schema.is_none()
        && each.value.pointers.is_empty()
    {
        problems.push((each.referenced.line(), "`each` needs `json`, `schema` or `pointers`".into()));
    }
    if let Some(sorted) = &e.sorted {
        let registry = crate::scim::schema::Registry::builtin();
        let s = &sorted.value;
        match registry.resource_type(&s.resource) {
            None => problems.push((
                sorted.referenced.line(),
                format!("`sorted.resource: {}` is not a resource type", s.resource),
            )),
            Some(rt) => {
                let order = crate::scim::sort::SortOrder::Ascending;
                if let Err(e) = crate::scim::sort::SortKey::parse(rt, &s.by, order) {
                    problems.push((sorted.referenced.line(), e.detail));
                }
            }
        }
    }
    for (name, capture) in &step.capture {
        if !template::valid_name(name) {
            problems.push((line, format!("capture name '{name}' must be letters, digits and '_'")));
        }
        if let case::Capture::Pointer(p) = capture
            && !is_pointer(p)
        {
            problems
                .push((line, format!("capture {name}: '{p}' is not a JSON pointer (it starts with '/')")));
        }
    }
    let array_pointers = e
        .each
        .iter()
        .map(|x| (x.referenced.line(), x.value.at.as_str()))
        .chain(e.sorted.iter().map(|x| (x.referenced.line(), x.value.at.as_str())));
    for (line, at) in array_pointers {
        if !is_pointer(at) {
            problems.push((line, format!("'{at}' is not a JSON pointer (it starts with '/')")));
        }
    }
    problems
}

fn check_pointer_check(
    c: &case::PointerCheck,
    line: u64,
    catalogue: &IndexMap<String, Requirement>,
) -> Vec<(u64, String)> {
    let mut problems = Vec::new();
    let set = [
        c.equals.is_some(),
        c.differs.is_some(),
        c.lacks.is_some(),
        c.absent,
        c.present,
        c.ty.is_some(),
        c.length.is_some(),
        c.contains.is_some(),
        c.matches.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if set != 1 {
        problems.push((
            line,
            format!(
                "pointer check at {} needs exactly one of equals, differs, absent, present, type, length, contains, lacks, matches ({set} given)",
                c.at
            ),
        ));
    }
    if !is_pointer(&c.at) {
        problems.push((line, format!("'{}' is not a JSON pointer (it starts with '/')", c.at)));
    }
    if let Some(re) = &c.matches
        && let Ok(shape) = template::regex_shape(re)
        && let Err(err) = regex::Regex::new(&shape)
    {
        problems.push((line, format!("invalid regular expression: {err}")));
    }
    if let Some(req) = &c.req
        && !catalogue.contains_key(req)
    {
        problems.push((line, format!("`req: {req}` is not in {CATALOGUE_DIR}")));
    }
    problems
}

/// Waits are for clocks to tick, not for slow servers.
const MAX_WAIT_MS: u64 = 5_000;

/// A JSON pointer (RFC 6901): empty, or starting with `/`; or a variable holding one.
fn is_pointer(p: &str) -> bool {
    p.is_empty() || p.starts_with('/') || p.starts_with("{{")
}

fn is_empty_expect(e: &case::Expect) -> bool {
    e.status.is_none()
        && e.prefer.is_none()
        && e.headers.is_empty()
        && e.json.is_none()
        && e.pointers.is_empty()
        && e.schema.is_none()
        && e.each.is_none()
        && e.sorted.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOGUE: &str = "- { id: r.one, source: s, level: MUST, says: x }\n";
    const HEAD: &str =
        "id: a::b\ntitle: t\nrequirements: [r.one]\nsteps:\n  - request: { method: GET, path: /Users }\n";

    fn load(files: &[(&str, &str)]) -> Result<Suite, LoadErrors> {
        let mut sources = vec![("requirements/r.yaml".to_string(), CATALOGUE.to_string())];
        sources.extend(files.iter().map(|(p, t)| (p.to_string(), t.to_string())));
        Suite::from_sources(sources)
    }

    /// Each place the runner renders a template, with a mistake on the
    /// step's `n`th line (0 is its first).
    const MISTAKES: &[(&str, u64)] = &[
        ("  - request: { method: GET, path: \"/Users/{{user\" }\n", 0),
        (
            "  - request:\n      method: GET\n      path: /Users\n      query: { filter: 'userName eq \"{{ unique | upper }}\"' }\n",
            3,
        ),
        ("  - request:\n      method: GET\n      path: /Users\n      headers: { If-Match: \"{{v\" }\n", 3),
        (
            "  - request:\n      method: POST\n      path: /Users\n      json:\n        userName: x\n        name: { givenName: \"{{}}\" }\n",
            5,
        ),
        ("  - request:\n      method: POST\n      path: /Users\n      json:\n        \"{{a\": 1\n", 4),
        (
            "  - request:\n      method: POST\n      path: /Bulk\n      json:\n        Operations: { $repeat: { count: 1, itme: x } }\n",
            4,
        ),
        ("  - request:\n      method: POST\n      path: /Users\n      body: \"{ {{unique }\"\n", 3),
        ("  - walk: { path: \"/Users/{{x\", count: 2 }\n", 0),
        ("  - walk:\n      path: /Users\n      count: 2\n      query: { filter: \"{{ f(x) }}\" }\n", 3),
        ("  - walk:\n      path: /Users\n      count: 2\n      includes: [\"{{a\"]\n", 3),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      status: 200\n      headers:\n        ETag: { equals: \"{{v\" }\n",
            4,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      headers:\n        ETag: { differs: \"{{v\" }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      headers:\n        ETag: { matches: \"^{{v\" }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      json:\n        a: 1\n        userName: \"{{u\"\n",
            4,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: \"/{{p\", present: true }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: /a, equals: \"{{p\" }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: /a, differs: [\"{{p\"] }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: /a, contains: { value: \"{{p\" } }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: /a, lacks: \"{{p\" }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: /a, matches: \"{{p\" }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      each:\n        json: { id: \"{{p\" }\n",
            3,
        ),
        (
            "  - request: { method: GET, path: /Users }\n    expect:\n      each:\n        pointers: [{ at: /id, equals: \"{{p\" }]\n",
            3,
        ),
    ];

    #[test]
    fn a_template_that_cannot_render_is_a_load_error_at_its_line() {
        let first = HEAD.lines().count() as u64 + 1;
        for (step, n) in MISTAKES {
            let errors = match load(&[("bad.yaml", &format!("{HEAD}{step}"))]) {
                Ok(_) => panic!("loaded:\n{step}"),
                Err(e) => e.0,
            };
            assert_eq!(errors.len(), 1, "{step}{errors:?}");
            let e = &errors[0];
            assert_eq!((e.file.as_str(), e.line), ("bad.yaml", first + n), "{step}{e}");
            let template_problem = ["unclosed", "no filters", "names no variable", "unknown key"];
            assert!(template_problem.iter().any(|p| e.message.contains(p)), "{step}{e}");
        }
    }

    #[test]
    fn text_the_runner_sends_as_written_is_not_a_template() {
        let case = "id: a::b\ntitle: t\nrequirements: [r.one]\nheaders: { X-Note: \"{{ as written\" }\nsteps:\n  - name: \"{{ a step\"\n    request: { method: GET, path: /Users, query: { \"{{key\": x } }\n    expect: { each: { at: /Resources, schema: error }, sorted: { by: userName } }\n";
        load(&[("ok.yaml", case)]).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn an_invalid_regular_expression_is_found_through_its_variables() {
        let step = "  - request: { method: GET, path: /Users }\n    expect:\n      pointers:\n        - { at: /a, matches: \"^{{p}}(\" }\n";
        let error = load(&[("bad.yaml", &format!("{HEAD}{step}"))]).unwrap_err().to_string();
        assert!(error.contains("bad.yaml:9") && error.contains("regular expression"), "{error}");
    }

    const CLIENTS: &str = "okta:\n  headers:\n    User-Agent: Okta SCIM Client 1.0.0\n    Accept-Charset: utf-8\n    Content-Type: application/scim+json; charset=utf-8\nentra:\n  headers: { User-Agent: null, ADSCIMVersion: \"5.0\" }\n";

    #[test]
    fn a_case_plays_a_client_and_its_own_headers_go_over_the_clients() {
        let case = "id: a::b\ntitle: t\nrequirements: [r.one]\nclient: okta\nheaders:\n  accept-charset: iso-8859-1\n  User-Agent: null\n  X-Extra: yes\nsteps:\n  - request: { method: GET, path: /Users }\n";
        let suite = load(&[("clients.yaml", CLIENTS), ("a.yaml", case)]).unwrap_or_else(|e| panic!("{e}"));
        let headers: Vec<(&str, Option<&str>)> =
            suite.cases[0].headers.iter().map(|(n, v)| (n.as_str(), v.as_deref())).collect();
        assert_eq!(
            headers,
            [
                ("User-Agent", None),
                ("Accept-Charset", Some("iso-8859-1")),
                ("Content-Type", Some("application/scim+json; charset=utf-8")),
                ("X-Extra", Some("yes")),
            ]
        );
        assert_eq!(suite.clients.names(), ["okta", "entra"]);
        assert!(
            suite.cases[0].doc.to_yaml().unwrap().contains("client: okta\n"),
            "the file keeps the reference"
        );
    }

    #[test]
    fn an_unknown_client_or_a_header_http_cannot_send_is_a_load_error_at_its_line() {
        let case = "id: a::b\ntitle: t\nrequirements: [r.one]\nclient: octa\nsteps:\n  - request: { method: GET, path: /Users }\n";
        let error = load(&[("clients.yaml", CLIENTS), ("a.yaml", case)]).unwrap_err().to_string();
        assert!(
            error.contains("a.yaml:4: no client 'octa' in clients.yaml; defined: okta, entra"),
            "{error}"
        );
        let bad = format!("{CLIENTS}google:\n  headers: {{ User Agent: x }}\n");
        let error = load(&[("clients.yaml", &bad), ("a.yaml", HEAD)]).unwrap_err().to_string();
        assert!(error.contains("clients.yaml:9: client google: header name \"User Agent\""), "{error}");
        let error = load(&[("clients.yaml", "okta: { headers: {}, agent: x }\n"), ("a.yaml", HEAD)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("clients.yaml:1") && error.contains("agent"), "{error}");
    }

    #[test]
    fn every_bundled_case_writes_back_as_the_case_it_was_read_from() {
        let suite = Suite::embedded().unwrap();
        for case in &suite.cases {
            let yaml = case.doc.to_yaml().unwrap();
            let again: CaseDoc = parse_yaml(&case.file, &yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
            assert_eq!(
                serde_json::to_value(&again).unwrap(),
                serde_json::to_value(&case.doc).unwrap(),
                "{}",
                case.file
            );
            assert_eq!(again.to_yaml().unwrap(), yaml, "{}", case.file);
        }
    }
}
