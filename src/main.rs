use clap::Parser;
use scimitar::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Serve(args) => scimitar::commands::serve::run(args),
    };
    ExitCode::from(code)
}
