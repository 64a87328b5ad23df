//! The exit codes, one per kind of outcome: "the server is wrong" and "the
//! harness could not run" never share one.

/// Everything ran; the target is compliant (or the server stopped cleanly).
pub const SUCCESS: u8 = 0;
/// Everything ran; the target is not compliant.
pub const NON_COMPLIANT: u8 = 1;
/// The command line, a suite file or a target file is wrong (clap also uses 2).
pub const USAGE: u8 = 2;
/// The harness could not do its job: network, TLS, a port in use, I/O.
pub const HARNESS_ERROR: u8 = 3;
/// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;
