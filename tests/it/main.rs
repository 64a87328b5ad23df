//! Integration tests: the reference server over real HTTP on loopback.

mod api;
mod bulk;
mod crud;
mod faults;
mod protocol;
mod query;
mod robustness;
