//! Entry point: sets the allocator up, builds the Tokio runtime, hands the
//! arguments to `cli::run` and turns its result into the process exit code.
//! Nothing else lives here.

use std::process::ExitCode;

fn main() -> ExitCode {
    one_malloc_arena();
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

/// Keeps glibc's allocator to one arena. With one per thread (its default),
/// what discovery's worker threads allocate cannot reuse the memory the
/// configuration's syntax tree freed on the main thread, nor planning what
/// discovery freed: at 10,000 replications that is 10 to 20 MB more peak RSS
/// and more CPU time (docs/plan.md). The work is mostly on one thread at a
/// time, so the arena's lock is rarely contended.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
