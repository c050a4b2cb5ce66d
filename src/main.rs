//! The `membermock` binary: parse the command line, set up logging, serve.

#![forbid(unsafe_code)]

use std::io::IsTerminal;

use clap::Parser;

use membermock::config::{Cli, Command, LogFormat};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system allocator: a request makes a few dozen small, short-lived
/// allocations, and glibc's malloc/free cost a fifth of the server's CPU under load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The target of the one event that reports a fatal error; always enabled, whatever `--log` says.
const FATAL: &str = "membermock::fatal";

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("membermock: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Some(Command::Healthcheck { url }) = &cli.command {
        let url = url
            .clone()
            .unwrap_or_else(|| membermock::config::health_url(cli.serve.listen));
        return match runtime.block_on(membermock::healthcheck(&url)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("membermock healthcheck: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let format = cli.serve.log_format;
    init_tracing(&cli.serve.log, format);
    let db = cli.serve.db.clone();
    match runtime.block_on(membermock::serve(cli.serve)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let hint = e.hint(db.as_deref());
            match format {
                LogFormat::Pretty => match &hint {
                    Some(hint) => {
                        tracing::error!(target: FATAL, "membermock failed: {e}\n  hint: {hint}")
                    }
                    None => tracing::error!(target: FATAL, "membermock failed: {e}"),
                },
                LogFormat::Json => {
                    tracing::error!(target: FATAL, error = %e, hint, "membermock failed")
                }
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|e| {
        eprintln!("membermock: bad --log filter `{filter}` ({e}); using `info`");
        EnvFilter::new("info")
    });
    let filter = match FATAL.parse::<tracing_subscriber::filter::Directive>() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    // Colour only for a person at a terminal: not in CI logs, files or `docker logs`.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
