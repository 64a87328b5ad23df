//! The exit codes, one per kind of outcome: "the server is wrong" and "the
//! harness could not run" never share one.

/// How a command ended, as the shell sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything ran; the target is compliant (or the server stopped cleanly).
    Success,
    /// Everything ran; the target is not compliant.
    NonCompliant,
    /// The command line, a suite, a waiver or a target file is wrong (clap also uses 2).
    Usage,
    /// The harness could not do its job: network, TLS, a port in use, I/O.
    Harness,
    /// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
    Interrupted,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::NonCompliant => 1,
            Exit::Usage => 2,
            Exit::Harness => 3,
            Exit::Interrupted => 130,
        }
    }

    /// Compliant or not, by a verdict.
    pub fn judged(fails: bool) -> Exit {
        if fails { Exit::NonCompliant } else { Exit::Success }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit.code())
    }
}
