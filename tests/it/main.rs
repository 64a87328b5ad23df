//! Integration tests: the reference server over real HTTP on loopback.

mod api;
mod architecture;
mod audit;
mod bulk;
mod cli;
mod client;
mod crud;
mod declared;
mod expectations;
mod faults;
mod formats;
mod fuzz;
mod hostile;
mod hostile_target;
mod load;
mod mock;
mod pace;
mod protocol;
mod query;
mod record;
mod renderers;
mod robustness;
