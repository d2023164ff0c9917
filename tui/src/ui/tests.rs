//! Frames rendered on ratatui's TestBackend from ClusterViews built by
//! applying recorded events, checked for their content and compared as insta
//! snapshots (hashes are fixed bytes and the clock is passed in, so frames are
//! deterministic).

use super::*;
use crate::cluster::{ClusterEvent, LinkView};
use crate::keys::Action;
use crate::supervisor::{ProcEvent, ProcState};
use devnet_proto::v1 as pb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: u64 = 13_500;

pub(super) fn hash(byte: u8) -> Vec<u8> {
    vec![byte; 32]
}

pub(super) fn bref(slot: u64, height: u64, byte: u8) -> pb::BlockRef {
    pb::BlockRef { hash: hash(byte), slot, height }
}

pub(super) fn ev(node: usize, kind: pb::event::Kind) -> ClusterEvent {
    ClusterEvent::Node { node, event: pb::Event { seq: 1, slot: 0, time_ms: 0, kind: Some(kind) } }
}

pub(super) fn import(node: usize, slot: u64, byte: u8, parent: u8, proposer: u32) -> ClusterEvent {
    ev(
        node,
        pb::event::Kind::BlockImported(pb::BlockImported {
            block: Some(bref(slot, slot, byte)),
            parent: hash(parent),
            proposer,
            attestations: 3,
            txs: 0,
        }),
    )
}

fn base_view() -> ClusterView {
    // Genesis at t=0, 1 s slots, 4-slot epochs.
    crate::cluster::test_views::running("gasper", 1000, 4, 4)
}

/// Chain 1..=13 (block byte = slot) seen by everyone, finalized at 4 and
/// justified at 8; n0's status at slot 13; n3 crashed at 12 s.
fn sample_view() -> ClusterView {
    let mut v = base_view();
    for slot in 0..=13u8 {
        for n in 0..4 {
            if slot > 0 {
                v.apply(import(n, slot as u64, slot, slot - 1, (slot % 4) as u32), slot as u64 * 1000);
            }
            let att = pb::Attested { validator: n as u32, slot: slot as u64, ..Default::default() };
            v.apply(ev(n, pb::event::Kind::Attested(att)), slot as u64 * 1000);
        }
    }
    for n in 0..4 {
        let status = pb::NodeStatus {
            id: format!("n{n}"),
            slot: 13,
            head: Some(bref(13, 13, 13)),
            justified: Some(pb::Checkpoint { epoch: 2, block: Some(bref(8, 8, 8)) }),
            finalized: Some(pb::Checkpoint { epoch: 1, block: Some(bref(4, 4, 4)) }),
            peers_up: (0..4).filter(|p| *p != n).map(|p| format!("n{p}")).collect(),
            validator: Some(n as u32),
            behaviour: "honest".into(),
            validators: (0..4).map(|i| pb::ValidatorStatus { index: i, stake: 32, ..Default::default() }).collect(),
            // No proposal missed, as the gasper engine reports it.
            detail: Some(devnet_node::api::detail::to_pb(&devnet_node::consensus::gasper::describe::detail(&[], 4))),
            ..Default::default()
        };
        v.apply(ClusterEvent::Status { node: n, status: Box::new(status) }, 13_000);
    }
    let fin = pb::event::Kind::Finalized(pb::Checkpoint { epoch: 1, block: Some(bref(4, 4, 4)) });
    v.apply(ev(0, fin), 10_000);
    v
}

/// Two branches from slot 9: n2 and n3 follow 10'-11' (bytes 0x8a, 0x8b; proposers 1, 0),
/// then n2 reorgs back to the main chain.
fn forked_view() -> ClusterView {
    let mut v = sample_view();
    for n in 2..4 {
        v.apply(import(n, 10, 0x8a, 9, 1), 10_500);
        v.apply(import(n, 11, 0x8b, 0x8a, 0), 11_500);
    }
    let head = |b: pb::BlockRef, prev: pb::BlockRef, depth| {
        pb::event::Kind::HeadChanged(pb::HeadChanged { head: Some(b), previous: Some(prev), reorg_depth: depth })
    };
    v.apply(ev(3, head(bref(11, 11, 0x8b), bref(13, 13, 13), 4)), 12_000);
    v.apply(ev(2, head(bref(11, 11, 0x8b), bref(13, 13, 13), 4)), 12_000);
    v.apply(ev(2, head(bref(13, 13, 13), bref(11, 11, 0x8b), 2)), 13_000);
    v
}

pub(super) fn render(view: &ClusterView, ui: &UiState, w: u16, h: u16) -> Vec<String> {
    render_at(view, ui, w, h, NOW)
}

pub(super) fn render_at(view: &ClusterView, ui: &UiState, w: u16, h: u16, now_ms: u64) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let tail = vec!["2024-01-01T00:00:00Z INFO node started".to_string()];
    t.draw(|f| draw(f, view, ui, now_ms, &tail)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>()).collect()
}

pub(super) fn screen(view: &ClusterView, ui: &UiState, w: u16, h: u16) -> String {
    render(view, ui, w, h).iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n")
}

#[test]
fn full_layout_shows_every_pane() {
    let lines = render(&sample_view(), &UiState::default(), 160, 48);
    let s = lines.join("\n");
    assert!(lines[1].contains("devnet · gasper · slot 13 · epoch 3 [■■··]"), "{}", lines[1]);
    assert!(lines[1].contains("nodes 4/4 up · finalized e1 h4 · lag 9 slots"), "{}", lines[1]);
    for title in ["nodes", "validators", "fork tree", "finality lag", "links", "events"] {
        assert!(s.contains(&format!(" {title}")), "missing pane {title}\n{s}");
    }
    let n0 = lines.iter().find(|l| l.contains("▶ n0")).expect("selected n0 row");
    assert!(n0.contains("running") && n0.contains("s13 h13 0d0d0d0d") && n0.contains("e1 h4 04040404"), "{n0}");
    assert!(s.contains("epoch 1 finalized (04040404, height 4)"), "{s}");
    insta::assert_snapshot!("full_160x48", screen(&sample_view(), &UiState::default(), 160, 48));
}

#[test]
fn tab_moves_focus_in_the_screens_reading_order() {
    let view = sample_view();
    let a = areas(Rect::new(0, 0, 160, 48), &view, &UiState::default());
    let at = |p: Pane| a.panes.iter().find(|(q, _)| *q == p).map(|(_, r)| *r).unwrap();
    let mut ui = UiState::default();
    let b = Bounds { nodes: 4, validators: 4, newest_slot: 13, ..Default::default() };
    for _ in 0..Pane::ORDER.len() - 1 {
        let (from, was) = (ui.focus, at(ui.focus));
        ui.update(Action::NextPane, b);
        let to = at(ui.focus);
        let right = to.x >= was.x + was.width && to.y < was.y + was.height;
        let below = to.y >= was.y + was.height;
        assert!(
            right || below,
            "Tab from {from:?} {was:?} went to {:?} {to:?}, neither right of it nor below",
            ui.focus
        );
    }
    ui.update(Action::NextPane, b);
    assert_eq!(ui.focus, Pane::Nodes, "Tab cycles back to the first pane");
}

#[test]
fn compact_layout_shows_the_focused_pane() {
    let mut ui = UiState::default();
    let s = screen(&sample_view(), &ui, 100, 30);
    assert!(s.contains("fork tree ·") && s.contains(" nodes "), "{s}");
    assert!(!s.contains("finality lag (slots)"), "{s}");
    ui.update(Action::PrevPane, Bounds::default());
    let s = screen(&sample_view(), &ui, 100, 30);
    assert!(s.contains(" events ") && !s.contains("fork tree ·"), "{s}");
    insta::assert_snapshot!("compact_100x30", screen(&sample_view(), &UiState::default(), 100, 30));
}

#[test]
fn fork_with_two_branches_and_a_reorg() {
    let v = forked_view();
    let ui = UiState { focus: Pane::Tree, ..Default::default() };
    let s = screen(&v, &ui, 160, 48);
    let tree: Vec<&str> = s.lines().filter(|l| l.contains('◆') || l.contains('╰')).collect();
    assert!(tree.iter().any(|l| l.contains("◆ n0 n1 n2")), "trunk head labels\n{s}");
    assert!(tree.iter().any(|l| l.contains('╰') && l.contains("◆ n3")), "branch with n3's head\n{s}");
    assert!(s.contains("n2 reorg depth 2 to slot 13"), "{s}");
    let n3 = s.lines().find(|l| l.contains(" n3 ") && l.contains("running")).unwrap();
    assert!(n3.contains("s11 h11 8b8b8b8b") && n3.contains("1/4"), "{n3}");
    insta::assert_snapshot!("fork_reorg", s);
}

#[test]
fn equivocation_is_marked_and_details_follow_the_cursor() {
    let mut v = sample_view();
    // A second block for slot 12 by slot 12's proposer (0): an equivocation.
    v.apply(import(1, 12, 0xcc, 11, 0), 12_600);
    let mut ui = UiState { focus: Pane::Tree, ..Default::default() };
    let b = crate::app::bounds(&v, NOW, 160);
    ui.update(Action::Left, b); // slot 12, trunk
    let s = screen(&v, &ui, 160, 48);
    assert!(s.contains('✖'), "{s}");
    assert!(s.contains("state    EQUIVOCATION") && s.contains("slot     12 (epoch 3)"), "{s}");
    ui.update(Action::Down, b); // the other block of slot 12
    let s = screen(&v, &ui, 160, 48);
    assert!(s.contains("hash     cccccccc") && s.contains("held by  1/4"), "{s}");
    ui.update(Action::ToggleProposers, b);
    let s = screen(&v, &ui, 160, 48);
    let trunk = s.lines().find(|l| l.contains("n0 n1 n2 n3")).unwrap();
    assert!(trunk.contains("1 2 3 0 1 2 3 0 1 2 3 0 1"), "proposer numbers replace glyphs\n{s}");
}

#[test]
fn partition_shows_cut_links_and_stake_per_side() {
    let mut v = sample_view();
    for a in 0..4usize {
        for b in 0..4usize {
            if (a < 3) != (b < 3) {
                v.links[a][b] = LinkView { blocked: true, ..Default::default() };
            }
        }
    }
    v.links[0][1].delay_ms = 200;
    let s = screen(&v, &UiState::default(), 160, 48);
    assert!(s.contains("side 1: n0 n1 n2") && s.contains("stake 96 (75%) ≥2/3 can finalize"), "{s}");
    assert!(s.contains("side 2: n3") && s.contains("stake 32 (25%) <2/3 no finality"), "{s}");
    assert!(s.contains("n0 →  ~.X"), "{s}");
    assert!(s.contains("n3 → XXX "), "{s}");
    insta::assert_snapshot!("partition", s);
}

#[test]
fn slashed_validator_crashed_node_and_alarm() {
    let mut v = sample_view();
    v.apply(ev(1, pb::event::Kind::Slashed(pb::Slashed { validator: 2 })), 12_500);
    v.apply(ClusterEvent::Proc(ProcEvent { node: 3, state: ProcState::Crashed("killed by signal 9".into()) }), 13_000);
    v.alarms.push(crate::cluster::Alarm { kind: "safety".into(), detail: "n0 vs n1".into(), time_ms: 0 });
    let lines = render(&v, &UiState::default(), 160, 48);
    let s = lines.join("\n");
    assert!(lines[1].contains("ALARM SAFETY: n0 vs n1"), "{}", lines[1]);
    let row = |v: &str| lines.iter().find(|l| l.contains(&format!("│v{v} "))).cloned().unwrap_or_default();
    assert!(row("2").contains("slashed"), "{s}");
    assert!(row("3").contains("offline"), "{s}");
    assert!(row("0").contains("active") && row("0").contains("100%"), "{s}");
    assert!(s.contains("n3 crashed (killed by signal 9)"), "{s}");
    assert!(s.contains("n2 (v2) slashed (first seen on n1)"), "{s}");
    insta::assert_snapshot!("slashed_crashed_alarm", s);
}

#[test]
fn node_detail_shows_status_events_and_log_tail() {
    let mut v = forked_view();
    v.nodes[2].faults.push("skew +500ms".into());
    let mut ui = UiState::default();
    let b = crate::app::bounds(&v, NOW, 160);
    ui.update(Action::Down, b);
    ui.update(Action::Down, b);
    ui.update(Action::Open, b);
    let s = screen(&v, &ui, 120, 40);
    assert!(s.contains("node n2") && s.contains("reorgs     2 (deepest 4)"), "{s}");
    assert!(s.contains("faults     skew +500ms") && s.contains("n2 reorg depth 2"), "{s}");
    assert!(s.contains("INFO node started"), "{s}");
    insta::assert_snapshot!("node_detail", s);
}

#[test]
fn filter_keeps_matching_events() {
    let v = forked_view();
    let ui = UiState { filter: "REORG".into(), ..Default::default() };
    let s = screen(&v, &ui, 160, 48);
    assert!(s.contains("/REORG (3 of"), "{s}");
    assert!(s.contains("n3 reorg depth 4") && !s.contains("first at n0"), "{s}");
}

#[test]
fn no_color_keeps_text_markers() {
    let mut v = sample_view();
    v.alarms.push(crate::cluster::Alarm { kind: "safety".into(), detail: "x".into(), time_ms: 0 });
    let ui = UiState { theme: theme::Theme { no_color: true }, ..Default::default() };
    let mut t = Terminal::new(TestBackend::new(160, 48)).unwrap();
    t.draw(|f| draw(f, &v, &ui, NOW, &[])).unwrap();
    let buf = t.backend().buffer();
    let colored = buf
        .content()
        .iter()
        .filter(|c| c.fg != ratatui::style::Color::Reset || c.bg != ratatui::style::Color::Reset)
        .count();
    assert_eq!(colored, 0);
    let s = screen(&v, &ui, 160, 48);
    assert!(s.contains("ALARM SAFETY") && s.contains("█") && s.contains("final "), "{s}");
}

#[test]
fn fault_markers_on_the_lag_chart_are_not_data_lines_without_colour() {
    let mut v = sample_view();
    v.log(6_000, None, crate::cluster::LogKind::Fault, "crash n1: n1 crashed".into());
    let lag_column = |ui: &UiState| {
        let lines = render(&v, ui, 160, 48);
        let lag = areas(Rect::new(0, 0, 160, 48), &v, ui).panes.into_iter().find(|(p, _)| *p == Pane::Lag).unwrap().1;
        let rows = &lines[lag.y as usize + 1..(lag.y + lag.height) as usize - 1];
        rows.iter().filter(|l| l.chars().skip(lag.x as usize).take(lag.width as usize).any(|c| c == '•')).count()
    };
    let plain = UiState { theme: theme::Theme { no_color: true }, ..Default::default() };
    assert!(lag_column(&plain) >= 3, "a fault is a column of dots under NO_COLOR");
    assert_eq!(lag_column(&UiState::default()), 0, "in colour it stays a red braille line");
}

#[test]
fn help_overlay_lists_every_key() {
    let ui = UiState { help: true, ..Default::default() };
    let s = screen(&sample_view(), &ui, 160, 48);
    for row in crate::keys::HELP {
        let k = super::help::row_keys(&ui, row);
        assert!(s.contains(&k) && s.contains(row.2), "missing {k}: {}\n{s}", row.2);
    }
    insta::assert_snapshot!("help", s);
}

#[test]
fn help_shows_remapped_keys() {
    let keys = crate::keymap::KeyMap::parse("[keys]\nquit = \"Q\"\ncrash = \"C\"\n", "k.toml".as_ref()).unwrap();
    let ui = UiState { help: true, keys, ..Default::default() };
    let s = screen(&sample_view(), &ui, 160, 48);
    assert!(s.contains(" Q, Ctrl-C ") && s.contains(" C / r / p "), "{s}");
    assert!(!s.contains(" q, Ctrl-C "), "{s}");
}

#[test]
fn small_terminals_do_not_panic() {
    for (w, h) in [(20, 5), (40, 10), (80, 24), (1, 1), (120, 40), (119, 39)] {
        for detail in [false, true] {
            render(&forked_view(), &UiState { help: true, detail, ..Default::default() }, w, h);
        }
    }
}

#[test]
fn the_header_says_finality_stalled_in_the_engines_word() {
    let mut v = sample_view();
    v.genesis_ms = 1;
    v.epoch_slots = 2; // a 7 s threshold at 1 s slots
    v.last_final_ms = None;
    let s = screen(&v, &UiState::default(), 160, 48);
    assert!(s.contains("finality stalled 13 s (no finalized epoch)"), "{s}");
    v.last_final_ms = Some(NOW - 1_000);
    assert!(!screen(&v, &UiState::default(), 160, 48).contains("stalled"));
}

#[test]
fn events_and_node_logs_open_full_screen_and_wrap() {
    use super::state::{Viewer, ViewerSource};
    let mut v = forked_view();
    let long = format!("n1 rejected a message from n3: {}", "a very long reason ".repeat(12));
    v.log(NOW, Some(1), crate::cluster::LogKind::Warning, long.clone());
    let ui = UiState { viewer: Some(Viewer { source: ViewerSource::Events, scroll: 0 }), ..Default::default() };
    let s = screen(&v, &ui, 100, 30);
    assert!(s.contains("events · all (s)") && s.contains("following"), "{s}");
    let joined: String = s.lines().map(|l| l.trim_start_matches('│').trim_end_matches('│')).collect();
    assert!(joined.contains(long.trim_end()), "the long line is whole, wrapped:\n{s}");
    let ui = UiState { viewer: Some(Viewer { source: ViewerSource::NodeLog(0), scroll: 0 }), ..Default::default() };
    let s = screen(&v, &ui, 100, 30);
    assert!(s.contains("n0 log file") && s.contains("INFO node started"), "{s}");
}

#[test]
fn the_severity_filter_keeps_slashings_and_faults() {
    let mut v = sample_view();
    v.log(NOW, None, crate::cluster::LogKind::Slashing, "n2 (v2) slashed (first seen on n1)".into());
    v.log(NOW, None, crate::cluster::LogKind::Fault, "crash n1: n1 crashed".into());
    let ui = UiState { severity: crate::cluster::Severity::Critical, ..Default::default() };
    let s = screen(&v, &ui, 160, 48);
    assert!(s.contains("n2 (v2) slashed") && s.contains("crash n1"), "{s}");
    assert!(!s.contains("justified ("), "finality lines are filtered out:\n{s}");
    assert!(s.contains("faults, slashings, alarms (s)"), "{s}");
}

#[test]
fn the_command_bar_shows_input_hint_and_an_error_under_the_kept_text() {
    use crate::command_bar::{CommandBar, Context};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let view = sample_view();
    let ids: Vec<String> = (0..4).map(|i| format!("n{i}")).collect();
    let cx = Context { nodes: &ids, engine: "gasper", history: &[] };
    let mut bar = CommandBar::new("latency n0 n1 soon");
    bar.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), &cx);
    let ui = UiState { prompt: Some(bar), ..Default::default() };
    let lines = render(&view, &ui, 160, 48);
    let bottom = &lines[43..48];
    assert!(bottom[0].contains("fault · Enter apply · Esc close · Tab complete"), "{bottom:#?}");
    assert!(bottom[1].contains("fault> latency n0 n1 soon"), "{bottom:#?}");
    assert!(bottom[2].contains("latency FROM TO DELAY [--jitter DURATION] — Delay each message"), "{bottom:#?}");
    assert!(bottom[3].contains("✖ invalid value 'soon' for '<DELAY>': expected a duration like 500ms"), "{bottom:#?}");
}

#[test]
fn a_click_selects_the_node_drawn_under_it_when_the_table_is_scrolled() {
    let view = ClusterView::new("devnet", "gasper", 1000, 4, 0, &crate::cluster::test_views::entries(64));
    let mut ui = UiState { selected: 40, ..Default::default() };
    let lines = render(&view, &ui, 100, 30);
    let table = areas(Rect::new(0, 0, 100, 30), &view, &ui).panes[0].1;
    let row = (table.y..table.y + table.height)
        .find(|y| lines[*y as usize].contains(" n37 "))
        .expect("n37 is drawn while n40 is selected");
    let click = ratatui::crossterm::event::MouseEvent {
        kind: ratatui::crossterm::event::MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left),
        column: 5,
        row,
        modifiers: ratatui::crossterm::event::KeyModifiers::NONE,
    };
    let a = areas(Rect::new(0, 0, 100, 30), &view, &ui);
    mouse::on_mouse(click, &a, &mut ui, 64);
    assert_eq!(ui.selected, 37, "the click selects the node drawn on that line");
}
