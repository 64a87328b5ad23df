//! `scimitar record`: the recording proxy in the foreground until Ctrl-C.

use super::{Ended, Failure};
use crate::cli::RecordArgs;
use crate::exit::Exit;
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

pub fn run(args: RecordArgs) -> Ended {
    if args.out.exists() && !args.force {
        return Err(Failure::usage(format!(
            "{} exists; choose another --out, or add --force to replace it",
            args.out.display()
        )));
    }
    let name = args.name.clone().unwrap_or_else(|| {
        args.out.file_stem().map_or_else(|| "session".into(), |s| s.to_string_lossy().into_owned())
    });
    let quiet = args.quiet;
    let recorder =
        Recorder::new(&args.upstream, args.out.clone(), &name, Duration::from_secs(args.timeout.max(1)))
            .map_err(Failure::usage)?
            .on_exchange(move |x, n| {
                if !quiet {
                    let path = match x.path.split_once('?') {
                        Some((route, query)) => format!("{route}?{}", redact_query(query)),
                        None => x.path.clone(),
                    };
                    errln!("{n:>4}  {} {path} -> {}", x.method, x.status);
                }
            });
    let recorder = Arc::new(recorder);
    super::runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(|e| Failure::harness(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener.local_addr().map_or_else(|_| args.listen.clone(), |a| a.to_string());
        outln!(
            "recording: clients use http://{addr} as the base URL; it forwards to {}",
            shown(&args.upstream)
        );
        outln!("writing {} after every exchange; Ctrl-C to stop", args.out.display());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        record::serve(listener, recorder.clone(), shutdown).await.map_err(|e| {
            Failure::harness(format!(
                "the proxy stopped, or {} could not be written: {e}",
                args.out.display()
            ))
        })?;
        if recorder.count() == 0 {
            outln!("\nnothing was recorded; {} was not written", args.out.display());
            return Ok(Exit::Success);
        }
        outln!(
            "\nwrote {} exchanges to {}; replay with: scimitar run {} --url <base URL>",
            recorder.count(),
            args.out.display(),
            args.out.display()
        );
        Ok(Exit::Success)
    })
}
