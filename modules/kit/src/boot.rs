//! What the running system booted with, for settings the kernel or the services cannot report
//! (the loaded SELinux policy type, the crypto policy running services were started with).
//!
//! When a module changes such a setting it records the value in force *before* its first change
//! in this boot, with the boot id, in `/run/hardening-rhel/<name>`. /run is a tmpfs that a reboot
//! empties, and a record with another boot id is ignored anyway, so `reboot_required` computed
//! as "booted value ≠ configured value" stays true exactly until the reboot happened — and turns
//! false if the setting is put back before it.

use crate::error::Result;
use crate::fs::WriteOptions;
use crate::Ctx;

pub const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";
const DIR: &str = "/run/hardening-rhel";

/// The kernel's boot id (empty when unreadable, e.g. in a chroot without /proc).
pub fn boot_id(ctx: &Ctx) -> Result<String> {
    Ok(ctx
        .read(BOOT_ID)?
        .map(|s| s.trim().to_string())
        .unwrap_or_default())
}

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// The value recorded for `name` in this boot, if any.
pub fn booted_value(ctx: &Ctx, name: &str, boot_id: &str) -> Result<Option<String>> {
    let Some(text) = ctx.read(&path(name))? else {
        return Ok(None);
    };
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().to_string())
    };
    Ok(match (field("boot_id="), field("value=")) {
        (Some(b), Some(v)) if !boot_id.is_empty() && b == boot_id && !v.is_empty() => Some(v),
        _ => None,
    })
}

/// Record `value` as what this boot started with (called before the first change).
pub fn record(ctx: &Ctx, name: &str, boot_id: &str, value: &str, what: &str) -> Result<()> {
    crate::fs::create_dirs(&ctx.path(DIR), 0o700)?;
    let text = format!(
        "# written by hardening.rhel: {what} in force when this boot started\nboot_id={boot_id}\nvalue={value}\n"
    );
    ctx.write(
        &path(name),
        text.as_bytes(),
        WriteOptions {
            new_mode: 0o600,
            backup: false,
        },
    )?;
    Ok(())
}

/// Forget the record (the setting is back to what the system booted with).
pub fn clear(ctx: &Ctx, name: &str) -> Result<()> {
    ctx.remove(&path(name), false).map(|_| ())
}

/// The record step a plan needs, given what the system booted with (`booted`: recorded earlier
/// in this boot, else the value in force now) and the value after the task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteStep {
    Record(String),
    Clear,
}

pub fn plan_note(recorded: Option<&str>, in_force_now: &str, after: &str) -> Option<NoteStep> {
    match recorded {
        None if in_force_now != after => Some(NoteStep::Record(in_force_now.to_string())),
        Some(booted) if booted == after => Some(NoteStep::Clear),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_lifecycle_in_a_sandbox() {
        let d = tempfile::tempdir().unwrap();
        let ctx = Ctx::sandbox(d.path(), false, false);
        assert_eq!(booted_value(&ctx, "x", "b1").unwrap(), None);
        record(&ctx, "x", "b1", "DEFAULT", "the crypto policy").unwrap();
        assert_eq!(
            booted_value(&ctx, "x", "b1").unwrap().as_deref(),
            Some("DEFAULT")
        );
        // another boot: the record means nothing
        assert_eq!(booted_value(&ctx, "x", "b2").unwrap(), None);
        assert_eq!(booted_value(&ctx, "x", "").unwrap(), None);
        clear(&ctx, "x").unwrap();
        assert_eq!(booted_value(&ctx, "x", "b1").unwrap(), None);
    }

    #[test]
    fn plan_note_cases() {
        assert_eq!(plan_note(None, "A", "A"), None);
        assert_eq!(
            plan_note(None, "A", "B"),
            Some(NoteStep::Record("A".into()))
        );
        assert_eq!(plan_note(Some("A"), "B", "C"), None);
        assert_eq!(plan_note(Some("A"), "B", "A"), Some(NoteStep::Clear));
    }
}
