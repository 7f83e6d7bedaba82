//! `wash`, the wasmCloud 0.x shell: parse the command line, run one command, render its result.

// The one place the binary needs `unsafe`: implementing `GlobalAlloc` and reading its command line
// before anything is allocated (the module says why, and why each use is sound).
#[allow(unsafe_code)]
mod alloc;
mod cli;
mod commands;
mod output;
mod render;

use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: alloc::WashAllocator = alloc::WashAllocator;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors exit 2, `--help`/`--version` exit 0: clap knows which is which.
        Err(err) => {
            let code = err.exit_code();
            let _ = err.print();
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    let traces = cli.global.init_tracing(cli.command.host_logging());
    let printer = output::Printer::new(&cli.global);
    let result = commands::run(cli.command, &printer);
    let code = output::render(result, &printer);
    // Spans still batched are sent before exiting.
    drop(traces);
    code
}
