//! Finding node processes by their data directory (every node's command line
//! names it), so a test can tell whether any survived.

use std::path::Path;
use std::time::{Duration, Instant};

/// Pids of live processes whose command line mentions `dir`.
pub fn pids_mentioning(dir: &Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    let me = std::process::id();
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir("/proc") else { return out };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else { continue };
        // Zombies have an empty cmdline and are not running.
        if String::from_utf8_lossy(&cmd).contains(&needle) {
            let state = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            if !state.contains(") Z ") {
                out.push(pid);
            }
        }
    }
    out
}

/// Waits up to `limit` for every process mentioning `dir` to be gone.
pub fn wait_none_left(dir: &Path, limit: Duration) -> Vec<u32> {
    let start = Instant::now();
    loop {
        let left = pids_mentioning(dir);
        if left.is_empty() || start.elapsed() > limit {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A fast 4-node devnet config (100 ms slots, 4-slot epochs) in `dir`.
pub fn fast_config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("fast.toml");
    std::fs::write(
        &path,
        "name = \"it\"\nconsensus = \"gasper\"\nnodes = 4\nslot_ms = 100\nepoch_slots = 4\ngenesis_delay_ms = 300\n",
    )
    .unwrap();
    path
}
