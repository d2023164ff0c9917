//! The store on a directory that will not take writes (module doc): a real
//! read-only mount and a real full file system, each a tmpfs mounted for
//! the test. Mounting needs root (or CAP_SYS_ADMIN); without it each test
//! says it skipped, and why, and passes.

use super::*;
use std::collections::BTreeSet;
use std::process::Command;

fn rec(t: Table, k: &[u8], v: &[u8]) -> Record {
    Record { table: t, key: k.to_vec(), value: v.to_vec() }
}

fn protection(s: &Store) -> Vec<Record> {
    s.load_all().unwrap().into_iter().filter(|r| r.table == Table::Protection).collect()
}

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

    /// Fills the file system until at most `leave` bytes are free; the
    /// filler is returned, to be removed when the disk should have room again.
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

#[test]
fn a_fresh_store_on_a_read_only_directory_is_refused_naming_the_file() {
    let Some(m) = Tmpfs::mount("a_fresh_store_on_a_read_only_directory_is_refused_naming_the_file", 8 << 20) else {
        return;
    };
    m.remount("ro");
    let text = Store::open(&m.dir).err().expect("refused").to_string();
    let file = m.dir.join(DB_FILE);
    assert!(text.contains(&format!("{}:", file.display())), "{text}");
    assert!(text.to_lowercase().contains("read-only file system"), "{text}");
}

#[test]
fn a_store_on_a_read_only_directory_is_refused_and_keeps_its_protection() {
    let Some(m) = Tmpfs::mount("a_store_on_a_read_only_directory_is_refused_and_keeps_its_protection", 16 << 20) else {
        return;
    };
    {
        let mut s = Store::open(&m.dir).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"signed at 1")]).unwrap();
        s.sync().unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"signed at 2")]).unwrap(); // in the journal only
    }
    m.remount("ro");
    let text = Store::open(&m.dir).err().expect("refused").to_string();
    assert!(text.contains(&format!("{}:", m.dir.join(DB_FILE).display())), "{text}");
    assert!(text.to_lowercase().contains("read-only file system"), "{text}");
    m.remount("rw");
    assert_eq!(protection(&Store::open(&m.dir).unwrap()), vec![rec(Table::Protection, b"p", b"signed at 2")]);
}

/// A disk full at each point of making a store: redb's file, then the
/// journal's 4 MiB. Each start is refused naming the file, and the first
/// start with room works: no half-made file is left to be refused as damage.
#[test]
fn a_fresh_store_on_a_full_disk_is_refused_naming_the_file_and_made_once_there_is_room() {
    let mut named = BTreeSet::new();
    for leave in [0, 4 << 10, 64 << 10, 1 << 20, 3 << 20] {
        let Some(m) = Tmpfs::mount(
            "a_fresh_store_on_a_full_disk_is_refused_naming_the_file_and_made_once_there_is_room",
            16 << 20,
        ) else {
            return;
        };
        let filler = m.fill(leave);
        let e = Store::open(&m.dir).err().unwrap_or_else(|| panic!("{leave} bytes free: opened"));
        let StoreError::DiskFull { path, cause: Some(_) } = &e else { panic!("{leave} bytes free: {e:?}") };
        assert!([DB_FILE, journal::FILE].iter().any(|f| *path == m.dir.join(f)), "{e}");
        let text = e.to_string();
        assert!(text.contains(&m.dir.display().to_string()) && text.contains("No space left on device"), "{text}");
        named.insert(path.file_name().unwrap().to_owned());
        for left in [DB_NEW_FILE, journal::NEW_FILE] {
            assert!(!m.dir.join(left).exists(), "{leave} bytes free: {left} left behind");
        }
        std::fs::remove_file(filler).unwrap();
        let mut s = Store::open(&m.dir).unwrap_or_else(|e| panic!("{leave} bytes free, then room: {e}"));
        s.commit(&[rec(Table::Protection, b"p", b"signed")]).unwrap();
        drop(s);
        assert_eq!(protection(&Store::open(&m.dir).unwrap()), vec![rec(Table::Protection, b"p", b"signed")]);
    }
    assert_eq!(named.len(), 2, "both files met the full disk: {named:?}");
}

/// A disk that fills while the node runs: protection commits go on while
/// the journal holds them; when redb must take them, commits fail as
/// `DiskFull` (never another error, which would stop the node) and change
/// nothing, and once there is room the same batch commits and nothing is lost.
#[test]
fn a_disk_that_fills_while_running_refuses_commits_loses_nothing_and_recovers() {
    let Some(m) = Tmpfs::mount("a_disk_that_fills_while_running_refuses_commits_loses_nothing_and_recovers", 16 << 20)
    else {
        return;
    };
    let big = vec![7u8; 200_000];
    let batch = |i: u32| [rec(Table::Blocks, &i.to_be_bytes(), &big), rec(Table::Protection, b"p", &i.to_be_bytes())];
    let mut s = Store::open(&m.dir).unwrap();
    s.commit(&batch(0)).unwrap();
    s.sync().unwrap();
    let filler = m.fill(0);
    let mut i = 1;
    let e = loop {
        match s.commit(&batch(i)) {
            Ok(()) => i += 1,
            Err(e) => break e,
        }
        assert!(i < 100, "a full disk never refused a commit");
    };
    assert!(i > 2, "the journal took protection commits on a full disk before redb was needed (failed at {i})");
    assert!(matches!(&e, StoreError::DiskFull { path, cause: Some(_) } if *path == m.dir.join(DB_FILE)), "{e:?}");
    let pending = s.pending.len();
    for _ in 0..3 {
        // The runtime commits the held batch again at every flush, and syncs at every tick.
        let e = s.commit(&batch(i)).unwrap_err();
        assert!(matches!(e, StoreError::DiskFull { .. }), "{e:?}");
        assert!(matches!(s.sync(), Err(StoreError::DiskFull { .. })));
        assert_eq!(s.pending.len(), pending, "a refused batch is not kept");
    }
    std::fs::remove_file(filler).unwrap();
    s.commit(&batch(i)).unwrap();
    assert_eq!(s.pending.len(), 0, "the journal was full: redb took everything");
    s.commit(&batch(i + 1)).unwrap();
    drop(s); // as SIGKILL leaves it
    let s = Store::open(&m.dir).unwrap();
    assert_eq!(protection(&s), vec![rec(Table::Protection, b"p", &(i + 1).to_be_bytes())]);
    let blocks = s.load_all().unwrap().into_iter().filter(|r| r.table == Table::Blocks).count();
    assert_eq!(blocks as u32, i + 2, "every committed block is there");
}
