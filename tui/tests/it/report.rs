//! What a run leaves behind, used as a person would: `devnet report` on a
//! real run's directory, loaded in headless Chromium (Debian's package;
//! `make test` installs it) to see what it draws, and `devnet replay --json`
//! folding the recorded events back to what the run showed.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn devnet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_devnet"))
}

/// Every file a finished run's directory must hold, non-empty.
pub fn assert_complete(run: &Path) {
    for f in [
        "run.json",
        "devnet.toml",
        "scenario.toml",
        "genesis.json",
        "nodes.json",
        "events.jsonl",
        "metrics.jsonl",
        "verdict.json",
    ] {
        let len = std::fs::metadata(run.join(f))
            .map(|m| m.len())
            .unwrap_or_else(|e| panic!("{}: {e}", run.join(f).display()));
        assert!(len > 0 || f == "devnet.toml", "{f} is empty in {}", run.display());
    }
    let log = std::fs::read_to_string(run.join("logs/n0.log")).unwrap();
    assert!(!log.is_empty(), "n0's log from the run");
}

fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("headless Chromium is needed to check the report (`make test` installs Debian's chromium)")
}

fn headless(page: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn near(px: &[u8], rgb: (u8, u8, u8), tol: i32) -> bool {
    (px[0] as i32 - rgb.0 as i32).abs() <= tol
        && (px[1] as i32 - rgb.1 as i32).abs() <= tol
        && (px[2] as i32 - rgb.2 as i32).abs() <= tol
}

/// Pixels of a PNG close to each colour.
fn count_colours(png_path: &Path, colours: &[(u8, u8, u8)], tol: i32) -> Vec<usize> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    colours.iter().map(|c| px.chunks(step).filter(|p| near(p, *c, tol)).count()).collect()
}

/// The crash-restart run (n3 crashed from 4 s to 9 s after genesis): its
/// report and its replay.
pub fn check_report_and_replay(run: &Path) {
    let out = devnet().arg("report").arg(run).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let page = PathBuf::from(serde_json::from_slice::<Value>(&out.stdout).unwrap()["report"].as_str().unwrap());
    let html = std::fs::read_to_string(&page).unwrap();
    for fetch in ["<script", "src=", "href=", "url(", "@import", "http://", "https://"] {
        assert!(!html.contains(fetch), "self-contained, but the page holds {fetch}");
    }

    // What the browser made of it: the plots, the fault window, the checks.
    let dom = String::from_utf8_lossy(&headless(&page, &["--dump-dom"]).stdout).to_string();
    for id in ["id=\"lag\"", "id=\"heights\"", "id=\"reorgs\""] {
        assert!(dom.contains(id), "no plot {id} in the page");
    }
    assert!(dom.contains("crashed n3"), "the crash window is named");
    assert!(dom.contains("PASSED") && dom.contains("node_caught_up"), "the verdict and its checks");
    assert_eq!(dom.matches("<g class=\"fault\">").count(), 3, "one window shaded in each of the three plots");

    // What it looks like: the shaded window and n3's line are on the screen.
    let shot = page.with_file_name("report.png");
    headless(&page, &[&format!("--screenshot={}", shot.display()), "--window-size=1050,1500"]);
    // #f59e0b at 22% over white, and n3's colour (#9333ea).
    let [shade, line] = count_colours(&shot, &[(253, 234, 201), (147, 51, 234)], 4)[..] else { unreachable!() };
    assert!(shade > 5_000, "the fault window is shaded: {shade} pixels");
    assert!(line > 100, "n3's line is drawn: {line} pixels");

    // The replay folds the recorded events back to what the run ended with.
    let verdict: Value = serde_json::from_str(&std::fs::read_to_string(run.join("verdict.json")).unwrap()).unwrap();
    let end = devnet().arg("replay").arg(run).arg("--json").output().unwrap();
    assert_eq!(end.status.code(), Some(0), "{}", String::from_utf8_lossy(&end.stderr));
    let end: Value = serde_json::from_slice(&end.stdout).unwrap();
    for (live, replayed) in verdict["summary"]["nodes"].as_array().unwrap().iter().zip(end["nodes"].as_array().unwrap())
    {
        for k in ["id", "head_hash", "finalized_hash", "finalized_epoch", "reorgs"] {
            assert_eq!(live[k], replayed[k], "{k} of {} at the end", live["id"]);
        }
    }
    // ... and to the crash in the middle.
    let mid = devnet().arg("replay").arg(run).args(["--json", "--at", "7s"]).output().unwrap();
    let mid: Value = serde_json::from_slice(&mid.stdout).unwrap();
    assert_eq!(mid["nodes"][3]["state"], "crashed", "n3 at 7 s: {}", mid["nodes"][3]);
    assert_eq!(mid["nodes"][0]["state"], "running");
    let bad = devnet().arg("replay").arg(run.join("nowhere")).arg("--json").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a run directory"));
    check_replay_in_a_terminal(run);
}

/// The replay as a person drives it: the dashboard in tmux, the scrubber
/// jumping to the crash, to the end and back to the start.
pub fn check_replay_in_a_terminal(run: &Path) {
    use crate::tmux::{tmux, wait_for};
    let session = format!("devnet-replay-{}", std::process::id());
    let cmd = format!("{} replay {}", env!("CARGO_BIN_EXE_devnet"), run.display());
    tmux(&["new-session", "-d", "-s", &session, "-x", "160", "-y", "48", &cmd]);
    let pane = wait_for(&session, |p| p.contains("REPLAY") && p.contains("0.0 / "));
    assert!(pane.contains("fork tree") && pane.contains("n/N fault"), "{pane}");
    // `n`: to the crash; a second on, n3 is down.
    tmux(&["send-keys", "-t", &session, "n", "l"]);
    // Not "nodes 3/4 up" alone: at 0.0 s n3 may not have reported running yet.
    let pane = wait_for(&session, |p| p.contains("nodes 3/4 up") && p.contains("crash n3"));
    assert!(pane.contains("crash n3: n3 killed (SIGKILL)"), "the fault in the event log:\n{pane}");
    let row = pane.lines().find(|l| l.contains(" n3 ") && l.contains("crashed"));
    assert!(row.is_some(), "n3 crashed in the nodes table:\n{pane}");
    tmux(&["send-keys", "-t", &session, "G"]);
    let pane = wait_for(&session, |p| p.contains("nodes 4/4 up") && !p.contains("⏸ 1x  0.0"));
    assert!(pane.contains("nodes 4/4 up"), "n3 back by the end:\n{pane}");
    tmux(&["send-keys", "-t", &session, "g"]);
    wait_for(&session, |p| p.contains("⏸ 1x  0.0 / "));
    tmux(&["send-keys", "-t", &session, "q"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while Command::new("tmux").args(["has-session", "-t", &session]).status().is_ok_and(|s| s.success()) {
        if std::time::Instant::now() > deadline {
            tmux(&["kill-session", "-t", &session]);
            panic!("devnet replay did not exit on q");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
