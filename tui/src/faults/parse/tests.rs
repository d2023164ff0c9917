use super::*;

fn p(line: &str) -> Result<Fault, String> {
    parse(&words(line), 4)
}

#[test]
fn every_form_parses() {
    assert_eq!(p("crash n2"), Ok(Fault::Process(ProcessFault::Crash, vec![2])));
    assert_eq!(p("pause n1,n3"), Ok(Fault::Process(ProcessFault::Pause, vec![1, 3])));
    assert_eq!(p("restart all"), Ok(Fault::Process(ProcessFault::Restart, vec![0, 1, 2, 3])));
    assert_eq!(p("partition n0,n1,n2/n3"), Ok(Fault::Partition(vec![vec![0, 1, 2], vec![3]])));
    assert_eq!(p("partition n0,n1 | n2,n3"), Ok(Fault::Partition(vec![vec![0, 1], vec![2, 3]])));
    assert_eq!(p("partition isolate n2"), Ok(Fault::Shape(Shape::Isolate(2))));
    assert_eq!(p("partition ring"), Ok(Fault::Shape(Shape::Ring)));
    assert_eq!(p("cut n0 n1"), Ok(Fault::Cut { from: 0, to: 1 }));
    assert_eq!(p("heal"), Ok(Fault::Heal));
    let lat = p("latency n0 n1 200ms --jitter 50ms").unwrap();
    let Fault::Link { from, to, change } = lat else { panic!() };
    assert_eq!((from, to), (vec![0], vec![1]));
    assert_eq!(change.delay, Some((Duration::from_millis(200), Duration::from_millis(50))));
    let Fault::Link { change, to, .. } = p("loss n2 * 30%").unwrap() else { panic!() };
    assert_eq!((change.loss, to), (Some(0.3), vec![0, 1, 2, 3]));
    let Fault::Link { change, .. } = p("filter n2 n3 attestations").unwrap() else { panic!() };
    assert_eq!(change.drop_kinds, Some(vec![MsgKind::Vote]));
    let Fault::Link { change, .. } = p("filter n2 n3 sync").unwrap() else { panic!() };
    assert_eq!(change.drop_kinds, Some(vec![MsgKind::SyncRequest, MsgKind::SyncResponse]));
    let Fault::Link { change, .. } = p("filter n0 n1 tx").unwrap() else { panic!() };
    assert_eq!(change.drop_kinds, Some(vec![MsgKind::Tx]));
    assert_eq!(p("censor n1 3,5"), Ok(Fault::Censor { node: 1, accounts: Some(vec![3, 5]) }));
    assert_eq!(p("censor n1 all"), Ok(Fault::Censor { node: 1, accounts: None }));
    assert_eq!(p("censor n1 off"), Ok(Fault::Censor { node: 1, accounts: Some(vec![]) }));
    assert!(p("censor n1 x").unwrap_err().contains("account numbers"));
    assert_eq!(p("skew n1 -2s"), Ok(Fault::Skew { node: 1, ms: -2000 }));
    assert_eq!(p("skew n1 +500ms"), Ok(Fault::Skew { node: 1, ms: 500 }));
    assert_eq!(p("equivocate n3"), Ok(Fault::Behaviour { node: 3, name: "equivocate".into(), slots: 0 }));
    assert_eq!(p("withhold n3 4"), Ok(Fault::Behaviour { node: 3, name: "withhold".into(), slots: 4 }));
    assert_eq!(p("twin n3"), Ok(Fault::Twin(3)));
    assert_eq!(p("selfish n2"), Ok(Fault::Behaviour { node: 2, name: "selfish".into(), slots: 0 }));
    assert_eq!(p("hashrate n3 60%"), Ok(Fault::Hashrate { node: 3, percent: 60 }));
    assert_eq!(p("hashrate n0 0"), Ok(Fault::Hashrate { node: 0, percent: 0 }));
}

#[test]
fn pow_words_only_on_pow_clusters() {
    for line in ["hashrate n3 60%", "selfish n1"] {
        let f = p(line).unwrap();
        assert_eq!(check_engine(&f, "pow"), Ok(()));
        let e = check_engine(&f, "tendermint").unwrap_err();
        assert!(e.contains("this cluster runs tendermint (only `consensus = \"pow\"` clusters take it)"), "{e}");
    }
    assert_eq!(check_engine(&p("withhold n1 2").unwrap(), "gasper"), Ok(()));
}

#[test]
fn errors_say_what_was_expected() {
    let cases = [
        ("", "no fault given"),
        ("explode n1", "unknown fault \"explode\""),
        ("crash", "`crash` takes NODES (n1, n1,n2 or all), found \"\""),
        ("crash n9", "no node \"n9\": this cluster has n0..n3"),
        ("crash x1", "expected a node like n0, found \"x1\""),
        ("partition n0,n1", "a partition needs at least two groups"),
        ("partition n0,n1/n1,n2,n3", "n1 is in two groups"),
        ("partition n0/n1,n2", "n3 is missing"),
        ("latency n0 n1", "`latency` takes FROM TO DURATION [--jitter DURATION]"),
        ("latency n0 n1 fast", "expected a duration like 200ms or 2s, found \"fast\""),
        ("latency n0 n1 2h", "unknown unit \"h\""),
        ("loss n0 n1 150%", "a probability must be from 0 to 1"),
        ("filter n0 n1 gossip", "unknown message kind \"gossip\""),
        ("withhold n1 0", "`withhold` needs a number of slots above 0"),
        ("heal now", "`heal` takes no arguments"),
        ("hashrate n3", "`hashrate` takes NODE PERCENT (like 60%)"),
        ("hashrate n3 150%", "from 0% to 100%, like 60%, found \"150%\""),
        ("hashrate n3 lots", "found \"lots\""),
        ("selfish", "`selfish` takes NODE"),
    ];
    for (line, want) in cases {
        let e = p(line).unwrap_err();
        assert!(e.contains(want), "{line:?}: {e:?} does not contain {want:?}");
    }
}

#[test]
fn load_words_parse() {
    let start = |rate, accounts| Ok(Fault::Load(LoadWords::Start { rate, accounts }));
    assert_eq!(p("load 500/s"), start(500.0, None));
    assert_eq!(p("load 200/s 50"), start(200.0, Some(50)));
    assert_eq!(p("load 2.5/s"), start(2.5, None));
    assert_eq!(p("load 100"), start(100.0, None), "a bare number is a rate a second");
    assert_eq!(p("load stop"), Ok(Fault::Load(LoadWords::Stop)));
    for (line, says) in [
        ("load", "`load` takes RATE/s [ACCOUNTS] or stop"),
        ("load 0/s", "expected a rate like 500/s"),
        ("load -5/s", "expected a rate like 500/s"),
        ("load 2000000/s", "at most 1000000/s"),
        ("load fast", "expected a rate like 500/s"),
        ("load 500/m", "expected a rate like 500/s"),
        ("load 500/s 1", "at least 2 sending accounts"),
        ("load 500/s many", "at least 2 sending accounts"),
        ("load 500/s 10 n1", "`load` takes RATE/s [ACCOUNTS] or stop"),
        ("load stop now", "`load` takes RATE/s [ACCOUNTS] or stop"),
    ] {
        let e = p(line).unwrap_err();
        assert!(e.contains(says), "{line}: {e}");
    }
    // Engine-neutral: every engine takes a load.
    for engine in ["gasper", "tendermint", "pow"] {
        assert_eq!(check_engine(&p("load 500/s").unwrap(), engine), Ok(()));
    }
}
