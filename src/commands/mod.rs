//! One module per subcommand: each turns parsed arguments into an exit code.

pub mod audit;
pub mod coverage;
pub mod docs;
pub mod list;
pub mod record;
pub mod run;
pub mod select;
pub mod selftest;
pub mod serve;

use crate::exit;
use crate::suite::Suite;
use std::path::Path;

/// The suites from `dir`, or the built-in ones; on failure every problem is
/// printed and the usage exit code returned.
pub(crate) fn load_suites(dir: Option<&Path>) -> Result<Suite, u8> {
    let loaded = match dir {
        Some(dir) => Suite::from_dir(dir),
        None => Suite::embedded(),
    };
    loaded.map_err(|e| {
        errln!("error: the suites do not load:\n{e}");
        exit::USAGE
    })
}
