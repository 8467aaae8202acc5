//! The `natter` binary: the command line, logging, then the window (or, with
//! `--update-only`, just the update).

use std::process::ExitCode;
use std::time::Instant;

use natter::cli::{Cli, USAGE};

/// mimalloc rather than glibc's malloc: glibc kept the large buffers of decoded photos and
/// their textures after they were freed (its mmap threshold rises with the first one freed,
/// so the next ones come from heaps it seldom trims), and the window's RSS grew by tens of
/// MB with each photo viewed (issue 15, `scripts/app-memory`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // first thing, so the "first frame" log line can say how long start-up took
    let started = Instant::now();
    let cli = match Cli::parse(std::env::args().skip(1)) {
        Ok(cli) => cli,
        Err(error) => {
            eprintln!("natter: {error}");
            return ExitCode::from(2);
        }
    };
    if cli.help {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if cli.version {
        println!("{}", natter::build_info::version_line());
        return ExitCode::SUCCESS;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // colours only for a person at a terminal, not in a log file
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = if cli.update_only {
        natter::update::run_headless(&cli)
    } else {
        natter::run(&cli, started)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("natter: {error:#}");
            ExitCode::FAILURE
        }
    }
}
