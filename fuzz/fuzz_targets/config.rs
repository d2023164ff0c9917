//! `devnet.toml` (`DevnetConfig::parse`, and `parse_as` for `--engine`).
//!
//! Input: the file's text. Checks: nothing panics; an error names the file,
//! a line the text has, and what was expected; a config that validates
//! gives a chain spec every node accepts (`consensus::build`), so a bad
//! value is refused when the file is read, never by nodes at start.

#![no_main]

use devnet::config::{DevnetConfig, ENGINES};
use devnet_fuzz::check_file_error;
use devnet_node::chain::{ChainSpec, SecretKey, ValidatorSpec};
use devnet_node::consensus::{self, Identity, PeerId};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// The spec `devnet up` would write for `cfg` (as `cluster_dir` does, with fixed keys).
fn spec_of(cfg: &DevnetConfig) -> (ChainSpec, SecretKey) {
    let keys: Vec<SecretKey> = (0..cfg.nodes).map(|i| SecretKey::from_seed([i as u8 + 1; 32])).collect();
    let validators = keys
        .iter()
        .zip(&cfg.stake)
        .map(|(k, s)| ValidatorSpec { pubkey: k.public().0.iter().map(|b| format!("{b:02x}")).collect(), stake: *s })
        .collect();
    let spec = ChainSpec {
        name: cfg.name.clone(),
        consensus: cfg.consensus.clone(),
        slot_ms: cfg.slot_ms,
        epoch_slots: cfg.epoch_slots,
        genesis_time_ms: 0,
        validators,
        params: cfg.engine_params.iter().map(|p| (cfg.consensus.clone(), p.clone())).collect(),
        ledger: Some(cfg.ledger.clone()),
    };
    (spec, keys[0].clone())
}

fn check_valid(cfg: &DevnetConfig) {
    assert_eq!(cfg.stake.len(), cfg.nodes, "{cfg:?}");
    let (spec, key) = spec_of(cfg);
    let me = Identity { me: PeerId(0), peers: (0..cfg.nodes as u32).map(PeerId).collect(), validator: Some((0, key)) };
    if let Err(e) = consensus::build(&spec, me) {
        panic!("a valid devnet.toml gives a spec nodes refuse: {e}; {cfg:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = Path::new("fuzz/devnet.toml");
    match DevnetConfig::parse(text, file) {
        Err(e) => check_file_error(&e, file, text),
        Ok(cfg) => {
            check_valid(&cfg);
            for engine in ENGINES {
                match DevnetConfig::parse_as(text, file, Some(engine)) {
                    Ok(other) => {
                        assert_eq!(other.consensus, *engine);
                        check_valid(&other);
                    }
                    Err(e) => check_file_error(&e, file, text),
                }
            }
        }
    }
});
