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
    let ms = Duration::from_millis;
    assert_eq!(p("disk-full n2"), Ok(Fault::Disk { nodes: vec![2], full: true, slow: Duration::ZERO }));
    assert_eq!(p("disk-slow n1,n2 50ms"), Ok(Fault::Disk { nodes: vec![1, 2], full: false, slow: ms(50) }));
    assert_eq!(p("disk-ok all"), Ok(Fault::Disk { nodes: vec![0, 1, 2, 3], full: false, slow: Duration::ZERO }));
    assert!(p("disk-slow n1 1m").unwrap_err().contains("up to 10s"));
    assert!(p("disk-slow n1").unwrap_err().contains("usage: disk-slow NODES DELAY"));
    assert_eq!(p("selfish n2"), Ok(Fault::Behaviour { node: 2, name: "selfish".into(), slots: 0 }));
    assert_eq!(p("hashrate n3 60%"), Ok(Fault::Hashrate { node: 3, percent: 60 }));
    assert_eq!(p("hashrate n0 0"), Ok(Fault::Hashrate { node: 0, percent: 0 }));
    let s30 = Duration::from_secs(30);
    assert_eq!(p("rent n3 60% --for 30s"), Ok(Fault::Rent { node: 3, percent: 60, lasting: s30 }));
    // Options anywhere on the line.
    assert_eq!(p("rent --for 30s n3 60%"), Ok(Fault::Rent { node: 3, percent: 60, lasting: s30 }));
    assert_eq!(p("rent n3 --for 2m 70"), Ok(Fault::Rent { node: 3, percent: 70, lasting: 4 * s30 }));
}

#[test]
fn pow_words_only_on_pow_clusters() {
    for line in ["hashrate n3 60%", "selfish n1", "rent n3 60% --for 30s"] {
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
        ("", "no fault given; expected one of: crash, restart, pause"),
        ("explode n1", "unrecognized subcommand 'explode'"),
        ("explode n1", "faults: crash, restart, pause, resume, stop, partition, cut, heal, latency"),
        ("crash", "the following required arguments were not provided: <NODES> · usage: crash NODES"),
        ("crash n9", "no node \"n9\": this cluster has n0..n3"),
        ("crash x1", "expected a node like n0, found \"x1\""),
        ("partition", "usage: partition GROUPS... | partition isolate NODE | partition halves"),
        ("crash --help", "Kill NODES with SIGKILL"),
        ("partition n0,n1", "a partition needs at least two groups"),
        ("partition n0,n1/n1,n2,n3", "n1 is in two groups"),
        ("partition n0/n1,n2", "n3 is missing"),
        ("partition isolate", "<NODE>"),
        ("latency n0 n1", "<DELAY>"),
        ("latency n0 n1", "usage: latency FROM TO DELAY [--jitter DURATION]"),
        ("latency n0 n1 fast", "expected a duration like 500ms, 2s or 1m30s, found \"fast\""),
        ("latency n0 n1 2parsecs", "unknown time unit \"parsecs\""),
        ("latency n0 n1 200ms --jitter", "--jitter <DURATION>"),
        ("latency n0 n1 200ms --jiter 5ms", "unexpected argument '--jiter'"),
        ("loss n0 n1 150%", "a probability must be from 0 to 1"),
        ("filter n0 n1 gossip", "unknown message kind \"gossip\""),
        ("withhold n1 0", "`withhold` needs a number of slots above 0"),
        ("heal now", "unexpected argument 'now'"),
        ("hashrate n3", "<PERCENT>"),
        ("hashrate n3 150%", "from 0% to 100%, like 60%, found \"150%\""),
        ("hashrate n3 lots", "found \"lots\""),
        ("selfish", "<NODE>"),
        ("rent n3 60%", "--for <DURATION>"),
        ("rent n3 60%", "usage: rent NODE PERCENT --for DURATION"),
        ("rent n3 --for 30s", "<PERCENT>"),
        ("rent n3 150% --for 30s", "from 0% to 100%, like 60%, found \"150%\""),
        ("rent n3 60% --for soon", "expected a duration like 500ms, 2s or 1m30s, found \"soon\""),
        ("rent n3 60% --for 0s", "`rent` needs a time above 0, like --for 30s"),
        ("rent n9 60% --for 30s", "no node \"n9\""),
        ("skew n1 soon", "expected an offset like +500ms, -2s or 0, found \"soon\""),
        ("--data-dir /tmp heal", "unexpected argument '--data-dir'"),
    ];
    for (line, want) in cases {
        let e = p(line).unwrap_err();
        assert!(e.contains(want), "{line:?}: {e:?} does not contain {want:?}");
        assert!(!e.contains('\n'), "{line:?}: {e:?} is not one line");
    }
}

/// `devnet inject` parses the words with the same grammar and sends them
/// back out as `FaultCmd::words`, which the devnet parses again: every form
/// must survive that trip as the same fault.
fn cli_round_trip(line: &str) -> Result<Fault, String> {
    let cmd = parse_cmd(&words(line))?;
    parse(&cmd.words(), 4)
}

const EXAMPLES: &[&str] = &[
    "crash n2",
    "pause n1,n3",
    "restart all",
    "stop *",
    "resume 2",
    "partition n0,n1,n2/n3",
    "partition n0,n1 | n2,n3",
    "partition isolate n2",
    "partition halves",
    "partition majority",
    "partition bridge",
    "partition ring",
    "cut n0 n1",
    "heal",
    "latency n0 n1 200ms --jitter 50ms",
    "latency * * 120ms --jitter 40ms",
    "latency n0 n1 --jitter 50ms 1m30s",
    "latency n2 * 1s",
    "loss n2 * 30%",
    "loss * * 0.2",
    "filter n2 n3 attestations",
    "filter n2 n3 block,sync,tx",
    "clear * *",
    "skew n1 -2s",
    "skew n1 +500ms",
    "skew n1 0",
    "skew n1 1m",
    "equivocate n3",
    "silent n0",
    "honest n2",
    "withhold n3 4",
    "twin n3",
    "selfish n2",
    "hashrate n3 60%",
    "hashrate n0 0",
    "rent n3 60% --for 30s",
    "rent n0 100% --for 1m30s",
    "censor n1 3,5",
    "censor n1 all",
    "censor n1 off",
    "load 500/s",
    "load 200/s 50",
    "load 2.5/s",
    "load stop",
];

/// Found by the `faults` fuzz target: partition groups that clap would read
/// as an option or a shape (given after `--`) came back from
/// `FaultCmd::words` without it, so the running devnet refused the words
/// `devnet inject` sent with a clap error instead of saying what was wrong.
#[test]
fn partition_groups_that_look_like_options_or_shapes_keep_their_separator() {
    for line in
        ["partition * 120ms -- --jijitte0:", "partition -- halves n1", "partition -- -n1/n2", "partition -- help"]
    {
        let cmd = parse_cmd(&words(line)).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(parse_cmd(&cmd.words()), Ok(cmd.clone()), "{line} -> {:?}", cmd.words());
    }
    assert_eq!(parse_cmd(&words("partition n0,n1/n2,n3")).map(|c| c.words()), Ok(words("partition n0,n1/n2,n3")));
    let e = p("partition -- -n1/n2,n3").unwrap_err();
    assert!(e.contains("-n1"), "{e}");
}

/// Found by the `faults` fuzz target: `censor n2 ,` parsed as an empty
/// account list, which stops censoring, and its words (`censor n2 ""`) did
/// not parse again. Only `off` stops it.
#[test]
fn censor_refuses_an_empty_account_list() {
    for line in ["censor n2 ,", "censor n2 ,,,"] {
        let e = p(line).unwrap_err();
        assert!(e.contains("expected account numbers like 3,5, all or off"), "{line}: {e}");
    }
    assert_eq!(p("censor n2 3,"), Ok(Fault::Censor { node: 2, accounts: Some(vec![3]) }));
}

#[test]
fn the_cli_gives_the_same_fault_as_the_prompt_and_scenarios() {
    for line in EXAMPLES {
        let direct = p(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(cli_round_trip(line), Ok(direct), "{line}");
    }
}

#[test]
fn every_scenario_file_step_parses_and_survives_the_cli() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        for step in v.get("step").and_then(|s| s.as_array()).into_iter().flatten() {
            let line = step["inject"].as_str().unwrap();
            let direct = p(line).unwrap_or_else(|e| panic!("{}: {line}: {e}", path.display()));
            assert_eq!(cli_round_trip(line), Ok(direct), "{}: {line}", path.display());
            seen += 1;
        }
    }
    assert!(seen > 20, "only {seen} steps found under {}", dir.display());
}

#[test]
fn the_grammar_describes_every_fault() {
    let names = grammar::names();
    assert_eq!(names.len(), 26, "{names:?}");
    for name in &names {
        let u = grammar::usage(name).unwrap_or_else(|| panic!("{name}"));
        assert!(u.starts_with(name.as_str()) && u.contains(" — "), "{u}");
    }
    assert_eq!(
        grammar::usage("latency").unwrap(),
        "latency FROM TO DELAY [--jitter DURATION] — Delay each message on the directed links FROM -> TO"
    );
    assert_eq!(
        grammar::usage("rent").unwrap(),
        "rent NODE PERCENT --for DURATION — pow only: NODE rents PERCENT of the cluster's hashrate for a while; then \
         the shares go back"
    );
    let u = grammar::usage("partition").unwrap();
    assert!(u.starts_with("partition GROUPS... | partition isolate NODE | partition halves |"), "{u}");
    assert_eq!(grammar::sub_names("load"), ["stop"]);
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
        ("load", "usage: load"),
        ("load 0/s", "expected a rate like 500/s"),
        ("load -5/s", "expected a rate like 500/s"),
        ("load 2000000/s", "at most 1000000/s"),
        ("load fast", "expected a rate like 500/s"),
        ("load 500/m", "expected a rate like 500/s"),
        ("load 500/s 1", "at least 2 sending accounts"),
        ("load 500/s many", "at least 2 sending accounts"),
        ("load 500/s 10 n1", "the subcommand 'n1' cannot be used with: <RATE/s> [ACCOUNTS]"),
        ("load stop now", "unexpected argument 'now'"),
    ] {
        let e = p(line).unwrap_err();
        assert!(e.contains(says), "{line}: {e}");
    }
    // Engine-neutral: every engine takes a load.
    for engine in ["gasper", "tendermint", "pow"] {
        assert_eq!(check_engine(&p("load 500/s").unwrap(), engine), Ok(()));
    }
}
