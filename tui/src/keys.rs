//! Keys -> `Action`s, k9s/lazydocker style. Pure, so it is tested without a
//! terminal. Only key presses count (not repeats or releases).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Close an overlay (help) without quitting.
    Back,
    SelectUp,
    SelectDown,
    NextPane,
    PrevPane,
    ScrollLogUp,
    ScrollLogDown,
}

pub fn action_for(key: KeyEvent, help_open: bool) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if help_open {
        return match key.code {
            KeyCode::Char('?') | KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Up => Action::SelectUp,
        KeyCode::Down | KeyCode::Char('j') => Action::SelectDown,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::PageUp => Action::ScrollLogUp,
        KeyCode::PageDown => Action::ScrollLogDown,
        _ => return None,
    })
}

/// The help overlay's rows: (keys, what they do). Kept beside the mapping so they cannot drift.
pub const HELP: &[(&str, &str)] = &[
    ("?", "show or hide this help"),
    ("q, Ctrl-C", "stop the cluster and quit"),
    ("↑ ↓ / j", "select a node"),
    ("Space", "mark a node (fault keys act on marked nodes)"),
    ("c / r / p", "crash / restart / pause-or-resume"),
    ("x / l / k / e", "partition / link rules / clock skew / Byzantine (prompt)"),
    (":", "prompt for any fault, as `devnet inject`"),
    ("h", "heal every link"),
    ("Tab / Shift-Tab", "move focus between panes"),
    ("PgUp PgDn", "scroll the event log"),
    ("Esc", "close this help"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action_for(press(KeyCode::Char('q')), false), Some(Action::Quit));
        assert_eq!(action_for(press(KeyCode::Char('?')), false), Some(Action::ToggleHelp));
        assert_eq!(action_for(press(KeyCode::Char('j')), false), Some(Action::SelectDown));
        assert_eq!(action_for(press(KeyCode::Up), false), Some(Action::SelectUp));
        assert_eq!(action_for(press(KeyCode::Tab), false), Some(Action::NextPane));
        assert_eq!(action_for(press(KeyCode::Char('z')), false), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_c, false), Some(Action::Quit));
    }

    #[test]
    fn help_overlay_takes_escape_and_question_mark() {
        assert_eq!(action_for(press(KeyCode::Esc), true), Some(Action::Back));
        assert_eq!(action_for(press(KeyCode::Char('?')), true), Some(Action::Back));
        assert_eq!(action_for(press(KeyCode::Char('j')), true), None);
        assert_eq!(action_for(press(KeyCode::Char('q')), true), Some(Action::Quit));
    }

    #[test]
    fn releases_are_ignored() {
        let mut k = press(KeyCode::Char('q'));
        k.kind = KeyEventKind::Release;
        assert_eq!(action_for(k, false), None);
    }
}
