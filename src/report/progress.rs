//! The live display of a run: a line per finished case, and on a terminal a
//! status line under them (counts, the case running, time so far). Where
//! nobody watches a terminal (a pipe, a file, `CI=true`) only the lines.

use super::terminal::{self, Style};
use crate::runner::Event;
use crate::runner::outcome::Verdict;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Whether a live status line helps: stdout is a terminal and this is not CI.
pub fn live() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    std::io::stdout().is_terminal() && !ci
}

/// Shows events until the run drops its sender.
pub async fn show(mut events: UnboundedReceiver<Event>, total: usize, style: Style) {
    let bar = if live() {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stdout());
        bar.set_style(
            ProgressStyle::with_template("{elapsed:>4} [{pos}/{len}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Some(bar)
    } else {
        None
    };
    let (mut passed, mut failed, mut running) = (0usize, 0usize, Vec::<String>::new());
    while let Some(event) = events.recv().await {
        match event {
            Event::Started(id) => running.push(id),
            Event::Finished(report) => {
                running.retain(|id| *id != report.id);
                match report.verdict() {
                    Verdict::Pass => passed += 1,
                    Verdict::Fail | Verdict::Error => failed += 1,
                    _ => {}
                }
                let line = terminal::progress_line(&report, style);
                match &bar {
                    Some(bar) => {
                        bar.println(line);
                        bar.inc(1);
                    }
                    None => outln!("{line}"),
                }
            }
        }
        if let Some(bar) = &bar {
            let current = running.last().map(|id| format!(" · running {id}")).unwrap_or_default();
            bar.set_message(format!("{passed} passed, {failed} failed{current}"));
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}
