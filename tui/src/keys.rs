//! Keys -> `Action`s, k9s/lazydocker style. Pure, so it is tested without a
//! terminal. Only key presses count (not repeats or releases).
//!
//! The single letters c, r, p, x, l, k, e, h, m and L are kept free for
//! fault actions (crash, restart, pause, partition, link rules, clock skew,
//! Byzantine, heal, hashrate, a transfer load), so navigation is arrows and
//! punctuation (no hjkl).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Which keys are live: overlays and the filter prompt take keys first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    Detail,
    Filter,
    /// A full-screen log: the event log (Enter on events) or a node's log file (`o`).
    Viewer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    ToggleHelp,
    /// Close the help or the node detail without quitting.
    Back,
    /// Open the selected node's detail.
    Open,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    NextPane,
    PrevPane,
    /// Fork tree: fewer slots per cell.
    ZoomIn,
    /// Fork tree: more slots per cell.
    ZoomOut,
    /// Fork tree: scroll back in history.
    Earlier,
    Later,
    /// Back to the newest slot and the newest log line.
    Latest,
    ToggleProposers,
    Freeze,
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    FilterDone,
    FilterCancel,
    /// Events: all / warnings and up / faults, slashings, alarms.
    CycleSeverity,
    /// The selected node's log file, full screen, following.
    OpenNodeLog,
    /// Copy the selected block hash (fork tree) or node address to the clipboard (OSC 52).
    Copy,
    /// Full-screen log: the oldest line.
    Oldest,
}

pub fn action_for(key: KeyEvent, mode: Mode) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Filter => {
            return match key.code {
                KeyCode::Enter => Some(Action::FilterDone),
                KeyCode::Esc => Some(Action::FilterCancel),
                KeyCode::Backspace => Some(Action::FilterBackspace),
                KeyCode::Char(c) => Some(Action::FilterChar(c)),
                _ => None,
            };
        }
        Mode::Help => {
            return match key.code {
                KeyCode::Char('?') | KeyCode::Esc => Some(Action::Back),
                KeyCode::Up => Some(Action::Up),
                KeyCode::Down => Some(Action::Down),
                KeyCode::PageUp => Some(Action::PageUp),
                KeyCode::PageDown => Some(Action::PageDown),
                KeyCode::Char('q') => Some(Action::Quit),
                _ => None,
            };
        }
        Mode::Detail => {
            return match key.code {
                KeyCode::Esc | KeyCode::Enter => Some(Action::Back),
                KeyCode::Up => Some(Action::Up),
                KeyCode::Down => Some(Action::Down),
                KeyCode::Char('q') => Some(Action::Quit),
                KeyCode::Char('?') => Some(Action::ToggleHelp),
                KeyCode::Char('f') => Some(Action::Freeze),
                KeyCode::Char('o') => Some(Action::OpenNodeLog),
                KeyCode::Char('y') => Some(Action::Copy),
                _ => None,
            };
        }
        Mode::Viewer => {
            return match key.code {
                KeyCode::Esc => Some(Action::Back),
                KeyCode::Up => Some(Action::Up),
                KeyCode::Down => Some(Action::Down),
                KeyCode::PageUp => Some(Action::PageUp),
                KeyCode::PageDown => Some(Action::PageDown),
                KeyCode::Home => Some(Action::Oldest),
                KeyCode::End => Some(Action::Latest),
                KeyCode::Char('q') => Some(Action::Quit),
                KeyCode::Char('s') => Some(Action::CycleSeverity),
                _ => None,
            };
        }
        Mode::Normal => {}
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Esc => Action::Back,
        KeyCode::Enter => Action::Open,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Char('+') | KeyCode::Char('=') | KeyCode::Char(']') => Action::ZoomIn,
        KeyCode::Char('-') | KeyCode::Char('[') => Action::ZoomOut,
        KeyCode::Char('<') | KeyCode::Char(',') => Action::Earlier,
        KeyCode::Char('>') | KeyCode::Char('.') => Action::Later,
        KeyCode::End => Action::Latest,
        KeyCode::Char('i') => Action::ToggleProposers,
        KeyCode::Char('f') => Action::Freeze,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('s') => Action::CycleSeverity,
        KeyCode::Char('o') => Action::OpenNodeLog,
        KeyCode::Char('y') => Action::Copy,
        _ => return None,
    })
}

/// The help overlay's rows: (the actions, by their `keys.toml` names, whose
/// keys are shown; keys that are not remapped and always work; what they
/// do). Kept beside the mapping so they cannot drift; the help shows each
/// action's key as the user has it (`KeyMap::key_for`).
pub type HelpRow = (&'static [&'static str], &'static str, &'static str);

pub const HELP: &[HelpRow] = &[
    (&["help"], "", "show or hide this help"),
    (&["quit"], "Ctrl-C", "stop the cluster and quit"),
    (&["next-pane", "prev-pane"], "", "move focus between panes"),
    (&["up", "down"], "", "select a node / validator, scroll events, tree row"),
    (&["left", "right"], "", "fork tree: move the selected block"),
    (&["page-up", "page-down"], "", "scroll the focused list by 10"),
    (&["zoom-in", "zoom-out"], "] [", "fork tree: zoom in / out (slots per cell)"),
    (&["earlier", "later"], ", .", "fork tree: back / forward through history"),
    (&["latest"], "", "back to the newest slot and event"),
    (&["oldest"], "", "full-screen log: its oldest line"),
    (&["proposers"], "", "fork tree: show each block's proposer"),
    (&["open"], "", "node detail (nodes) / events full screen (events)"),
    (&["node-log"], "", "the selected node's log file, full screen, following"),
    (&["filter"], "", "filter events (Enter keeps, Esc clears)"),
    (&["severity"], "", "events: all / warnings and up / critical only"),
    (&["copy"], "", "copy the selected block hash or node address"),
    (&["freeze"], "", "freeze / unfreeze the view (cluster keeps running)"),
    (&["back"], "", "close an overlay"),
    (&["mark"], "", "mark a node: fault keys act on marked nodes"),
    (&["crash", "restart", "pause"], "", "crash / restart / pause or resume"),
    (&["partition", "links", "skew", "byzantine"], "", "partition / links / skew / Byzantine (prompt)"),
    (&["hashrate"], "", "pow: a node's share of the hashrate (prompt)"),
    (&["load"], "", "start / stop a load of 200 transfers/s (`load 200/s`)"),
    (&["prompt"], "", "prompt for any fault, as `devnet inject`"),
    (&["heal"], "", "heal every link"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_map_to_actions() {
        let n = Mode::Normal;
        assert_eq!(action_for(press(KeyCode::Char('q')), n), Some(Action::Quit));
        assert_eq!(action_for(press(KeyCode::Char('?')), n), Some(Action::ToggleHelp));
        assert_eq!(action_for(press(KeyCode::Up), n), Some(Action::Up));
        assert_eq!(action_for(press(KeyCode::Left), n), Some(Action::Left));
        assert_eq!(action_for(press(KeyCode::Tab), n), Some(Action::NextPane));
        assert_eq!(action_for(press(KeyCode::Char('+')), n), Some(Action::ZoomIn));
        assert_eq!(action_for(press(KeyCode::Char('[')), n), Some(Action::ZoomOut));
        assert_eq!(action_for(press(KeyCode::Char('<')), n), Some(Action::Earlier));
        assert_eq!(action_for(press(KeyCode::Char('>')), n), Some(Action::Later));
        assert_eq!(action_for(press(KeyCode::Char('f')), n), Some(Action::Freeze));
        assert_eq!(action_for(press(KeyCode::Char('/')), n), Some(Action::StartFilter));
        assert_eq!(action_for(press(KeyCode::Enter), n), Some(Action::Open));
        assert_eq!(action_for(press(KeyCode::Char('z')), n), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_c, n), Some(Action::Quit));
    }

    #[test]
    fn letters_reserved_for_faults_stay_unbound() {
        for c in ['c', 'r', 'p', 'x', 'l', 'k', 'e', 'h', 'j', 'm', 'L'] {
            assert_eq!(action_for(press(KeyCode::Char(c)), Mode::Normal), None, "{c} is bound");
        }
    }

    #[test]
    fn overlays_take_their_keys() {
        assert_eq!(action_for(press(KeyCode::Esc), Mode::Help), Some(Action::Back));
        assert_eq!(action_for(press(KeyCode::Char('?')), Mode::Help), Some(Action::Back));
        assert_eq!(action_for(press(KeyCode::Up), Mode::Help), Some(Action::Up), "scrolls the help");
        assert_eq!(action_for(press(KeyCode::Tab), Mode::Help), None);
        assert_eq!(action_for(press(KeyCode::Char('q')), Mode::Help), Some(Action::Quit));
        assert_eq!(action_for(press(KeyCode::Esc), Mode::Detail), Some(Action::Back));
        assert_eq!(action_for(press(KeyCode::Down), Mode::Detail), Some(Action::Down));
        assert_eq!(action_for(press(KeyCode::Tab), Mode::Detail), None);
    }

    #[test]
    fn the_filter_prompt_takes_every_character() {
        let f = Mode::Filter;
        assert_eq!(action_for(press(KeyCode::Char('q')), f), Some(Action::FilterChar('q')));
        assert_eq!(action_for(press(KeyCode::Char('?')), f), Some(Action::FilterChar('?')));
        assert_eq!(action_for(press(KeyCode::Backspace), f), Some(Action::FilterBackspace));
        assert_eq!(action_for(press(KeyCode::Enter), f), Some(Action::FilterDone));
        assert_eq!(action_for(press(KeyCode::Esc), f), Some(Action::FilterCancel));
    }

    #[test]
    fn releases_are_ignored() {
        let mut k = press(KeyCode::Char('q'));
        k.kind = KeyEventKind::Release;
        assert_eq!(action_for(k, Mode::Normal), None);
    }
}
