//! The store's promise (module doc), checked by reopening without `sync`,
//! which is what a SIGKILL leaves.

use super::*;

fn rec(t: Table, k: &[u8], v: &[u8]) -> Record {
    Record { table: t, key: k.to_vec(), value: v.to_vec() }
}

fn sorted(mut all: Vec<Record>) -> Vec<Record> {
    all.sort_by(|a, b| (a.table, &a.key).cmp(&(b.table, &b.key)));
    all
}

#[test]
fn records_survive_a_clean_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&[rec(Table::Blocks, b"a", b"1"), rec(Table::Protection, b"p", b"x")]).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"y")]).unwrap();
        s.commit(&[rec(Table::Evidence, b"e", b"1")]).unwrap();
        s.sync().unwrap();
    }
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(
        sorted(s.load_all().unwrap()),
        vec![rec(Table::Blocks, b"a", b"1"), rec(Table::Protection, b"p", b"y"), rec(Table::Evidence, b"e", b"1")]
    );
}

#[test]
fn a_protection_commit_makes_it_and_everything_before_it_durable() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&[rec(Table::Blocks, b"1", b"b1")]).unwrap();
        s.commit(&[rec(Table::Blocks, b"2", b"b2"), rec(Table::ForkChoice, b"f", b"v")]).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"signed at 3")]).unwrap();
        s.commit(&[rec(Table::Blocks, b"3", b"b3")]).unwrap(); // after the last signature
        // Dropped without `sync`, as SIGKILL leaves it.
    }
    let s = Store::open(dir.path()).unwrap();
    let all = sorted(s.load_all().unwrap());
    assert_eq!(
        all,
        vec![
            rec(Table::Blocks, b"1", b"b1"),
            rec(Table::Blocks, b"2", b"b2"),
            rec(Table::ForkChoice, b"f", b"v"),
            rec(Table::Protection, b"p", b"signed at 3"),
        ],
        "block 3 came after the last signature and may be lost; nothing before it may"
    );
}

#[test]
fn the_journal_is_replayed_into_redb_and_later_values_win() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"1"), rec(Table::Blocks, b"1", b"old")]).unwrap();
        s.sync().unwrap();
        s.commit(&[rec(Table::Blocks, b"1", b"new"), rec(Table::Protection, b"p", b"2")]).unwrap();
    }
    let mut s = Store::open(dir.path()).unwrap();
    let all = sorted(s.load_all().unwrap());
    assert_eq!(all, vec![rec(Table::Blocks, b"1", b"new"), rec(Table::Protection, b"p", b"2")]);
    assert!(s.pending.is_empty(), "the replay went to redb at open");
    s.commit(&[rec(Table::Protection, b"p", b"3")]).unwrap();
    drop(s);
    let s = Store::open(dir.path()).unwrap();
    assert!(s.load_all().unwrap().contains(&rec(Table::Protection, b"p", b"3")));
}

#[test]
fn a_full_journal_hands_everything_to_redb() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![7u8; (journal::REGION / 3) as usize];
    {
        let mut s = Store::open(dir.path()).unwrap();
        for i in 0u8..4 {
            s.commit(&[rec(Table::Blocks, &[i], &big), rec(Table::Protection, b"p", &[i])]).unwrap();
        }
    }
    let s = Store::open(dir.path()).unwrap();
    let all = s.load_all().unwrap();
    assert_eq!(all.iter().filter(|r| r.table == Table::Blocks).count(), 4);
    assert!(all.contains(&rec(Table::Protection, b"p", &[3])));
}

#[test]
fn protection_kept_in_redb_by_an_older_node_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Store::open(dir.path()).unwrap();
        let txn = s.db.as_ref().unwrap().begin_write().unwrap();
        txn.open_table(definition(Table::Protection)).unwrap().insert(&b"local"[..], &b"old"[..]).unwrap();
        txn.delete_table(META).unwrap(); // An older node kept no store facts.
        txn.commit().unwrap();
    }
    std::fs::remove_file(dir.path().join(journal::FILE)).unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    assert_eq!(s.load_all().unwrap(), vec![rec(Table::Protection, b"local", b"old")]);
    s.commit(&[rec(Table::Protection, b"local", b"new")]).unwrap();
    drop(s);
    assert_eq!(Store::open(dir.path()).unwrap().load_all().unwrap(), vec![rec(Table::Protection, b"local", b"new")]);
}

/// Damage to `node.redb`: opening either reads back every record or fails
/// with an error naming the file, never reads back less.
#[test]
fn a_damaged_redb_file_is_read_back_whole_or_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut want = vec![];
    {
        let mut s = Store::open(dir.path()).unwrap();
        for i in 0..50u8 {
            let r = [rec(Table::Blocks, &[i], &[i; 100]), rec(Table::Protection, &[b'p', i], &[i])];
            s.commit(&r).unwrap();
            want.extend(r);
        }
        s.sync().unwrap();
    }
    let want = sorted(want);
    let db = dir.path().join("node.redb");
    let original = std::fs::read(&db).unwrap();
    let journal = std::fs::read(dir.path().join(journal::FILE)).unwrap();
    let (mut whole, mut refused) = (0, 0);
    // Bytes spread over the file, and bytes inside the stored values
    // themselves (where a flip that escapes the checksums changes a record).
    let step = (original.len() / 97).max(1);
    let mut offsets: Vec<usize> = (0..original.len()).step_by(step).collect();
    for i in [0u8, 17, 49] {
        let at = original.windows(100).position(|w| w == [i; 100]).expect("the value is in the file");
        offsets.extend([at, at + 50, at + 99]);
    }
    for offset in offsets {
        let mut bytes = original.clone();
        bytes[offset] ^= 0x5a;
        std::fs::write(&db, &bytes).unwrap();
        std::fs::write(dir.path().join(journal::FILE), &journal).unwrap();
        match Store::open(dir.path()).and_then(|s| s.load_all()) {
            Ok(got) => {
                assert_eq!(sorted(got), want, "byte {offset} of node.redb flipped and records changed");
                whole += 1;
            }
            Err(e) => {
                assert!(e.to_string().contains("node.redb"), "byte {offset}: {e}");
                refused += 1;
            }
        }
    }
    eprintln!("{whole} read back whole, {refused} refused");
}

#[test]
fn a_missing_journal_is_refused_once_the_node_has_kept_one() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"signed")]).unwrap();
    }
    std::fs::remove_file(dir.path().join(journal::FILE)).unwrap();
    let e = Store::open(dir.path()).err().expect("refused");
    let text = e.to_string();
    assert!(text.contains("journal.bin") && text.contains("missing"), "{text}");
    assert!(!dir.path().join(journal::FILE).exists(), "refusing creates nothing");
}

#[test]
fn a_missing_redb_beside_a_journal_is_refused_rather_than_started_with_less_protection() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"signed")]).unwrap();
        s.sync().unwrap();
    }
    std::fs::remove_file(dir.path().join("node.redb")).unwrap();
    let e = Store::open(dir.path()).err().expect("refused");
    let text = e.to_string();
    assert!(text.contains("node.redb") && text.contains("missing") && text.contains("journal.bin"), "{text}");
    assert!(!dir.path().join("node.redb").exists(), "refusing creates nothing");
}

#[test]
fn a_full_disk_refuses_writes_without_changing_anything_and_they_succeed_once_it_is_not() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = Store::open(dir.path()).unwrap();
        s.commit(&[rec(Table::Protection, b"p", b"signed at 1")]).unwrap();
        s.set_fault(DiskFault { full: true, slow: std::time::Duration::ZERO });
        let batch = [rec(Table::Blocks, b"2", b"b2"), rec(Table::Protection, b"p", b"signed at 2")];
        let e = s.commit(&batch).unwrap_err();
        assert!(matches!(e, StoreError::DiskFull { .. }) && e.to_string().contains("no space left"), "{e}");
        assert!(matches!(s.sync(), Err(StoreError::DiskFull { .. })));
        // The same batch again, as the runtime retries it, once the disk takes writes.
        s.set_fault(DiskFault::default());
        s.commit(&batch).unwrap();
    }
    // Reopened as after a SIGKILL: everything committed is there, once.
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(
        sorted(s.load_all().unwrap()),
        vec![rec(Table::Blocks, b"2", b"b2"), rec(Table::Protection, b"p", b"signed at 2")]
    );
}

#[test]
fn a_slow_disk_delays_each_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    s.set_fault(DiskFault { full: false, slow: std::time::Duration::from_millis(30) });
    let t = std::time::Instant::now();
    s.commit(&[rec(Table::Protection, b"p", b"x")]).unwrap();
    // A lower bound only: the write waited at least the fault's delay.
    assert!(t.elapsed() >= std::time::Duration::from_millis(30));
}
