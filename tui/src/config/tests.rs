use super::*;

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
        ("consensus = \"raft\"", "devnet.toml:1: `consensus` must be one of gasper, tendermint, found \"raft\""),
        ("nodes = 3\nstake = [1, 2]", "devnet.toml:2: `stake` must list one stake per node (3), found 2 entries"),
        ("stake = [1, 2, 0, 4]", "devnet.toml:1: `stake` entries must be integers from 1 to 1000000000, found 0"),
        ("name = \"a b\"", "devnet.toml:1: `name` must be 1-64 characters of a-z, A-Z, 0-9, '-' or '_', found \"a b\""),
        ("base_port = 80", "devnet.toml:1: `base_port` must be 0 (automatic) or at least 1024, found 80"),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input).unwrap_err(), want, "input: {input}");
    }
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
