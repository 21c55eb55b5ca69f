//! Running external programs: by absolute path, never through a shell, with `LC_ALL=C`,
//! a fixed PATH, stdin closed, output captured and the exit code checked.

use crate::error::{Error, Result};
use crate::Ctx;
use std::process::{Command, Stdio};

/// What a program printed and how it exited.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; -1 when killed by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == 0
    }
}

fn describe(prog: &str, args: &[&str]) -> String {
    std::iter::once(prog)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run `prog` (an absolute path on the managed system) and return its output whatever the exit
/// code; for tools whose exit code is an answer (`--is-applied`, `--check`).
/// In a sandbox the program is taken from inside the sandbox root, and learns the root from
/// `HARDENING_RHEL_SANDBOX`.
pub fn run_status(ctx: &Ctx, prog: &str, args: &[&str]) -> Result<Output> {
    if !prog.starts_with('/') {
        return Err(Error::Command(format!(
            "internal error: program '{prog}' must be given by absolute path"
        )));
    }
    let exe = ctx.path(prog);
    let mut cmd = Command::new(&exe);
    cmd.args(args)
        .env_clear()
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(root) = ctx.sandbox_root() {
        cmd.env("HARDENING_RHEL_SANDBOX", root);
    }
    let out = cmd
        .output()
        .map_err(|e| Error::Command(format!("could not run {}: {e}", describe(prog, args))))?;
    Ok(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Run `prog` and fail unless it exits 0; the failure names the command, the exit code and
/// what the program said on stderr (or stdout when stderr is empty).
pub fn run(ctx: &Ctx, prog: &str, args: &[&str]) -> Result<Output> {
    let out = run_status(ctx, prog, args)?;
    if out.success() {
        return Ok(out);
    }
    let said = if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    };
    Err(Error::Command(format!(
        "{} exited with code {}{}{}",
        describe(prog, args),
        out.code,
        if said.is_empty() { "" } else { ": " },
        said
    )))
}

/// Whether `prog` exists (as an executable file) on the managed system.
pub fn exists(ctx: &Ctx, prog: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(ctx.path(prog))
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
