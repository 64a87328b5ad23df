//! Where a run goes: the target from `--url`, `--target` or a reference
//! server started here, with its credentials and variables, and the pace
//! the run keeps there.

use super::Failure;
use crate::cli::RunArgs;
use crate::faults::FaultSet;
use crate::runner::target::{Target, TargetAuth};
use crate::runner::target_file::TargetFile;
use crate::scim::quirks::{Idp, Leniency};
use crate::server::{Auth, ReferenceServer, ServerConfig};

/// The target from the command line, a target file, or (neither) a reference
/// server started here, which is returned so it lives as long as the run.
pub(super) fn target(
    args: &RunArgs,
    also_compat: &[Idp],
) -> Result<(Target, Option<ReferenceServer>), Failure> {
    let explicit = [args.token.is_some(), args.basic.is_some(), args.auth_header.is_some()];
    if explicit.iter().filter(|b| **b).count() > 1 {
        return Err(Failure::usage(
            "give one credential: --token, --basic or --header (or their SCIMITAR_* variables)",
        ));
    }
    let auth = if let Some(t) = &args.token {
        Some(TargetAuth::Bearer(t.clone()))
    } else if let Some(b) = &args.basic {
        Some(TargetAuth::basic(b))
    } else {
        args.auth_header.as_deref().map(TargetAuth::header).transpose().map_err(Failure::usage)?
    };
    let (mut target, server) = match (&args.target, &args.url) {
        (Some(file), url) => {
            let mut t = TargetFile::load(file)?.into_target(&|var| std::env::var(var).ok())?;
            if let Some(url) = url {
                t.base_url = url.clone();
            }
            (t, None)
        }
        (None, Some(url)) => (Target::new(url.clone(), TargetAuth::None), None),
        (None, None) => {
            if auth.is_some() {
                return Err(Failure::usage("credentials need a target: add --url (or --target)"));
            }
            let token = uuid::Uuid::new_v4().simple().to_string();
            let config = ServerConfig::new(Auth::bearer(token.clone()))
                .with_faults(FaultSet::of(&args.faults))
                .with_variants(crate::cli::VariantChoice::resolve(&args.variants))
                .with_leniency(Leniency::for_idps(&[&args.compat[..], also_compat].concat()));
            let server = ReferenceServer::start(config).map_err(Failure::harness)?;
            (Target::new(server.base_url(), TargetAuth::Bearer(token)), Some(server))
        }
    };
    if let Some(auth) = auth {
        target.auth = auth;
    }
    crate::runner::target::parse_base_url(&target.base_url)
        .map_err(|e| Failure::usage(format!("--url {e}")))?;
    for var in &args.vars {
        let (name, value) =
            var.split_once('=').ok_or_else(|| Failure::usage(format!("--var {var}: write name=value")))?;
        target.vars.insert(name.trim().to_string(), value.to_string());
    }
    Ok((target, server))
}

/// The pace the run keeps: `--rate` (0 for none), never above a declared rate.
pub(super) fn pace(asked: Option<f64>, declared: Option<f64>) -> Option<f64> {
    match (asked.filter(|r| *r > 0.0), declared) {
        (Some(a), Some(d)) => Some(a.min(d)),
        (a, d) => a.or(d),
    }
}
