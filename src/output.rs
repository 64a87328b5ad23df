//! Everything the program prints goes through here (`outln!`, `out!`,
//! `errln!`; clippy refuses `println!` and its kin, see `clippy.toml`).
//!
//! `println!` panics when stdout is a pipe whose reader went away
//! (`scimitar coverage | head -3`). Here a closed stdout ends the program
//! quietly with exit 0, as ripgrep does: at once, or, for a command that
//! must first clean up what it created on a target, once it has (it asks to
//! be told with [`on_close`]). What goes to stderr is best effort: with no
//! one reading it, there is no one to tell.

use std::fmt;
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

const OPEN: u8 = 0;
const READER_GONE: u8 = 1;
const WRITE_FAILED: u8 = 2;

static STDOUT: AtomicU8 = AtomicU8::new(OPEN);
type OnClose = Box<dyn FnOnce() + Send>;
static ON_CLOSE: Mutex<Option<OnClose>> = Mutex::new(None);

/// Prints to stdout, like `print!`.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::stdout(format_args!($($arg)*)) };
}

/// Prints a line to stdout, like `println!`.
#[macro_export]
macro_rules! outln {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints a line to stderr, like `eprintln!`, never panicking.
#[macro_export]
macro_rules! errln {
    () => { $crate::output::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

pub fn stdout(text: fmt::Arguments<'_>) {
    if STDOUT.load(Ordering::Relaxed) != OPEN {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(text) {
        closed(&e);
    }
}

/// Writes bytes to stdout as they are (a manual page, completions).
pub fn stdout_bytes(bytes: &[u8]) {
    if STDOUT.load(Ordering::Relaxed) != OPEN {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        closed(&e);
    }
}

pub fn stderr(text: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(text);
}

fn closed(e: &std::io::Error) {
    let state = if e.kind() == std::io::ErrorKind::BrokenPipe { READER_GONE } else { WRITE_FAILED };
    if STDOUT.swap(state, Ordering::Relaxed) != OPEN {
        return;
    }
    if state == WRITE_FAILED {
        stderr(format_args!("error: cannot write to stdout: {e}\n"));
    }
    let on_close = ON_CLOSE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    match on_close {
        Some(stop) => stop(),
        None => std::process::exit(exit_code().map_or(0, |e| i32::from(e.code()))),
    }
}

/// Instead of ending the program when stdout closes, calls `stop`: the
/// command winds down (cleaning up what it must) and returns, and `main`
/// then exits with [`exit_code`].
pub fn on_close(stop: impl FnOnce() + Send + 'static) {
    *ON_CLOSE.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(stop));
}

/// The exit code once stdout has closed: 0 when its reader went away (it
/// read what it wanted), 3 when writing failed otherwise (a full disk).
pub fn exit_code() -> Option<crate::exit::Exit> {
    match STDOUT.load(Ordering::Relaxed) {
        OPEN => None,
        READER_GONE => Some(crate::exit::Exit::Success),
        _ => Some(crate::exit::Exit::Harness),
    }
}
