//! `sse-test-server`: prints `{"port":P,"cross_port":Q}` on one line once listening, then serves
//! until SIGINT/SIGTERM, stdin EOF (with `--stdin-exit`) or `--max-seconds`, whichever is first.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use sse_test_server::{serve, Config};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::oneshot;

const USAGE: &str = "usage: sse-test-server [--port P] [--cross-port Q] [--root DIR] [--quiet] \
                     [--stdin-exit] [--max-seconds N]";

/// The one line printed once both ports listen.
#[derive(Serialize)]
struct Listening {
    port: u16,
    cross_port: u16,
}

struct Options {
    config: Config,
    stdin_exit: bool,
    max_seconds: u64,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { config: Config::default(), stdin_exit: false, max_seconds: 3600 };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => options.config.port = value(&arg)?.parse().map_err(|e| format!("--port: {e}"))?,
            "--cross-port" => {
                options.config.cross_port = value(&arg)?.parse().map_err(|e| format!("--cross-port: {e}"))?
            }
            "--root" => options.config.root = PathBuf::from(value(&arg)?),
            "--max-seconds" => options.max_seconds = value(&arg)?.parse().map_err(|e| format!("--max-seconds: {e}"))?,
            "--quiet" => options.config.quiet = true,
            "--stdin-exit" => options.stdin_exit = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sse-test-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> std::io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let (port, cross_port, shutdown) = serve(options.config).await?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &Listening { port, cross_port })?;
    writeln!(stdout)?;
    stdout.flush()?;
    drop(stdout);

    let stdin_exit = options.stdin_exit;
    let stdin_eof = async move {
        if !stdin_exit {
            return std::future::pending().await;
        }
        // A blocking read on a plain thread: tokio's stdin would need another feature for one EOF.
        let (eof_tx, eof_rx) = oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = eof_tx.send(());
        });
        let _ = eof_rx.await;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
        _ = stdin_eof => {}
        _ = tokio::time::sleep(Duration::from_secs(options.max_seconds)) => {}
    }
    shutdown.shutdown();
    Ok(())
}
