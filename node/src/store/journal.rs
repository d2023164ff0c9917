//! The journal, `journal.bin`: the records that must be durable before a
//! signature leaves, appended with one write each. The file is open with
//! `O_DSYNC`, so a write returns once its data is on disk: one system call
//! where `pwrite` + `fdatasync` would be two.
//!
//! Layout: two regions of `REGION` bytes, allocated with zeros when the file
//! is made (so an append changes no file metadata and the synchronous write
//! flushes just the written pages). The active region is a log of entries:
//!
//! ```text
//! magic(4) | seq(8) | len(4) | payload(len) | sha256(seq, payload)(32)
//! ```
//!
//! where payload is a list of records (table, key, value), and each entry's
//! `seq` is the one before it plus one. `restart` begins the other region
//! with one entry (the records still needed) and from then on the old region
//! is dead: opening reads the first entry of each region, takes the region
//! whose valid first entry has the higher `seq`, and reads its entries up to
//! the first that is invalid (torn, zeros, or an older entry left from that
//! region's last use, whose `seq` is lower). A torn append is therefore
//! lost, and that is right: it never returned, so nothing it guarded left.
//! A torn `restart` leaves the old region in force.
//!
//! Once open, the journal's pages leave the page cache (`drop_cached_pages`):
//! appends then meet one-block folios, the cheapest for a small synchronous write.

use crate::chain::Hash32;
use crate::consensus::{Record, Table};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

pub(super) const FILE: &str = "journal.bin";
pub(super) const REGION: u64 = 2 << 20;
const MAGIC: &[u8; 4] = b"DNJ1";
const HEADER: usize = 4 + 8 + 4;
const TRAILER: usize = 32;

pub(super) struct Journal {
    file: File,
    region: u64,
    /// Next write offset within the active region, and the next entry's seq.
    end: u64,
    seq: u64,
}

impl Journal {
    /// Opens `dir/journal.bin` (creating and allocating it when missing) and
    /// returns it with the records of the active region, oldest first.
    pub(super) fn open(dir: &Path) -> io::Result<(Journal, Vec<Record>)> {
        let path = dir.join(FILE);
        let fresh = !path.exists();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_DSYNC)
            .open(&path)?;
        if fresh {
            let zeros = vec![0u8; 1 << 20];
            for i in 0..(2 * REGION) / zeros.len() as u64 {
                file.write_all_at(&zeros, i * zeros.len() as u64)?;
            }
            file.sync_all()?;
            File::open(dir)?.sync_all()?;
        }
        let first = |region: u64| read_entry(&file, region * REGION).map(|e| e.map(|(seq, _, _)| seq));
        let (a, b) = (first(0)?, first(1)?);
        let region = match (a, b) {
            (Some(a), Some(b)) if b > a => 1,
            (None, Some(_)) => 1,
            _ => 0,
        };
        let mut journal = Journal { file, region, end: 0, seq: a.max(b).map_or(1, |s| s) };
        let mut records = Vec::new();
        let mut expected = None;
        while let Some((seq, payload, size)) = read_entry(&journal.file, region * REGION + journal.end)? {
            if expected.is_some_and(|e| e != seq) {
                break;
            }
            let Some(mut decoded) = decode(&payload) else { break };
            records.append(&mut decoded);
            journal.end += size as u64;
            journal.seq = seq + 1;
            expected = Some(seq + 1);
        }
        // Everything cached is clean now (read, or synced above): drop it, so
        // appends meet small page-cache folios (see `drop_cached_pages`).
        drop_cached_pages(&journal.file);
        Ok((journal, records))
    }

    /// Whether an entry of these records fits in the active region.
    pub(super) fn fits(&self, records: &[&Record]) -> bool {
        self.end + entry_size(records) as u64 <= REGION
    }

    /// Appends one entry holding `records` and makes it durable.
    pub(super) fn append(&mut self, records: &[&Record]) -> io::Result<()> {
        if !self.fits(records) {
            return Err(io::Error::other(format!("journal entry of {} bytes does not fit", entry_size(records))));
        }
        let entry = encode_entry(self.seq, records);
        self.file.write_all_at(&entry, self.region * REGION + self.end)?; // O_DSYNC: durable on return
        self.end += entry.len() as u64;
        self.seq += 1;
        Ok(())
    }

    /// Begins the other region with one entry holding `keep`; the records of
    /// the current region that `keep` does not repeat must be durable
    /// elsewhere before this is called.
    pub(super) fn restart(&mut self, keep: &[&Record]) -> io::Result<()> {
        if entry_size(keep) as u64 > REGION {
            return Err(io::Error::other("journal: the records to keep do not fit a region"));
        }
        let other = 1 - self.region;
        let entry = encode_entry(self.seq, keep);
        self.file.write_all_at(&entry, other * REGION)?; // O_DSYNC: durable on return
        self.region = other;
        self.end = entry.len() as u64;
        self.seq += 1;
        Ok(())
    }
}

/// Drops the file's clean pages from the page cache. The zero-fill's 1 MiB
/// writes and the reads at open leave large folios behind (recent kernels give
/// ext4 files large folios; this machine runs 6.18), and a small synchronous write into a large folio costs
/// the kernel a walk over all of that folio's blocks, on the way in and again
/// at writeback; an append into an uncached block gets a one-block folio.
/// Measured here: ~13% less kernel CPU per append. Only advice: an error
/// changes nothing that matters, so it is ignored.
fn drop_cached_pages(file: &File) {
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
}

fn entry_size(records: &[&Record]) -> usize {
    HEADER + payload_size(records) + TRAILER
}

fn payload_size(records: &[&Record]) -> usize {
    4 + records.iter().map(|r| 1 + 4 + r.key.len() + 4 + r.value.len()).sum::<usize>()
}

fn checksum(seq: u64, payload: &[u8]) -> Hash32 {
    Hash32::digest(&[b"devnet/v1/journal", &seq.to_be_bytes(), payload])
}

/// Its own length-prefixed layout rather than `chain::codec`: that codec
/// bounds lists at `MAX_LIST` records, and an entry may carry more (every
/// record since the last protection commit); the checksum guards the bytes.
fn encode_entry(seq: u64, records: &[&Record]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(payload_size(records));
    payload.extend_from_slice(&(records.len() as u32).to_be_bytes());
    for r in records {
        payload.push(table_tag(r.table));
        payload.extend_from_slice(&(r.key.len() as u32).to_be_bytes());
        payload.extend_from_slice(&r.key);
        payload.extend_from_slice(&(r.value.len() as u32).to_be_bytes());
        payload.extend_from_slice(&r.value);
    }
    let mut out = Vec::with_capacity(HEADER + payload.len() + TRAILER);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&checksum(seq, &payload).0);
    out
}

fn table_tag(t: Table) -> u8 {
    match t {
        Table::Blocks => 0,
        Table::ForkChoice => 1,
        Table::Protection => 2,
        Table::Evidence => 3,
    }
}

fn tag_table(tag: u8) -> Option<Table> {
    Table::ALL.into_iter().find(|t| table_tag(*t) == tag)
}

/// The valid entry at `offset`: its seq, payload and size on disk.
fn read_entry(file: &File, offset: u64) -> io::Result<Option<(u64, Vec<u8>, usize)>> {
    let region_end = (offset / REGION + 1) * REGION;
    if offset + (HEADER + TRAILER) as u64 > region_end {
        return Ok(None);
    }
    let mut header = [0u8; HEADER];
    file.read_exact_at(&mut header, offset)?;
    if &header[..4] != MAGIC {
        return Ok(None);
    }
    let seq = u64::from_be_bytes(header[4..12].try_into().unwrap_or_default());
    let len = u32::from_be_bytes(header[12..16].try_into().unwrap_or_default()) as usize;
    let size = HEADER + len + TRAILER;
    if offset + size as u64 > region_end {
        return Ok(None);
    }
    let mut rest = vec![0u8; len + TRAILER];
    file.read_exact_at(&mut rest, offset + HEADER as u64)?;
    let (payload, sum) = rest.split_at(len);
    if checksum(seq, payload).0[..] != *sum {
        return Ok(None);
    }
    Ok(Some((seq, payload.to_vec(), size)))
}

fn decode(mut buf: &[u8]) -> Option<Vec<Record>> {
    fn take<'a>(buf: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (buf.get(..n)?, buf.get(n..)?);
        *buf = rest;
        Some(head)
    }
    fn len(buf: &mut &[u8]) -> Option<usize> {
        Some(u32::from_be_bytes(take(buf, 4)?.try_into().ok()?) as usize)
    }
    let count = len(&mut buf)?;
    let mut out = Vec::new();
    for _ in 0..count {
        let table = tag_table(*take(&mut buf, 1)?.first()?)?;
        let k = len(&mut buf)?;
        let key = take(&mut buf, k)?.to_vec();
        let v = len(&mut buf)?;
        let value = take(&mut buf, v)?.to_vec();
        out.push(Record { table, key, value });
    }
    buf.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(t: Table, k: &[u8], v: &[u8]) -> Record {
        Record { table: t, key: k.to_vec(), value: v.to_vec() }
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
    fn a_torn_append_is_lost_and_the_next_one_takes_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let (mut j, _) = Journal::open(dir.path()).unwrap();
        let (a, b) = (rec(Table::Protection, b"p", b"1"), rec(Table::Protection, b"p", b"2"));
        j.append(&[&a]).unwrap();
        let torn_at = j.end;
        j.append(&[&b]).unwrap();
        drop(j);
        let file = OpenOptions::new().read(true).write(true).open(dir.path().join(FILE)).unwrap();
        file.write_all_at(&[0xee], torn_at + HEADER as u64 + 2).unwrap();
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
        // Back to region 0, whose old entries must not come back; then tear that restart.
        let (mut j, _) = Journal::open(dir.path()).unwrap();
        j.restart(&[&p2]).unwrap();
        assert_eq!(j.region, 0);
        drop(j);
        assert_eq!(Journal::open(dir.path()).unwrap().1, vec![p2.clone()], "region 0's older entries stay dead");
        let file = OpenOptions::new().read(true).write(true).open(dir.path().join(FILE)).unwrap();
        file.write_all_at(&[0xee], HEADER as u64 + 1).unwrap();
        assert_eq!(Journal::open(dir.path()).unwrap().1, vec![p1, p2], "the torn restart leaves region 1 in force");
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
}
