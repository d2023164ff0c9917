//! The dashboard in a real terminal: `devnet up` inside a detached tmux
//! session (`make test` installs tmux when missing); the captured pane must
//! show every pane with finality advancing, `?` must open the help and `q`
//! must stop everything and end the session.

use crate::procs::{fast_config, wait_none_left};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux is installed (make test installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn wait_for(session: &str, what: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pane = tmux(&["capture-pane", "-p", "-t", session]);
        if what(&pane) || Instant::now() > deadline {
            return pane;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn dashboard_runs_under_tmux() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = fast_config(tmp.path());
    let session = format!("devnet-it-{}", std::process::id());
    let cmd = format!(
        "{} up --fresh --config {} --data-dir {}",
        env!("CARGO_BIN_EXE_devnet"),
        cfg.display(),
        tmp.path().display()
    );
    tmux(&["new-session", "-d", "-s", &session, "-x", "160", "-y", "48", &cmd]);
    let pane = wait_for(&session, |p| p.contains("finalized e3") && p.contains("◆ n0 n1 n2 n3"));
    for title in ["nodes", "validators", "fork tree", "finality lag", "links", "events", "◆ n0 n1 n2 n3"] {
        assert!(pane.contains(title), "missing {title:?}:\n{pane}");
    }
    tmux(&["send-keys", "-t", &session, "?"]);
    let pane = wait_for(&session, |p| p.contains("show or hide this help"));
    assert!(pane.contains("freeze / unfreeze the view"), "{pane}");
    tmux(&["send-keys", "-t", &session, "q"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Command::new("tmux").args(["has-session", "-t", &session]).status().is_ok_and(|s| s.success()) {
        if Instant::now() > deadline {
            tmux(&["kill-session", "-t", &session]);
            panic!("devnet did not exit on q");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let left = wait_none_left(tmp.path(), Duration::from_secs(10));
    assert!(left.is_empty(), "nodes left behind: {left:?}");
}

/// Growing the terminal while the dashboard runs, then `q`: the shell's
/// screen comes back without dashboard rows in it (tmux shows the alternate
/// screen's top rows in the space a grow added unless it was blanked).
#[test]
fn no_dashboard_residue_after_a_grow_resize_and_q() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = fast_config(tmp.path());
    let session = format!("devnet-it-resize-{}", std::process::id());
    tmux(&["new-session", "-d", "-s", &session, "-x", "100", "-y", "30", "bash --norc --noprofile"]);
    let cmd = format!(
        "clear; {} up --fresh --config {} --data-dir {}; echo DEVNET-EXITED",
        env!("CARGO_BIN_EXE_devnet"),
        cfg.display(),
        tmp.path().display()
    );
    tmux(&["send-keys", "-t", &session, &cmd, "Enter"]);
    let pane = wait_for(&session, |p| p.contains("fork tree") && p.contains("◆"));
    assert!(pane.contains("fork tree"), "the dashboard did not come up:\n{pane}");
    tmux(&["resize-window", "-t", &session, "-x", "120", "-y", "40"]);
    wait_for(&session, |p| p.lines().count() >= 40 && p.lines().any(|l| l.trim_end().chars().count() > 100));
    tmux(&["send-keys", "-t", &session, "q"]);
    let pane = wait_for(&session, |p| p.contains("DEVNET-EXITED"));
    tmux(&["kill-session", "-t", &session]);
    assert!(pane.contains("DEVNET-EXITED"), "devnet did not exit on q:\n{pane}");
    for residue in ["fork tree", "validators", "│", "┃"] {
        assert!(!pane.contains(residue), "dashboard residue {residue:?} on the shell's screen:\n{pane}");
    }
    let left = wait_none_left(tmp.path(), Duration::from_secs(10));
    assert!(left.is_empty(), "nodes left behind: {left:?}");
}
