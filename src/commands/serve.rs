//! `scimitar serve`: the reference server in the foreground until Ctrl-C.

use super::{Ended, Failure};
use crate::cli::{ServeArgs, VariantChoice};
use crate::exit::Exit;
use crate::faults::{Fault, FaultSet};
use crate::scim::quirks::Leniency;
use crate::server::variant::Variant;
use crate::server::{self, Auth, Seed, ServerConfig, Shared};
use std::net::SocketAddr;
use std::sync::Arc;

pub fn run(args: ServeArgs) -> Ended {
    if args.list_faults {
        let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
        for f in Fault::ALL {
            outln!("{:width$}  {}", f.name(), f.about());
        }
        return Ok(Exit::Success);
    }
    if args.list_variants {
        for v in Variant::ALL {
            outln!("{}\n    {}\n    allowed by: {}\n", v.name(), v.about(), v.allowed_by());
        }
        let bundle: Vec<&str> = Variant::MINIMAL.iter().map(|v| v.name()).collect();
        outln!("minimal\n    the bundle: {}", bundle.join(", "));
        return Ok(Exit::Success);
    }
    let (config, auth, generated) = server_config(&args);
    let shared = Shared::new(config).map_err(Failure::usage)?;
    if let Some(seed) = seed(&args)? {
        shared.seed(&seed).map_err(Failure::usage)?;
        errln!("seeded {} resources into each tenant", seed.len());
    }
    let runtime = super::runtime()?;
    let shared = Arc::new(shared);
    runtime.block_on(async move {
        let ip = args
            .host
            .parse::<std::net::IpAddr>()
            .map_err(|_| Failure::usage(format!("--host {} is not an IP address", args.host)))?;
        let addr = SocketAddr::new(ip, args.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| Failure::harness(format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr().unwrap_or(addr);
        print_banner(&shared, local, &auth, generated.as_deref());
        let shutdown = async {
            wait_for_stop().await;
            errln!("stopping");
        };
        server::serve(listener, shared, shutdown).await.map_err(Failure::harness)?;
        Ok(Exit::Success)
    })
}

/// The server the options describe: its configuration, who may call it,
/// and the bearer token generated when no credential was given.
pub(crate) fn server_config(args: &ServeArgs) -> (ServerConfig, Auth, Option<String>) {
    let (auth, generated) = match (args.no_auth, args.tokens.is_empty() && args.basic.is_empty()) {
        (true, _) => (Auth::None, None),
        (false, true) => {
            let token = uuid::Uuid::new_v4().simple().to_string();
            (Auth::bearer(token.clone()), Some(token))
        }
        (false, false) => {
            (Auth::Credentials { bearer: args.tokens.clone(), basic: args.basic.clone() }, None)
        }
    };
    let mut config = ServerConfig::new(auth.clone())
        .with_tenants(args.tenants.clone())
        .with_leniency(Leniency::for_idps(&args.compat))
        .with_faults(FaultSet::of(&args.faults))
        .with_variants(VariantChoice::resolve(&args.variants));
    if let Some(n) = args.max_page_size {
        config = config.with_max_page_size(n as usize);
    }
    if let Some(rate) = args.rate_limit {
        config = config.with_rate_limit(rate);
    }
    if let Some(n) = args.max_members_per_patch {
        config = config.with_max_members_per_patch(n as usize);
    }
    config.log_requests = !args.quiet;
    (config, auth, generated)
}

/// The `--seed` file, read.
pub(crate) fn seed(args: &ServeArgs) -> Result<Option<Seed>, Failure> {
    let Some(path) = &args.seed else { return Ok(None) };
    Seed::read(path).map(Some).map_err(|e| Failure::usage(format!("cannot load seed data: {e}")))
}

pub(crate) fn print_banner(shared: &Shared, addr: SocketAddr, auth: &Auth, generated: Option<&str>) {
    let mode = if shared.config.leniency.is_strict() {
        "strict".to_string()
    } else {
        let idps: Vec<_> = shared.config.leniency.idps().iter().map(|i| i.name()).collect();
        format!("lenient for {}", idps.join(", "))
    };
    outln!("scimitar reference server ({mode})");
    for tenant in &shared.tenants {
        outln!("  base URL  http://{addr}{}", tenant.prefix);
    }
    match (auth, generated) {
        (Auth::None, _) => outln!("  auth      none (--no-auth)"),
        (_, Some(token)) => {
            outln!("  auth      Authorization: Bearer {token}");
            outln!("            (generated for this run; --token chooses one, --no-auth turns auth off)");
        }
        (Auth::Credentials { bearer, basic }, None) => {
            // Secrets the user chose are theirs already: never echo them.
            outln!("  auth      {} bearer token(s), {} Basic API key(s)", bearer.len(), basic.len());
        }
    }
    let faults: Vec<_> = shared.config.faults.iter().map(|f| f.name()).collect();
    if !faults.is_empty() {
        outln!("  faults    {} (deliberately non-compliant)", faults.join(", "));
    }
    outln!("Ctrl-C stops the server.");
}

pub(crate) async fn wait_for_stop() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
