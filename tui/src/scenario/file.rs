//! Scenario files: parse and validate.
//!
//! ```toml
//! name = "even-split"
//! description = "what it shows"
//! duration = "30s"              # run length, counted from slot 0
//! seed = 7                      # optional: seeds the nodes' fault shims (loss, jitter)
//!
//! [devnet]                      # any devnet.toml key, over the base config
//! slot_ms = 200
//!
//! # A file written for several engines (`devnet compare`) says so, and may then
//! # hold a table per engine; only the running engine's table applies:
//! # engines = ["gasper", "tendermint", "pow"]  (top level)
//! # [devnet.tendermint] ... [devnet.pow] ...
//! # and an expectation may hold for some engines only (skipped on the others):
//! # [[expect]] ... engines = ["pow"]
//!
//! [[step]]
//! name = "split"                # optional; expectations refer to steps by name
//! at = "4s"                     # since slot 0; or at_slot = 20
//! inject = "partition n0,n1/n2,n3"   # the words of `devnet inject`
//!
//! [[expect]]
//! check = "finality_stalls"     # see `checks` for every check and its keys
//! during = "split"
//! ```
//!
//! Every error names the file, the line and what was expected; steps are
//! parsed with the same fault parser as `devnet inject`, against the node
//! count the scenario's devnet will have.

use crate::config::{ConfigError, DevnetConfig, Raw, toml_error};
use crate::faults::{Fault, check_engine, parse as parse_fault, words};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    description: Option<String>,
    duration: Spanned<String>,
    seed: Option<u64>,
    engines: Option<Spanned<Vec<String>>>,
    devnet: Option<Raw>,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
    #[serde(default)]
    expect: Vec<Spanned<RawExpect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: Option<String>,
    at: Option<Spanned<String>>,
    at_slot: Option<u64>,
    inject: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    check: Spanned<String>,
    after: Option<Spanned<String>>,
    during: Option<Spanned<String>>,
    within: Option<Spanned<String>>,
    by: Option<u64>,
    depth: Option<u64>,
    validator: Option<u32>,
    node: Option<Spanned<String>>,
    grace: Option<Spanned<String>>,
    /// Only on these engines (a file written for `devnet compare`).
    engines: Option<Spanned<Vec<String>>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum When {
    Time(Duration),
    Slot(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: String,
    pub when: When,
    pub words: Vec<String>,
    pub fault: Fault,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// The highest finalized epoch grows by `by` within `within` of the step (or of slot 0).
    FinalizedAdvances { after: Option<usize>, by: u64, within: Duration },
    /// Finality does not advance from two epochs after the step until the next step (or the end).
    FinalityStalls { during: usize },
    /// Validator `validator` is slashed on every honest node within `within` of the step.
    Slashed { validator: u32, after: Option<usize>, within: Duration },
    /// No node reorgs deeper than `depth` (after the step, if given).
    ReorgAtMost { depth: u64, after: Option<usize> },
    /// At some moment within `within` of the step, every running node has the same head.
    AllHeadsAgree { after: Option<usize>, within: Duration },
    /// Within `within` of the step, `node` has the others' finalized epoch and their head height (±1).
    NodeCaughtUp { node: usize, after: Option<usize>, within: Duration },
    /// Some node (or `node`) reorged at least `depth` blocks deep after the step.
    Reorg { depth: u64, node: Option<usize>, after: Option<usize> },
    /// At least `by` k-deep blocks were reverted after the step (pow).
    FinalReverted { by: u64, after: Option<usize> },
    /// The highest finalized height does not move from `grace` after the step
    /// until the next step (or the end): no commits during a split without 2/3.
    NoCommitsDuring { during: usize, grace: Duration },
    /// Reports `node`'s share of the best chain's blocks after the step
    /// against its share of the hashrate (or stake); holds when blocks were made.
    ChainShare { node: usize, after: Option<usize> },
    /// pow: after the step, an attacker released a double spend, and every
    /// other running node lost the payment (it was k deep there before).
    DoubleSpend { after: Option<usize> },
    /// A load ran while `node` censored some senders: every transfer of
    /// theirs was still included (other proposers took them), and the report
    /// gives their inclusion delay against everyone else's.
    Censorship { node: usize, after: Option<usize> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub check: Check,
    /// How the file wrote it, for the report.
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub duration: Duration,
    pub seed: Option<u64>,
    /// Engines the file is written for (`engines = [...]`); empty: just its `consensus`.
    pub engines: Vec<String>,
    pub devnet: DevnetConfig,
    pub steps: Vec<Step>,
    pub expects: Vec<Expect>,
    /// The file's text, kept in the run's record.
    pub source: String,
}

pub const CHECKS: &str = "finalized_advances, finality_stalls, slashed, reorg_at_most, all_heads_agree, node_caught_up, \
reorg, final_reverted, no_commits_during, chain_share, double_spend, censorship";

/// Names `engines = [...]` may list: the engines of the node's registry.
pub const SCENARIO_ENGINES: &[&str] = devnet_node::consensus::ENGINES;

/// `no_commits_during` starts this many slots after its step unless `grace`
/// says otherwise: a height whose votes were already in flight may still commit.
pub const DEFAULT_GRACE_SLOTS: u64 = 3;

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn parse_duration(
    s: &Spanned<String>,
    key: &str,
    err: &impl Fn(usize, String) -> ConfigError,
) -> Result<Duration, ConfigError> {
    crate::duration::parse_duration(s.get_ref()).map_err(|_| {
        err(
            s.span().start,
            format!("`{key}` must be a duration like \"500ms\", \"4s\" or \"1m30s\", found {:?}", s.get_ref()),
        )
    })
}

/// How an expectation reads in the report: `finality_stalls during=split`.
fn label(x: &RawExpect) -> String {
    let mut parts = vec![x.check.get_ref().clone()];
    let spanned =
        [("during", &x.during), ("after", &x.after), ("node", &x.node), ("within", &x.within), ("grace", &x.grace)];
    for (k, v) in spanned {
        if let Some(v) = v {
            parts.push(format!("{k}={}", v.get_ref()));
        }
    }
    for (k, v) in [("by", x.by), ("depth", x.depth), ("validator", x.validator.map(u64::from))] {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    }
    if let Some(only) = &x.engines {
        parts.push(format!("engines={}", only.get_ref().join(",")));
    }
    parts.join(" ")
}

impl Scenario {
    pub fn load(path: &Path, base: Option<&Path>) -> Result<Scenario, ConfigError> {
        Self::load_as(path, base, None)
    }

    /// As `load`, run under `engine` instead of the file's `consensus`
    /// (`devnet compare`): tables for other engines are dropped, and the
    /// cluster is named `<scenario>-<engine>`.
    pub fn load_as(path: &Path, base: Option<&Path>, engine: Option<&str>) -> Result<Scenario, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        let base = match base {
            Some(b) => DevnetConfig::load_raw(b)?,
            None => Raw::default(),
        };
        Self::parse_as(&text, path, base, engine)
    }

    /// The scenario `text` (read from `file`, over the built-in defaults),
    /// run under `engine` if given: `load_as` without the files, for the
    /// scenario fuzz target.
    pub fn parse_text(text: &str, file: &Path, engine: Option<&str>) -> Result<Scenario, ConfigError> {
        Self::parse_as(text, file, Raw::default(), engine)
    }

    #[cfg(test)]
    pub(crate) fn parse(text: &str, file: &Path, base: Raw) -> Result<Scenario, ConfigError> {
        Self::parse_as(text, file, base, None)
    }

    pub(crate) fn parse_as(text: &str, file: &Path, base: Raw, engine: Option<&str>) -> Result<Scenario, ConfigError> {
        let err = |offset: usize, message: String| ConfigError {
            file: file.to_path_buf(),
            line: Some(line_of(text, offset)),
            message,
        };
        let raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(&e, text, file))?;
        let name = raw.name.clone().unwrap_or_else(|| {
            file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "scenario".into())
        });
        let mut engines = vec![];
        if let Some(list) = &raw.engines {
            for e in list.get_ref() {
                if !SCENARIO_ENGINES.contains(&e.as_str()) {
                    return Err(err(
                        list.span().start,
                        format!("`engines` lists {e:?}; expected some of {}", SCENARIO_ENGINES.join(", ")),
                    ));
                }
                if !engines.contains(e) {
                    engines.push(e.clone());
                }
            }
        }
        let mut devnet_raw = raw.devnet.unwrap_or_default().over(base);
        if let Some(engine) = engine {
            devnet_raw = devnet_raw.with_engine(engine);
        } else if !engines.is_empty() {
            let running = devnet_raw.engine();
            devnet_raw = devnet_raw.keep_tables_for(&running);
        }
        if devnet_raw.name.is_none() {
            // Run under the scenario's own cluster name (sanitised), never over `devnet`'s.
            let full = match engine {
                Some(e) => format!("{name}-{e}"),
                None => name.clone(),
            };
            let clean: String =
                full.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
            devnet_raw.name = Some(Spanned::new(0..0, clean.chars().take(64).collect()));
        }
        let devnet = DevnetConfig::from_raw(&devnet_raw, text, file)?;
        let duration = parse_duration(&raw.duration, "duration", &err)?;
        let n = devnet.nodes;

        let mut steps: Vec<Step> = Vec::new();
        for (i, s) in raw.step.iter().enumerate() {
            let at = s.span().start;
            let st = s.get_ref();
            let when = match (&st.at, st.at_slot) {
                (Some(t), None) => When::Time(parse_duration(t, "at", &err)?),
                (None, Some(slot)) => When::Slot(slot),
                _ => {
                    return Err(err(
                        at,
                        format!("step {}: give exactly one of `at = \"5s\"` or `at_slot = 40`", i + 1),
                    ));
                }
            };
            let w = words(st.inject.get_ref());
            let fault = parse_fault(&w, n)
                .and_then(|f| check_engine(&f, &devnet.consensus).map(|()| f))
                .map_err(|e| err(st.inject.span().start, format!("step {}: {e}", i + 1)))?;
            let name = st.name.clone().unwrap_or_else(|| format!("step{}", i + 1));
            if steps.iter().any(|s| s.name == name) {
                return Err(err(at, format!("two steps are named {name:?}")));
            }
            steps.push(Step { name, when, words: w, fault });
        }

        let find_step = |s: &Option<Spanned<String>>| -> Result<Option<usize>, ConfigError> {
            match s {
                None => Ok(None),
                Some(s) => match steps.iter().position(|st| st.name == *s.get_ref()) {
                    Some(i) => Ok(Some(i)),
                    None => {
                        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
                        Err(err(
                            s.span().start,
                            format!("no step named {:?}; steps are: {}", s.get_ref(), names.join(", ")),
                        ))
                    }
                },
            }
        };
        let mut expects = Vec::new();
        for e in &raw.expect {
            let at = e.span().start;
            let x = e.get_ref();
            if let Some(only) = &x.engines {
                if let Some(bad) = only.get_ref().iter().find(|e| !SCENARIO_ENGINES.contains(&e.as_str())) {
                    return Err(err(
                        only.span().start,
                        format!("`engines` lists {bad:?}; expected some of {}", SCENARIO_ENGINES.join(", ")),
                    ));
                }
                if !only.get_ref().contains(&devnet.consensus) {
                    continue;
                }
            }
            let within = match &x.within {
                Some(w) => Some(parse_duration(w, "within", &err)?),
                None => None,
            };
            let need_within =
                || within.ok_or_else(|| err(at, format!("`{}` needs `within = \"10s\"`", x.check.get_ref())));
            let after = find_step(&x.after)?;
            let node_key = |required: bool| -> Result<Option<usize>, ConfigError> {
                match &x.node {
                    Some(nd) => {
                        crate::faults::parse::node(nd.get_ref(), n).map(Some).map_err(|e| err(nd.span().start, e))
                    }
                    None if required => Err(err(at, format!("`{}` needs `node = \"n2\"`", x.check.get_ref()))),
                    None => Ok(None),
                }
            };
            let check = match x.check.get_ref().as_str() {
                "finalized_advances" => {
                    Check::FinalizedAdvances { after, by: x.by.unwrap_or(1).max(1), within: need_within()? }
                }
                "finality_stalls" => match find_step(&x.during)? {
                    Some(during) => Check::FinalityStalls { during },
                    None => return Err(err(at, "`finality_stalls` needs `during = \"STEP NAME\"`".into())),
                },
                "slashed" => match x.validator {
                    Some(validator) if (validator as usize) < devnet.nodes => {
                        Check::Slashed { validator, after, within: need_within()? }
                    }
                    Some(v) => return Err(err(at, format!("`validator = {v}` is not one of 0..{}", devnet.nodes - 1))),
                    None => return Err(err(at, "`slashed` needs `validator = N`".into())),
                },
                "reorg_at_most" => match x.depth {
                    Some(depth) => Check::ReorgAtMost { depth, after },
                    None => return Err(err(at, "`reorg_at_most` needs `depth = N`".into())),
                },
                "all_heads_agree" => Check::AllHeadsAgree { after, within: need_within()? },
                "node_caught_up" => match &x.node {
                    Some(nd) => {
                        let node = crate::faults::parse::node(nd.get_ref(), n).map_err(|e| err(nd.span().start, e))?;
                        Check::NodeCaughtUp { node, after, within: need_within()? }
                    }
                    None => return Err(err(at, "`node_caught_up` needs `node = \"n2\"`".into())),
                },
                "reorg" => Check::Reorg { depth: x.depth.unwrap_or(1).max(1), node: node_key(false)?, after },
                "final_reverted" => Check::FinalReverted { by: x.by.unwrap_or(1).max(1), after },
                "double_spend" => Check::DoubleSpend { after },
                "censorship" => match node_key(true)? {
                    Some(node) => Check::Censorship { node, after },
                    None => return Err(err(at, "`censorship` needs `node = \"n1\"` (the censoring node)".into())),
                },
                "no_commits_during" => {
                    let grace = match &x.grace {
                        Some(g) => parse_duration(g, "grace", &err)?,
                        None => Duration::from_millis(DEFAULT_GRACE_SLOTS * devnet.slot_ms),
                    };
                    match find_step(&x.during)? {
                        Some(during) => Check::NoCommitsDuring { during, grace },
                        None => return Err(err(at, "`no_commits_during` needs `during = \"STEP NAME\"`".into())),
                    }
                }
                "chain_share" => Check::ChainShare { node: node_key(true)?.unwrap_or(0), after },
                other => {
                    return Err(err(
                        x.check.span().start,
                        format!("unknown check {other:?}; expected one of {CHECKS}"),
                    ));
                }
            };
            expects.push(Expect { label: label(x), check });
        }
        Ok(Scenario {
            name,
            description: raw.description.unwrap_or_default(),
            duration,
            seed: raw.seed,
            engines,
            devnet,
            steps,
            expects,
            source: text.to_string(),
        })
    }

    /// The `[devnet]` table of the file as TOML text (empty when it has
    /// none), the config part of the run's record.
    pub fn devnet_text(&self) -> String {
        let table: Option<toml::Table> = toml::from_str::<toml::Table>(&self.source)
            .ok()
            .and_then(|t| t.get("devnet").and_then(|d| d.as_table()).cloned());
        table.and_then(|t| toml::to_string(&t).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
