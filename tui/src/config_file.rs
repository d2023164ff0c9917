//! Which `devnet.toml` a command reads.
//!
//! Rules: an explicit `--config FILE` is read, and a missing or bad FILE is an
//! error naming it. Without `--config`, `./devnet.toml` is read when it
//! exists; otherwise the command runs on the built-in defaults (every key has
//! one), and `devnet up` says so in one line. `--engine` applies on top of
//! whichever was picked (see `DevnetConfig::load_as`).

use crate::config::{ConfigError, DevnetConfig};
use std::path::{Path, PathBuf};

/// The file read when no `--config` is given.
pub const DEFAULT_FILE: &str = "devnet.toml";

/// Where a config came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// `--config FILE`.
    Explicit(PathBuf),
    /// `./devnet.toml`, found without `--config`.
    Found(PathBuf),
    /// No `--config` and no `./devnet.toml`.
    Defaults,
}

/// The config `explicit` (or the current directory) selects, under `engine`.
pub fn pick(explicit: Option<&Path>, engine: Option<&str>) -> Result<(DevnetConfig, Source), ConfigError> {
    pick_in(Path::new("."), explicit, engine)
}

/// As `pick`, looking for `devnet.toml` in `cwd` instead of the current directory.
pub fn pick_in(
    cwd: &Path,
    explicit: Option<&Path>,
    engine: Option<&str>,
) -> Result<(DevnetConfig, Source), ConfigError> {
    if let Some(file) = explicit {
        return Ok((DevnetConfig::load_as(file, engine)?, Source::Explicit(file.to_path_buf())));
    }
    let found = cwd.join(DEFAULT_FILE);
    if found.exists() {
        // Named as the user would type it, not as ./devnet.toml joined onto ".".
        let shown = if cwd == Path::new(".") { PathBuf::from(DEFAULT_FILE) } else { found };
        return Ok((DevnetConfig::load_as(&shown, engine)?, Source::Found(shown)));
    }
    Ok((DevnetConfig::defaults_as(engine)?, Source::Defaults))
}

/// The line `devnet up` prints when it runs on the defaults.
pub fn defaults_notice(cfg: &DevnetConfig) -> String {
    format!(
        "devnet: no --config and no ./{DEFAULT_FILE}: running the built-in defaults ({} {} nodes, cluster {:?}); `devnet init` writes a {DEFAULT_FILE} to edit",
        cfg.nodes, cfg.consensus, cfg.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_file_then_local_devnet_toml_then_defaults() {
        let tmp = tempfile::tempdir().unwrap();
        let (cfg, src) = pick_in(tmp.path(), None, None).unwrap();
        assert_eq!(src, Source::Defaults);
        assert_eq!(cfg, DevnetConfig::defaults_as(None).unwrap());
        assert_eq!(cfg.name, "devnet");
        let (cfg, _) = pick_in(tmp.path(), None, Some("tendermint")).unwrap();
        assert_eq!((cfg.name.as_str(), cfg.consensus.as_str()), ("devnet-tendermint", "tendermint"));

        std::fs::write(tmp.path().join(DEFAULT_FILE), "name = \"here\"\n").unwrap();
        let (cfg, src) = pick_in(tmp.path(), None, None).unwrap();
        assert_eq!(cfg.name, "here");
        assert!(matches!(src, Source::Found(_)), "{src:?}");

        let missing = tmp.path().join("nope.toml");
        let err = pick_in(tmp.path(), Some(&missing), None).unwrap_err().to_string();
        assert!(err.contains("nope.toml") && err.contains("cannot read"), "{err}");
    }
}
