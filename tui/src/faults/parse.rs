//! The fault language: the words of `devnet inject ...`, of scenario steps
//! (`inject = "partition n0,n1/n2,n3"`) and of the dashboard's command bar.
//! One grammar for all three (`grammar::FaultCmd`, a clap subcommand enum),
//! so they can never disagree. Here a line of words is parsed with it
//! (`parse_cmd`: clap's errors, on one line) and then resolved against the
//! cluster (`resolve`: node ids in range, partition groups covering every
//! node) into the `Fault` the executor applies.
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
//! skew NODE OFFSET                             +500ms, -2s, 0 (durations: `crate::duration`)
//! equivocate|silent|honest NODE
//! withhold NODE SLOTS
//! selfish NODE                                 pow: selfish mining
//! hashrate NODE PERCENT                        pow: 60% (the others share the rest)
//! rent NODE PERCENT --for DURATION             pow: hashrate for a while, then taken back
//! censor NODE ACCOUNTS|all|off                 leave those senders' transfers out of NODE's blocks
//! twin NODE                                    a second process with NODE's key
//! disk-full NODES | disk-slow NODES DELAY | disk-ok NODES   storage faults (the node's store)
//! load RATE/s [ACCOUNTS]                       a transfer load run by this devnet: 500/s, 200/s 50
//! load stop                                    stop it; its report goes into the event log
//! ```
//!
//! `load` is not a fault of the cluster but traffic on it; it is a word of
//! the same language so that scenarios, `devnet inject` and the dashboard
//! can start and stop it. One load runs at a time: a new one replaces it.
//!
//! Words that only mean something to one engine (`hashrate`, `rent`,
//! `selfish` for pow) parse everywhere; `check_engine` refuses them on other clusters.

use super::grammar::{self, FaultCmd, FaultLine, LoadStop, ShapeCmd, names};
use super::values::{CensorWord, NodeWord, NodesWord};
use clap::Parser;
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
    /// pow: `node` rents `percent` of the cluster's hashrate for `lasting`;
    /// the orchestrator takes it back when the time is up (`state`).
    Rent {
        node: usize,
        percent: u32,
        lasting: Duration,
    },
    Twin(usize),
    /// `node` leaves these senders' transfers out of its blocks (`None`: all; empty: stop).
    Censor {
        node: usize,
        accounts: Option<Vec<u32>>,
    },
    /// A transfer load this devnet runs (`load 500/s`, `load stop`).
    Load(LoadWords),
    /// Storage faults on `nodes`: writes fail (`full`), or wait `slow` first.
    Disk {
        nodes: Vec<usize>,
        full: bool,
        slow: Duration,
    },
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

/// Resolves `n3` (or `3`) to an index among `n` nodes.
pub fn node(word: &str, n: usize) -> Result<usize, String> {
    in_cluster(word.parse::<NodeWord>()?, n)
}

fn in_cluster(w: NodeWord, n: usize) -> Result<usize, String> {
    if w.0 < n { Ok(w.0) } else { Err(format!("no node \"{w}\": this cluster has n0..n{}", n.saturating_sub(1))) }
}

/// `n1`, `n1,n2`, `all` or `*`, sorted, each once.
pub fn nodes(word: &str, n: usize) -> Result<Vec<usize>, String> {
    resolve_nodes(&word.parse::<NodesWord>()?, n)
}

fn resolve_nodes(w: &NodesWord, n: usize) -> Result<Vec<usize>, String> {
    let mut out = match w {
        NodesWord::All => (0..n).collect(),
        NodesWord::List(l) => l.iter().map(|i| in_cluster(NodeWord(*i), n)).collect::<Result<Vec<_>, _>>()?,
    };
    out.sort();
    out.dedup();
    Ok(out)
}
/// Refuses faults that mean nothing to `engine` (rather than letting them
/// silently do nothing).
pub fn check_engine(fault: &Fault, engine: &str) -> Result<(), String> {
    let pow_only = match fault {
        Fault::Hashrate { .. } => Some("`hashrate` sets a pow miner's share of the hashrate"),
        Fault::Rent { .. } => Some("`rent` lends a pow miner a share of the hashrate"),
        Fault::Behaviour { name, .. } if name == "selfish" => Some("`selfish` is a pow mining strategy"),
        _ => None,
    };
    match pow_only {
        Some(what) if !crate::cluster::engine::description(engine).mined => {
            Err(format!("{what}; this cluster runs {engine} (only `consensus = \"pow\"` clusters take it)"))
        }
        _ => Ok(()),
    }
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

/// Checks a parsed command against a cluster of `n` nodes and makes it a `Fault`.
pub fn resolve(cmd: &FaultCmd, n: usize) -> Result<Fault, String> {
    let one = |w: &NodeWord| in_cluster(*w, n);
    let link = |from: &NodesWord, to: &NodesWord, change: LinkChange| -> Result<Fault, String> {
        Ok(Fault::Link { from: resolve_nodes(from, n)?, to: resolve_nodes(to, n)?, change })
    };
    let process = |kind, nodes: &NodesWord| Ok(Fault::Process(kind, resolve_nodes(nodes, n)?));
    let behaviour =
        |node: &NodeWord, name: &str, slots| Ok(Fault::Behaviour { node: one(node)?, name: name.into(), slots });
    match cmd {
        FaultCmd::Crash { nodes } => process(ProcessFault::Crash, nodes),
        FaultCmd::Restart { nodes } => process(ProcessFault::Restart, nodes),
        FaultCmd::Pause { nodes } => process(ProcessFault::Pause, nodes),
        FaultCmd::Resume { nodes } => process(ProcessFault::Resume, nodes),
        FaultCmd::Stop { nodes } => process(ProcessFault::Stop, nodes),
        FaultCmd::Partition(p) => Ok(match &p.shape {
            Some(ShapeCmd::Isolate { node }) => Fault::Shape(Shape::Isolate(one(node)?)),
            Some(ShapeCmd::Halves) => Fault::Shape(Shape::Halves),
            Some(ShapeCmd::Majority) => Fault::Shape(Shape::Majority),
            Some(ShapeCmd::Bridge) => Fault::Shape(Shape::Bridge),
            Some(ShapeCmd::Ring) => Fault::Shape(Shape::Ring),
            None => Fault::Partition(groups(&p.groups.join(" "), n)?),
        }),
        FaultCmd::Cut { from, to } => Ok(Fault::Cut { from: one(from)?, to: one(to)? }),
        FaultCmd::Heal => Ok(Fault::Heal),
        FaultCmd::Latency { from, to, delay, jitter } => {
            let delay = Some((*delay, jitter.unwrap_or(Duration::ZERO)));
            link(from, to, LinkChange { delay, ..Default::default() })
        }
        FaultCmd::Loss { from, to, probability } => {
            link(from, to, LinkChange { loss: Some(*probability), ..Default::default() })
        }
        FaultCmd::Filter { from, to, kinds } => {
            link(from, to, LinkChange { drop_kinds: Some(kinds.0.clone()), ..Default::default() })
        }
        FaultCmd::Clear { from, to } => link(from, to, LinkChange { clear: true, ..Default::default() }),
        FaultCmd::Skew { node, offset } => Ok(Fault::Skew { node: one(node)?, ms: *offset }),
        FaultCmd::Equivocate { node } => behaviour(node, "equivocate", 0),
        FaultCmd::Silent { node } => behaviour(node, "silent", 0),
        FaultCmd::Honest { node } => behaviour(node, "honest", 0),
        FaultCmd::Withhold { node, slots } => behaviour(node, "withhold", *slots),
        FaultCmd::Selfish { node } => behaviour(node, "selfish", 0),
        FaultCmd::Hashrate { node, percent } => Ok(Fault::Hashrate { node: one(node)?, percent: *percent }),
        FaultCmd::Rent { node, percent, lasting } => {
            if lasting.is_zero() {
                return Err("`rent` needs a time above 0, like --for 30s".into());
            }
            Ok(Fault::Rent { node: one(node)?, percent: *percent, lasting: *lasting })
        }
        FaultCmd::Twin { node } => Ok(Fault::Twin(one(node)?)),
        FaultCmd::Censor { node, accounts } => {
            let accounts = match accounts {
                CensorWord::All => None,
                CensorWord::Off => Some(Vec::new()),
                CensorWord::Accounts(a) => Some(a.clone()),
            };
            Ok(Fault::Censor { node: one(node)?, accounts })
        }
        FaultCmd::DiskFull { nodes } => {
            Ok(Fault::Disk { nodes: resolve_nodes(nodes, n)?, full: true, slow: Duration::ZERO })
        }
        FaultCmd::DiskSlow { nodes, delay } => {
            if *delay > Duration::from_secs(10) {
                return Err(format!(
                    "disk-slow takes a delay up to 10s, found {}",
                    crate::duration::format_duration(*delay)
                ));
            }
            Ok(Fault::Disk { nodes: resolve_nodes(nodes, n)?, full: false, slow: *delay })
        }
        FaultCmd::DiskOk { nodes } => {
            Ok(Fault::Disk { nodes: resolve_nodes(nodes, n)?, full: false, slow: Duration::ZERO })
        }
        FaultCmd::Load(l) => Ok(Fault::Load(match (&l.stop, l.rate) {
            (Some(LoadStop::Stop), _) | (None, None) => LoadWords::Stop,
            (None, Some(rate)) => LoadWords::Start { rate, accounts: l.accounts },
        })),
    }
}

/// Parses one command from its words (no cluster needed): clap's errors, on one line.
pub fn parse_cmd(words: &[String]) -> Result<FaultCmd, String> {
    let words: Vec<&str> = words.iter().map(|w| w.as_str()).filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Err(format!("no fault given; expected one of: {}", names().join(", ")));
    }
    FaultLine::try_parse_from(&words).map(|l| l.fault).map_err(|e| one_line(&e, words.first().copied()))
}

/// Parses one fault from its words, for a cluster of `n` nodes.
pub fn parse(words: &[String], n: usize) -> Result<Fault, String> {
    resolve(&parse_cmd(words)?, n)
}

/// A clap error as one line: its message, its tip, and the forms of the
/// fault concerned (or the list of faults when the fault is unknown).
pub fn one_line(e: &clap::Error, fault: Option<&str>) -> String {
    use clap::error::ErrorKind;
    let forms = fault.and_then(grammar::usage);
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
        return forms.unwrap_or_else(|| format!("faults: {}", names().join(", ")));
    }
    let text = e.render().to_string();
    let mut parts: Vec<String> = vec![];
    let mut usage = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("For more information") {
            continue;
        }
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u.strip_prefix("fault ").unwrap_or(u).to_string());
        } else if let Some(u) = usage.as_mut() {
            // Clap writes a command's other forms on the lines after `Usage:`.
            *u = format!("{u} | {}", line.strip_prefix("fault ").unwrap_or(line));
        } else {
            let line = line.strip_prefix("error: ").unwrap_or(line);
            match parts.last_mut() {
                // Clap lists the arguments concerned one a line.
                Some(last) if last.ends_with(':') || line.starts_with(['<', '[', '-']) => {
                    *last = format!("{last} {line}")
                }
                _ => parts.push(line.to_string()),
            }
        }
    }
    match (e.kind(), forms) {
        (ErrorKind::InvalidSubcommand, _) => parts.push(format!("faults: {}", names().join(", "))),
        (_, Some(f)) => parts.push(format!("usage: {}", f.split(" — ").next().unwrap_or(&f))),
        (_, None) => parts.extend(usage.map(|u| format!("usage: {u}"))),
    }
    parts.join(" · ")
}

/// Splits a one-line command into words (spaces; `|` between groups kept as one word).
pub fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests;
