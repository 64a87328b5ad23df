use clap::Parser;
use scimitar::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => scimitar::commands::run::run(args),
        Command::Serve(args) => scimitar::commands::serve::run(args),
    };
    ExitCode::from(code)
}
