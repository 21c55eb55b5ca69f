//! A module that panics, to prove the kit turns a panic into a JSON failure (never a bare Rust
//! panic message, which Ansible would show as MODULE FAILURE). Test-only: not in the collection.

use kit::{Ctx, Kind, Outcome, Param, Result};

struct PanicProbe;

#[derive(serde::Deserialize)]
struct Args {
    after_change: bool,
}

impl kit::Module for PanicProbe {
    const NAME: &'static str = "panic_probe";
    const SPEC: &'static [Param] =
        &[Param::new("after_change", Kind::Bool).default(kit::Default::Bool(false))];
    type Args = Args;
    fn run(ctx: &Ctx, args: Args) -> Result<Outcome> {
        if args.after_change {
            ctx.write("/changed", b"x", kit::fs::WriteOptions::default())?;
        }
        let v: Vec<u8> = Vec::new();
        let i = v.len() + 3;
        panic!("index {i} is out of range, on purpose");
    }
}

fn main() {
    kit::main::<PanicProbe>()
}
