use super::*;
use devnet_node::consensus::hotstuff::HotStuffParams;
use devnet_node::consensus::pbft::PbftParams;
use devnet_node::consensus::pow::{ForkChoiceRule, PowParams};
use devnet_node::consensus::tendermint::TendermintParams;

fn parse(text: &str) -> Result<DevnetConfig, String> {
    DevnetConfig::parse(text, Path::new("devnet.toml")).map_err(|e| e.to_string())
}

#[test]
fn defaults_and_the_shipped_file() {
    let c = parse("").unwrap();
    assert_eq!((c.nodes, c.consensus.as_str(), c.slot_ms, c.epoch_slots), (4, "gasper", 1000, 4));
    assert_eq!(c.stake, vec![32; 4]);
    let shipped = include_str!("../../../devnet.toml");
    let s = parse(shipped).unwrap();
    assert_eq!(s.nodes, 4);
    assert_eq!(s.stake, vec![32; 4]);
}

#[test]
fn documented_errors() {
    let cases = [
        ("nodes = 0", "devnet.toml:1: `nodes` must be an integer from 1 to 64, found 0"),
        ("\nslot_ms = 5", "devnet.toml:2: `slot_ms` must be an integer from 10 to 60000 ms, found 5"),
        ("nodes = 3\nstake = [1, 2]", "devnet.toml:2: `stake` must list one stake per node (3), found 2 entries"),
        ("stake = [1, 2, 0, 4]", "devnet.toml:1: `stake` entries must be integers from 1 to 1000000000, found 0"),
        ("name = \"a b\"", "devnet.toml:1: `name` must be 1-64 characters of a-z, A-Z, 0-9, '-' or '_', found \"a b\""),
        ("base_port = 80", "devnet.toml:1: `base_port` must be 0 (automatic) or at least 1024, found 80"),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input).unwrap_err(), want, "input: {input}");
    }
    let want = format!("devnet.toml:1: `consensus` must be one of {}, found \"raft\"", ENGINES.join(", "));
    assert_eq!(parse("consensus = \"raft\"").unwrap_err(), want);
    assert_eq!(
        parse("nodes = 4\nbackend = \"k8s\"").unwrap_err(),
        "devnet.toml:2: `backend` must be \"local\" or \"docker\" or \"kubernetes\", found \"k8s\""
    );
}

#[test]
fn backend_defaults_to_local_and_a_scenario_may_override_it() {
    assert_eq!(parse("").unwrap().backend, BackendKind::Local);
    assert_eq!(parse("backend = \"docker\"").unwrap().backend, BackendKind::Docker);
    assert_eq!(parse("backend = \"kubernetes\"").unwrap().backend, BackendKind::Kubernetes);
    let base: Raw = toml::from_str("backend = \"docker\"").unwrap();
    let c = DevnetConfig::from_raw(&Raw::default().over(base.clone()), "", Path::new("s.toml")).unwrap();
    assert_eq!(c.backend, BackendKind::Docker, "a scenario without the key keeps the base file's");
    let top: Raw = toml::from_str("backend = \"local\"").unwrap();
    let c = DevnetConfig::from_raw(&top.over(base), "", Path::new("s.toml")).unwrap();
    assert_eq!(c.backend, BackendKind::Local);
}

#[test]
fn control_defaults_to_loopback_and_takes_an_address() {
    assert_eq!(parse("").unwrap().control, DEFAULT_CONTROL);
    assert_eq!(parse("control = \"0.0.0.0:7700\"").unwrap().control.to_string(), "0.0.0.0:7700");
    assert_eq!(
        parse("nodes = 4\ncontrol = \"0.0.0.0\"").unwrap_err(),
        "devnet.toml:2: `control` must be an address with a port, such as \"0.0.0.0:7700\", found \"0.0.0.0\""
    );
}

#[test]
fn netns_needs_one_name_and_one_address_per_node_on_the_local_backend() {
    let ok = "nodes = 2\n[netns]\nnames = [\"a\", \"b\"]\nips = [\"10.0.0.1\", \"10.0.0.2\"]\n";
    let ns = parse(ok).unwrap().netns.unwrap();
    assert_eq!((ns.name(0), ns.name(3)), ("a", "b"));
    let e = parse("nodes = 2\n[netns]\nnames = [\"a\"]\nips = [\"10.0.0.1\", \"10.0.0.2\"]\n").unwrap_err();
    assert_eq!(e, "devnet.toml:3: `netns.names` must have one entry per node (2), found 1");
    let e = parse("nodes = 2\n[netns]\nnames = [\"a\", \"b\"]\nips = [\"10.0.0.1\", \"ten\"]\n").unwrap_err();
    assert_eq!(e, "devnet.toml:4: `netns.ips`: expected an IP address such as \"10.214.0.10\", found \"ten\"");
    let e = parse("nodes = 2\n[netns]\nnames = [\"a\", \"../b\"]\nips = [\"10.0.0.1\", \"10.0.0.2\"]\n").unwrap_err();
    assert!(e.contains("is not a namespace name"), "{e}");
    let e = parse("nodes = 2\n[netns]\nnames = [\"a\", \"b\"]\nips = [\"10.0.0.1\", \"10.0.0.1\"]\n").unwrap_err();
    assert!(e.contains("10.0.0.1 is given twice"), "{e}");
    let e = parse("nodes = 2\n[netns]\nnames = [\"a\", \"b\"]\n").unwrap_err();
    assert!(e.contains("needs both `names` and `ips`"), "{e}");
    let e = parse(&format!("backend = \"docker\"\n{ok}")).unwrap_err();
    assert!(e.starts_with("devnet.toml:1: `[netns]` is for the local backend"), "{e}");
}

#[test]
fn syntax_type_and_unknown_key_errors_name_the_line() {
    let e = parse("nodes = 4\nslot_ms = \"fast\"").unwrap_err();
    assert_eq!(e, "devnet.toml:2: `slot_ms`: invalid type: string \"fast\", expected an integer");
    let e = parse("nodes = 4\nslots = 3").unwrap_err();
    assert!(e.starts_with("devnet.toml:2: ") && e.contains("unknown field `slots`"), "{e}");
    let e = parse("nodes = [").unwrap_err();
    assert!(e.starts_with("devnet.toml:1: "), "{e}");
    let e = DevnetConfig::load(Path::new("/nonexistent/devnet.toml")).unwrap_err().to_string();
    assert!(e.starts_with("/nonexistent/devnet.toml: cannot read"), "{e}");
}

#[test]
fn pbft_and_hotstuff_tables_are_read_by_the_engine_and_errors_name_the_line() {
    let c = parse("consensus = \"hotstuff\"\nslot_ms = 200\n[hotstuff]\ncommit_chain = 2\nmin_round_ms = 0").unwrap();
    let h = c.params::<HotStuffParams>().unwrap();
    assert_eq!((h.commit_chain, h.min_round_ms, h.base_timeout_ms), (2, 0, 400));
    let e = parse("consensus = \"hotstuff\"\n[hotstuff]\n# the Jolteon rule\ncommit_chain = 4").unwrap_err();
    assert_eq!(e, "devnet.toml:4: hotstuff.commit_chain: expected 2 or 3, found 4");
    let e = parse("consensus = \"pbft\"\n[pbft]\npacing = 0").unwrap_err();
    assert!(e.starts_with("devnet.toml:3: `pbft.pacing` is not a key of [pbft]; expected one of"), "{e}");
    let e = parse("consensus = \"pbft\"\npbft.pacing = 0").unwrap_err();
    assert!(e.starts_with("devnet.toml:2: `pbft.pacing` is not a key"), "a dotted key: {e}");
    let e = parse("consensus = \"pbft\"\n[pbft]\npacing_ms = \"fast\"").unwrap_err();
    assert!(e.starts_with("devnet.toml:3: `pbft.pacing_ms` must be a whole number"), "{e}");
    let e = parse("[hotstuff]\ncommit_chain = 2").unwrap_err();
    assert!(e.contains("`[hotstuff]` is only for `consensus = \"hotstuff\"`"), "{e}");
    assert_eq!(parse("consensus = \"pbft\"").unwrap().params(), Some(PbftParams::from_slot(1000)));
    assert_eq!(parse("").unwrap().engine_params, None, "gasper has no parameters");
    let e = parse("nodes = 4\n[gasper]\nx = 1").unwrap_err();
    assert!(e.starts_with("devnet.toml:2: unknown field `gasper`, expected one of `name`"), "{e}");
}

#[test]
fn tendermint_table_over_slot_defaults() {
    let c =
        parse("consensus = \"tendermint\"\nslot_ms = 200\n[tendermint]\ntimeout_commit_ms = 0\ntimeout_delta_ms = 50")
            .unwrap();
    let t: TendermintParams = c.params().unwrap();
    assert_eq!(
        (t.timeout_propose_ms, t.timeout_prevote_ms, t.timeout_delta_ms, t.timeout_commit_ms),
        (200, 100, 50, 0)
    );
    let c = parse("consensus = \"tendermint\"\nslot_ms = 300").unwrap();
    assert_eq!(c.params(), Some(TendermintParams::from_slot(300)));
    assert_eq!(parse("").unwrap().params::<TendermintParams>(), None, "no timeouts for another engine");
    let e = parse("consensus = \"tendermint\"\n[tendermint]\ntimeout_propose_ms = 0").unwrap_err();
    assert_eq!(e, "devnet.toml:3: `tendermint.timeout_propose_ms` must be an integer from 1 to 600000 ms, found 0");
    let e = parse("consensus = \"tendermint\"\n[tendermint]\ntimeout_propose = 5").unwrap_err();
    assert!(e.starts_with("devnet.toml:3: `tendermint.timeout_propose` is not a key of [tendermint]"), "{e}");
}

#[test]
fn engine_tables_only_with_their_engine() {
    let e = parse("nodes = 4\n[pow]\nk = 3").unwrap_err();
    assert_eq!(e, "devnet.toml:2: `[pow]` is only for `consensus = \"pow\"`, but this devnet runs \"gasper\"");
    let e = parse("consensus = \"gasper\"\n\n[tendermint]\ntimeout_commit_ms = 5").unwrap_err();
    assert!(e.starts_with("devnet.toml:3: `[tendermint]` is only for `consensus = \"tendermint\"`"), "{e}");
}

#[test]
fn pow_table() {
    let c = parse("consensus = \"pow\"\nslot_ms = 200\n").unwrap();
    let p: PowParams = c.params().unwrap();
    assert_eq!((p.block_ms, p.k, p.hashrate.clone()), (200, 6, vec![25; 4]));
    let text = "consensus = \"pow\"\nnodes = 3\n[pow]\nblock_ms = 400\nk = 3\nfork_choice = \"ghost\"\n\
                hashrate = [60, 30, 10]\nretarget_window = 8\npuzzle_bits = 4";
    let p: PowParams = parse(text).unwrap().params().unwrap();
    assert_eq!(
        (p.block_ms, p.k, p.fork_choice, p.hashrate, p.retarget_window, p.puzzle_bits),
        (400, 3, ForkChoiceRule::Ghost, vec![60, 30, 10], 8, 4)
    );
    let cases = [
        (
            "[pow]\nhashrate = [50, 50]",
            "devnet.toml:3: `pow.hashrate` must list one percentage per node (4), found 2 entries",
        ),
        (
            "[pow]\nhashrate = [50, 20, 20, 20]",
            "devnet.toml:3: `pow.hashrate` must add up to 100 (percent of the cluster's hashrate), found [50, 20, 20, 20] = 110",
        ),
        (
            "[pow]\nhashrate = [101, 0, 0, 0]",
            "devnet.toml:3: `pow.hashrate` entries are percentages from 0 to 100, found 101",
        ),
        (
            "[pow]\nfork_choice = \"fastest\"",
            "devnet.toml:3: `pow.fork_choice`: unknown variant `fastest`, expected one of `longest`, `heaviest`, `ghost`, found \"fastest\"",
        ),
        ("[pow]\nk = 0", "devnet.toml:3: `pow.k` must be an integer from 1 to 1000, found 0"),
        (
            "\n[pow]\nk = 3\nhashrate = [-1]",
            "devnet.toml:5: `pow.hashrate`: invalid value: integer `-1`, expected u32, found [-1]",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(parse(&format!("consensus = \"pow\"\n{input}")).unwrap_err(), want, "input: {input}");
    }
}

/// `RAW_KEYS` (named in the unknown-key error) are `Raw`'s own fields: none
/// of them is taken for an engine table.
#[test]
fn the_known_keys_are_raws_fields() {
    for key in RAW_KEYS {
        for value in ["1", "\"x\"", "[1]", "{}"] {
            if let Ok(raw) = toml::from_str::<Raw>(&format!("{key} = {value}")) {
                assert!(raw.tables.is_empty(), "{key} = {value} went to the engine tables");
            }
        }
    }
}

#[test]
fn overrides_merge_engine_tables_key_by_key() {
    let base: Raw =
        toml::from_str("consensus = \"tendermint\"\n[tendermint]\ntimeout_commit_ms = 7\ntimeout_delta_ms = 9")
            .unwrap();
    let top: Raw = toml::from_str("[tendermint]\ntimeout_delta_ms = 11").unwrap();
    let c = DevnetConfig::from_raw(&top.over(base.clone()), "", Path::new("s.toml")).unwrap();
    let t: TendermintParams = c.params().unwrap();
    assert_eq!((t.timeout_commit_ms, t.timeout_delta_ms), (7, 11));
    // Another engine: the base's tables were written for its own engine.
    let top: Raw = toml::from_str("consensus = \"gasper\"").unwrap();
    let c = DevnetConfig::from_raw(&top.over(base.clone()), "", Path::new("s.toml")).unwrap();
    assert_eq!((c.consensus.as_str(), c.engine_params), ("gasper", None));
    let c = DevnetConfig::from_raw(&base.with_engine("gasper"), "", Path::new("s.toml")).unwrap();
    assert_eq!(c.consensus, "gasper");
}

#[test]
fn another_engine_on_the_same_file_is_its_own_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.toml");
    std::fs::write(&path, "name = \"d\"\nslot_ms = 200\n").unwrap();
    let same = DevnetConfig::load_as(&path, Some("gasper")).unwrap();
    assert_eq!((same.name.as_str(), same.consensus.as_str()), ("d", "gasper"));
    let pow = DevnetConfig::load_as(&path, Some("pow")).unwrap();
    assert_eq!((pow.name.as_str(), pow.consensus.as_str(), pow.slot_ms), ("d-pow", "pow", 200));
    let e = DevnetConfig::load_as(&path, Some("raft")).unwrap_err().to_string();
    assert!(e.contains("--engine \"raft\": expected one of gasper, tendermint, pow"), "{e}");
}
