//! The real `devnet-node` on a data directory that will not take writes
//! (`store` module doc): a read-only mount and a full file system, each a
//! tmpfs mounted for the test. The node exits naming the file and the
//! system's reason, never panics, and never starts with less slashing
//! protection than it had. Mounting needs root (or CAP_SYS_ADMIN); without
//! it each test says it skipped, and why, and passes.

use devnet_node::chain::{ChainSpec, SecretKey, ValidatorSpec};
use devnet_node::config::{ClusterNodes, NodeEntry, write_key};
use devnet_node::consensus::{Record, Table};
use devnet_node::store::Store;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A tmpfs of a given size mounted on a fresh directory; unmounted when
/// dropped, so a failed assertion leaves no mount behind.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    /// `None`, having said why, where this process may not mount.
    fn mount(test: &str, bytes: u64) -> Option<Tmpfs> {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        let size = format!("size={bytes}");
        let why = match Command::new("mount").args(["-t", "tmpfs", "-o", &size, "tmpfs"]).arg(&dir).output() {
            Ok(o) if o.status.success() => return Some(Tmpfs { dir, _parent: parent }),
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => format!("running mount: {e}"),
        };
        eprintln!("SKIPPED {test}: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {why}");
        None
    }

    fn remount(&self, how: &str) {
        let o = Command::new("mount").args(["-o", &format!("remount,{how}")]).arg(&self.dir).output().unwrap();
        assert!(o.status.success(), "remount,{how}: {}", String::from_utf8_lossy(&o.stderr));
    }

    /// Fills the file system until at most `leave` bytes are free; returns the filler.
    fn fill(&self, leave: u64) -> PathBuf {
        use std::io::Write;
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![1u8; 4096];
        loop {
            let st = rustix::fs::statvfs(&self.dir).unwrap();
            let free = st.f_bavail * st.f_frsize;
            if free <= leave || f.write_all(&chunk[..(free - leave).min(4096) as usize]).is_err() {
                break;
            }
        }
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// A one-validator gasper cluster's files (genesis now, 100 ms slots), so
/// the node proposes and attests alone.
fn cluster_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::from_seed([7; 32]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let spec = ChainSpec {
        name: "storage-dirs".into(),
        consensus: "gasper".into(),
        slot_ms: 100,
        epoch_slots: 4,
        genesis_time_ms: now,
        params: Default::default(),
        validators: vec![ValidatorSpec { pubkey: hex::encode(key.public().0), stake: 100 }],
        ledger: None,
    };
    let nodes = ClusterNodes {
        nodes: vec![NodeEntry {
            id: "n0".into(),
            addr: "127.0.0.1:0".parse().unwrap(),
            validator: Some(0),
            metrics: None,
        }],
    };
    std::fs::write(dir.path().join("genesis.json"), serde_json::to_string(&spec).unwrap()).unwrap();
    std::fs::write(dir.path().join("nodes.json"), serde_json::to_string(&nodes).unwrap()).unwrap();
    write_key(&dir.path().join("key"), &key).unwrap();
    dir
}

fn node(files: &Path, data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_devnet-node"));
    c.arg("--genesis").arg(files.join("genesis.json"));
    c.arg("--nodes").arg(files.join("nodes.json"));
    c.args(["--index", "0", "--key"]).arg(files.join("key"));
    c.arg("--data-dir").arg(data_dir);
    c.env("RUST_LOG", "info");
    c
}

/// A node process, killed (SIGKILL) when dropped.
struct Running(Option<Child>);

impl Running {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("running")
    }

    /// Kills it (if it still runs) and returns what it wrote.
    fn output(mut self) -> Output {
        let mut child = self.0.take().expect("running");
        let _ = child.kill();
        child.wait_with_output().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(c) = &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs a node that should refuse to start: its output once it has exited.
fn refused(mut cmd: Command) -> Output {
    let mut node = Running(Some(cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while node.child().try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the node is still running on a directory it cannot write");
        std::thread::sleep(Duration::from_millis(50));
    }
    node.output()
}

/// Runs a node until it logs a finalization (it has signed blocks and
/// attestations by then), then kills it with SIGKILL.
fn run_until_finalized(mut cmd: Command) {
    let mut node = Running(Some(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()));
    let stdout = node.child().stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains("finalized") => return,
            Ok(_) => {}
            Err(_) => {
                let out = node.output();
                panic!("the node never logged a finalization; stderr: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
}

fn protection(dir: &Path) -> Vec<Record> {
    let s = Store::open(dir).unwrap();
    s.load_all().unwrap().into_iter().filter(|r| r.table == Table::Protection).collect()
}

fn assert_refused(out: &Output, files: &[PathBuf], reason: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit status; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(files.iter().any(|f| stderr.contains(&format!("{}:", f.display()))), "names none of {files:?}: {stderr}");
    assert!(stderr.contains(reason), "no '{reason}': {stderr}");
}

#[test]
fn a_node_on_a_read_only_data_dir_exits_naming_node_redb_and_keeps_its_protection() {
    let Some(m) =
        Tmpfs::mount("a_node_on_a_read_only_data_dir_exits_naming_node_redb_and_keeps_its_protection", 64 << 20)
    else {
        return;
    };
    let files = cluster_files();
    run_until_finalized(node(files.path(), &m.dir));
    let signed = protection(&m.dir);
    assert!(!signed.is_empty(), "the node finalized without a slashing-protection record");
    m.remount("ro");
    let out = refused(node(files.path(), &m.dir));
    assert_refused(&out, &[m.dir.join("node.redb")], "Read-only file system");
    m.remount("rw");
    assert_eq!(protection(&m.dir), signed);
}

/// Full with no room at all (redb's file is cut short) and with 1 MiB
/// (the journal's 4 MiB are): refused both times, and the first start with
/// room works.
#[test]
fn a_node_on_a_full_data_dir_exits_naming_the_file_and_starts_once_there_is_room() {
    for leave in [0, 1 << 20] {
        let Some(m) =
            Tmpfs::mount("a_node_on_a_full_data_dir_exits_naming_the_file_and_starts_once_there_is_room", 16 << 20)
        else {
            return;
        };
        let files = cluster_files();
        let filler = m.fill(leave);
        let out = refused(node(files.path(), &m.dir));
        assert_refused(&out, &[m.dir.join("node.redb"), m.dir.join("journal.bin")], "No space left on device");
        std::fs::remove_file(filler).unwrap();
        run_until_finalized(node(files.path(), &m.dir));
        assert!(!protection(&m.dir).is_empty(), "the node finalized without a slashing-protection record");
    }
}
