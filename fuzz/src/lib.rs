//! Shared pieces of the fuzz targets: the cluster the engine targets run
//! (`cluster`: four validators with fixed keys, one spec per engine, and the
//! in-process simulation `write-seeds` records real messages from), the byte
//! layouts targets read structured inputs in (`layout`), and the checks they
//! share (`round_trip`).

pub mod cluster;
pub mod layout;

use std::fmt::Debug;

/// The canonical codec's promise (`chain::codec`): one value, one encoding.
/// Whatever `decode` accepts must `encode` to exactly the bytes it came
/// from, and those bytes must decode to the same value again.
pub fn round_trip<T: PartialEq + Debug, E>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, E>,
    encode: impl Fn(&T) -> Vec<u8>,
) {
    let Ok(value) = decode(bytes) else { return };
    let again = encode(&value);
    assert_eq!(again, bytes, "{value:?} re-encodes to other bytes than it was decoded from");
    assert!(decode(&again).ok().as_ref() == Some(&value), "{value:?} decodes differently the second time");
}

/// What every error about a user's file must be: about that file, on a
/// line the text has (or none), saying something.
pub fn check_file_error(e: &devnet::config::ConfigError, file: &std::path::Path, text: &str) {
    assert_eq!(e.file, file, "{e}");
    let lines = text.split('\n').count();
    assert!(e.line.is_none_or(|l| (1..=lines).contains(&l)), "line {:?} of a {lines}-line text: {e}", e.line);
    assert!(!e.message.trim().is_empty(), "an empty message: {e:?}");
}
