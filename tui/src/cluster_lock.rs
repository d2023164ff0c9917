//! Who owns a cluster directory: the running `devnet` holds an advisory lock
//! on `<cluster>/devnet.lock` for as long as it lives.
//!
//! Rules:
//! - The lock is `flock` (std's `File::try_lock`), so the kernel frees it when
//!   the owner exits for any reason, SIGKILL included; nothing has to clean up.
//!   The file is opened close-on-exec, so node processes never inherit it.
//! - The owner writes `{"pid":…,"started_ms":…}` into the file after taking
//!   the lock, and never truncates it before: a refused second `devnet` can
//!   then name the process in the way. The file stays behind after the owner
//!   exits; its contents then name the last owner (whose `control.addr` may
//!   be stale).
//! - Only the owner writes or removes `control.addr`, `nodes.json` and the
//!   nodes' stores; a second `devnet up` is refused before it touches any.
//! - Anyone may probe whether the lock is held (`probe`): it takes the shared
//!   lock for an instant. An owner that finds the lock busy retries briefly
//!   before giving up, so a probe never makes a real start fail.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const LOCK_FILE: &str = "devnet.lock";

/// How long `acquire` keeps trying while the lock is busy (a probe holds it
/// for microseconds; a real owner holds it for good).
const ACQUIRE_PATIENCE: Duration = Duration::from_millis(300);

/// What the owner writes into the lock file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    /// When this owner took the lock (ms since the Unix epoch).
    pub started_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the cluster directory {} is in use by another devnet ({}); stop that one first, or pick another --name or --data-dir",
        dir.display(),
        owner.as_ref().map_or_else(|| "pid unknown".to_string(), |o| format!("pid {}", o.pid))
    )]
    Held { dir: PathBuf, owner: Option<Owner> },
    #[error("locking {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct ClusterLock {
    _file: File,
    pub owner: Owner,
}

pub fn lock_path(root: &Path) -> PathBuf {
    root.join(LOCK_FILE)
}

impl ClusterLock {
    /// Takes the lock of the cluster directory `root` (creating `root`), or
    /// says which process holds it.
    pub fn acquire(root: &Path) -> Result<ClusterLock, LockError> {
        let path = lock_path(root);
        let io = |source| LockError::Io { path: path.clone(), source };
        std::fs::create_dir_all(root).map_err(io)?;
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if start.elapsed() < ACQUIRE_PATIENCE => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(LockError::Held { dir: root.to_path_buf(), owner: read_owner(&mut file) });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let owner = Owner { pid: std::process::id(), started_ms: crate::devnet::now_ms() };
        let text = serde_json::to_string(&owner).map_err(|e| io(e.into()))?;
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(format!("{text}\n").as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(ClusterLock { _file: file, owner })
    }
}

/// Whether a devnet owns the cluster directory `root` right now.
#[derive(Clone, Debug, PartialEq)]
pub enum Probe {
    /// The lock is held; `owner` as the lock file says (None while it is being written).
    Running { owner: Option<Owner> },
    /// Nobody holds it; `last` is the last owner, if one ever wrote the file.
    Stopped { last: Option<Owner> },
}

impl Probe {
    pub fn is_running(&self) -> bool {
        matches!(self, Probe::Running { .. })
    }
}

/// Looks at `root`'s lock without keeping it.
pub fn probe(root: &Path) -> std::io::Result<Probe> {
    let mut file = match File::open(lock_path(root)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Probe::Stopped { last: None }),
        Err(e) => return Err(e),
    };
    let owner = read_owner(&mut file);
    match file.try_lock_shared() {
        Ok(()) => Ok(Probe::Stopped { last: owner }),
        Err(TryLockError::WouldBlock) => Ok(Probe::Running { owner }),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

fn read_owner(file: &mut File) -> Option<Owner> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_is_refused_with_the_first_ones_pid_and_a_dropped_lock_is_free() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("c");
        assert_eq!(probe(&root).unwrap(), Probe::Stopped { last: None });
        let first = ClusterLock::acquire(&root).unwrap();
        assert_eq!(first.owner.pid, std::process::id());
        assert_eq!(probe(&root).unwrap(), Probe::Running { owner: Some(first.owner.clone()) });
        match ClusterLock::acquire(&root) {
            Err(e @ LockError::Held { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains(&root.display().to_string()), "{msg}");
                assert!(msg.contains(&format!("pid {}", std::process::id())), "{msg}");
            }
            other => panic!("expected Held, got {other:?}"),
        }
        let owner = first.owner.clone();
        drop(first);
        assert_eq!(probe(&root).unwrap(), Probe::Stopped { last: Some(owner) });
        let again = ClusterLock::acquire(&root).unwrap();
        assert!(probe(&root).unwrap().is_running());
        drop(again);
    }
}
