//! A run's records as `devnet replay` and `devnet report` read them: the
//! lines of `events.jsonl` (`run_record::stream::decode`), folded into a
//! dashboard view as the replay does, and the lines of `metrics.jsonl`
//! (`samples::Sample`), turned into fault windows and plots as the report
//! does. A user hands these files over; they may be damaged or hand-edited.
//!
//! Input: the text of either file. Checks: nothing panics; a line that
//! decodes encodes back to a line that decodes to the same encoding (what
//! a replay reads is what was written); folding any decoded line into a
//! 4-node view, and seeking a replay back and forth over them, never
//! panics whatever node index or time a line holds; any samples give
//! windows that open no later than they close and a plot.

#![no_main]

use devnet::cluster::ClusterView;
use devnet::replay::{Replay, apply};
use devnet::report::{plot, windows};
use devnet::run_record::samples::Sample;
use devnet::run_record::stream::{decode, encode};
use libfuzzer_sys::fuzz_target;

fn view() -> ClusterView {
    let nodes: Vec<devnet_node::config::NodeEntry> = (0..4)
        .map(|i| devnet_node::config::NodeEntry {
            id: format!("n{i}"),
            addr: "127.0.0.1:1".parse().unwrap(),
            validator: Some(i),
            metrics: None,
        })
        .collect();
    ClusterView::new("fuzz", "gasper", 100, 4, 0, &nodes)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ids: Vec<String> = (0..4).map(|i| format!("n{i}")).collect();
    let mut lines = vec![];
    let mut v = view();
    for l in text.lines() {
        let Ok(line) = decode(l) else { continue };
        let again = encode(line.at_ms, &line.item, &ids).to_string();
        let back = decode(&again).expect("a line we wrote decodes");
        assert_eq!(encode(back.at_ms, &back.item, &ids).to_string(), again);
        apply(&mut v, &line);
        lines.push(line);
    }
    if !lines.is_empty() {
        let start = lines.iter().map(|l| l.at_ms).min().unwrap_or(0);
        lines.sort_by_key(|l| l.at_ms);
        let mut r = Replay::from_lines("/fuzz".into(), start, view(), lines);
        let end = r.duration_ms();
        for t in [end, end / 2, 0, end / 3, end] {
            r.seek(t);
        }
    }
    let samples: Vec<Sample> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    for w in windows::windows(&samples) {
        assert!(w.from_ms <= w.to_ms, "{w:?}");
    }
    let series = vec![plot::Series {
        name: "n0".into(),
        color: plot::PALETTE[0],
        dashed: false,
        points: samples.iter().map(|s| (s.t_ms as f64 / 1000.0, s.nodes.first().and_then(|n| n.lag).map(|l| l as f64))).collect(),
    }];
    let w = windows::windows(&samples);
    let x_max = samples.iter().map(|s| s.t_ms).max().unwrap_or(1) as f64 / 1000.0;
    let svg = plot::svg(&plot::Plot { id: "p", title: "t", unit: "u", series, windows: &w, x_max, steps: false });
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
});
