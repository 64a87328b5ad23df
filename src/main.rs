use clap::Parser;
use scimitar::cli::{Cli, Command};
use scimitar::commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    let ended = match Cli::parse().command {
        Command::Run(args) => commands::run::run(*args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Coverage(args) => commands::coverage::run(args),
        Command::Selftest(args) => commands::selftest::run(args),
        Command::Record(args) => commands::record::run(args),
        Command::Audit(args) => commands::audit::run(*args),
        Command::List(args) => commands::list::run(args),
        Command::Completions(args) => commands::docs::completions(args.shell),
        Command::Man => commands::docs::man(),
    };
    commands::finish(ended)
}
