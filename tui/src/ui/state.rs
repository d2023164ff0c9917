//! What the dashboard remembers between frames (selection, focus, overlays),
//! and how actions change it. Pure.

use crate::keys::Action;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Nodes,
    Log,
}

impl Pane {
    const ORDER: [Pane; 2] = [Pane::Nodes, Pane::Log];
    fn step(self, forward: bool) -> Pane {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        let n = Self::ORDER.len();
        Self::ORDER[if forward { (i + 1) % n } else { (i + n - 1) % n }]
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UiState {
    pub help: bool,
    pub focus: Pane,
    pub selected: usize,
    /// Lines scrolled up from the newest log entry.
    pub log_scroll: usize,
    pub quit: bool,
    /// Nodes marked with Space: the targets of fault keys (else the selected node).
    pub marked: std::collections::BTreeSet<usize>,
    /// The fault prompt's text while it is open.
    pub prompt: Option<String>,
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

    pub fn update(&mut self, action: Action, node_count: usize) {
        match action {
            Action::Quit => self.quit = true,
            Action::ToggleHelp => self.help = !self.help,
            Action::Back => self.help = false,
            Action::SelectUp => match self.focus {
                Pane::Nodes => self.selected = self.selected.saturating_sub(1),
                Pane::Log => self.log_scroll += 1,
            },
            Action::SelectDown => match self.focus {
                Pane::Nodes => self.selected = (self.selected + 1).min(node_count.saturating_sub(1)),
                Pane::Log => self.log_scroll = self.log_scroll.saturating_sub(1),
            },
            Action::NextPane => self.focus = self.focus.step(true),
            Action::PrevPane => self.focus = self.focus.step(false),
            Action::ScrollLogUp => self.log_scroll += 10,
            Action::ScrollLogDown => self.log_scroll = self.log_scroll.saturating_sub(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_stays_in_range_and_focus_cycles() {
        let mut s = UiState::default();
        s.update(Action::SelectUp, 4);
        assert_eq!(s.selected, 0);
        for _ in 0..10 {
            s.update(Action::SelectDown, 4);
        }
        assert_eq!(s.selected, 3);
        s.update(Action::NextPane, 4);
        assert_eq!(s.focus, Pane::Log);
        s.update(Action::SelectUp, 4);
        assert_eq!((s.selected, s.log_scroll), (3, 1));
        s.update(Action::NextPane, 4);
        assert_eq!(s.focus, Pane::Nodes);
        s.update(Action::PrevPane, 4);
        assert_eq!(s.focus, Pane::Log);
        s.update(Action::ToggleHelp, 4);
        assert!(s.help);
        s.update(Action::Back, 4);
        assert!(!s.help);
        s.update(Action::Quit, 4);
        assert!(s.quit);
    }
}
