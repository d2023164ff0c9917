//! The fault language: one line of `devnet inject`, the command bar or a
//! scenario step (`faults::parse_cmd`), resolved against clusters of 1 to 8
//! nodes (`faults::parse`), checked against each engine.
//!
//! Input: the line. Checks: nothing panics; a refusal says something; a
//! parsed command's own words (`FaultCmd::words`, what `devnet inject`
//! sends to the running devnet) parse back to the same command.

#![no_main]

use devnet::config::ENGINES;
use devnet::faults::{check_engine, parse::resolve, parse_cmd, words};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let cmd = match parse_cmd(&words(line)) {
        Ok(cmd) => cmd,
        Err(e) => return assert!(!e.trim().is_empty(), "an empty refusal of {line:?}"),
    };
    let again = cmd.words();
    match parse_cmd(&again) {
        Ok(back) => assert_eq!(back, cmd, "{line:?} -> {again:?}"),
        Err(e) => panic!("{line:?} parses, but its words {again:?} do not: {e}"),
    }
    for n in 1..=8 {
        match resolve(&cmd, n) {
            Ok(fault) => {
                for engine in ENGINES {
                    let _ = check_engine(&fault, engine);
                }
            }
            Err(e) => assert!(!e.trim().is_empty(), "an empty refusal of {line:?} on {n} nodes"),
        }
    }
});
