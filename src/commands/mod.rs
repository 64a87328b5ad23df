//! One module per subcommand: each turns parsed arguments into an exit code.

pub mod coverage;
pub mod docs;
pub mod list;
pub mod record;
pub mod run;
pub mod selftest;
pub mod serve;
