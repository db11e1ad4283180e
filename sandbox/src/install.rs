//! Installing the sandbox: a venv under `target/sandbox/` with the pinned Python packages.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::io;
use crate::{repo_root, SandboxError};

/// The Python sandbox: `sandbox.py`, its requirements and their pins.
pub fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py")
}

/// The pinned requirement of `package` (`moto==5.2.5`), if the pins name it.
pub fn pinned(package: &str) -> Option<String> {
    let pins = fs::read_to_string(py_dir().join("constraints.txt")).ok()?;
    let prefix = format!("{package}==");
    pins.lines().find(|l| l.starts_with(&prefix)).map(str::to_owned)
}

/// The virtualenv with the pinned requirements, created or refreshed when they change.
pub fn venv() -> Result<PathBuf, SandboxError> {
    let dir = repo_root().join("target/sandbox/venv");
    let reqs = py_dir().join("requirements.txt");
    let pins = py_dir().join("constraints.txt");
    let wanted = fs::read_to_string(&reqs).map_err(io(format!("reading {}", reqs.display())))?
        + &fs::read_to_string(&pins).map_err(io(format!("reading {}", pins.display())))?;
    let marker = dir.join(".formae-requirements");
    // The marker holds what was installed: unchanged pins need no pip run.
    if fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(dir);
    }
    eprintln!("installing the sandbox into {} (moto, PostgreSQL; about a minute, once)", dir.display());
    run(Command::new("python3").args(["-m", "venv"]).arg(&dir), "creating the sandbox venv (is python3 with venv installed?)")?;
    let pip = dir.join("bin/pip");
    run(
        Command::new(&pip).args(["install", "--quiet", "--disable-pip-version-check", "-r"]).arg(&reqs).arg("-c").arg(&pins),
        "installing the sandbox's Python packages",
    )?;
    fs::write(&marker, wanted).map_err(io("writing the venv marker"))?;
    Ok(dir)
}

fn run(cmd: &mut Command, what: &str) -> Result<(), SandboxError> {
    let status = cmd.status().map_err(io(what))?;
    if status.success() {
        Ok(())
    } else {
        Err(SandboxError::Exited { what: what.to_owned(), status })
    }
}
