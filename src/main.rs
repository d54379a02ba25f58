//! Entry point: builds the Tokio runtime, hands the arguments to `cli::run`
//! and turns its result into the process exit code. Nothing else lives here.

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(efs_replicator::cli::run(std::env::args_os()))
}
