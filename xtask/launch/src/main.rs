//! `cargo xtask` runs this first. It builds the command line (`xtask`) and then runs it
//! with the same arguments. A warm build says nothing; a build that compiles something (the
//! first one, on a fresh clone, takes minutes) shows cargo's progress as it goes, so a
//! first `cargo xtask deploy` does not sit silent.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};

use xtask_launch::strip_cargo_run_env;

fn main() -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(&cargo);
    // Cargo's output goes through a pipe here; it keeps its colours where it will be seen.
    let color = if std::io::IsTerminal::is_terminal(&std::io::stderr()) { "always" } else { "never" };
    build.args(["build", "--package", "xtask", "--color", color]).stdin(Stdio::null()).stdout(Stdio::inherit()).stderr(Stdio::piped());
    strip_cargo_run_env(&mut build);
    let mut child = match build.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot run cargo to build the command line: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut shown = Shown::default();
    if let Some(stderr) = child.stderr.take() {
        let err = std::io::stderr();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            for out in shown.line(line) {
                let _ = writeln!(err.lock(), "{out}");
            }
        }
    }
    let status = match child.wait() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot wait for cargo: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !status.success() {
        for out in shown.failed() {
            eprintln!("{out}");
        }
        return ExitCode::FAILURE;
    }
    let exe = match std::env::current_exe() {
        Ok(me) => me.with_file_name(format!("xtask{}", std::env::consts::EXE_SUFFIX)),
        Err(e) => {
            eprintln!("error: cannot tell where the command line was built: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut run = Command::new(&exe);
    run.args(std::env::args_os().skip(1));
    strip_cargo_run_env(&mut run);
    run_in_place(run, &exe)
}

#[cfg(unix)]
fn run_in_place(mut run: Command, exe: &std::path::Path) -> ExitCode {
    use std::os::unix::process::CommandExt;
    // Replaces this process: signals (Ctrl-C) and the exit status are the command line's.
    let e = run.exec();
    eprintln!("error: cannot run {}: {e}", exe.display());
    ExitCode::FAILURE
}

#[cfg(not(unix))]
fn run_in_place(mut run: Command, exe: &std::path::Path) -> ExitCode {
    match run.status() {
        Ok(s) => ExitCode::from(s.code().unwrap_or(1) as u8),
        Err(e) => {
            eprintln!("error: cannot run {}: {e}", exe.display());
            ExitCode::FAILURE
        }
    }
}

/// Which of cargo's lines to show: none while only `Finished` comes (a warm build); all of
/// them, with a word on what is happening, from the first line that says it compiles.
#[derive(Default)]
struct Shown {
    held: Vec<String>,
    streaming: bool,
}

impl Shown {
    /// The lines to print now for cargo's `line`.
    fn line(&mut self, line: String) -> Vec<String> {
        if self.streaming {
            return vec![line];
        }
        let plain = strip_ansi(&line);
        let word = plain.trim_start();
        if word.starts_with("Compiling") || word.starts_with("Downloading") || word.starts_with("Downloaded") || word.starts_with("Updating") || word.starts_with("Locking") {
            self.streaming = true;
            let mut out = vec!["Building formae's command line (a first build takes several minutes; later ones only rebuild what changed):".to_owned()];
            out.append(&mut self.held);
            out.push(line);
            return out;
        }
        self.held.push(line);
        Vec::new()
    }

    /// What to print when cargo failed: what was held back.
    fn failed(&mut self) -> Vec<String> {
        std::mem::take(&mut self.held)
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(lines: &[&str]) -> (Vec<String>, Shown) {
        let mut s = Shown::default();
        let out = lines.iter().flat_map(|l| s.line((*l).to_owned())).collect();
        (out, s)
    }

    #[test]
    fn a_warm_build_shows_nothing() {
        let (out, _) = feed(&["    Finished `dev` profile [unoptimized] target(s) in 0.31s"]);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn a_build_that_compiles_shows_cargo_progress_with_a_word_first() {
        let (out, _) = feed(&["\u{1b}[1m\u{1b}[32m   Compiling\u{1b}[0m ring v0.17.14", "   Compiling xtask v0.1.0", "    Finished `dev` profile"]);
        assert!(out[0].starts_with("Building formae's command line"), "{out:?}");
        assert_eq!(out.len(), 4, "{out:?}");
        assert!(out[1].contains("ring"));
    }

    #[test]
    fn a_failed_build_shows_what_was_held_back() {
        let (out, mut s) = feed(&["error: could not find `Cargo.toml`"]);
        assert!(out.is_empty());
        assert_eq!(s.failed(), vec!["error: could not find `Cargo.toml`".to_owned()]);
    }
}
