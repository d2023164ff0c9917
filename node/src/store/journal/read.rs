//! Reading the journal at open: which region is in force, its entries in
//! order, and whether the bytes are a log that merely ended (an append that
//! never happened, or a torn one that never returned) or a damaged one (a
//! truncated file, flipped bytes), on which the node must not start: a
//! damaged journal may hide slashing-protection records, and a node that
//! starts without them can sign twice.
//!
//! What the writer guarantees (`Journal::append`, `restart`), and the reader
//! relies on:
//! - An entry that fits in a page never crosses a page boundary (the writer
//!   moves it to the next page, leaving the gap as it was), and a larger one
//!   starts on a page boundary. The kernel copies a write into the page cache
//!   page by page and SIGKILL can stop it only between pages, so a torn
//!   entry is always one that spans pages, with its first page (and header)
//!   intact.
//! - Entries within a region have consecutive `seq`s; an older entry left
//!   from the region's last use has a lower `seq` than any of the current use.
//!
//! So, at the offset where the next entry (`seq` X) should be, or at the
//! next page boundary:
//! - a valid entry with `seq` X is the next entry;
//! - zeros, an older entry, or bytes that are no header end the log;
//! - a header for X whose entry spans pages and fails its checksum is a torn
//!   append: the log ends, and the entry is lost (it never returned, so
//!   nothing it guarded left the node);
//! - anything else is damage: a header whose own check fails, a header for X
//!   with a bad magic, a one-page entry that fails its checksum, a `seq`
//!   beyond X, or, anywhere further in the region, an intact entry with a
//!   `seq` of X or more (the log was cut short);
//! - bytes the file does not have are damage too (the file was truncated),
//!   unless the log is whole without them: the active region and the other
//!   region's first page are all there.
//!
//! One flip stays indistinguishable from a tear: bytes flipped in the newest
//! entry's payload when that entry spans pages (a large batch). Entries with
//! slashing protection are mostly one page.
//!
//! Journals written before the header check (magic `DNJ1`) are read with the
//! rules they were written under (any invalid entry ends the log); opening
//! moves their records to redb and the journal goes on in the current format.

use super::{HEADER, MAGIC, MAGIC_V1, PAGE, REGION, TRAILER, checksum, header_check};

/// What the bytes at one offset hold.
#[derive(Debug, PartialEq)]
pub(super) enum Found {
    /// A valid entry: its seq, payload and size on disk.
    Entry { seq: u64, payload: Vec<u8>, size: u64 },
    /// No entry: zeros, other bytes, or a torn append.
    Nothing,
    /// Damage, and what it is.
    Damaged(String),
    /// The file ends before the entry does.
    Cut,
}

/// The journal as the reader found it.
#[derive(Debug, PartialEq)]
pub(super) struct Log {
    pub region: u64,
    /// Where the next entry goes, within the region, and its seq.
    pub end: u64,
    pub next_seq: u64,
    /// The payloads of the region's entries, oldest first.
    pub payloads: Vec<Vec<u8>>,
}

/// Reads a journal file's bytes; `Err` says what is damaged.
pub(super) fn read(bytes: &[u8]) -> Result<Log, String> {
    let len = bytes.len() as u64;
    let first = |region: u64| examine(bytes, region * REGION, None);
    let seq_of = |f: &Found| match f {
        Found::Entry { seq, .. } => Some(*seq),
        _ => None,
    };
    let (a, b) = (first(0), first(1));
    for (r, f) in [(0, &a), (1, &b)] {
        match f {
            Found::Cut => return Err(truncated(len)),
            Found::Damaged(why) => return Err(format!("the first entry of region {r} is damaged: {why}")),
            _ => {}
        }
    }
    let region = match (seq_of(&a), seq_of(&b)) {
        (Some(x), Some(y)) if y > x => 1,
        (None, Some(_)) => 1,
        _ => 0,
    };
    let start = region * REGION;
    if len < start + REGION || (region == 0 && len < REGION + PAGE) {
        return Err(truncated(len));
    }
    let mut log = Log { region, end: 0, next_seq: seq_of(&a).max(seq_of(&b)).map_or(1, |s| s), payloads: vec![] };
    let first_seq = seq_of(if region == 0 { &a } else { &b });
    // The other region holds only what is older than the active one's first entry.
    let other = (1 - region) * REGION;
    if let Some((o, s)) = intact_beyond(bytes, other, other + REGION, first_seq.unwrap_or(0)) {
        return Err(format!(
            "entry {s} at offset {o} is intact in the region not in force: the first entry of region {region} was damaged"
        ));
    }
    let Some(first_seq) = first_seq else { return Ok(log) };
    let mut expected = first_seq;
    loop {
        let at = start + log.end;
        let here = examine(bytes, at, Some(expected));
        let (offset, found) = match here {
            Found::Entry { seq, .. } if seq == expected => (at, here),
            _ => {
                let page = at.next_multiple_of(PAGE);
                let there = if page > at && page < start + REGION {
                    examine(bytes, page, Some(expected))
                } else {
                    Found::Nothing
                };
                match there {
                    Found::Entry { seq, .. } if seq == expected => (page, there),
                    there => return ending(bytes, at, start + REGION, expected, [here, there]).map(|()| log),
                }
            }
        };
        let Found::Entry { payload, size, .. } = found else { unreachable!("matched an entry above") };
        log.payloads.push(payload);
        log.end = offset - start + size;
        expected += 1;
        log.next_seq = expected;
    }
}

fn truncated(len: u64) -> String {
    format!("the file is {len} bytes where a journal is {}: truncated", 2 * REGION)
}

/// The log ends at `at`, where entry `expected` is not (nor at the next
/// page, `found` holding what both places hold): `Err` when that is damage.
fn ending(bytes: &[u8], at: u64, region_end: u64, expected: u64, found: [Found; 2]) -> Result<(), String> {
    for f in found {
        match f {
            Found::Damaged(why) => return Err(format!("at offset {at}: {why}")),
            Found::Cut => return Err(truncated(bytes.len() as u64)),
            _ => {}
        }
    }
    match intact_beyond(bytes, at + 1, region_end, expected) {
        Some((o, s)) => Err(format!(
            "the log ends at offset {at} (entry {expected}) but entry {s} at offset {o} is intact: bytes in between \
             were damaged"
        )),
        None => Ok(()),
    }
}

/// The entry at `offset`, judged against the `seq` the log expects there
/// (`None` for a region's first entry, whose seq is whatever it is).
pub(super) fn examine(bytes: &[u8], offset: u64, expected: Option<u64>) -> Found {
    let region_end = (offset / REGION + 1) * REGION;
    let get = |from: u64, n: u64| bytes.get(from as usize..(from + n) as usize);
    let Some(head) = get(offset, HEADER as u64) else {
        return if offset + HEADER as u64 > region_end { Found::Nothing } else { Found::Cut };
    };
    if head[..4] == MAGIC_V1[..] {
        return examine_v1(bytes, offset);
    }
    let seq = u64::from_be_bytes(head[4..12].try_into().unwrap_or_default());
    let len = u32::from_be_bytes(head[12..16].try_into().unwrap_or_default()) as u64;
    let header_ok = head[16..20] == header_check(seq, len as u32);
    if head[..4] != MAGIC[..] {
        // Not a header, unless a flipped magic hides the one the log expects.
        return if header_ok && expected.is_none_or(|x| seq == x) {
            Found::Damaged(format!("entry {seq} has a damaged magic"))
        } else {
            Found::Nothing
        };
    }
    if !header_ok {
        return Found::Damaged("an entry's header fails its check".into());
    }
    let size = HEADER as u64 + len + TRAILER as u64;
    if offset + size > region_end {
        return Found::Damaged(format!("entry {seq} claims {len} bytes, past the end of its region"));
    }
    let Some(rest) = get(offset + HEADER as u64, len + TRAILER as u64) else { return Found::Cut };
    let (payload, sum) = rest.split_at(len as usize);
    if checksum(seq, payload).0[..] == *sum {
        if expected.is_some_and(|x| seq > x) {
            return Found::Damaged(format!("entry {seq} stands where entry {} belongs", expected.unwrap_or(0)));
        }
        return Found::Entry { seq, payload: payload.to_vec(), size };
    }
    let spans_pages = offset / PAGE != (offset + size - 1) / PAGE;
    match expected {
        Some(x) if seq < x => Found::Nothing, // An older entry, partly overwritten.
        None | Some(_) if spans_pages && expected.is_none_or(|x| seq == x) => Found::Nothing, // Torn.
        _ => Found::Damaged(format!("entry {seq} ({size} bytes, within one page) fails its checksum")),
    }
}

/// An entry of the format before the header check: valid or nothing.
fn examine_v1(bytes: &[u8], offset: u64) -> Found {
    const HEADER_V1: u64 = 16;
    let region_end = (offset / REGION + 1) * REGION;
    let get = |from: u64, n: u64| bytes.get(from as usize..(from + n) as usize);
    let Some(head) = get(offset, HEADER_V1) else { return Found::Cut };
    let seq = u64::from_be_bytes(head[4..12].try_into().unwrap_or_default());
    let len = u32::from_be_bytes(head[12..16].try_into().unwrap_or_default()) as u64;
    let size = HEADER_V1 + len + TRAILER as u64;
    if offset + size > region_end {
        return Found::Nothing;
    }
    let Some(rest) = get(offset + HEADER_V1, len + TRAILER as u64) else { return Found::Cut };
    let (payload, sum) = rest.split_at(len as usize);
    if checksum(seq, payload).0[..] != *sum {
        return Found::Nothing;
    }
    Found::Entry { seq, payload: payload.to_vec(), size }
}

/// The first intact current-format entry with a seq of at least `seq`
/// between `from` and `to`: its offset and seq.
fn intact_beyond(bytes: &[u8], from: u64, to: u64, seq: u64) -> Option<(u64, u64)> {
    let to = to.min(bytes.len() as u64);
    let window = bytes.get(from as usize..to as usize)?;
    memchr::memmem::find_iter(window, MAGIC).find_map(|p| {
        let o = from + p as u64;
        match examine(bytes, o, None) {
            Found::Entry { seq: s, .. } if s >= seq => Some((o, s)),
            _ => None,
        }
    })
}
