//! The journal reader (`journal.bin`, read when a store opens): which
//! region is in force, its entries, and whether the bytes are a log that
//! merely ended or a damaged one.
//!
//! Input: a mode byte, then
//! - even: a sparse file (`layout::read_sparse`: a length, then non-zero
//!   runs), so any 4 MiB journal fits in a small input; `write-seeds`
//!   writes real journals in that layout. Checks: nothing panics, and a
//!   refusal says where the damage is.
//! - odd: `position(4, BE) | xor(1) [| length(4, BE)]`: one byte of a real
//!   journal (`real_journal`, written once by the real `Store`, every entry
//!   within a page) flipped, and the file cut to `length`. Checks the
//!   journal's promise, that a node never starts with less slashing
//!   protection than it had: the reader gives back every committed record
//!   or refuses; and it does not refuse over a flip past the log's end on a
//!   file that still holds the log (`read`'s rule: the active region and
//!   the other region's first page).

#![no_main]

use devnet_fuzz::layout::read_sparse;
use devnet_node::consensus::{Record, Table};
use devnet_node::store::{JOURNAL_BYTES, Store, journal_records};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// A journal the real store wrote, and the records committed to it in order.
fn real_journal() -> &'static (Vec<u8>, Vec<Record>) {
    static JOURNAL: OnceLock<(Vec<u8>, Vec<Record>)> = OnceLock::new();
    JOURNAL.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("devnet-fuzz-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut store = Store::open(&dir).expect("a fresh store");
        let mut all = Vec::new();
        // Each batch holds protection, so each is one journal entry, under a page.
        for i in 0..40u64 {
            let block = Record {
                table: Table::Blocks,
                key: i.to_be_bytes().to_vec(),
                value: vec![i as u8 | 1; 100 + (i as usize * 97) % 1500],
            };
            let protection =
                Record { table: Table::Protection, key: b"local".to_vec(), value: i.to_be_bytes().to_vec() };
            let batch = [block, protection];
            store.commit(&batch).expect("commit");
            all.extend(batch);
        }
        let bytes = std::fs::read(dir.join("journal.bin")).expect("the journal");
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(journal_records(&bytes).as_ref(), Ok(&all), "the undamaged journal");
        (bytes, all)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let file = read_sparse(rest, JOURNAL_BYTES as usize);
        if let Err(why) = journal_records(&file) {
            assert!(why.contains("entry") || why.contains("file"), "a refusal that does not say where: {why}");
        }
        return;
    }
    let Some((position, rest)) = rest.split_first_chunk::<4>() else { return };
    let Some((&xor, rest)) = rest.split_first() else { return };
    let (bytes, committed) = real_journal();
    let mut file = bytes.clone();
    let at = u32::from_be_bytes(*position) as usize % file.len();
    file[at] ^= xor.max(1);
    if let Some(length) = rest.first_chunk::<4>() {
        file.truncate(u32::from_be_bytes(*length) as usize % (bytes.len() + 1));
    }
    let log_end = bytes.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
    let holds_log = file.len() as u64 >= JOURNAL_BYTES / 2 + 4096;
    match journal_records(&file) {
        Ok(records) => assert!(records == *committed, "flip at {at}, {} bytes: records lost or changed", file.len()),
        Err(why) => {
            assert!(at < log_end || !holds_log, "a flip at {at}, past the log's end ({log_end}), refused: {why}")
        }
    }
});
