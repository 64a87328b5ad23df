//! `scimitar completions SHELL` and `scimitar man`: generated from the same
//! clap definition as the parser, so they cannot fall out of step with it.

use super::{Ended, Failure};
use crate::cli::Cli;
use crate::exit::Exit;
use clap::CommandFactory;

pub fn completions(shell: clap_complete::Shell) -> Ended {
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "scimitar", &mut text);
    crate::output::stdout_bytes(&text);
    Ok(Exit::Success)
}

pub fn man() -> Ended {
    let mut text = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut text)
        .map_err(|e| Failure::harness(format!("cannot render the manual page: {e}")))?;
    crate::output::stdout_bytes(&text);
    Ok(Exit::Success)
}
