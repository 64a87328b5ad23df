//! The certification and CI reports, end to end through the command line:
//! a run against a reference server with two faults, one of them waived,
//! writes HTML, Markdown, JUnit, JSON and HAR, and exits on the unwaived
//! failure alone; a baseline run reports exactly the case that was fixed;
//! and the HTML report, opened in headless Chromium, shows a person the
//! summary, a failure's diff, and filters that work. The browser test leaves
//! a screenshot in target/report-screenshot.png.
//!
//! The browser test needs Debian's `chromium` and `chromium-driver`
//! (`scripts/test.sh` installs them). Without them it cannot check anything:
//! it reports itself ignored, NOT CHECKED, naming what is missing, so the
//! other tests still run; with `SCIMITAR_BROWSER_TEST=required` (set by
//! `scripts/test.sh` once they are installed) a missing browser fails it.

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn main() -> std::process::ExitCode {
    let trials = vec![
        Trial::test("a_waived_failure_is_reported_as_waived_and_only_the_other_fails_the_run", || {
            a_waived_failure_is_reported_as_waived_and_only_the_other_fails_the_run();
            Ok(())
        }),
        Trial::test("a_baseline_run_reports_exactly_the_case_that_was_fixed", || {
            a_baseline_run_reports_exactly_the_case_that_was_fixed();
            Ok(())
        }),
        Trial::ignorable_test(
            "the_html_report_shows_a_person_the_summary_a_diff_and_working_filters",
            the_html_report_shows_a_person_the_summary_a_diff_and_working_filters,
        ),
        Trial::test("the_markdown_summary_is_appended_to_the_github_step_summary", || {
            the_markdown_summary_is_appended_to_the_github_step_summary();
            Ok(())
        }),
        Trial::test("on_a_terminal_a_live_line_shows_progress_and_under_ci_plain_lines_do", || {
            on_a_terminal_a_live_line_shows_progress_and_under_ci_plain_lines_do();
            Ok(())
        }),
    ];
    libtest_mimic::run(&Arguments::from_args(), trials).exit_code()
}

const WAIVED_FAULT: &str = "if-none-match-ignored";
const WAIVED_CASE: &str = "rfc7644::etag::if_none_match";
const OTHER_FAULT: &str = "filter-pr-matches-empty";
const OTHER_CASE: &str = "rfc7644::filter::presence";

fn scimitar(args: &[&str], cwd: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `scimitar serve` with two faults, in the background for as long as it lives.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start() -> Served {
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
            .args([
                "serve",
                "--port",
                &port,
                "--token",
                "t",
                "--fault",
                WAIVED_FAULT,
                "--fault",
                OTHER_FAULT,
                "-q",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/scim/v2");
        let started = Instant::now();
        while reqwest::blocking::get(format!("{url}/ServiceProviderConfig")).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "scimitar serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The run of the done-when: a server with two faults, a waiver for one,
/// every report.
fn waived_run(d: &Path) -> i32 {
    std::fs::write(
        d.join("waivers.yaml"),
        format!("- id: {WAIVED_CASE}\n  reason: If-None-Match lands next quarter (TICKET-42)\n  expires: 2099-12-31\n"),
    )
    .unwrap();
    let served = Served::start();
    let (code, _) = scimitar(
        &[
            "run",
            "--url",
            &served.url,
            "--token",
            "t",
            "--waivers",
            "waivers.yaml",
            "--html",
            "report.html",
            "--markdown",
            "summary.md",
            "--junit",
            "junit.xml",
            "--json",
            "report.json",
            "--har",
            "report.har",
        ],
        d,
    );
    code
}

fn a_waived_failure_is_reported_as_waived_and_only_the_other_fails_the_run() {
    let scratch = tempfile::tempdir().unwrap();
    let d = scratch.path();
    assert_eq!(waived_run(d), 1, "the unwaived failure makes the run non-compliant");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("report.json")).unwrap()).unwrap();
    let case = |id: &str| report["cases"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(case(WAIVED_CASE)["verdict"], "waived");
    assert_eq!(case(WAIVED_CASE)["findings"][0]["status"], "waived");
    assert_eq!(case(WAIVED_CASE)["findings"][0]["accepted_by"], WAIVED_CASE);
    assert_eq!(case(OTHER_CASE)["verdict"], "fail");
    assert_eq!(case(OTHER_CASE)["findings"][0]["status"], "fail");
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["summary"]["failed"], 1);
    assert_eq!(report["waivers"][0]["waived"], json!([WAIVED_CASE]));
    assert_schema(&report);

    let markdown = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(markdown.contains(&format!("#### `{WAIVED_CASE}`: waived")), "{markdown}");
    assert!(markdown.contains(&format!("#### `{OTHER_CASE}`: failed")), "{markdown}");

    let junit = std::fs::read_to_string(d.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<failure").count(), 1, "only the unwaived failure is red");
    assert!(junit.contains("waived by rfc7644::etag::if_none_match"));

    let har: Value = serde_json::from_str(&std::fs::read_to_string(d.join("report.har")).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(entries.len(), exchanges(&report), "every exchange of every case");
    assert!(entries.iter().all(|e| e["startedDateTime"].as_str().is_some_and(|t| t.ends_with('Z'))));
    let token_headers: Vec<&Value> = entries
        .iter()
        .flat_map(|e| e["request"]["headers"].as_array().unwrap())
        .filter(|h| h["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("authorization")))
        .collect();
    assert!(!token_headers.is_empty());
    assert!(
        token_headers.iter().all(|h| h["value"].as_str().unwrap().contains("redacted")),
        "no credential in the HAR"
    );

    // Waiving the other failure too leaves nothing failing.
    std::fs::write(
        d.join("waivers.yaml"),
        format!("- {{ id: {WAIVED_CASE}, reason: later }}\n- {{ id: {OTHER_CASE}, reason: later }}\n"),
    )
    .unwrap();
    let (code, _) =
        scimitar(&["run", "--fault", WAIVED_FAULT, "--fault", OTHER_FAULT, "--waivers", "waivers.yaml"], d);
    assert_eq!(code, 0);

    // An expired waiver fails the run, though it waives nothing else.
    std::fs::write(
        d.join("waivers.yaml"),
        format!("- {{ id: {WAIVED_CASE}, reason: old, expires: 2020-01-01 }}\n"),
    )
    .unwrap();
    let (code, out) = scimitar(&["run", "rfc7644::crud::create_user", "--waivers", "waivers.yaml"], d);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("expired on 2020-01-01"), "{out}");
}

/// The JSON report keeps to its published schema, with waivers and baselines too.
fn assert_schema(report: &Value) {
    let schema: Value = serde_json::from_str(include_str!("../reports/run-report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let problems: Vec<String> =
        validator.iter_errors(report).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(problems.is_empty(), "the JSON report breaks its schema:\n{}", problems.join("\n"));
}

fn exchanges(report: &Value) -> usize {
    report["cases"].as_array().unwrap().iter().map(|c| c["exchanges"].as_array().unwrap().len()).sum()
}

fn a_baseline_run_reports_exactly_the_case_that_was_fixed() {
    let scratch = tempfile::tempdir().unwrap();
    let d = scratch.path();
    let (code, _) =
        scimitar(&["run", "--fault", WAIVED_FAULT, "--fault", OTHER_FAULT, "--json", "before.json"], d);
    assert_eq!(code, 1);
    let (code, out) =
        scimitar(&["run", "--fault", OTHER_FAULT, "--baseline", "before.json", "--json", "after.json"], d);
    assert_eq!(code, 0, "no regression against the baseline:\n{out}");
    let after: Value = serde_json::from_str(&std::fs::read_to_string(d.join("after.json")).unwrap()).unwrap();
    assert_eq!(after["baseline"]["fixed"], json!([WAIVED_CASE]));
    assert_eq!(after["baseline"]["regressions"], json!([]));
    assert_eq!(after["baseline"]["still_failing"], json!([OTHER_CASE]));
    assert_schema(&after);
    assert!(out.contains(&format!("fixed: {WAIVED_CASE}")), "{out}");

    // Against a baseline without failures, the same failure is a regression.
    let (_, _) = scimitar(&["run", "rfc7644::filter", "--json", "clean.json"], d);
    let (code, _) =
        scimitar(&["run", "rfc7644::filter", "--fault", OTHER_FAULT, "--baseline", "clean.json"], d);
    assert_eq!(code, 1);
}

/// A WebDriver session, through fantoccini, on a chromedriver this test
/// starts. The test reads as a person's steps, so each call waits for its
/// answer on the session's own runtime.
struct Browser {
    client: fantoccini::Client,
    runtime: tokio::runtime::Runtime,
    driver: Child,
}

/// Chromium and ChromeDriver where Debian's packages put them, or on PATH.
struct BrowserTools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl BrowserTools {
    /// The tools, or a sentence naming what is missing.
    fn find() -> Result<BrowserTools, String> {
        let find = |names: &[&str], fixed: &[&str]| {
            let on_path = std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .flat_map(|dir| names.iter().map(move |n| dir.join(n)));
            fixed.iter().map(PathBuf::from).chain(on_path).find(|p| p.is_file())
        };
        let chromium = find(&["chromium", "chromium-browser"], &["/usr/bin/chromium"]);
        let chromedriver =
            find(&["chromedriver"], &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Ok(BrowserTools { chromium, chromedriver }),
            (chromium, chromedriver) => {
                let missing: Vec<&str> = [
                    chromium.is_none().then_some("Chromium (/usr/bin/chromium, Debian package chromium)"),
                    chromedriver
                        .is_none()
                        .then_some("ChromeDriver (/usr/bin/chromedriver, Debian package chromium-driver)"),
                ]
                .into_iter()
                .flatten()
                .collect();
                Err(format!("missing {}", missing.join(" and ")))
            }
        }
    }
}

impl Browser {
    fn start(tools: &BrowserTools, profile_dir: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", tools.chromedriver.display()));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--window-size=1280,1800",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile_dir.display()));
        let mut caps = fantoccini::wd::Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), json!({ "binary": tools.chromium, "args": args }));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = runtime
            .block_on(
                fantoccini::ClientBuilder::new(connector)
                    .capabilities(caps)
                    .connect(&format!("http://127.0.0.1:{port}")),
            )
            .unwrap_or_else(|e| panic!("no session: {e}"));
        Browser { driver, runtime, client }
    }

    fn open(&self, url: &str) {
        self.runtime.block_on(self.client.goto(url)).unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    fn script(&self, script: &str) -> Value {
        self.runtime.block_on(self.client.execute(script, vec![])).unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    fn element(&self, css: &str) -> fantoccini::elements::Element {
        self.runtime
            .block_on(self.client.find(fantoccini::Locator::Css(css)))
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    fn click(&self, css: &str) {
        self.runtime.block_on(self.element(css).click()).unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    fn type_into(&self, css: &str, text: &str) {
        let field = self.element(css);
        self.runtime
            .block_on(async {
                field.clear().await?;
                field.send_keys(text).await
            })
            .unwrap_or_else(|e| panic!("{css}: {e}"));
    }

    /// The text a person sees in the element (empty when it is hidden).
    fn visible_text(&self, css: &str) -> String {
        self.runtime.block_on(self.element(css).text()).unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    fn screenshot(&self, to: &Path) {
        let png =
            self.runtime.block_on(self.client.screenshot()).unwrap_or_else(|e| panic!("screenshot: {e}"));
        std::fs::write(to, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the session ends the Chromium it started; killing the
        // driver alone could leave that browser running.
        let _ = self.runtime.block_on(self.client.clone().close());
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Without a browser the test cannot check anything: it says so, and fails
/// only where the browser is meant to be there.
fn the_html_report_shows_a_person_the_summary_a_diff_and_working_filters() -> Result<Completion, Failed> {
    let tools = match BrowserTools::find() {
        Ok(tools) => tools,
        Err(missing) => {
            let what = format!(
                "NOT CHECKED: the HTML report was not opened in a browser: {missing}; \
                 scripts/test.sh installs them (or: apt-get install chromium chromium-driver)"
            );
            if std::env::var("SCIMITAR_BROWSER_TEST").is_ok_and(|v| v == "required") {
                return Err(Failed::from(what));
            }
            #[allow(
                clippy::disallowed_macros,
                reason = "a test's own stderr, read by a person at the terminal"
            )]
            {
                eprintln!("\n{what}\n");
            }
            return Ok(Completion::ignored_with(what));
        }
    };
    html_report_in_a_browser(&tools);
    Ok(Completion::Completed)
}

fn html_report_in_a_browser(tools: &BrowserTools) {
    let scratch = tempfile::tempdir().unwrap();
    let d = scratch.path();
    waived_run(d);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("report.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(
        !html.contains(" src=") && !html.contains("<link") && !html.contains("@import"),
        "nothing fetched"
    );

    let browser = Browser::start(tools, &d.join("chromium-profile"));
    browser.open(&format!("file://{}", d.join("report.html").display()));

    assert_eq!(browser.visible_text("#verdict"), "not compliant");
    assert!(browser.visible_text("dl.meta").contains("http://127.0.0.1:"), "the target is named");
    let passed = report["summary"]["passed"].as_u64().unwrap();
    assert_eq!(browser.visible_text("#n-pass b"), passed.to_string());
    assert_eq!(browser.visible_text("#n-fail b"), "1");
    assert_eq!(browser.visible_text("#n-waived b"), "1");
    assert!(browser.visible_text(".statements").contains("RFC 7644: does not conform"));

    // By default the list shows what needs attention: the failure and the waived case.
    let total = report["cases"].as_array().unwrap().len();
    assert_eq!(browser.visible_text("#shown"), format!("2 of {total} cases shown"));

    // Opening the failure shows its requirement and the expected-against-actual diff.
    browser.click(&format!("details.case.fail[data-text^='{OTHER_CASE}'] > summary"));
    let failure = browser.visible_text(&format!("details.case.fail[data-text^='{OTHER_CASE}']"));
    assert!(failure.contains("RFC 7644"), "{failure}");
    assert!(failure.contains("- expected") && failure.contains("+ actual"), "{failure}");
    let diff = browser.visible_text(&format!("details.case.fail[data-text^='{OTHER_CASE}'] pre.diff"));
    assert!(diff.lines().any(|l| l.starts_with('-')) && diff.lines().any(|l| l.starts_with('+')), "{diff}");
    browser.script(&format!(
        "document.querySelector(\"details.case.fail[data-text^='{OTHER_CASE}']\").scrollIntoView()"
    ));
    browser.screenshot(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("../report-screenshot.png"));

    // Searching narrows the list to what matches.
    browser.type_into("#search", "if_none_match");
    assert_eq!(browser.visible_text("#shown"), format!("1 of {total} cases shown"));
    assert_eq!(browser.visible_text(&format!("details.case.fail[data-text^='{OTHER_CASE}'] > summary")), "");

    // The outcome filter shows the passing cases instead.
    browser.type_into("#search", "");
    browser.click("#outcome option[value='pass']");
    assert_eq!(browser.visible_text("#shown"), format!("{passed} of {total} cases shown"));
    let hidden_failures = browser.script(
        "return Array.from(document.querySelectorAll('details.case')).filter(c => !c.hidden && c.dataset.outcome !== 'pass').length",
    );
    assert_eq!(hidden_failures, 0);

    // The level filter: SHOULD shows no MUST-only failure.
    browser.click("#outcome option[value='problems']");
    browser.click("#level option[value='SHOULD']");
    assert_eq!(browser.visible_text("#shown"), format!("0 of {total} cases shown"));
}

fn the_markdown_summary_is_appended_to_the_github_step_summary() {
    let scratch = tempfile::tempdir().unwrap();
    let d = scratch.path();
    let summary = d.join("step-summary.md");
    std::fs::write(&summary, "earlier steps wrote this\n").unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(["run", "rfc7644::crud::create_user"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier steps wrote this\n## scimitar: compliant"), "{text}");
}

fn on_a_terminal_a_live_line_shows_progress_and_under_ci_plain_lines_do() {
    // `script` gives the run a terminal, as a person at a shell would.
    let on_terminal = |ci: &str| {
        let out = Command::new("script")
            .args(["-qec", &format!("{} run", env!("CARGO_BIN_EXE_scimitar")), "/dev/null"])
            .env("CI", ci)
            .env("NO_COLOR", "1")
            .output()
            .expect("script(1) from util-linux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let live = on_terminal("");
    assert!(live.contains(" passed, ") && live.contains(" · running rfc764"), "{live}");
    let plain = on_terminal("true");
    assert!(!plain.contains(" · running "), "{plain}");
    assert!(plain.contains("PASS  rfc7644::crud::create_user"), "{plain}");
}
