//! The list of faults and their arguments, written once: a clap
//! `Subcommand` enum. `devnet inject` takes it as its subcommands (so
//! `devnet inject latency --help` documents one fault, and options go
//! anywhere on the line); the dashboard's command bar and scenario steps
//! parse their one-line strings with the same enum (`parse`), so the three
//! can never disagree. The doc comments below are the help users read.
//!
//! A parsed command turns back into its words (`FaultCmd::words`): that is
//! what `devnet inject` sends to the running devnet, which parses it again
//! against its node count. `usage` and `names` describe the grammar from
//! the same enum, for the command bar's hint line and error messages.

use super::values::{CensorWord, Kinds, NodeWord, NodesWord, load_accounts, percent, probability, rate, slots};
use crate::duration::{format_duration, format_offset_ms, parse_duration, parse_offset_ms};
use clap::{Args, CommandFactory, Parser, Subcommand};
use std::time::Duration;

#[derive(Subcommand, Clone, Debug, PartialEq)]
pub enum FaultCmd {
    /// Kill NODES with SIGKILL; they show as crashed.
    Crash {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// Start NODES again on their data directories (stopping them first if they run).
    Restart {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// Freeze NODES with SIGSTOP, sockets open.
    Pause {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// Thaw paused NODES with SIGCONT.
    Resume {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// Shut NODES down cleanly (SIGTERM).
    Stop {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// Split the network: groups that reach only each other, or one of Jepsen's shapes.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Partition(PartitionArgs),
    /// One-way: drop everything FROM -> TO.
    Cut { from: NodeWord, to: NodeWord },
    /// Remove every link rule (clock skew and behaviour stay).
    Heal,
    /// Delay each message on the directed links FROM -> TO.
    Latency {
        /// NODES or * (every node)
        from: NodesWord,
        /// NODES or * (every node)
        to: NodesWord,
        /// 200ms, 1s, 1m30s
        #[arg(value_parser = parse_duration)]
        delay: Duration,
        /// Up to this much more, at random per message.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        jitter: Option<Duration>,
    },
    /// Drop each message on the directed links FROM -> TO with this probability.
    Loss {
        /// NODES or *
        from: NodesWord,
        /// NODES or *
        to: NodesWord,
        /// 30% or 0.3
        #[arg(value_parser = probability)]
        probability: f64,
    },
    /// Drop only these kinds of message on the directed links FROM -> TO.
    Filter {
        /// NODES or *
        from: NodesWord,
        /// NODES or *
        to: NodesWord,
        /// block, vote (attestations), evidence, status, sync, tx; comma-separated
        kinds: Kinds,
    },
    /// Remove the rules on the directed links FROM -> TO.
    Clear {
        /// NODES or *
        from: NodesWord,
        /// NODES or *
        to: NodesWord,
    },
    /// Shift NODE's clock by a signed offset (0 undoes it).
    Skew {
        node: NodeWord,
        /// +500ms, -2s, 0
        #[arg(allow_hyphen_values = true, value_parser = parse_offset_ms)]
        offset: i64,
    },
    /// Double proposals and double votes, each half of the peers seeing one (bypasses slashing protection).
    Equivocate { node: NodeWord },
    /// NODE signs nothing.
    Silent { node: NodeWord },
    /// NODE proposes but publishes each own block SLOTS slots late.
    Withhold {
        node: NodeWord,
        #[arg(value_parser = slots)]
        slots: u64,
    },
    /// NODE back to normal signing.
    Honest { node: NodeWord },
    /// pow only: selfish mining (keep found blocks private, release them to win races).
    Selfish { node: NodeWord },
    /// pow only: NODE mines PERCENT of the cluster's hashrate; the others share the rest.
    Hashrate {
        node: NodeWord,
        /// 60% (or 60)
        #[arg(value_parser = percent)]
        percent: u32,
    },
    /// pow only: NODE rents PERCENT of the cluster's hashrate for a while; then the shares go back.
    Rent {
        node: NodeWord,
        /// 60% (or 60)
        #[arg(value_parser = percent)]
        percent: u32,
        /// How long the rental lasts: 30s, 2m
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
        lasting: Duration,
    },
    /// A second process NODE-twin with NODE's validator key (Twins).
    Twin { node: NodeWord },
    /// NODE leaves these senders' transfers out of its blocks.
    Censor {
        node: NodeWord,
        /// account numbers like 3,5; all; or off
        accounts: CensorWord,
    },
    /// Every write to NODES' stores fails as on a full disk; each holds its messages until writes succeed.
    DiskFull {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// Each write to NODES' stores waits DELAY first, as on a slow disk.
    DiskSlow {
        /// n1, n1,n2 or all
        nodes: NodesWord,
        /// 50ms, 1s
        #[arg(value_parser = parse_duration)]
        delay: Duration,
    },
    /// NODES' disks well again (undoes disk-full and disk-slow).
    DiskOk {
        /// n1, n1,n2 or all
        nodes: NodesWord,
    },
    /// A transfer load run by this devnet (one at a time: a new one replaces it).
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Load(LoadArgs),
}

#[derive(Args, Clone, Debug, PartialEq)]
pub struct PartitionArgs {
    /// n0,n1/n2,n3: every node in one group; `|` works too
    #[arg(required = true, num_args = 1..)]
    pub groups: Vec<String>,
    #[command(subcommand)]
    pub shape: Option<ShapeCmd>,
}

#[derive(Subcommand, Clone, Debug, PartialEq)]
pub enum ShapeCmd {
    /// NODE alone.
    Isolate { node: NodeWord },
    /// Two halves.
    Halves,
    /// A majority and the rest.
    Majority,
    /// Two halves joined only through the middle node.
    Bridge,
    /// Each node reaching only its ring neighbours.
    Ring,
}

#[derive(Args, Clone, Debug, PartialEq)]
pub struct LoadArgs {
    /// transfers a second: 500/s (or 500)
    #[arg(value_name = "RATE/s", required = true, allow_hyphen_values = true, value_parser = rate)]
    pub rate: Option<f64>,
    /// sending accounts 0..ACCOUNTS, at least 2 (default: the genesis accounts, at most 100)
    #[arg(value_parser = load_accounts)]
    pub accounts: Option<u32>,
    #[command(subcommand)]
    pub stop: Option<LoadStop>,
}

#[derive(Subcommand, Clone, Debug, PartialEq)]
pub enum LoadStop {
    /// Stop the running load; its report goes into the event log.
    Stop,
}

/// A fault as one line: what the command bar and scenario steps parse.
#[derive(Parser, Debug)]
#[command(name = "fault", no_binary_name = true, disable_help_subcommand = true)]
pub struct FaultLine {
    #[command(subcommand)]
    pub fault: FaultCmd,
}

impl FaultCmd {
    /// The words of this command, as the fault language writes them.
    pub fn words(&self) -> Vec<String> {
        let w = |parts: &[&dyn std::fmt::Display]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        match self {
            FaultCmd::Crash { nodes } => w(&[&"crash", nodes]),
            FaultCmd::Restart { nodes } => w(&[&"restart", nodes]),
            FaultCmd::Pause { nodes } => w(&[&"pause", nodes]),
            FaultCmd::Resume { nodes } => w(&[&"resume", nodes]),
            FaultCmd::Stop { nodes } => w(&[&"stop", nodes]),
            FaultCmd::Partition(p) => match &p.shape {
                Some(ShapeCmd::Isolate { node }) => w(&[&"partition", &"isolate", node]),
                Some(ShapeCmd::Halves) => w(&[&"partition", &"halves"]),
                Some(ShapeCmd::Majority) => w(&[&"partition", &"majority"]),
                Some(ShapeCmd::Bridge) => w(&[&"partition", &"bridge"]),
                Some(ShapeCmd::Ring) => w(&[&"partition", &"ring"]),
                None => {
                    // Groups clap would take for an option or a shape go after `--`, as they came.
                    let shapes = sub_names("partition");
                    let literal = p.groups.iter().any(|g| g.starts_with('-'))
                        || p.groups.first().is_some_and(|g| g == "help" || shapes.contains(g));
                    let separator = literal.then(|| "--".to_string());
                    std::iter::once("partition".to_string()).chain(separator).chain(p.groups.iter().cloned()).collect()
                }
            },
            FaultCmd::Cut { from, to } => w(&[&"cut", from, to]),
            FaultCmd::Heal => w(&[&"heal"]),
            FaultCmd::Latency { from, to, delay, jitter } => {
                let mut out = w(&[&"latency", from, to, &format_duration(*delay)]);
                if let Some(j) = jitter {
                    out.extend(["--jitter".to_string(), format_duration(*j)]);
                }
                out
            }
            FaultCmd::Loss { from, to, probability } => w(&[&"loss", from, to, probability]),
            FaultCmd::Filter { from, to, kinds } => w(&[&"filter", from, to, kinds]),
            FaultCmd::Clear { from, to } => w(&[&"clear", from, to]),
            FaultCmd::Skew { node, offset } => w(&[&"skew", node, &format_offset_ms(*offset)]),
            FaultCmd::Equivocate { node } => w(&[&"equivocate", node]),
            FaultCmd::Silent { node } => w(&[&"silent", node]),
            FaultCmd::Withhold { node, slots } => w(&[&"withhold", node, slots]),
            FaultCmd::Honest { node } => w(&[&"honest", node]),
            FaultCmd::Selfish { node } => w(&[&"selfish", node]),
            FaultCmd::Hashrate { node, percent } => w(&[&"hashrate", node, &format!("{percent}%")]),
            FaultCmd::Rent { node, percent, lasting } => {
                w(&[&"rent", node, &format!("{percent}%"), &"--for", &format_duration(*lasting)])
            }
            FaultCmd::Twin { node } => w(&[&"twin", node]),
            FaultCmd::Censor { node, accounts } => w(&[&"censor", node, accounts]),
            FaultCmd::DiskFull { nodes } => w(&[&"disk-full", nodes]),
            FaultCmd::DiskSlow { nodes, delay } => w(&[&"disk-slow", nodes, &format_duration(*delay)]),
            FaultCmd::DiskOk { nodes } => w(&[&"disk-ok", nodes]),
            FaultCmd::Load(l) => match (l.stop.as_ref(), l.rate, l.accounts) {
                (Some(LoadStop::Stop), _, _) | (None, None, _) => w(&[&"load", &"stop"]),
                (None, Some(r), None) => w(&[&"load", &format!("{r}/s")]),
                (None, Some(r), Some(a)) => w(&[&"load", &format!("{r}/s"), &a]),
            },
        }
    }
}

/// The fault names, in the order of the enum.
pub fn names() -> Vec<String> {
    FaultLine::command().get_subcommands().map(|c| c.get_name().to_string()).collect()
}

/// The names of a fault's own subcommands (`partition`'s shapes, `load stop`).
pub fn sub_names(fault: &str) -> Vec<String> {
    let cmd = FaultLine::command();
    cmd.find_subcommand(fault)
        .map(|c| c.get_subcommands().map(|s| s.get_name().to_string()).collect())
        .unwrap_or_default()
}

/// One fault's grammar and what it does, e.g.
/// `latency FROM TO DELAY [--jitter DURATION] — Delay each message on the directed links FROM -> TO.`
pub fn usage(fault: &str) -> Option<String> {
    let cmd = FaultLine::command();
    let c = cmd.find_subcommand(fault)?;
    let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
    Some(format!("{} — {about}", forms(c).join(" | ")))
}

/// A command's forms: its arguments, then one per subcommand.
fn forms(c: &clap::Command) -> Vec<String> {
    let mut line = vec![c.get_name().to_string()];
    for a in c.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")) {
        let value = a
            .get_value_names()
            .and_then(|v| v.first())
            .map_or_else(|| a.get_id().as_str().to_uppercase(), |v| v.to_string());
        let many = if a.get_num_args().is_some_and(|n| n.max_values() > 1) { "..." } else { "" };
        let word = match a.get_long() {
            Some(long) if a.is_required_set() => format!("--{long} {value}"),
            Some(long) => format!("[--{long} {value}]"),
            None if a.is_required_set() => format!("{value}{many}"),
            None => format!("[{value}]"),
        };
        line.push(word);
    }
    let mut out = vec![];
    if line.len() > 1 || c.get_subcommands().next().is_none() {
        out.push(line.join(" "));
    }
    for s in c.get_subcommands() {
        out.extend(forms(s).into_iter().map(|f| format!("{} {f}", c.get_name())));
    }
    out
}
