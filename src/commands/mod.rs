//! One module per subcommand: each turns parsed arguments into an exit code.

pub mod run;
pub mod serve;
