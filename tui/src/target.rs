//! Which cluster directory `status`, `inject`, `load` and `tx` talk to.
//!
//! Rules, first match wins:
//! 1. `--name NAME`: `DATA_DIR/NAME`.
//! 2. `--config FILE` or `--engine ENGINE`: the name that config gives
//!    (`config_file::pick`: FILE, else `./devnet.toml`, else the defaults;
//!    `--engine` appends `-ENGINE` as `devnet up --engine` does).
//! 3. Nothing names one: the one running cluster under DATA_DIR when exactly
//!    one runs; when several run, an error listing them and how to pick one;
//!    when none runs, the cluster `./devnet.toml` (or the defaults) names, so
//!    the error that follows says that one is not running.

use crate::config_file;
use crate::ls;
use anyhow::bail;
use std::path::{Path, PathBuf};

/// What the command line said (every field optional).
#[derive(Clone, Debug, Default)]
pub struct TargetArgs<'a> {
    pub config: Option<&'a Path>,
    pub name: Option<&'a str>,
    pub engine: Option<&'a str>,
}

/// The cluster directory `args` pick under `data_dir`.
pub fn resolve(data_dir: &Path, args: &TargetArgs) -> anyhow::Result<PathBuf> {
    resolve_in(Path::new("."), data_dir, args)
}

/// As `resolve`, with `cwd` where `./devnet.toml` is looked for.
pub fn resolve_in(cwd: &Path, data_dir: &Path, args: &TargetArgs) -> anyhow::Result<PathBuf> {
    if let Some(name) = args.name {
        return Ok(data_dir.join(name));
    }
    let implied = || -> anyhow::Result<PathBuf> {
        let (cfg, _) = config_file::pick_in(cwd, args.config, args.engine)?;
        Ok(data_dir.join(cfg.name))
    };
    if args.config.is_some() || args.engine.is_some() {
        return implied();
    }
    let running: Vec<ls::ClusterEntry> = ls::scan(data_dir)?.into_iter().filter(|e| e.running()).collect();
    match running.as_slice() {
        [] => implied(),
        [one] => Ok(one.root.clone()),
        several => {
            let list: Vec<String> =
                several.iter().map(|e| format!("  {} ({})", e.name, e.engine.as_deref().unwrap_or("?"))).collect();
            bail!(
                "{} devnets are running in {}:\n{}\npick one with --name NAME (`devnet ls` lists them)",
                several.len(),
                data_dir.display(),
                list.join("\n")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster_lock::ClusterLock;

    #[test]
    fn nothing_named_finds_the_one_running_cluster_and_lists_several() {
        let tmp = tempfile::tempdir().unwrap();
        let (cwd, data) = (tmp.path().join("cwd"), tmp.path().join("data"));
        std::fs::create_dir_all(&cwd).unwrap();
        let none = TargetArgs::default();
        // Nothing runs: the defaults' name, so the error names that directory.
        assert_eq!(resolve_in(&cwd, &data, &none).unwrap(), data.join("devnet"));
        let tm = ClusterLock::acquire(&data.join("devnet-tendermint")).unwrap();
        assert_eq!(resolve_in(&cwd, &data, &none).unwrap(), data.join("devnet-tendermint"));
        // Named ones win over the running one.
        let named = TargetArgs { name: Some("other"), ..Default::default() };
        assert_eq!(resolve_in(&cwd, &data, &named).unwrap(), data.join("other"));
        let engine = TargetArgs { engine: Some("pow"), ..Default::default() };
        assert_eq!(resolve_in(&cwd, &data, &engine).unwrap(), data.join("devnet-pow"));

        let gasper = ClusterLock::acquire(&data.join("devnet")).unwrap();
        let err = resolve_in(&cwd, &data, &none).unwrap_err().to_string();
        assert!(err.contains("2 devnets are running"), "{err}");
        assert!(err.contains("  devnet (?)") && err.contains("  devnet-tendermint (?)"), "{err}");
        assert!(err.contains("--name NAME"), "{err}");
        drop((tm, gasper));
    }
}
