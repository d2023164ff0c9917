//! `keys.toml`, the user's key remapping (`KeyMap::parse`).
//!
//! Input: the file's text. Checks: nothing panics; an error names the file
//! and a line the text has; in a valid map, the key shown for each moved
//! action (`key_for`) does that action (`translate`).

#![no_main]

use devnet::keymap::{ACTIONS, KeyMap};
use libfuzzer_sys::fuzz_target;
use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let map = match KeyMap::parse(text, Path::new("keys.toml")) {
        Ok(map) => map,
        Err(e) => {
            let line = e.strip_prefix("keys.toml line ").and_then(|r| r.split(':').next()?.parse::<usize>().ok());
            let lines = text.split('\n').count();
            assert!(line.is_some_and(|l| (1..=lines).contains(&l)), "{e}");
            return;
        }
    };
    for (name, default) in ACTIONS {
        let key = map.key_for(*default);
        if key != *default {
            let done = map.translate(KeyEvent::new(key, KeyModifiers::NONE)).map(|k| k.code);
            assert_eq!(done, Some(*default), "{name}: its key {key:?} does not do it");
        }
    }
});
