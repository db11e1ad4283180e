//! Apply progress: a spinner per running resource with its elapsed time on a terminal,
//! plain lines otherwise.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use formae_runtime::engine::{Event, Observer};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shows engine events.
pub(crate) struct Progress {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

impl Progress {
    /// Spinners when `terminal`, else lines on stderr.
    pub(crate) fn new(terminal: bool) -> Self {
        let multi = terminal.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { multi, bars: Mutex::new(HashMap::new()) }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

impl Observer for Progress {
    fn event(&self, event: &Event) {
        let Some(multi) = &self.multi else {
            match event {
                Event::Started { resource, op } => eprintln!("{resource}: {}...", op.doing()),
                Event::Finished { resource, op, elapsed } => eprintln!("{resource}: {} after {}", op.done(), secs(*elapsed)),
                Event::Failed { resource, op, elapsed, error } => {
                    eprintln!("{resource}: {} failed after {}: {error}", op.doing(), secs(*elapsed))
                }
                Event::Waiting { resource, note } => eprintln!("{resource}: still waiting; {note}"),
            }
            return;
        };
        let mut bars = self.bars.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match event {
            Event::Started { resource, op } => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(format!("{resource}: {}", op.doing()));
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(resource.clone(), bar);
            }
            Event::Finished { resource, op, elapsed } => {
                if let Some(bar) = bars.remove(resource) {
                    bar.set_style(ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
                    bar.finish_with_message(format!("✓ {resource}: {} after {}", op.done(), secs(*elapsed)));
                }
            }
            Event::Waiting { resource, note } => {
                if let Some(bar) = bars.get(resource) {
                    let doing = bar.message();
                    let doing = doing.split(" (").next().unwrap_or_default().to_owned();
                    bar.set_message(format!("{doing} ({note})"));
                }
            }
            Event::Failed { resource, op, elapsed, error } => {
                if let Some(bar) = bars.remove(resource) {
                    bar.set_style(ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
                    bar.finish_with_message(format!("✗ {resource}: {} failed after {}: {error}", op.doing(), secs(*elapsed)));
                }
            }
        }
    }
}
