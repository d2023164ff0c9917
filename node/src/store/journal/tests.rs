//! The journal's promises, on real files: appends survive reopening in
//! order; a torn append or restart is lost and nothing else is; a truncated
//! file or a flipped byte either reads back everything or is refused with an
//! error that says so, never read back with records missing.

use super::*;

fn rec(t: Table, k: &[u8], v: &[u8]) -> Record {
    Record { table: t, key: k.to_vec(), value: v.to_vec() }
}

fn path(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join(FILE)
}

fn poke(dir: &tempfile::TempDir, offset: u64, bytes: &[u8]) {
    let file = OpenOptions::new().read(true).write(true).open(path(dir)).unwrap();
    file.write_all_at(bytes, offset).unwrap();
}

#[test]
fn appends_survive_reopen_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, none) = Journal::open(dir.path()).unwrap();
    assert!(none.is_empty());
    let (a, b, c) =
        (rec(Table::Blocks, b"1", b"x"), rec(Table::Protection, b"p", b"1"), rec(Table::Protection, b"p", b"2"));
    j.append(&[&a, &b]).unwrap();
    j.append(&[&c]).unwrap();
    drop(j);
    let (_, got) = Journal::open(dir.path()).unwrap();
    assert_eq!(got, vec![a, b, c]);
}

#[test]
fn an_entry_that_fits_a_page_never_crosses_one_and_the_gap_is_skipped_on_reading() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path()).unwrap();
    let mut want = vec![];
    for i in 0..40u8 {
        let r = rec(Table::Protection, &[i], &vec![i; 300 + 37 * i as usize]);
        let before = j.end;
        j.append(&[&r]).unwrap();
        let size = entry_size(&[&r]) as u64;
        let at = j.end - size;
        assert!(at == before || at.is_multiple_of(PAGE), "entry {i} at {at}, log ended at {before}");
        if size <= PAGE {
            assert_eq!(at / PAGE, (j.end - 1) / PAGE, "entry {i} ({size} bytes) crosses a page");
        }
        want.push(r);
    }
    drop(j);
    assert_eq!(Journal::open(dir.path()).unwrap().1, want);
}

#[test]
fn a_torn_append_that_spans_pages_is_lost_and_the_next_one_takes_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path()).unwrap();
    let (a, b) = (rec(Table::Protection, b"p", b"1"), rec(Table::Blocks, b"big", &[7u8; 3 * PAGE as usize]));
    j.append(&[&a]).unwrap();
    let b_at = placed(j.end, entry_size(&[&b]) as u64);
    let entry = encode_entry(j.seq, &[&b]);
    drop(j);
    // SIGKILL stopped the copy after the first page: the rest is as it was (zeros).
    poke(&dir, b_at, &entry[..PAGE as usize]);
    let (mut j, got) = Journal::open(dir.path()).unwrap();
    assert_eq!(got, vec![a.clone()]);
    let c = rec(Table::Protection, b"p", b"3");
    j.append(&[&c]).unwrap();
    drop(j);
    assert_eq!(Journal::open(dir.path()).unwrap().1, vec![a, c]);
}

#[test]
fn restart_moves_to_the_other_region_and_a_torn_restart_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path()).unwrap();
    let (blk, p1, p2) =
        (rec(Table::Blocks, b"1", b"x"), rec(Table::Protection, b"p", b"1"), rec(Table::Protection, b"p", b"2"));
    j.append(&[&blk, &p1]).unwrap();
    j.restart(&[&p1]).unwrap();
    j.append(&[&p2]).unwrap();
    assert_eq!(j.region, 1);
    drop(j);
    assert_eq!(Journal::open(dir.path()).unwrap().1, vec![p1.clone(), p2.clone()]);
    // Back to region 0, whose old entries must not come back.
    let (mut j, _) = Journal::open(dir.path()).unwrap();
    j.restart(&[&p2]).unwrap();
    assert_eq!(j.region, 0);
    drop(j);
    assert_eq!(Journal::open(dir.path()).unwrap().1, vec![p2.clone()], "region 0's older entries stay dead");
    // A large restart into region 1, torn after its first page: region 0 stays in force.
    let (j, _) = Journal::open(dir.path()).unwrap();
    let big = rec(Table::Blocks, b"big", &[9u8; 2 * PAGE as usize]);
    let entry = encode_entry(j.seq, &[&big, &p2]);
    drop(j);
    poke(&dir, REGION, &entry[..PAGE as usize]);
    assert_eq!(Journal::open(dir.path()).unwrap().1, vec![p2], "the torn restart leaves region 0 in force");
}

/// A journal of small entries (each within a page), as a node with slashing protection writes it.
fn written(dir: &tempfile::TempDir) -> (Vec<Record>, u64) {
    let (mut j, _) = Journal::open(dir.path()).unwrap();
    let mut want = vec![];
    for i in 0..6u8 {
        let r = [rec(Table::Blocks, &[i], &[i; 40]), rec(Table::Protection, b"p", &[i])];
        j.append(&[&r[0], &r[1]]).unwrap();
        want.extend(r);
    }
    (want, j.end)
}

/// What opening would read from these bytes: the records, or why it refuses.
fn reads(bytes: &[u8]) -> Result<Vec<Record>, String> {
    let log = read::read(bytes)?;
    Ok(log.payloads.iter().flat_map(|p| decode(p).expect("a valid entry decodes")).collect())
}

#[test]
fn every_flipped_bit_in_the_log_is_read_back_whole_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (want, end) = written(&dir);
    let original = std::fs::read(path(&dir)).unwrap();
    assert_eq!(reads(&original).unwrap(), want);
    let mut refused = 0;
    let mut bytes = original.clone();
    for offset in 0..end as usize {
        for bit in [0u8, 7] {
            bytes[offset] ^= 1 << bit;
            match reads(&bytes) {
                Ok(got) => assert_eq!(got, want, "bit {bit} of byte {offset} flipped and records went missing"),
                Err(_) => refused += 1,
            }
            bytes[offset] ^= 1 << bit;
        }
    }
    assert!(refused as u64 >= end * 2 * 9 / 10, "most flips are refused ({refused} of {})", end * 2);
    // And through the file: a flipped byte is refused with an error naming what is damaged.
    let mut bytes = original.clone();
    bytes[(end / 2) as usize] ^= 0x10;
    std::fs::write(path(&dir), &bytes).unwrap();
    let e = Journal::open(dir.path()).err().expect("refused");
    assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("offset"), "{e}");
}

#[test]
fn a_truncated_journal_is_refused_unless_nothing_the_log_needs_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (want, end) = written(&dir);
    let original = std::fs::read(path(&dir)).unwrap();
    for len in
        [0, 1, 19, 20, 100, end - 1, end, end + 7, REGION - 1, REGION, REGION + 10, REGION + PAGE, 2 * REGION - 1]
    {
        std::fs::write(path(&dir), &original[..len as usize]).unwrap();
        match Journal::open(dir.path()) {
            Ok((_, got)) => {
                assert_eq!(got, want, "cut at {len}: records went missing");
                assert!(len >= REGION + PAGE, "cut at {len} inside what the log needs, and not refused");
                assert_eq!(std::fs::metadata(path(&dir)).unwrap().len(), 2 * REGION, "allocated whole again");
            }
            Err(e) => {
                assert!(e.to_string().contains("truncated"), "cut at {len}: {e}");
                assert!(len < REGION + PAGE, "cut at {len}, past everything the log needs, refused: {e}");
            }
        }
    }
}

#[test]
fn an_intact_entry_past_a_damaged_one_is_damage_not_an_ending() {
    let dir = tempfile::tempdir().unwrap();
    let (_, end) = written(&dir);
    // Zero the second entry whole: no header left, but entries 3.. are intact after it.
    let bytes = std::fs::read(path(&dir)).unwrap();
    let second = bytes[HEADER..].windows(4).position(|w| w == MAGIC).unwrap() + HEADER;
    let third = bytes[second + 1..].windows(4).position(|w| w == MAGIC).unwrap() + second + 1;
    poke(&dir, second as u64, &vec![0u8; third - second]);
    let e = Journal::open(dir.path()).err().expect("refused");
    assert!(e.to_string().contains("is intact"), "{e}");
    assert!(end > third as u64);
}

#[test]
fn a_journal_of_the_format_before_the_header_check_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    drop(Journal::open(dir.path()).unwrap());
    let r = rec(Table::Protection, b"p", b"old");
    let payload = {
        let mut p = 1u32.to_be_bytes().to_vec();
        p.push(table_tag(r.table));
        p.extend((r.key.len() as u32).to_be_bytes());
        p.extend(&r.key);
        p.extend((r.value.len() as u32).to_be_bytes());
        p.extend(&r.value);
        p
    };
    let mut v1 = MAGIC_V1.to_vec();
    v1.extend(5u64.to_be_bytes());
    v1.extend((payload.len() as u32).to_be_bytes());
    v1.extend(&payload);
    v1.extend(checksum(5, &payload).0);
    poke(&dir, 0, &v1);
    let (mut j, got) = Journal::open(dir.path()).unwrap();
    assert_eq!(got, vec![r.clone()]);
    let next = rec(Table::Protection, b"p", b"new");
    j.append(&[&next]).unwrap();
    drop(j);
    assert_eq!(Journal::open(dir.path()).unwrap().1, vec![r, next]);
}

#[test]
fn garbage_is_no_entry() {
    assert!(decode(&[0, 0, 0, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0]).is_none(), "unknown table");
    assert!(decode(&[0, 0, 0, 0, 1]).is_none(), "trailing bytes");
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = Journal::open(dir.path()).unwrap();
    let big = rec(Table::Blocks, b"k", &vec![0u8; REGION as usize]);
    assert!(!j.fits(&[&big]));
}
