//! `wash inspect`: wash 0.18.1's one inspect command for both artifact kinds. A file that starts with
//! the WebAssembly magic number is a module (`claims inspect`); anything else is read as a provider
//! archive (`par inspect`).

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;

use crate::output::CommandOutput;

const WASM_MAGIC: [u8; 4] = *b"\0asm";

/// Arguments of `wash inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A signed actor module or a provider archive (told apart by content).
    target: PathBuf,
    /// Print only the raw JWT (actor modules).
    #[arg(long = "jwt-only")]
    jwt_only: bool,
}

/// Runs `wash inspect`.
pub fn run(args: InspectArgs) -> anyhow::Result<CommandOutput> {
    let path = &args.target;
    if !path.is_file() {
        bail!(
            "`{}` is not a file; to inspect an artifact in a registry, `wash pull` it first",
            path.display()
        );
    }
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    if read == 4 && magic == WASM_MAGIC {
        return super::claims::inspect_module(args.target, args.jwt_only);
    }
    if args.jwt_only {
        bail!(
            "`--jwt-only` applies to actor modules; `{}` is not one (`wash par inspect` shows an archive)",
            path.display()
        );
    }
    super::par::inspect_archive(args.target)
}
