//! An engine's table in devnet.toml (`[pbft]`, `[hotstuff]`), read by the
//! engine's own code: each key over the engine's defaults for the
//! cluster's `slot_ms`, then the engine's own checks. The dashboard only
//! hands the table over (as JSON values) and names the line of the key an
//! error names, so an engine brings its table with it.
//!
//! Rules:
//! - A key the engine's parameters do not have is refused, naming the keys
//!   it does have; a value of the wrong type is refused naming the key and
//!   the type expected; then the engine's `validate` names the bad key.
//! - No table is the defaults (`from_slot`), as the engine itself uses them
//!   when the spec carries none.
//! - Engines whose tables the dashboard still reads itself (`[tendermint]`,
//!   `[pow]`) and engines without one (gasper) are `Handled::NotHere`.

use crate::chain::ChainSpec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What is wrong with a table: the key (when one is to blame) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub key: Option<String>,
    pub message: String,
}

/// Whether this module read the engine's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    Read,
    NotHere,
}

/// Engines whose tables are read here.
pub const TABLE_ENGINES: &[&str] = &["pbft", "hotstuff"];

/// Reads `table` (`None`: absent) for `spec.consensus` into `spec`.
pub fn apply_table(spec: &mut ChainSpec, table: Option<&Map<String, Value>>) -> Result<Handled, TableError> {
    let slot_ms = spec.slot_ms;
    match spec.consensus.as_str() {
        "pbft" => {
            let p =
                read("pbft", super::pbft::PbftParams::from_slot(slot_ms), table, super::pbft::PbftParams::validate)?;
            spec.pbft = Some(p);
        }
        "hotstuff" => {
            let p = read(
                "hotstuff",
                super::hotstuff::HotStuffParams::from_slot(slot_ms),
                table,
                super::hotstuff::HotStuffParams::validate,
            )?;
            spec.hotstuff = Some(p);
        }
        _ => return Ok(Handled::NotHere),
    }
    Ok(Handled::Read)
}

/// `table`'s keys over `defaults`, checked by `validate` (whose messages
/// start with `engine.key:`).
fn read<T: Serialize + DeserializeOwned>(
    engine: &str,
    defaults: T,
    table: Option<&Map<String, Value>>,
    validate: fn(&T) -> Result<(), String>,
) -> Result<T, TableError> {
    let mut merged = match serde_json::to_value(&defaults) {
        Ok(Value::Object(m)) => m,
        _ => return Err(TableError { key: None, message: format!("[{engine}]: its defaults are not a table") }),
    };
    for (key, value) in table.into_iter().flatten() {
        let Some(default) = merged.get(key) else {
            let known: Vec<&str> = merged.keys().map(String::as_str).collect();
            return Err(TableError {
                key: Some(key.clone()),
                message: format!("`{engine}.{key}` is not a key of [{engine}]; expected one of {}", known.join(", ")),
            });
        };
        let one = serde_json::from_value::<T>(Value::Object(Map::from_iter([(key.clone(), value.clone())])));
        if let Err(e) = one {
            let want = match default {
                Value::Number(_) => "a whole number",
                Value::String(_) => "a string",
                Value::Bool(_) => "true or false",
                _ => "another value",
            };
            return Err(TableError {
                key: Some(key.clone()),
                message: format!("`{engine}.{key}` must be {want}, found {value} ({e})"),
            });
        }
        merged.insert(key.clone(), value.clone());
    }
    let params: T = serde_json::from_value(Value::Object(merged))
        .map_err(|e| TableError { key: None, message: format!("[{engine}]: {e}") })?;
    validate(&params).map_err(|message| {
        let key = message.split(':').next().and_then(|k| k.strip_prefix(&format!("{engine}."))).map(str::to_string);
        TableError { key, message }
    })?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(engine: &str) -> ChainSpec {
        ChainSpec {
            name: "t".into(),
            consensus: engine.into(),
            slot_ms: 200,
            epoch_slots: 1,
            genesis_time_ms: 0,
            validators: vec![],
            tendermint: None,
            pow: None,
            pbft: None,
            hotstuff: None,
            ledger: None,
        }
    }

    fn table(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn keys_go_over_the_slot_defaults() {
        let mut s = spec("hotstuff");
        assert_eq!(apply_table(&mut s, Some(&table(r#"{"commit_chain": 2}"#))), Ok(Handled::Read));
        let p = s.hotstuff.unwrap();
        assert_eq!(p.commit_chain, 2);
        assert_eq!(p.min_round_ms, super::super::hotstuff::HotStuffParams::from_slot(200).min_round_ms);
        let mut s = spec("pbft");
        apply_table(&mut s, None).unwrap();
        assert_eq!(s.pbft, Some(super::super::pbft::PbftParams::from_slot(200)));
        assert_eq!(apply_table(&mut spec("gasper"), None), Ok(Handled::NotHere));
    }

    #[test]
    fn bad_keys_types_and_values_name_the_key() {
        let e = apply_table(&mut spec("hotstuff"), Some(&table(r#"{"commit_chian": 2}"#))).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("commit_chian"));
        assert!(e.message.contains("not a key of [hotstuff]; expected one of") && e.message.contains("commit_chain"));
        let e = apply_table(&mut spec("pbft"), Some(&table(r#"{"pacing_ms": "fast"}"#))).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("pacing_ms"));
        assert!(e.message.starts_with("`pbft.pacing_ms` must be a whole number, found \"fast\""), "{}", e.message);
        let e = apply_table(&mut spec("hotstuff"), Some(&table(r#"{"commit_chain": 4}"#))).unwrap_err();
        assert_eq!(
            e,
            TableError {
                key: Some("commit_chain".into()),
                message: "hotstuff.commit_chain: expected 2 or 3, found 4".into()
            }
        );
    }
}
