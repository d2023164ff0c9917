//! The fault language: the words of `devnet inject ...`, of scenario steps
//! (`inject = "partition n0,n1/n2,n3"`) and of the dashboard's prompt. One
//! parser for all three, so they can never disagree.
//!
//! ```text
//! crash|restart|pause|resume|stop NODES        NODES: n1 | n1,n2 | all
//! partition GROUP/GROUP[/...]                  e.g. n0,n1,n2/n3 (every node in one group)
//! partition isolate NODE | halves | majority | bridge | ring
//! cut FROM TO                                  one-way: drop everything FROM -> TO
//! heal                                         remove every link rule
//! latency FROM TO DURATION [--jitter DURATION] FROM/TO: NODES or * (directed)
//! loss FROM TO PROBABILITY                     0.3 or 30%
//! filter FROM TO KINDS                         KINDS: block,vote,evidence,status,sync,tx
//! clear FROM TO                                remove the rules on those links
//! skew NODE OFFSET                             +500ms, -2s, 0
//! equivocate|silent|honest NODE
//! withhold NODE SLOTS
//! selfish NODE                                 pow: selfish mining
//! hashrate NODE PERCENT                        pow: 60% (the others share the rest)
//! censor NODE ACCOUNTS|all|off                 leave those senders' transfers out of NODE's blocks
//! twin NODE                                    a second process with NODE's key
//! load RATE/s [ACCOUNTS]                       a transfer load run by this devnet: 500/s, 200/s 50
//! load stop                                    stop it; its report goes into the event log
//! ```
//!
//! `load` is not a fault of the cluster but traffic on it; it is a word of
//! the same language so that scenarios, `devnet inject` and the dashboard
//! can start and stop it. One load runs at a time: a new one replaces it.
//!
//! Words that only mean something to one engine (`hashrate`, `selfish` for
//! pow) parse everywhere; `check_engine` refuses them on other clusters.

use devnet_node::consensus::MsgKind;
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessFault {
    Crash,
    Restart,
    Pause,
    Resume,
    Stop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Isolate(usize),
    Halves,
    Majority,
    Bridge,
    Ring,
}

/// What a link rule change sets; `None` fields are left as they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkChange {
    pub delay: Option<(Duration, Duration)>,
    pub loss: Option<f64>,
    pub drop_kinds: Option<Vec<MsgKind>>,
    pub clear: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    Process(ProcessFault, Vec<usize>),
    Partition(Vec<Vec<usize>>),
    Shape(Shape),
    Cut {
        from: usize,
        to: usize,
    },
    Heal,
    Link {
        from: Vec<usize>,
        to: Vec<usize>,
        change: LinkChange,
    },
    Skew {
        node: usize,
        ms: i64,
    },
    Behaviour {
        node: usize,
        name: String,
        slots: u64,
    },
    /// pow: `node` mines `percent` of the cluster's hashrate.
    Hashrate {
        node: usize,
        percent: u32,
    },
    Twin(usize),
    /// `node` leaves these senders' transfers out of its blocks (`None`: all; empty: stop).
    Censor {
        node: usize,
        accounts: Option<Vec<u32>>,
    },
    /// A transfer load this devnet runs (`load 500/s`, `load stop`).
    Load(LoadWords),
}

#[derive(Clone, Debug, PartialEq)]
pub enum LoadWords {
    /// `rate` transfers a second from accounts 0..`accounts` (default: min(genesis accounts, 100)).
    Start {
        rate: f64,
        accounts: Option<u32>,
    },
    Stop,
}

/// Usage lines, shown with every parse error.
pub const USAGE: &str = "crash|restart|pause|resume|stop NODES · partition n0,n1/n2,n3 · \
partition isolate NODE|halves|majority|bridge|ring · cut FROM TO · heal · \
latency FROM TO 200ms [--jitter 50ms] · loss FROM TO 30% · filter FROM TO block,vote,evidence,status,sync,tx · \
clear FROM TO · skew NODE +500ms · equivocate|silent|honest NODE · withhold NODE SLOTS · twin NODE · \
censor NODE 3,5|all|off · load 500/s [ACCOUNTS] · load stop · \
pow only: selfish NODE · hashrate NODE 60%";

/// Resolves `n3` (or `3`) to an index among `n` nodes.
pub fn node(word: &str, n: usize) -> Result<usize, String> {
    let digits = word.strip_prefix('n').unwrap_or(word);
    match digits.parse::<usize>() {
        Ok(i) if i < n => Ok(i),
        Ok(_) => Err(format!("no node {word:?}: this cluster has n0..n{}", n.saturating_sub(1))),
        Err(_) => Err(format!("expected a node like n0, found {word:?}")),
    }
}

/// `n1`, `n1,n2`, `all` or `*`.
pub fn nodes(word: &str, n: usize) -> Result<Vec<usize>, String> {
    if word == "all" || word == "*" {
        return Ok((0..n).collect());
    }
    let mut out: Vec<usize> =
        word.split(',').filter(|w| !w.is_empty()).map(|w| node(w, n)).collect::<Result<_, _>>()?;
    if out.is_empty() {
        return Err(format!("expected nodes like n0,n1, found {word:?}"));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `500ms`, `2s`, `1m`, a bare number of milliseconds; with a sign for skew.
pub fn duration_ms(word: &str) -> Result<i64, String> {
    let (sign, rest) = match word.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, word.strip_prefix('+').unwrap_or(word)),
    };
    let split = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
    let (num, unit) = rest.split_at(split);
    let v: f64 = num.parse().map_err(|_| format!("expected a duration like 200ms or 2s, found {word:?}"))?;
    let ms = match unit {
        "" | "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        _ => return Err(format!("unknown unit {unit:?} in {word:?}; use ms, s or m")),
    };
    Ok(sign * ms.round() as i64)
}

fn positive_duration(word: &str) -> Result<Duration, String> {
    let ms = duration_ms(word)?;
    if ms < 0 {
        return Err(format!("expected a positive duration, found {word:?}"));
    }
    Ok(Duration::from_millis(ms as u64))
}

fn probability(word: &str) -> Result<f64, String> {
    let p = match word.strip_suffix('%') {
        Some(pct) => pct.parse::<f64>().map(|v| v / 100.0),
        None => word.parse::<f64>(),
    }
    .map_err(|_| format!("expected a probability like 0.3 or 30%, found {word:?}"))?;
    if !(0.0..=1.0).contains(&p) {
        return Err(format!("a probability must be from 0 to 1 (0% to 100%), found {word:?}"));
    }
    Ok(p)
}

/// A whole percentage from 0 to 100: `60%` or `60`.
fn percent(word: &str) -> Result<u32, String> {
    match word.strip_suffix('%').unwrap_or(word).parse::<u32>() {
        Ok(p) if p <= 100 => Ok(p),
        _ => Err(format!("expected a share of the hashrate from 0% to 100%, like 60%, found {word:?}")),
    }
}

/// `500/s` (or `500`): transfers a second, above 0 and at most 1000000.
fn rate(word: &str) -> Result<f64, String> {
    let r = word.strip_suffix("/s").unwrap_or(word).parse::<f64>();
    match r {
        Ok(r) if r.is_finite() && r > 0.0 && r <= crate::load::handle::MAX_RATE => Ok(r),
        _ => Err(format!("expected a rate like 500/s (above 0, at most 1000000/s), found {word:?}")),
    }
}

/// Refuses faults that mean nothing to `engine` (rather than letting them
/// silently do nothing).
pub fn check_engine(fault: &Fault, engine: &str) -> Result<(), String> {
    let pow_only = match fault {
        Fault::Hashrate { .. } => Some("`hashrate` sets a pow miner's share of the hashrate"),
        Fault::Behaviour { name, .. } if name == "selfish" => Some("`selfish` is a pow mining strategy"),
        _ => None,
    };
    match pow_only {
        Some(what) if engine != "pow" => {
            Err(format!("{what}; this cluster runs {engine} (only `consensus = \"pow\"` clusters take it)"))
        }
        _ => Ok(()),
    }
}

fn kinds(word: &str) -> Result<Vec<MsgKind>, String> {
    let mut out = BTreeSet::new();
    for k in word.split(',').filter(|k| !k.is_empty()) {
        match k {
            "block" | "blocks" => out.insert(MsgKind::Block),
            "vote" | "votes" | "attestation" | "attestations" => out.insert(MsgKind::Vote),
            "evidence" => out.insert(MsgKind::Evidence),
            "status" => out.insert(MsgKind::Status),
            "tx" | "txs" | "transfers" => out.insert(MsgKind::Tx),
            "sync" => {
                out.insert(MsgKind::SyncRequest);
                out.insert(MsgKind::SyncResponse)
            }
            other => {
                return Err(format!(
                    "unknown message kind {other:?}; expected block, vote, evidence, status, sync or tx"
                ));
            }
        };
    }
    if out.is_empty() {
        return Err("expected message kinds like block,vote".into());
    }
    Ok(out.into_iter().collect())
}

fn groups(spec: &str, n: usize) -> Result<Vec<Vec<usize>>, String> {
    let groups: Vec<Vec<usize>> = spec
        .split(['/', '|'])
        .map(|g| g.trim())
        .filter(|g| !g.is_empty())
        .map(|g| nodes(&g.replace(' ', ","), n))
        .collect::<Result<_, _>>()?;
    if groups.len() < 2 {
        return Err(format!("a partition needs at least two groups separated by '/', found {spec:?}"));
    }
    let mut seen = BTreeSet::new();
    for g in &groups {
        for i in g {
            if !seen.insert(*i) {
                return Err(format!("n{i} is in two groups of {spec:?}"));
            }
        }
    }
    if let Some(missing) = (0..n).find(|i| !seen.contains(i)) {
        return Err(format!("every node must be in a group; n{missing} is missing from {spec:?}"));
    }
    Ok(groups)
}

/// Parses one fault from its words, for a cluster of `n` nodes.
pub fn parse(words: &[String], n: usize) -> Result<Fault, String> {
    let words: Vec<&str> = words.iter().map(|w| w.as_str()).filter(|w| !w.is_empty()).collect();
    let Some((&verb, args)) = words.split_first() else {
        return Err(format!("no fault given; expected one of: {USAGE}"));
    };
    let want = |count: usize, form: &str| -> Result<(), String> {
        if args.len() == count { Ok(()) } else { Err(format!("`{verb}` takes {form}, found {:?}", args.join(" "))) }
    };
    let fault = match verb {
        "crash" | "restart" | "pause" | "resume" | "stop" => {
            want(1, "NODES (n1, n1,n2 or all)")?;
            let kind = match verb {
                "crash" => ProcessFault::Crash,
                "restart" => ProcessFault::Restart,
                "pause" => ProcessFault::Pause,
                "resume" => ProcessFault::Resume,
                _ => ProcessFault::Stop,
            };
            Fault::Process(kind, nodes(args[0], n)?)
        }
        "partition" => match args {
            ["isolate", who] => Fault::Shape(Shape::Isolate(node(who, n)?)),
            ["halves"] => Fault::Shape(Shape::Halves),
            ["majority"] => Fault::Shape(Shape::Majority),
            ["bridge"] => Fault::Shape(Shape::Bridge),
            ["ring"] => Fault::Shape(Shape::Ring),
            [] => return Err(format!("`partition` needs groups like n0,n1/n2,n3 or a shape; {USAGE}")),
            _ => Fault::Partition(groups(&args.join(" "), n)?),
        },
        "cut" => {
            want(2, "FROM TO (one node each)")?;
            Fault::Cut { from: node(args[0], n)?, to: node(args[1], n)? }
        }
        "heal" => {
            want(0, "no arguments")?;
            Fault::Heal
        }
        "latency" => {
            let (delay, jitter) = match args {
                [_, _, d] => (positive_duration(d)?, Duration::ZERO),
                [_, _, d, "--jitter", j] => (positive_duration(d)?, positive_duration(j)?),
                _ => {
                    return Err(format!(
                        "`latency` takes FROM TO DURATION [--jitter DURATION], found {:?}",
                        args.join(" ")
                    ));
                }
            };
            let change = LinkChange { delay: Some((delay, jitter)), ..Default::default() };
            Fault::Link { from: nodes(args[0], n)?, to: nodes(args[1], n)?, change }
        }
        "loss" => {
            want(3, "FROM TO PROBABILITY")?;
            let change = LinkChange { loss: Some(probability(args[2])?), ..Default::default() };
            Fault::Link { from: nodes(args[0], n)?, to: nodes(args[1], n)?, change }
        }
        "filter" => {
            want(3, "FROM TO KINDS")?;
            let change = LinkChange { drop_kinds: Some(kinds(args[2])?), ..Default::default() };
            Fault::Link { from: nodes(args[0], n)?, to: nodes(args[1], n)?, change }
        }
        "clear" => {
            want(2, "FROM TO")?;
            let change = LinkChange { clear: true, ..Default::default() };
            Fault::Link { from: nodes(args[0], n)?, to: nodes(args[1], n)?, change }
        }
        "skew" => {
            want(2, "NODE OFFSET (like +500ms or -2s)")?;
            Fault::Skew { node: node(args[0], n)?, ms: duration_ms(args[1])? }
        }
        "equivocate" | "silent" | "honest" => {
            want(1, "NODE")?;
            Fault::Behaviour { node: node(args[0], n)?, name: verb.to_string(), slots: 0 }
        }
        "withhold" => {
            want(2, "NODE SLOTS")?;
            let slots = args[1].parse::<u64>().ok().filter(|s| *s > 0);
            let slots =
                slots.ok_or_else(|| format!("`withhold` needs a number of slots above 0, found {:?}", args[1]))?;
            Fault::Behaviour { node: node(args[0], n)?, name: "withhold".into(), slots }
        }
        "selfish" => {
            want(1, "NODE")?;
            Fault::Behaviour { node: node(args[0], n)?, name: "selfish".into(), slots: 0 }
        }
        "hashrate" => {
            want(2, "NODE PERCENT (like 60%)")?;
            Fault::Hashrate { node: node(args[0], n)?, percent: percent(args[1])? }
        }
        "twin" => {
            want(1, "NODE")?;
            Fault::Twin(node(args[0], n)?)
        }
        "censor" => {
            want(2, "NODE ACCOUNTS (like 3,5), all, or off")?;
            let accounts = match args[1] {
                "all" => None,
                "off" | "none" => Some(Vec::new()),
                list => Some(
                    list.split(',')
                        .filter(|w| !w.is_empty())
                        .map(|w| {
                            w.parse::<u32>().map_err(|_| format!("expected account numbers like 3,5, found {w:?}"))
                        })
                        .collect::<Result<Vec<u32>, String>>()?,
                ),
            };
            Fault::Censor { node: node(args[0], n)?, accounts }
        }
        "load" => match args {
            ["stop"] => Fault::Load(LoadWords::Stop),
            [r] if *r != "stop" => Fault::Load(LoadWords::Start { rate: rate(r)?, accounts: None }),
            [r, a] if *r != "stop" => {
                let accounts = a.parse::<u32>().ok().filter(|a| *a >= 2);
                let accounts =
                    accounts.ok_or_else(|| format!("`load` needs at least 2 sending accounts, found {a:?}"))?;
                Fault::Load(LoadWords::Start { rate: rate(r)?, accounts: Some(accounts) })
            }
            _ => return Err(format!("`load` takes RATE/s [ACCOUNTS] or stop, found {:?}", args.join(" "))),
        },
        other => return Err(format!("unknown fault {other:?}; expected one of: {USAGE}")),
    };
    Ok(fault)
}

/// Splits a one-line command into words (spaces; `|` between groups kept as one word).
pub fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests;
