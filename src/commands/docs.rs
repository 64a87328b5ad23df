//! `scimitar completions SHELL` and `scimitar man`: generated from the same
//! clap definition as the parser, so they cannot fall out of step with it.

use crate::cli::Cli;
use crate::exit;
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "scimitar", &mut text);
    crate::output::stdout_bytes(&text);
    exit::SUCCESS
}

pub fn man() -> u8 {
    let mut text = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut text) {
        errln!("error: cannot render the manual page: {e}");
        return exit::HARNESS_ERROR;
    }
    crate::output::stdout_bytes(&text);
    exit::SUCCESS
}
