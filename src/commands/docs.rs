//! `scimitar completions SHELL` and `scimitar man`: generated from the same
//! clap definition as the parser, so they cannot fall out of step with it.

use crate::cli::{Cli, exit};
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "scimitar", &mut text);
    print_out(&text, "the completions")
}

pub fn man() -> u8 {
    let mut text = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut text) {
        eprintln!("error: cannot render the manual page: {e}");
        return exit::HARNESS_ERROR;
    }
    print_out(&text, "the manual page")
}

/// Writes to stdout; a reader that stops early (`| head`) is not an error.
fn print_out(text: &[u8], what: &str) -> u8 {
    use std::io::Write as _;
    match std::io::stdout().write_all(text) {
        Ok(()) => exit::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {what}: {e}");
            exit::HARNESS_ERROR
        }
    }
}
