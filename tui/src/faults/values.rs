//! The typed values of the fault language, as clap parses them from one word
//! each, and as they are written back (`Display`), so that a parsed fault
//! turns into the same words again (`FaultCmd::words`).
//!
//! Syntax is checked here; what needs the cluster (is `n7` one of its
//! nodes?) is checked when the command is resolved (`parse::resolve`).

use devnet_node::consensus::MsgKind;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One node: `n3` (or `3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeWord(pub usize);

impl FromStr for NodeWord {
    type Err = String;
    fn from_str(word: &str) -> Result<Self, String> {
        let digits = word.strip_prefix('n').unwrap_or(word);
        digits.parse::<usize>().map(NodeWord).map_err(|_| format!("expected a node like n0, found {word:?}"))
    }
}

impl fmt::Display for NodeWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// Some nodes: `n1`, `n1,n2`, or every node: `all` (`*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodesWord {
    All,
    List(Vec<usize>),
}

impl FromStr for NodesWord {
    type Err = String;
    fn from_str(word: &str) -> Result<Self, String> {
        if word == "all" || word == "*" {
            return Ok(NodesWord::All);
        }
        let list: Vec<usize> = word
            .split(',')
            .filter(|w| !w.is_empty())
            .map(|w| w.parse::<NodeWord>().map(|n| n.0))
            .collect::<Result<_, _>>()?;
        if list.is_empty() {
            return Err(format!("expected nodes like n0,n1, found {word:?}"));
        }
        Ok(NodesWord::List(list))
    }
}

impl fmt::Display for NodesWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodesWord::All => write!(f, "all"),
            NodesWord::List(l) => {
                write!(f, "{}", l.iter().map(|i| format!("n{i}")).collect::<Vec<_>>().join(","))
            }
        }
    }
}

/// Message kinds for `filter`: `block,vote,evidence,status,sync,tx`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kinds(pub Vec<MsgKind>);

impl FromStr for Kinds {
    type Err = String;
    fn from_str(word: &str) -> Result<Self, String> {
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
        Ok(Kinds(out.into_iter().collect()))
    }
}

impl fmt::Display for Kinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words: Vec<&str> = self
            .0
            .iter()
            .map(|k| match k {
                MsgKind::Block => "block",
                MsgKind::Vote => "vote",
                MsgKind::Evidence => "evidence",
                MsgKind::Status => "status",
                MsgKind::Tx => "tx",
                MsgKind::SyncRequest | MsgKind::SyncResponse => "sync",
            })
            .collect();
        words.dedup();
        write!(f, "{}", words.join(","))
    }
}

/// Whose transfers `censor` leaves out: `3,5`, `all`, or `off` (`none`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CensorWord {
    All,
    Off,
    Accounts(Vec<u32>),
}

impl FromStr for CensorWord {
    type Err = String;
    fn from_str(word: &str) -> Result<Self, String> {
        match word {
            "all" => Ok(CensorWord::All),
            "off" | "none" => Ok(CensorWord::Off),
            list => {
                let accounts = list
                    .split(',')
                    .filter(|w| !w.is_empty())
                    .map(|w| w.parse::<u32>().map_err(|_| format!("expected account numbers like 3,5, found {w:?}")))
                    .collect::<Result<Vec<u32>, String>>()?;
                // An empty list would mean `off`: only `off` says that.
                if accounts.is_empty() {
                    return Err(format!("expected account numbers like 3,5, all or off, found {list:?}"));
                }
                Ok(CensorWord::Accounts(accounts))
            }
        }
    }
}

impl fmt::Display for CensorWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CensorWord::All => write!(f, "all"),
            CensorWord::Off => write!(f, "off"),
            CensorWord::Accounts(a) => {
                write!(f, "{}", a.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
            }
        }
    }
}

/// `0.3` or `30%`, from 0 to 1.
pub fn probability(word: &str) -> Result<f64, String> {
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
pub fn percent(word: &str) -> Result<u32, String> {
    match word.strip_suffix('%').unwrap_or(word).parse::<u32>() {
        Ok(p) if p <= 100 => Ok(p),
        _ => Err(format!("expected a share of the hashrate from 0% to 100%, like 60%, found {word:?}")),
    }
}

/// `500/s` (or `500`): transfers a second, above 0 and at most 1000000.
pub fn rate(word: &str) -> Result<f64, String> {
    let r = word.strip_suffix("/s").unwrap_or(word).parse::<f64>();
    match r {
        Ok(r) if r.is_finite() && r > 0.0 && r <= crate::load::handle::MAX_RATE => Ok(r),
        _ => Err(format!("expected a rate like 500/s (above 0, at most 1000000/s), found {word:?}")),
    }
}

/// At least 2 sending accounts.
pub fn load_accounts(word: &str) -> Result<u32, String> {
    word.parse::<u32>()
        .ok()
        .filter(|a| *a >= 2)
        .ok_or_else(|| format!("`load` needs at least 2 sending accounts, found {word:?}"))
}

/// A number of slots above 0.
pub fn slots(word: &str) -> Result<u64, String> {
    word.parse::<u64>()
        .ok()
        .filter(|s| *s > 0)
        .ok_or_else(|| format!("`withhold` needs a number of slots above 0, found {word:?}"))
}
