//! The command bar's history: the faults injected from it, newest last,
//! at most `MAX` lines, repeated lines kept once. Kept in memory for the
//! session and in the cluster directory (`prompt_history`, one line each),
//! so it survives a restart of the dashboard on the same cluster. A history
//! file that cannot be read or written is not worth an error: the bar works
//! without it.

use std::path::{Path, PathBuf};

pub const MAX: usize = 100;
pub const FILE: &str = "prompt_history";

pub fn path(cluster_dir: &Path) -> PathBuf {
    cluster_dir.join(FILE)
}

/// Adds `line` as the newest entry.
pub fn push(history: &mut Vec<String>, line: &str) {
    let line = line.trim();
    if line.is_empty() {
        return;
    }
    history.retain(|h| h != line);
    history.push(line.to_string());
    let extra = history.len().saturating_sub(MAX);
    history.drain(..extra);
}

pub fn load(path: &Path) -> Vec<String> {
    let mut out = vec![];
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        push(&mut out, line);
    }
    out
}

pub fn save(path: &Path, history: &[String]) {
    let mut text = history.join("\n");
    text.push('\n');
    let _ = std::fs::write(path, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_last_once_and_bounded() {
        let mut h = vec![];
        for l in ["crash n1", "heal", "crash n1", "  ", "skew n2 +1s"] {
            push(&mut h, l);
        }
        assert_eq!(h, ["heal", "crash n1", "skew n2 +1s"]);
        for i in 0..200 {
            push(&mut h, &format!("crash n{i}"));
        }
        assert_eq!(h.len(), MAX);
        assert_eq!(h.last().map(String::as_str), Some("crash n199"));
    }

    #[test]
    fn survives_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = path(tmp.path());
        assert!(load(&p).is_empty());
        save(&p, &["heal".into(), "crash n1".into()]);
        assert_eq!(load(&p), ["heal", "crash n1"]);
    }
}
