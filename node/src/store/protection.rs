//! Slashing protection's own file, `protection.bin`: the one record a node
//! must never lose, written on every signature, so it gets the cheapest
//! durable write there is: an in-place overwrite of an allocated file and
//! `fdatasync` (no metadata to journal).
//!
//! Layout: two fixed slots of `SLOT` bytes. A write goes to the slot the
//! previous one did not use, as `magic | seq | len | sha256(seq, payload) |
//! payload`, where payload is every protection record (key, value). Opening
//! reads both slots and keeps the valid one with the higher `seq`, so a write
//! torn by a crash leaves the previous state, and that state is the right
//! one: a write that did not complete never returned, so no signature it
//! guarded was released.

use crate::chain::Hash32;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

pub(super) const FILE: &str = "protection.bin";
const SLOT: u64 = 256 << 10;
const MAGIC: &[u8; 8] = b"DNPROT1\0";
const HEADER: usize = 8 + 8 + 4 + 32;

/// Every protection record, key to value.
type Records = BTreeMap<Vec<u8>, Vec<u8>>;

pub(super) struct ProtectionFile {
    file: File,
    seq: u64,
    records: Records,
}

impl ProtectionFile {
    /// Opens `dir/protection.bin`, creating and allocating it when missing.
    pub(super) fn open(dir: &Path) -> io::Result<ProtectionFile> {
        let path = dir.join(FILE);
        let fresh = !path.exists();
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
        if fresh {
            // Real zeros, not a sparse file: later writes then change no metadata.
            file.write_all_at(&vec![0u8; 2 * SLOT as usize], 0)?;
            file.sync_all()?;
            File::open(dir)?.sync_all()?;
        }
        let mut best: Option<(u64, Records)> = None;
        for slot in 0..2 {
            if let Some((seq, records)) = read_slot(&file, slot)?
                && best.as_ref().is_none_or(|(s, _)| seq > *s)
            {
                best = Some((seq, records));
            }
        }
        let (seq, records) = best.unwrap_or_default();
        Ok(ProtectionFile { file, seq, records })
    }

    pub(super) fn records(&self) -> &Records {
        &self.records
    }

    /// Sets `key` to `value` for each pair (later pairs win) and makes the
    /// whole set durable before returning.
    pub(super) fn write<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> io::Result<()> {
        for (k, v) in pairs {
            self.records.insert(k.to_vec(), v.to_vec());
        }
        let seq = self.seq + 1;
        let payload = encode(&self.records);
        if HEADER + payload.len() > SLOT as usize {
            return Err(io::Error::other(format!(
                "slashing protection is {} bytes, more than its {} byte slot",
                payload.len(),
                SLOT as usize - HEADER
            )));
        }
        let mut buf = Vec::with_capacity(HEADER + payload.len());
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&seq.to_be_bytes());
        buf.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        buf.extend_from_slice(&checksum(seq, &payload).0);
        buf.extend_from_slice(&payload);
        self.file.write_all_at(&buf, (seq % 2) * SLOT)?;
        self.file.sync_data()?;
        self.seq = seq;
        Ok(())
    }
}

fn checksum(seq: u64, payload: &[u8]) -> Hash32 {
    Hash32::digest(&[b"devnet/v1/protection-file", &seq.to_be_bytes(), payload])
}

/// The slot's records and sequence number, or `None` if it holds no valid write.
fn read_slot(file: &File, slot: u64) -> io::Result<Option<(u64, Records)>> {
    let mut header = [0u8; HEADER];
    file.read_exact_at(&mut header, slot * SLOT)?;
    if &header[..8] != MAGIC {
        return Ok(None);
    }
    let seq = u64::from_be_bytes(header[8..16].try_into().unwrap_or_default());
    let len = u32::from_be_bytes(header[16..20].try_into().unwrap_or_default()) as usize;
    if HEADER + len > SLOT as usize {
        return Ok(None);
    }
    let mut payload = vec![0u8; len];
    file.read_exact_at(&mut payload, slot * SLOT + HEADER as u64)?;
    if checksum(seq, &payload).0[..] != header[20..HEADER] {
        return Ok(None);
    }
    Ok(decode(&payload).map(|records| (seq, records)))
}

fn encode(records: &Records) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(records.len() as u32).to_be_bytes());
    for (k, v) in records {
        out.extend_from_slice(&(k.len() as u32).to_be_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(&(v.len() as u32).to_be_bytes());
        out.extend_from_slice(v);
    }
    out
}

fn decode(mut buf: &[u8]) -> Option<Records> {
    fn take<'a>(buf: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (buf.get(..n)?, buf.get(n..)?);
        *buf = rest;
        Some(head)
    }
    fn len(buf: &mut &[u8]) -> Option<usize> {
        Some(u32::from_be_bytes(take(buf, 4)?.try_into().ok()?) as usize)
    }
    let count = len(&mut buf)?;
    let mut records = BTreeMap::new();
    for _ in 0..count {
        let k = len(&mut buf)?;
        let k = take(&mut buf, k)?.to_vec();
        let v = len(&mut buf)?;
        let v = take(&mut buf, v)?.to_vec();
        records.insert(k, v);
    }
    buf.is_empty().then_some(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_write_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = ProtectionFile::open(dir.path()).unwrap();
        assert!(f.records().is_empty());
        f.write([(&b"local"[..], &b"1"[..])]).unwrap();
        f.write([(&b"local"[..], &b"2"[..]), (&b"other"[..], &b"x"[..])]).unwrap();
        f.write([(&b"local"[..], &b"3"[..])]).unwrap();
        drop(f);
        let f = ProtectionFile::open(dir.path()).unwrap();
        let expected = BTreeMap::from([(b"local".to_vec(), b"3".to_vec()), (b"other".to_vec(), b"x".to_vec())]);
        assert_eq!(f.records(), &expected);
    }

    #[test]
    fn a_torn_latest_write_falls_back_to_the_previous_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = ProtectionFile::open(dir.path()).unwrap();
        f.write([(&b"local"[..], &b"old"[..])]).unwrap(); // seq 1, slot 1
        f.write([(&b"local"[..], &b"new"[..])]).unwrap(); // seq 2, slot 0
        drop(f);
        // Tear the newest write: flip a payload byte in slot 0.
        let file = OpenOptions::new().read(true).write(true).open(dir.path().join(FILE)).unwrap();
        let mut b = [0u8; 1];
        file.read_exact_at(&mut b, HEADER as u64 + 6).unwrap();
        file.write_all_at(&[b[0] ^ 0xff], HEADER as u64 + 6).unwrap();
        let f = ProtectionFile::open(dir.path()).unwrap();
        assert_eq!(f.records().get(&b"local"[..]).map(Vec::as_slice), Some(&b"old"[..]));
        // The next write goes over the torn slot, never over the good one.
        let mut f = f;
        f.write([(&b"local"[..], &b"newer"[..])]).unwrap();
        drop(f);
        let f = ProtectionFile::open(dir.path()).unwrap();
        assert_eq!(f.records().get(&b"local"[..]).map(Vec::as_slice), Some(&b"newer"[..]));
    }

    #[test]
    fn garbage_and_oversized_records_are_refused() {
        assert!(decode(&[0, 0, 0, 1, 0, 0, 0, 9]).is_none());
        assert!(decode(&[0, 0, 0, 0, 1]).is_none(), "trailing bytes");
        let dir = tempfile::tempdir().unwrap();
        let mut f = ProtectionFile::open(dir.path()).unwrap();
        let huge = vec![0u8; SLOT as usize];
        assert!(f.write([(&b"local"[..], huge.as_slice())]).is_err());
    }
}
