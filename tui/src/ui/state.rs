//! What the dashboard remembers between frames (focus, selections, scroll,
//! zoom, filter, overlays), and how actions change it. Pure: what it needs to
//! know about the cluster comes in a `Bounds`.

use super::theme::Theme;
use crate::cluster::Severity;
use crate::keys::{Action, Mode};

/// What a full-screen log shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerSource {
    /// The dashboard's event log, under the pane's filters, wrapped.
    Events,
    /// A node's log file (stdout and stderr of its process).
    NodeLog(usize),
}

/// A full-screen log. `scroll` is lines up from the newest; 0 follows new lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub source: ViewerSource,
    pub scroll: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Nodes,
    Tree,
    Validators,
    Lag,
    Txs,
    Links,
    Log,
}

impl Pane {
    /// Tab order: the full layout's reading order (top to bottom, then left
    /// to right; a test holds it to `ui::areas`).
    pub const ORDER: [Pane; 7] =
        [Pane::Nodes, Pane::Tree, Pane::Lag, Pane::Txs, Pane::Validators, Pane::Links, Pane::Log];
    fn step(self, forward: bool) -> Pane {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Self::ORDER.len();
        Self::ORDER[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
    pub fn title(self) -> &'static str {
        match self {
            Pane::Nodes => "nodes",
            Pane::Tree => "fork tree",
            Pane::Validators => "validators",
            Pane::Lag => "finality lag",
            Pane::Txs => "transactions",
            Pane::Links => "links",
            Pane::Log => "events",
        }
    }
}

/// The fork tree's viewport. `cursor` is (slot, row) of the selected cell;
/// `None` follows the trunk's newest block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeView {
    /// Slots between the newest slot and the right edge; `AT_FLOOR` keeps
    /// the window at the floor of history while time moves on.
    pub back: u64,
    /// Slots per cell, 1 to `MAX_ZOOM`.
    pub zoom: u64,
    pub cursor: Option<(u64, usize)>,
    pub proposers: bool,
}

pub const MAX_ZOOM: u64 = 64;

impl TreeView {
    /// `back` when scrolled back as far as history goes: the left edge stays
    /// at genesis or the oldest held block (`fork_tree::window`).
    pub const AT_FLOOR: u64 = u64::MAX;
}

impl Default for TreeView {
    fn default() -> Self {
        TreeView { back: 0, zoom: 1, cursor: None, proposers: false }
    }
}

/// What `update` needs to know about the cluster and the screen.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bounds {
    pub nodes: usize,
    pub validators: usize,
    pub newest_slot: u64,
    /// The floor of the fork tree's history: its window's left edge stops
    /// there (`fork_tree::window`).
    pub oldest_slot: u64,
    /// The fork tree window's cells at the terminal's width (0: unknown).
    pub tree_cells: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UiState {
    pub help: bool,
    /// Node detail overlay for `selected`.
    pub detail: bool,
    pub focus: Pane,
    pub selected: usize,
    pub validator_scroll: usize,
    /// Lines scrolled up from the newest log entry.
    pub log_scroll: usize,
    pub tree: TreeView,
    /// Event filter (case-insensitive substring of the line or its kind).
    pub filter: String,
    pub editing_filter: bool,
    /// Drawing a frozen copy of the view while the cluster runs on.
    pub frozen: bool,
    pub theme: Theme,
    pub quit: bool,
    /// Nodes marked with Space: the targets of fault keys (else the selected node).
    pub marked: std::collections::BTreeSet<usize>,
    /// The command bar for faults while it is open.
    pub prompt: Option<crate::command_bar::CommandBar>,
    /// Faults injected from the command bar, older first (`command_bar::history`).
    pub prompt_history: Vec<String>,
    /// Which events the events pane shows (`s`).
    pub severity: Severity,
    /// A full-screen log, over everything else.
    pub viewer: Option<Viewer>,
    /// Set by `y`: the app copies what is selected, then clears it.
    pub copy_requested: bool,
    /// The user's remapped keys, for the footer's hints.
    pub keys: crate::keymap::KeyMap,
    /// Lines the help overlay is scrolled down.
    pub help_scroll: usize,
}

impl UiState {
    /// The nodes fault keys act on.
    pub fn targets(&self) -> Vec<usize> {
        if self.marked.is_empty() { vec![self.selected] } else { self.marked.iter().copied().collect() }
    }

    pub fn toggle_mark(&mut self) {
        if !self.marked.remove(&self.selected) {
            self.marked.insert(self.selected);
        }
    }

    pub fn mode(&self) -> Mode {
        if self.editing_filter {
            Mode::Filter
        } else if self.help {
            Mode::Help
        } else if self.viewer.is_some() {
            Mode::Viewer
        } else if self.detail {
            Mode::Detail
        } else {
            Mode::Normal
        }
    }

    pub fn update(&mut self, action: Action, b: Bounds) {
        let last = |n: usize| n.saturating_sub(1);
        if let Some(v) = &mut self.viewer {
            match action {
                Action::Up => v.scroll += 1,
                Action::Down => v.scroll = v.scroll.saturating_sub(1),
                Action::PageUp => v.scroll += 20,
                Action::PageDown => v.scroll = v.scroll.saturating_sub(20),
                Action::Latest => v.scroll = 0,
                // Clamped to the text when drawn.
                Action::Oldest => v.scroll = usize::MAX / 2,
                Action::Back => self.viewer = None,
                Action::Quit => self.quit = true,
                Action::CycleSeverity => self.severity = self.severity.next(),
                _ => {}
            }
            return;
        }
        if self.help {
            // Within the help's lines here; to what fits the screen when drawn.
            let (s, most) = (&mut self.help_scroll, super::help::line_count());
            match action {
                Action::Up => *s = s.saturating_sub(1),
                Action::Down => *s = (*s + 1).min(most),
                Action::PageUp => *s = s.saturating_sub(10),
                Action::PageDown => *s = (*s + 10).min(most),
                _ => {}
            }
            if matches!(action, Action::Up | Action::Down | Action::PageUp | Action::PageDown) {
                return;
            }
        }
        match action {
            Action::Quit => self.quit = true,
            Action::ToggleHelp => self.help = !self.help,
            Action::Back => {
                if self.help {
                    self.help = false;
                } else {
                    self.detail = false;
                }
            }
            Action::Open => match self.focus {
                Pane::Nodes => self.detail = true,
                Pane::Log => self.viewer = Some(Viewer { source: ViewerSource::Events, scroll: 0 }),
                _ => {}
            },
            Action::OpenNodeLog => {
                self.viewer = Some(Viewer { source: ViewerSource::NodeLog(self.selected), scroll: 0 });
            }
            Action::CycleSeverity => {
                self.severity = self.severity.next();
                self.log_scroll = 0;
            }
            Action::Copy => self.copy_requested = true,
            Action::Oldest => {}
            Action::Up => match (self.detail, self.focus) {
                (true, _) | (false, Pane::Nodes) => self.selected = self.selected.saturating_sub(1),
                (_, Pane::Validators) => self.validator_scroll = self.validator_scroll.saturating_sub(1),
                (_, Pane::Log) => self.log_scroll += 1,
                (_, Pane::Tree) => {
                    let (s, r) = self.cursor(b);
                    self.tree.cursor = Some((s, r.saturating_sub(1)));
                }
                _ => {}
            },
            Action::Down => match (self.detail, self.focus) {
                (true, _) | (false, Pane::Nodes) => self.selected = (self.selected + 1).min(last(b.nodes)),
                (_, Pane::Validators) => self.validator_scroll = (self.validator_scroll + 1).min(last(b.validators)),
                (_, Pane::Log) => self.log_scroll = self.log_scroll.saturating_sub(1),
                (_, Pane::Tree) => {
                    let (s, r) = self.cursor(b);
                    self.tree.cursor = Some((s, r + 1));
                }
                _ => {}
            },
            Action::Left | Action::Right if self.focus == Pane::Tree => {
                let (s, r) = self.cursor(b);
                let s = if action == Action::Left {
                    s.saturating_sub(self.tree.zoom).max(b.oldest_slot.min(s))
                } else {
                    (s + self.tree.zoom).min(b.newest_slot)
                };
                self.tree.cursor = Some((s, r));
            }
            Action::Left | Action::Right => {}
            Action::PageUp => match self.focus {
                Pane::Validators => self.validator_scroll = self.validator_scroll.saturating_sub(10),
                Pane::Nodes => self.selected = self.selected.saturating_sub(10),
                _ => self.log_scroll += 10,
            },
            Action::PageDown => match self.focus {
                Pane::Validators => self.validator_scroll = (self.validator_scroll + 10).min(last(b.validators)),
                Pane::Nodes => self.selected = (self.selected + 10).min(last(b.nodes)),
                _ => self.log_scroll = self.log_scroll.saturating_sub(10),
            },
            Action::NextPane => self.focus = self.focus.step(true),
            Action::PrevPane => self.focus = self.focus.step(false),
            Action::ZoomIn => self.tree.zoom = (self.tree.zoom / 2).max(1),
            Action::ZoomOut => {
                self.tree.zoom = (self.tree.zoom * 2).min(MAX_ZOOM);
                if self.tree.back >= self.max_back(b) {
                    self.tree.back = TreeView::AT_FLOOR;
                }
            }
            Action::Earlier => {
                let back = self.tree.back.saturating_add(10 * self.tree.zoom);
                self.tree.back = if back >= self.max_back(b) { TreeView::AT_FLOOR } else { back };
                self.tree.cursor = None;
            }
            Action::Later => {
                self.tree.back = self.tree.back.min(self.max_back(b)).saturating_sub(10 * self.tree.zoom);
                self.tree.cursor = None;
            }
            Action::Latest => {
                self.tree.back = 0;
                self.tree.cursor = None;
                self.log_scroll = 0;
            }
            Action::ToggleProposers => self.tree.proposers = !self.tree.proposers,
            Action::Freeze => self.frozen = !self.frozen,
            Action::StartFilter => self.editing_filter = true,
            Action::FilterChar(c) => self.filter.push(c),
            Action::FilterBackspace => {
                self.filter.pop();
            }
            Action::FilterDone => self.editing_filter = false,
            Action::FilterCancel => {
                self.editing_filter = false;
                self.filter.clear();
            }
        }
    }

    /// The furthest back the tree's right edge goes: where the window's left
    /// edge reaches the floor of history (with unknown cells, where the
    /// right edge does).
    fn max_back(&self, b: Bounds) -> u64 {
        let span = b.tree_cells.max(1) * self.tree.zoom.max(1);
        b.newest_slot.saturating_sub(b.oldest_slot + span - 1)
    }

    fn cursor(&self, b: Bounds) -> (u64, usize) {
        self.tree.cursor.unwrap_or((b.newest_slot.saturating_sub(self.tree.back), 0))
    }
}

#[cfg(test)]
mod tests;
