//! The journal, `journal.bin`: the records that must be durable before a
//! signature leaves, appended with one write each. The file is open with
//! `O_DSYNC`, so a write returns once its data is on disk: one system call
//! where `pwrite` + `fdatasync` would be two.
//!
//! Layout: two regions of `REGION` bytes, allocated with zeros when the file
//! is made (so an append changes no file metadata and the synchronous write
//! flushes just the written pages; and where the file system overwrites in
//! place, a full disk does not stop an append). The active region is a log
//! of entries:
//!
//! ```text
//! magic(4) | seq(8) | len(4) | check(seq, len)(4) | payload(len) | sha256(seq, payload)(32)
//! ```
//!
//! where payload is a list of records (table, key, value), and each entry's
//! `seq` is the one before it plus one. An entry that fits in a page never
//! crosses a page boundary and a larger one starts on one (`placed`), so a
//! SIGKILL can tear only an entry that spans pages. `restart` begins the
//! other region with one entry (the records still needed) and from then on
//! the old region is dead: opening (`read`) takes the region whose valid
//! first entry has the higher `seq` and reads its entries up to where the
//! log ends. A torn append is lost, and that is right: it never returned, so
//! nothing it guarded left. A torn `restart` leaves the old region in force.
//! A truncated or damaged journal is refused (`read` says how it tells damage
//! from an ending log), so a node never starts with less slashing protection
//! than it had.
//!
//! Once open, the journal's pages leave the page cache (`drop_cached_pages`):
//! appends then meet one-block folios, the cheapest for a small synchronous write.

use crate::chain::Hash32;
use crate::consensus::{Record, Table};
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

mod read;

pub(super) const FILE: &str = "journal.bin";
/// Where `journal.bin` is made before it is whole (`create`).
pub(super) const NEW_FILE: &str = "journal.bin.new";
pub(super) const REGION: u64 = 2 << 20;
const PAGE: u64 = 4096;
const MAGIC: &[u8; 4] = b"DNJ2";
/// The format before the header check; still read, never written.
const MAGIC_V1: &[u8; 4] = b"DNJ1";
const HEADER: usize = 4 + 8 + 4 + 4;
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
        if !path.try_exists()? {
            create(dir)?;
        }
        let file = OpenOptions::new().read(true).write(true).custom_flags(libc::O_DSYNC).open(&path)?;
        let mut bytes = Vec::with_capacity((2 * REGION) as usize);
        (&file).read_to_end(&mut bytes)?;
        let (log, records) = replay(&bytes).map_err(|why| io::Error::new(io::ErrorKind::InvalidData, why))?;
        if (bytes.len() as u64) < 2 * REGION {
            // Cut short past everything the log needs (`read` checked): allocate the rest again.
            let zeros = vec![0u8; (2 * REGION) as usize - bytes.len()];
            file.write_all_at(&zeros, bytes.len() as u64)?;
            file.sync_all()?;
        }
        let journal = Journal { file, region: log.region, end: log.end, seq: log.next_seq };
        // Everything cached is clean now (read, or synced above): drop it, so
        // appends meet small page-cache folios (see `drop_cached_pages`).
        drop_cached_pages(&journal.file);
        Ok((journal, records))
    }

    /// Whether an entry of these records fits in the active region.
    pub(super) fn fits(&self, records: &[&Record]) -> bool {
        let size = entry_size(records) as u64;
        placed(self.end, size) + size <= REGION
    }

    /// Appends one entry holding `records` and makes it durable.
    pub(super) fn append(&mut self, records: &[&Record]) -> io::Result<()> {
        if !self.fits(records) {
            return Err(io::Error::other(format!("journal entry of {} bytes does not fit", entry_size(records))));
        }
        let entry = encode_entry(self.seq, records);
        let at = placed(self.end, entry.len() as u64);
        self.file.write_all_at(&entry, self.region * REGION + at)?; // O_DSYNC: durable on return
        self.end = at + entry.len() as u64;
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

/// Makes `dir/journal.bin`, allocated with zeros, under another name
/// (`NEW_FILE`) and renames it into place once whole and durable: a fill cut
/// short (by a full disk, or SIGKILL) leaves no short `journal.bin`, which
/// every later start would refuse as a truncated journal.
fn create(dir: &Path) -> io::Result<()> {
    let new = dir.join(NEW_FILE);
    let made = || -> io::Result<()> {
        let file = OpenOptions::new().write(true).create(true).truncate(true).open(&new)?;
        let zeros = vec![0u8; 1 << 20];
        for i in 0..(2 * REGION) / zeros.len() as u64 {
            file.write_all_at(&zeros, i * zeros.len() as u64)?;
        }
        file.sync_all()?;
        std::fs::rename(&new, dir.join(FILE))?;
        File::open(dir)?.sync_all()
    };
    made().inspect_err(|_| {
        let _ = std::fs::remove_file(&new);
    })
}

/// The records a journal file of these bytes replays at open, oldest first;
/// `Err` says what is damaged.
pub(super) fn records(bytes: &[u8]) -> Result<Vec<Record>, String> {
    replay(bytes).map(|(_, records)| records)
}

/// What a journal file's bytes hold: the log as `read` finds it and the
/// records of its entries, oldest first; `Err` says what is damaged.
fn replay(bytes: &[u8]) -> Result<(read::Log, Vec<Record>), String> {
    let log = read::read(bytes)?;
    let mut records = Vec::new();
    for (i, payload) in log.payloads.iter().enumerate() {
        let Some(mut decoded) = decode(payload) else {
            return Err(format!(
                "entry {} passes its checksum but its records do not decode",
                log.next_seq - (log.payloads.len() - i) as u64
            ));
        };
        records.append(&mut decoded);
    }
    Ok((log, records))
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

/// Where an entry of `size` bytes goes when the log ends at `end`: there, if
/// it stays within the page (or `end` begins one), else at the next page.
fn placed(end: u64, size: u64) -> u64 {
    if end.is_multiple_of(PAGE) || end % PAGE + size <= PAGE { end } else { end.next_multiple_of(PAGE) }
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

/// The header's own check, so a flipped `seq` or `len` reads as damage, not
/// as the end of the log.
fn header_check(seq: u64, len: u32) -> [u8; 4] {
    let h = Hash32::digest(&[b"devnet/v2/journal-header", &seq.to_be_bytes(), &len.to_be_bytes()]);
    [h.0[0], h.0[1], h.0[2], h.0[3]]
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
    out.extend_from_slice(&header_check(seq, payload.len() as u32));
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
mod tests;
