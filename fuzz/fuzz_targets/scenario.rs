//! Scenario files (`devnet run SCENARIO.toml`, `Scenario::parse_text`),
//! with the fault language of their steps and their `[devnet]` table.
//!
//! Input: the file's text. Checks: nothing panics; an error names the file,
//! a line the text has, and what was expected; every step of a valid
//! scenario is its words parsed (the same fault as `devnet inject` with
//! those words would give), and the scenario also parses under each engine
//! it lists (`devnet compare`).

#![no_main]

use devnet::faults;
use devnet::scenario::Scenario;
use devnet_fuzz::check_file_error;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = Path::new("fuzz/scenario.toml");
    let scenario = match Scenario::parse_text(text, file, None) {
        Ok(s) => s,
        Err(e) => return check_file_error(&e, file, text),
    };
    for step in &scenario.steps {
        assert_eq!(faults::parse(&step.words, scenario.devnet.nodes).as_ref(), Ok(&step.fault), "{step:?}");
    }
    for engine in &scenario.engines {
        match Scenario::parse_text(text, file, Some(engine.as_str())) {
            Ok(s) => assert_eq!(s.devnet.consensus, *engine),
            Err(e) => check_file_error(&e, file, text),
        }
    }
});
