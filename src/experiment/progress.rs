//! What a command shows on stderr while it works: a bar over a plan's units, then a spinner while
//! it summarises and draws. Hidden when stderr is not a terminal or progress is off, so logs and
//! pipes get none of it.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr over `total` units (e.g. "replications"), or a hidden one when
/// stderr is not a terminal or progress is off.
pub fn bar(enabled: bool, total: u32, unit: &str) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(u64::from(total)), ProgressDrawTarget::stderr());
    let template = format!("{{msg}} [{{wide_bar}}] {{pos}}/{{len}} {unit}, ETA {{eta}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message("simulating");
    bar
}

/// A spinner saying "summarising" (its message can change, e.g. to "drawing charts").
pub fn spinner(enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("summarising");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
