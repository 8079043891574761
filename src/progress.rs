//! A progress bar on stderr, only when stderr is a terminal (never in pipes, CI logs or cron
//! mail) and not with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub fn hosts(len: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {pos}/{len} hosts {wide_bar} {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

/// A line on stderr, never a panic (a closed stderr is no reason to stop).
pub fn warn(args: std::fmt::Arguments) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}
