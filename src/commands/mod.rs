//! One module per subcommand. Each turns parsed arguments into the library's
//! options once, and returns how it ended or why it could not run; [`finish`]
//! alone prints the error and picks the exit code.

pub mod audit;
pub mod coverage;
pub mod docs;
pub mod list;
pub mod load;
pub mod record;
pub mod reports;
pub mod run;
pub mod select;
pub mod selftest;
pub mod serve;
pub mod target;

use crate::exit::Exit;
use crate::suite::Suite;
use std::path::Path;
use std::sync::Arc;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// What the user gave is wrong: the command line, a suite, a waiver, a
    /// target file. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// The harness could not run: network, TLS, a port in use, I/O. Exit 3.
    #[error("{0}")]
    Harness(String),
}

impl Failure {
    pub fn usage(message: impl std::fmt::Display) -> Failure {
        Failure::Usage(message.to_string())
    }

    pub fn harness(message: impl std::fmt::Display) -> Failure {
        Failure::Harness(message.to_string())
    }
}

impl From<crate::file_error::FileError> for Failure {
    fn from(e: crate::file_error::FileError) -> Failure {
        Failure::Usage(e.to_string())
    }
}

/// What every command returns.
pub type Ended = Result<Exit, Failure>;

/// The exit code of a finished command, after saying why it failed if it
/// did. A command whose reader went away (`| head`) ends quietly with 0.
pub fn finish(ended: Ended) -> std::process::ExitCode {
    let exit = match ended {
        Ok(exit) => exit,
        Err(failure) => {
            if crate::output::exit_code().is_none() {
                errln!("error: {failure}");
            }
            match failure {
                Failure::Usage(_) => Exit::Usage,
                Failure::Harness(_) => Exit::Harness,
            }
        }
    };
    crate::output::exit_code().unwrap_or(exit).into()
}

/// The gate `--fail-on`, `--strict` and `--waivers` describe, read before a
/// run or an audit starts so a bad file stops it first.
pub(crate) fn gate(args: &crate::cli::GateArgs) -> Result<crate::gate::Gate, Failure> {
    let (level, declared) = crate::cli::FailOn::resolve(&args.fail_on);
    let waivers = args.waivers.as_deref().map(crate::gate::waiver::Waivers::load).transpose()?;
    Ok(crate::gate::Gate {
        fail_on: if args.strict { crate::suite::requirement::Level::May } else { level },
        fail_on_declared: declared,
        waivers: waivers.unwrap_or_default(),
        ..crate::gate::Gate::default()
    })
}

/// The exit code of a finished run or audit: what its verdict says, unless
/// a report could not be written.
pub(crate) fn exit_for(run: &crate::report::run::RunReport, wrote_reports: bool) -> Exit {
    use crate::report::run::RunVerdict;
    if !wrote_reports {
        return Exit::Harness;
    }
    match run.verdict() {
        RunVerdict::Compliant(_) => Exit::Success,
        RunVerdict::NotCompliant(_) => Exit::NonCompliant,
        RunVerdict::Incomplete(_) => Exit::Harness,
    }
}

/// A multi-threaded runtime for a command's network work.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::harness(format!("cannot start the runtime: {e}")))
}

/// The suites from `dir`, or the built-in ones.
pub(crate) fn load_suites(dir: Option<&Path>) -> Result<Suite, Failure> {
    let loaded = match dir {
        Some(dir) => Suite::from_dir(dir),
        None => Suite::embedded(),
    };
    loaded.map_err(|e| Failure::usage(format!("the suites do not load:\n{e}")))
}

/// Ctrl-C, or the reader of stdout going away (`| head`), stops the run;
/// the caller then deletes `what` before it ends. A second Ctrl-C quits at
/// once. Needs the runtime.
pub(crate) fn stop_on_interrupt(what: &'static str) -> tokio::sync::watch::Receiver<bool> {
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let cancel = Arc::new(cancel);
    let reader_gone = cancel.clone();
    crate::output::on_close(move || {
        reader_gone.send_replace(true);
    });
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            errln!(
                "\ninterrupted: stopping, then deleting {what} (Ctrl-C again to quit at once, leaving it)"
            );
            cancel.send_replace(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(Exit::Interrupted.code().into());
            }
        }
    });
    cancelled
}
