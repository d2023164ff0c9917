//! The footer: the keys that matter where the user is (k9s, lazydocker),
//! one line at the bottom of every frame.
//!
//! Rules:
//! - Hints name actions by their `keys.toml` names (`keymap::ACTIONS`), and
//!   the key shown is the one that does the action now (`KeyMap::key_for`),
//!   so a remapped key shows as remapped and a hint cannot name a key the
//!   mapping does not have (tested against `keys::action_for` and the fault
//!   keys).
//! - What is shown follows the mode: an overlay's keys (help, node detail,
//!   full-screen log, the event filter) replace the panes'; in the panes,
//!   the focused pane's keys come first, then Tab, `?` and `q`, which are
//!   always kept: when the line is too narrow, the pane's last hints go.
//! - The command bar draws its own keys in its border, over the footer.

use super::{Pane, UiState};
use crate::keymap::{default_key, key_label};
use crate::keys::Mode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// The actions (by `keys.toml` name) whose keys are shown together, and what they do.
pub type Hint = (&'static [&'static str], &'static str);

const NODES: &[Hint] = &[
    (&["up", "down"], "select"),
    (&["open"], "detail"),
    (&["mark"], "mark"),
    (&["crash"], "crash"),
    (&["restart"], "restart"),
    (&["pause"], "pause"),
    (&["partition"], "partition"),
    (&["links"], "links"),
    (&["skew"], "skew"),
    (&["byzantine"], "byz"),
    (&["prompt"], "fault"),
    (&["heal"], "heal"),
    (&["node-log"], "log"),
    (&["copy"], "copy address"),
];
/// pow's own fault key, shown after `byz` on the nodes pane.
const POW_NODES: &[Hint] = &[(&["hashrate"], "hashrate")];
const TREE: &[Hint] = &[
    (&["left", "right", "up", "down"], "block"),
    (&["zoom-in", "zoom-out"], "zoom"),
    (&["earlier", "later"], "history"),
    (&["latest"], "newest"),
    (&["proposers"], "proposers"),
    (&["copy"], "copy hash"),
];
const VALIDATORS: &[Hint] = &[(&["up", "down"], "select"), (&["page-up", "page-down"], "page")];
const LAG: &[Hint] = &[(&["freeze"], "freeze")];
const TXS: &[Hint] = &[(&["load"], "load on/off")];
const LINKS: &[Hint] = &[(&["partition"], "partition"), (&["links"], "links"), (&["heal"], "heal")];
const EVENTS: &[Hint] = &[
    (&["up", "down"], "scroll"),
    (&["open"], "full screen"),
    (&["filter"], "filter"),
    (&["severity"], "severity"),
    (&["latest"], "newest"),
];
const PANES: &[Hint] = &[(&["next-pane"], "pane"), (&["help"], "help"), (&["quit"], "quit")];
const HELP: &[Hint] =
    &[(&["up", "down"], "scroll"), (&["page-up", "page-down"], "page"), (&["help"], "close"), (&["quit"], "quit")];
const DETAIL: &[Hint] = &[
    (&["up", "down"], "node"),
    (&["node-log"], "log file"),
    (&["copy"], "copy address"),
    (&["freeze"], "freeze"),
    (&["back"], "close"),
    (&["help"], "help"),
    (&["quit"], "quit"),
];
const VIEWER: &[Hint] = &[
    (&["up", "down"], "scroll"),
    (&["page-up", "page-down"], "page"),
    (&["oldest"], "oldest"),
    (&["latest"], "follow"),
    (&["severity"], "severity"),
    (&["back"], "close"),
    (&["quit"], "quit"),
];
/// Typing a filter: these keys are not remapped (`keymap`), so they are fixed here.
pub const FILTER: &[(&str, &str)] = &[("Enter", "keep the filter"), ("Esc", "clear it")];

/// The hints for where the user is: (the mode, the pane's hints, the hints always kept).
pub fn hints(ui: &UiState, engine: &str) -> (Mode, Vec<Hint>, &'static [Hint]) {
    let mode = ui.mode();
    let (pane, kept): (Vec<Hint>, &[Hint]) = match mode {
        Mode::Help => (vec![], HELP),
        Mode::Detail => (vec![], DETAIL),
        Mode::Viewer => (vec![], VIEWER),
        Mode::Filter => (vec![], &[]),
        Mode::Normal => {
            let pane: Vec<Hint> = match ui.focus {
                Pane::Nodes if crate::cluster::engine::description(engine).mined => {
                    let at = NODES.iter().position(|h| h.0 == ["byzantine"]).map_or(NODES.len(), |i| i + 1);
                    NODES[..at].iter().chain(POW_NODES).chain(&NODES[at..]).copied().collect()
                }
                Pane::Nodes => NODES.to_vec(),
                Pane::Tree => TREE.to_vec(),
                Pane::Validators => VALIDATORS.to_vec(),
                Pane::Lag => LAG.to_vec(),
                Pane::Txs => TXS.to_vec(),
                Pane::Links => LINKS.to_vec(),
                Pane::Log => EVENTS.to_vec(),
            };
            (pane, PANES)
        }
    };
    (mode, pane, kept)
}

/// The keys of a hint as the user now has them: `c`, `↑↓`, `PgUp/PgDn`.
pub fn keys_of(ui: &UiState, hint: &Hint) -> String {
    let labels: Vec<String> =
        hint.0.iter().filter_map(|n| default_key(n)).map(|k| key_label(ui.keys.key_for(k))).collect();
    let sep = if labels.iter().all(|l| l.width() == 1) { "" } else { "/" };
    labels.join(sep)
}

fn spans(key: String, what: &str) -> [Span<'static>; 3] {
    [
        Span::styled(key, Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(format!(" {what}"), Style::new().add_modifier(Modifier::DIM)),
        Span::raw("  "),
    ]
}

fn width(s: &[Span]) -> usize {
    s.iter().map(|s| s.content.width()).sum()
}

/// The footer's text for a line `width` wide.
pub fn line(ui: &UiState, engine: &str, width_cells: u16) -> Line<'static> {
    let (mode, pane, kept) = hints(ui, engine);
    let mut start = vec![Span::raw(" ")];
    if mode == Mode::Filter {
        start.push(Span::raw("filter: type to match events  "));
        for (k, what) in FILTER {
            start.extend(spans(k.to_string(), what));
        }
        return Line::from(start);
    }
    if !ui.marked.is_empty() {
        start.push(Span::styled(format!("{} marked  ", ui.marked.len()), Style::new().add_modifier(Modifier::BOLD)));
    }
    let tail: Vec<Span> = kept.iter().flat_map(|h| spans(keys_of(ui, h), h.1)).collect();
    let mut body: Vec<[Span; 3]> = pane.iter().map(|h| spans(keys_of(ui, h), h.1)).collect();
    let room = (width_cells as usize).saturating_sub(width(&start) + width(&tail));
    while !body.is_empty() && body.iter().map(|s| width(s)).sum::<usize>() > room {
        body.pop();
    }
    Line::from(start.into_iter().chain(body.into_iter().flatten()).chain(tail).collect::<Vec<_>>())
}

pub fn draw(frame: &mut Frame, area: Rect, ui: &UiState, engine: &str) {
    frame.render_widget(Paragraph::new(line(ui, engine, area.width)), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{ACTIONS, KeyMap};
    use crate::keys::action_for;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn text(ui: &UiState, engine: &str, w: u16) -> String {
        line(ui, engine, w).spans.iter().map(|s| s.content.to_string()).collect()
    }

    /// Every hint names a real action whose default key does something in
    /// the mode the hint is shown in: the hints cannot drift from the mapping.
    #[test]
    fn every_hint_is_a_key_the_mapping_has() {
        let view = crate::cluster::ClusterView::new("t", "pow", 100, 4, 0, &nodes());
        let lists: [(Mode, &[Hint]); 12] = [
            (Mode::Normal, NODES),
            (Mode::Normal, POW_NODES),
            (Mode::Normal, TREE),
            (Mode::Normal, VALIDATORS),
            (Mode::Normal, LAG),
            (Mode::Normal, TXS),
            (Mode::Normal, LINKS),
            (Mode::Normal, EVENTS),
            (Mode::Normal, PANES),
            (Mode::Help, HELP),
            (Mode::Detail, DETAIL),
            (Mode::Viewer, VIEWER),
        ];
        for (mode, list) in lists {
            for (names, what) in list {
                for name in *names {
                    let code = default_key(name).unwrap_or_else(|| panic!("{name} is not an action"));
                    let acts = action_for(KeyEvent::new(code, KeyModifiers::NONE), mode).is_some();
                    let fault = mode == Mode::Normal
                        && match code {
                            KeyCode::Char(' ') => true,
                            KeyCode::Char(c) => crate::fault_keys::fault_action(c, &[0], &view).is_some(),
                            _ => false,
                        };
                    assert!(acts || fault, "{name} ({what}) does nothing in {mode:?}");
                }
            }
        }
        assert!(ACTIONS.len() > 30);
        for (k, _) in FILTER {
            let code = if *k == "Enter" { KeyCode::Enter } else { KeyCode::Esc };
            assert!(action_for(KeyEvent::new(code, KeyModifiers::NONE), Mode::Filter).is_some());
        }
    }

    fn nodes() -> Vec<devnet_node::config::NodeEntry> {
        (0..4)
            .map(|i| devnet_node::config::NodeEntry {
                id: format!("n{i}"),
                addr: "127.0.0.1:1".parse().unwrap(),
                validator: Some(i),
                metrics: None,
            })
            .collect()
    }

    #[test]
    fn hints_follow_the_focused_pane_and_the_overlays() {
        let mut ui = UiState::default();
        let s = text(&ui, "gasper", 200);
        assert!(s.contains("c crash") && s.contains("Space mark") && s.contains("Enter detail"), "{s}");
        assert!(s.ends_with("Tab pane  ? help  q quit  "), "{s}");
        assert!(!s.contains("hashrate"), "{s}");
        assert!(text(&ui, "pow", 200).contains("m hashrate"));
        ui.focus = Pane::Tree;
        let s = text(&ui, "gasper", 200);
        assert!(s.contains("←→↑↓ block") && s.contains("+- zoom") && s.contains("<> history"), "{s}");
        assert!(s.contains("y copy hash") && !s.contains("crash"), "{s}");
        ui.focus = Pane::Log;
        let s = text(&ui, "gasper", 200);
        assert!(s.contains("s severity") && s.contains("Enter full screen") && s.contains("/ filter"), "{s}");
        ui.help = true;
        let s = text(&ui, "gasper", 200);
        assert!(s.contains("↑↓ scroll") && s.contains("? close") && !s.contains("severity"), "{s}");
        ui.help = false;
        ui.detail = true;
        assert!(text(&ui, "gasper", 200).contains("o log file"));
        ui.detail = false;
        ui.editing_filter = true;
        assert!(text(&ui, "gasper", 200).contains("Enter keep the filter"));
    }

    #[test]
    fn remapped_keys_show_as_remapped() {
        let keys =
            KeyMap::parse("[keys]\nquit = \"Q\"\ncrash = \"C\"\nnext-pane = \"n\"\n", "k.toml".as_ref()).unwrap();
        let ui = UiState { keys, ..Default::default() };
        let s = text(&ui, "gasper", 200);
        assert!(s.contains("C crash") && s.contains("n pane") && s.contains("Q quit"), "{s}");
        assert!(!s.contains("c crash") && !s.contains("q quit"), "{s}");
    }

    #[test]
    fn a_narrow_footer_keeps_tab_help_and_quit() {
        let ui = UiState::default();
        let s = text(&ui, "gasper", 60);
        assert!(s.width() <= 60 && s.contains("? help") && s.contains("q quit"), "{s}");
        assert!(s.contains("↑↓ select") && !s.contains("copy address"), "{s}");
    }
}
