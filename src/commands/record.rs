//! `scimitar record`: the recording proxy in the foreground until Ctrl-C.

use crate::cli::{RecordArgs, exit};
use crate::record::{self, Recorder};
use std::sync::Arc;
use std::time::Duration;

pub fn run(args: RecordArgs) -> u8 {
    if args.out.exists() && !args.force {
        eprintln!("error: {} exists; choose another --out, or add --force to replace it", args.out.display());
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
                eprintln!("{n:>4}  {} {} -> {}", x.method, x.path, x.status);
            }
        }),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let recorder = Arc::new(recorder);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return exit::HARNESS_ERROR;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(&args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", args.listen);
                return exit::HARNESS_ERROR;
            }
        };
        let addr = listener.local_addr().map_or_else(|_| args.listen.clone(), |a| a.to_string());
        println!("recording: clients use http://{addr} as the base URL; it forwards to {}", args.upstream);
        println!("writing {} after every exchange; Ctrl-C to stop", args.out.display());
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(e) = record::serve(listener, recorder.clone(), shutdown).await {
            eprintln!("error: the proxy stopped: {e}");
            return exit::HARNESS_ERROR;
        }
        if recorder.count() == 0 {
            println!("\nnothing was recorded; {} was not written", args.out.display());
            return exit::SUCCESS;
        }
        if let Err(e) = recorder.save() {
            eprintln!("error: cannot write {}: {e}", args.out.display());
            return exit::HARNESS_ERROR;
        }
        println!(
            "\nwrote {} exchanges to {}; replay with: scimitar run {} --url <base URL>",
            recorder.count(),
            args.out.display(),
            args.out.display()
        );
        exit::SUCCESS
    })
}
