use super::*;

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::parse(text, Path::new("s.toml"), Raw::default()).map_err(|e| e.to_string())
}

const OK: &str = r#"
name = "t"
duration = "10s"
[devnet]
nodes = 4
slot_ms = 100
[[step]]
name = "split"
at = "2s"
inject = "partition n0,n1/n2,n3"
[[step]]
at_slot = 60
inject = "heal"
[[expect]]
check = "finality_stalls"
during = "split"
[[expect]]
check = "finalized_advances"
after = "step2"
by = 2
within = "3s"
"#;

#[test]
fn a_valid_scenario() {
    let s = parse(OK).unwrap();
    assert_eq!((s.devnet.nodes, s.devnet.slot_ms, s.devnet.name.as_str()), (4, 100, "t"));
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].when, When::Time(Duration::from_secs(2)));
    assert_eq!(s.steps[1].when, When::Slot(60));
    assert_eq!(s.steps[1].name, "step2");
    assert_eq!(s.expects[0].check, Check::FinalityStalls { during: 0 });
    assert_eq!(s.expects[1].label, "finalized_advances after=step2 within=3s by=2");
}

#[test]
fn every_shipped_scenario_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        Scenario::load(&path, None).unwrap_or_else(|e| panic!("{e}"));
        n += 1;
    }
    assert!(n >= 11, "{n} scenarios");
}

#[test]
fn errors_name_the_line_and_the_expected_form() {
    let cases = [
        (
            OK.replace("inject = \"heal\"", "inject = \"heal now\""),
            "s.toml:13: step 2: unexpected argument 'now' found · usage: heal",
        ),
        (
            OK.replace("at = \"2s\"", "at = \"soon\""),
            "s.toml:9: `at` must be a duration like \"500ms\", \"4s\" or \"1m30s\", found \"soon\"",
        ),
        (
            OK.replace("at_slot = 60", "at_slot = 60\nat = \"1s\""),
            "give exactly one of `at = \"5s\"` or `at_slot = 40`",
        ),
        (
            OK.replace("during = \"split\"", "during = \"splt\""),
            "s.toml:16: no step named \"splt\"; steps are: split, step2",
        ),
        (
            OK.replace("check = \"finality_stalls\"", "check = \"finality_stall\""),
            "s.toml:15: unknown check \"finality_stall\"",
        ),
        (
            OK.replace("slot_ms = 100", "slot_ms = 1"),
            "s.toml:6: `slot_ms` must be an integer from 10 to 60000 ms, found 1",
        ),
        (
            OK.replace("inject = \"partition n0,n1/n2,n3\"", "inject = \"partition n0,n1/n2,n7\""),
            "s.toml:10: step 1: no node \"n7\"",
        ),
        (OK.replace("duration = \"10s\"", ""), "missing field `duration`"),
        (OK.replace("by = 2", "by = 2\nbogus = 1"), "unknown field `bogus`"),
        (OK.replace("within = \"3s\"", ""), "`finalized_advances` needs `within = \"10s\"`"),
        (
            OK.replace("inject = \"heal\"", "inject = \"hashrate n3 60%\""),
            "s.toml:13: step 2: `hashrate` sets a pow miner's share of the hashrate; this cluster runs gasper",
        ),
    ];
    for (text, want) in cases {
        let e = parse(&text).unwrap_err();
        assert!(e.contains(want), "{e:?} does not contain {want:?}");
    }
}

#[test]
fn chain_checks_parse() {
    let text = OK.to_string()
        + "[[expect]]\ncheck = \"reorg\"\ndepth = 2\nnode = \"n1\"\nafter = \"step2\"\n\
           [[expect]]\ncheck = \"final_reverted\"\n\
           [[expect]]\ncheck = \"no_commits_during\"\nduring = \"split\"\ngrace = \"1s\"\n\
           [[expect]]\ncheck = \"no_commits_during\"\nduring = \"split\"\n\
           [[expect]]\ncheck = \"chain_share\"\nnode = \"n3\"\n";
    let s = parse(&text).unwrap();
    let checks: Vec<Check> = s.expects.iter().skip(2).map(|e| e.check.clone()).collect();
    assert_eq!(
        checks,
        vec![
            Check::Reorg { depth: 2, node: Some(1), after: Some(1) },
            Check::FinalReverted { by: 1, after: None },
            Check::NoCommitsDuring { during: 0, grace: Duration::from_secs(1) },
            Check::NoCommitsDuring { during: 0, grace: Duration::from_millis(300) },
            Check::ChainShare { node: 3, after: None },
        ]
    );
    assert_eq!(s.expects[4].label, "no_commits_during during=split grace=1s");
    let e = parse(&(OK.to_string() + "[[expect]]\ncheck = \"chain_share\"\n")).unwrap_err();
    assert!(e.contains("`chain_share` needs `node = \"n2\"`"), "{e}");
    let e = parse(&(OK.to_string() + "[[expect]]\ncheck = \"no_commits_during\"\n")).unwrap_err();
    assert!(e.contains("`no_commits_during` needs `during = \"STEP NAME\"`"), "{e}");
}

#[test]
fn load_steps_parse_and_name_their_line() {
    let text = "duration = \"20s\"\n[[step]]\nat = \"2s\"\ninject = \"load 500/s 50\"\n[[step]]\nat = \"12s\"\ninject = \"load stop\"\n";
    let s = parse(text).unwrap();
    assert_eq!(s.steps[0].fault, Fault::Load(crate::faults::LoadWords::Start { rate: 500.0, accounts: Some(50) }));
    assert_eq!(s.steps[1].fault, Fault::Load(crate::faults::LoadWords::Stop));
    let bad = parse("duration = \"20s\"\n[[step]]\nat = \"2s\"\ninject = \"load 0/s\"\n").unwrap_err();
    assert!(bad.contains("s.toml:4: step 1: invalid value '0/s' for '<RATE/s>': expected a rate like 500/s"), "{bad}");
}
