//! `scimitar serve`: the reference server in the foreground until Ctrl-C.

use crate::cli::{ServeArgs, VariantChoice};
use crate::exit;
use crate::faults::{Fault, FaultSet};
use crate::scim::quirks::Leniency;
use crate::server::variant::Variant;
use crate::server::{self, Auth, Seed, ServerConfig, Shared};
use std::net::SocketAddr;
use std::sync::Arc;

pub fn run(args: ServeArgs) -> u8 {
    if args.list_faults {
        let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
        for f in Fault::ALL {
            outln!("{:width$}  {}", f.name(), f.about());
        }
        return exit::SUCCESS;
    }
    if args.list_variants {
        for v in Variant::ALL {
            outln!("{}\n    {}\n    allowed by: {}\n", v.name(), v.about(), v.allowed_by());
        }
        let bundle: Vec<&str> = Variant::MINIMAL.iter().map(|v| v.name()).collect();
        outln!("minimal\n    the bundle: {}", bundle.join(", "));
        return exit::SUCCESS;
    }
    let (config, auth, generated) = server_config(&args);
    let shared = match Shared::new(config) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    match seed(&args) {
        Ok(Some(seed)) => {
            if let Err(e) = shared.seed(&seed) {
                errln!("error: {e}");
                return exit::USAGE;
            }
            errln!("seeded {} resources into each tenant", seed.len());
        }
        Ok(None) => {}
        Err(code) => return code,
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    let shared = Arc::new(shared);
    runtime.block_on(async move {
        let addr = match args.host.parse::<std::net::IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, args.port),
            Err(_) => {
                errln!("error: --host {} is not an IP address", args.host);
                return exit::USAGE;
            }
        };
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                errln!("error: cannot listen on {addr}: {e}");
                return exit::HARNESS_ERROR;
            }
        };
        let local = listener.local_addr().unwrap_or(addr);
        print_banner(&shared, local, &auth, generated.as_deref());
        let shutdown = async {
            wait_for_stop().await;
            errln!("stopping");
        };
        match server::serve(listener, shared, shutdown).await {
            Ok(()) => exit::SUCCESS,
            Err(e) => {
                errln!("error: {e}");
                exit::HARNESS_ERROR
            }
        }
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

/// The `--seed` file, read; a file that does not load is reported and the
/// usage exit code returned.
pub(crate) fn seed(args: &ServeArgs) -> Result<Option<Seed>, u8> {
    let Some(path) = &args.seed else { return Ok(None) };
    let loaded = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e}", path.display()))
        .and_then(|text| Seed::from_json(&text).map_err(|e| format!("{}: {e}", path.display())));
    match loaded {
        Ok(seed) => Ok(Some(seed)),
        Err(e) => {
            errln!("error: cannot load seed data: {e}");
            Err(exit::USAGE)
        }
    }
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
