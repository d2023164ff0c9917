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
        let txn = s.db.begin_write().unwrap();
        txn.open_table(definition(Table::Protection)).unwrap().insert(&b"local"[..], &b"old"[..]).unwrap();
        txn.commit().unwrap();
    }
    std::fs::remove_file(dir.path().join(journal::FILE)).unwrap();
    let mut s = Store::open(dir.path()).unwrap();
    assert_eq!(s.load_all().unwrap(), vec![rec(Table::Protection, b"local", b"old")]);
    s.commit(&[rec(Table::Protection, b"local", b"new")]).unwrap();
    drop(s);
    assert_eq!(Store::open(dir.path()).unwrap().load_all().unwrap(), vec![rec(Table::Protection, b"local", b"new")]);
}
