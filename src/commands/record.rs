//! `scimitar record`: the recording proxy in the foreground until Ctrl-C.

use crate::cli::RecordArgs;
use crate::exit;
use crate::record::case_file::redact_query;
use crate::record::{self, Recorder};
use std::sync::Arc;
use std::time::Duration;

/// A URL as it may be printed: without the credentials it may carry.
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            let _ = u.set_username("");
            if let Some(q) = u.query().map(redact_query) {
                u.set_query(Some(&q));
            }
            u.to_string()
        }
        Err(_) => "the upstream".into(),
    }
}

pub fn run(args: RecordArgs) -> u8 {
    if args.out.exists() && !args.force {
        errln!("error: {} exists; choose another --out, or add --force to replace it", args.out.display());
        return exit::USAGE;
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.out.file_stem().map_or_else(|| "session".into(), |s| s.to_string_lossy().into_owned())
    });
    let quiet = args.quiet;
    let recorder = match Recorder::new(
        &args.upstream,
        args.out.clone(),
        &name,
        Duration::from_secs(args.timeout.max(1)),
    ) {
        Ok(r) => r.on_exchange(move |x, n| {
            if !quiet {
                let path = match x.path.split_once('?') {
                    Some((route, query)) => format!("{route}?{}", redact_query(query)),
                    None => x.path.clone(),
                };
                errln!("{n:>4}  {} {path} -> {}", x.method, x.status);
            }
        }),
        Err(e) => {
            errln!("error: {e}");
            return exit::USAGE;
        }
    };
    let recorder = Arc::new(recorder);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&args.listen).await {
            Ok(l) => l,
            Err(e) => {
                errln!("error: cannot listen on {}: {e}", args.listen);
                return exit::HARNESS_ERROR;
            }
        };
        let addr = listener.local_addr().map_or_else(|_| args.listen.clone(), |a| a.to_string());
        outln!(
            "recording: clients use http://{addr} as the base URL; it forwards to {}",
            shown(&args.upstream)
        );
        outln!("writing {} after every exchange; Ctrl-C to stop", args.out.display());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(e) = record::serve(listener, recorder.clone(), shutdown).await {
            errln!("error: the proxy stopped, or {} could not be written: {e}", args.out.display());
            return exit::HARNESS_ERROR;
        }
        if recorder.count() == 0 {
            outln!("\nnothing was recorded; {} was not written", args.out.display());
            return exit::SUCCESS;
        }
        outln!(
            "\nwrote {} exchanges to {}; replay with: scimitar run {} --url <base URL>",
            recorder.count(),
            args.out.display(),
            args.out.display()
        );
        exit::SUCCESS
    })
}
