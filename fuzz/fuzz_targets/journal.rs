//! The journal reader (`journal.bin`, read when a store opens): which
//! region is in force, its entries, and whether the bytes are a log that
//! merely ended or a damaged one, on any bytes, at any length.
//!
//! Input: a sparse file (`layout::read_sparse`: a length, then non-zero
//! runs), so a 4 MiB journal fits in a small input; `write-seeds` writes
//! real journals in that layout. Checks: nothing panics, and a refusal says
//! where the damage is.

#![no_main]

use devnet_fuzz::layout::read_sparse;
use devnet_node::store::{JOURNAL_BYTES, journal_records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = read_sparse(data, JOURNAL_BYTES as usize);
    if let Err(why) = journal_records(&file) {
        assert!(why.contains("entry") || why.contains("file"), "a refusal that does not say where: {why}");
    }
});
