//! scimitar: a SCIM 2.0 conformance harness and a strict reference SCIM server.
//!
//! - [`scim`]: the protocol core (schemas, filters, PATCH, projection) shared by
//!   the reference server and the runner.
//! - [`server`]: the in-memory reference server behind `scimitar serve`.

// First, so its printing macros are in scope in every module after it.
#[macro_use]
pub mod output;

pub mod audit;
pub mod cli;
pub mod commands;
pub mod exit;
pub mod faults;
pub mod file_error;
pub mod gate;
pub mod load;
pub mod record;
pub mod report;
pub mod runner;
pub mod scim;
pub mod selftest;
pub mod server;
pub mod suite;
