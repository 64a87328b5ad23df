use clap::Parser;
use scimitar::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => scimitar::commands::run::run(*args),
        Command::Serve(args) => scimitar::commands::serve::run(args),
        Command::Coverage(args) => scimitar::commands::coverage::run(args),
        Command::Selftest(args) => scimitar::commands::selftest::run(args),
        Command::Record(args) => scimitar::commands::record::run(args),
        Command::Audit(args) => scimitar::commands::audit::run(*args),
        Command::List(args) => scimitar::commands::list::run(args),
        Command::Completions(args) => scimitar::commands::docs::completions(args.shell),
        Command::Man => scimitar::commands::docs::man(),
    };
    // A command that stopped because its reader went away ends quietly.
    ExitCode::from(scimitar::output::exit_code().unwrap_or(code))
}
