//! Remapped keys, from `keys.toml` in the user's config directory
//! (`~/.config/devnet/keys.toml` on Linux, via `directories`), or the file
//! named by `DEVNET_KEYS`.
//!
//! ```toml
//! [keys]
//! quit = "Q"        # the action's name = the key that now does it
//! crash = "C"
//! next-pane = "n"
//! ```
//!
//! Rules:
//! - A remap is a translation of the pressed key to the default key of the
//!   action it names, applied before anything else reads the key; so every
//!   key of the dashboard (navigation and fault keys alike) can be moved,
//!   and the mapping and the help stay the one table in `keys` and
//!   `fault_keys`.
//! - The default key of a remapped action no longer does it (unless another
//!   remap sends a key to it). Keys not named keep their defaults.
//! - A remap may not take the default key of an action that keeps it: that
//!   action would have no key while the help and footer show one. Swaps
//!   (both actions named) are fine.
//! - Text entry (the fault prompt, the event filter) is never translated.
//! - Keys are one character (`"Q"`, `"?"`) or a name: Enter, Esc, Tab,
//!   BackTab, Up, Down, Left, Right, PageUp, PageDown, Home, End, Space.
//! - A bad file is an error naming the file, the line and what was expected,
//!   before anything starts.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every remappable action: its name in `keys.toml` and its default key.
pub const ACTIONS: &[(&str, KeyCode)] = &[
    ("quit", KeyCode::Char('q')),
    ("help", KeyCode::Char('?')),
    ("back", KeyCode::Esc),
    ("open", KeyCode::Enter),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("page-up", KeyCode::PageUp),
    ("page-down", KeyCode::PageDown),
    ("next-pane", KeyCode::Tab),
    ("prev-pane", KeyCode::BackTab),
    ("zoom-in", KeyCode::Char('+')),
    ("zoom-out", KeyCode::Char('-')),
    ("earlier", KeyCode::Char('<')),
    ("later", KeyCode::Char('>')),
    ("latest", KeyCode::End),
    ("oldest", KeyCode::Home),
    ("proposers", KeyCode::Char('i')),
    ("freeze", KeyCode::Char('f')),
    ("filter", KeyCode::Char('/')),
    ("severity", KeyCode::Char('s')),
    ("node-log", KeyCode::Char('o')),
    ("copy", KeyCode::Char('y')),
    ("mark", KeyCode::Char(' ')),
    ("crash", KeyCode::Char('c')),
    ("restart", KeyCode::Char('r')),
    ("pause", KeyCode::Char('p')),
    ("partition", KeyCode::Char('x')),
    ("links", KeyCode::Char('l')),
    ("skew", KeyCode::Char('k')),
    ("byzantine", KeyCode::Char('e')),
    ("hashrate", KeyCode::Char('m')),
    ("load", KeyCode::Char('L')),
    ("prompt", KeyCode::Char(':')),
    ("heal", KeyCode::Char('h')),
];

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("Space", KeyCode::Char(' ')),
];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    keys: Option<BTreeMap<String, toml::Spanned<String>>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyMap {
    /// Pressed key -> the default key it stands for.
    to_default: BTreeMap<String, KeyCode>,
    /// Default keys whose action moved elsewhere.
    disabled: Vec<KeyCode>,
    /// (default key, the key that now does its action), for what the dashboard shows.
    moved: Vec<(KeyCode, KeyCode)>,
}

/// How a key is written on screen: `q`, `Space`, `↑`, `PgUp`, `S-Tab`.
pub fn key_label(c: KeyCode) -> String {
    match c {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::BackTab => "S-Tab".into(),
        other => format!("{other:?}"),
    }
}

/// The default key of the action named `name` in `keys.toml`.
pub fn default_key(name: &str) -> Option<KeyCode> {
    ACTIONS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

fn code_name(c: KeyCode) -> String {
    format!("{c:?}")
}

fn parse_key(s: &str) -> Option<KeyCode> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(KeyCode::Char(c)),
        _ => NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)).map(|(_, k)| *k),
    }
}

impl KeyMap {
    /// Parses a `keys.toml`; errors name `path`, the line and what was expected.
    pub fn parse(text: &str, path: &Path) -> Result<KeyMap, String> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let doc: KeysFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(s.start));
            format!("{} line {line}: {}", path.display(), e.message().trim_end())
        })?;
        let mut map = KeyMap::default();
        let Some(keys) = doc.keys else { return Ok(map) };
        let mut given: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut pairs: Vec<(KeyCode, String, usize)> = vec![];
        for (action, key) in keys {
            let line = line_of(key.span().start);
            let Some((_, default)) = ACTIONS.iter().find(|(n, _)| *n == action) else {
                let names: Vec<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "{} line {line}: unknown action `{action}`; expected one of {}",
                    path.display(),
                    names.join(", ")
                ));
            };
            let Some(code) = parse_key(key.get_ref()) else {
                return Err(format!(
                    "{} line {line}: `{}` is not a key; expected one character or one of {}",
                    path.display(),
                    key.get_ref(),
                    NAMED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ));
            };
            if let Some((other, other_line)) = given.insert(code_name(code), (action.clone(), line)) {
                let (first, second) = if other_line < line { (other_line, line) } else { (line, other_line) };
                return Err(format!(
                    "{} line {second}: `{}` is given to two actions ({other} and {action}; the other on line {first})",
                    path.display(),
                    key.get_ref()
                ));
            }
            map.to_default.insert(code_name(code), *default);
            pairs.push((code, action.clone(), line));
            if code != *default {
                map.disabled.push(*default);
                map.moved.push((*default, code));
            }
        }
        // A key taken from an action that is not moved too would leave that
        // action with no key while the help and footer still show it there.
        for (code, action, line) in &pairs {
            let taken = ACTIONS.iter().find(|(n, d)| d == code && *n != action.as_str());
            if let Some((other, _)) = taken
                && !pairs.iter().any(|(_, a, _)| a == other)
            {
                return Err(format!(
                    "{} line {line}: `{action}` takes `{}`, the key of `{other}`, which would then have none; \
                     give `{other}` another key too (a swap is fine)",
                    path.display(),
                    key_label(*code),
                ));
            }
        }
        Ok(map)
    }

    /// Where the file is looked for: `DEVNET_KEYS`, else the config dir.
    pub fn path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("DEVNET_KEYS") {
            return Some(PathBuf::from(p));
        }
        directories::ProjectDirs::from("", "", "devnet").map(|d| d.config_dir().join("keys.toml"))
    }

    /// The user's key map: defaults when there is no file.
    pub fn load() -> Result<KeyMap, String> {
        let Some(path) = Self::path() else { return Ok(KeyMap::default()) };
        match std::fs::read_to_string(&path) {
            Ok(text) => KeyMap::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(KeyMap::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The key that does the action of default key `default` now.
    pub fn key_for(&self, default: KeyCode) -> KeyCode {
        self.moved.iter().find(|(d, _)| *d == default).map_or(default, |(_, k)| *k)
    }

    /// The key as the dashboard's tables know it; `None` when its default
    /// action was moved to another key.
    pub fn translate(&self, mut k: KeyEvent) -> Option<KeyEvent> {
        if let Some(d) = self.to_default.get(&code_name(k.code)) {
            k.code = *d;
            return Some(k);
        }
        if self.disabled.contains(&k.code) {
            return None;
        }
        Some(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn press(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn remapped_keys_stand_for_the_default_and_the_default_goes_quiet() {
        let m = KeyMap::parse("[keys]\nquit = \"Q\"\ncrash = \"C\"\nnext-pane = \"n\"\n", Path::new("k.toml")).unwrap();
        assert_eq!(m.translate(press(KeyCode::Char('Q'))).map(|k| k.code), Some(KeyCode::Char('q')));
        assert_eq!(m.translate(press(KeyCode::Char('q'))), None, "q no longer quits");
        assert_eq!(m.translate(press(KeyCode::Char('C'))).map(|k| k.code), Some(KeyCode::Char('c')));
        assert_eq!(m.translate(press(KeyCode::Char('n'))).map(|k| k.code), Some(KeyCode::Tab));
        assert_eq!(m.translate(press(KeyCode::Tab)), None);
        assert_eq!(m.translate(press(KeyCode::Char('f'))).map(|k| k.code), Some(KeyCode::Char('f')), "untouched");
        // Swapping two keys works: each stands for the other's default.
        let swap = KeyMap::parse("[keys]\nquit = \"f\"\nfreeze = \"q\"\n", Path::new("k.toml")).unwrap();
        assert_eq!(swap.translate(press(KeyCode::Char('f'))).map(|k| k.code), Some(KeyCode::Char('q')));
        assert_eq!(swap.translate(press(KeyCode::Char('q'))).map(|k| k.code), Some(KeyCode::Char('f')));
        assert_eq!(KeyMap::parse("", Path::new("k.toml")).unwrap(), KeyMap::default());
        // What the dashboard shows for an action follows the remap.
        assert_eq!(m.key_for(KeyCode::Char('q')), KeyCode::Char('Q'));
        assert_eq!(m.key_for(KeyCode::Tab), KeyCode::Char('n'));
        assert_eq!(m.key_for(KeyCode::Char('f')), KeyCode::Char('f'));
        assert_eq!(swap.key_for(KeyCode::Char('q')), KeyCode::Char('f'));
    }

    #[test]
    fn errors_name_the_file_the_line_and_what_was_expected() {
        let p = Path::new("/home/u/.config/devnet/keys.toml");
        let e = KeyMap::parse("[keys]\nquit = \"Q\"\nquitt = \"x\"\n", p).unwrap_err();
        assert!(e.starts_with("/home/u/.config/devnet/keys.toml line 3: unknown action `quitt`"), "{e}");
        assert!(e.contains("expected one of quit, help"), "{e}");
        let e = KeyMap::parse("[keys]\nquit = \"Ctrl-Q\"\n", p).unwrap_err();
        assert!(e.contains("line 2: `Ctrl-Q` is not a key; expected one character or one of Enter"), "{e}");
        let e = KeyMap::parse("[keys]\nquit = \"x\"\nfreeze = \"x\"\n", p).unwrap_err();
        assert!(e.contains("line 3: `x` is given to two actions"), "{e}");
        // Taking a key another action keeps would leave that one with none.
        let e = KeyMap::parse("[keys]\nhelp = \"h\"\nquit = \"f\"\n", p).unwrap_err();
        assert!(e.contains("line 2: `help` takes `h`, the key of `heal`"), "{e}");
        let e = KeyMap::parse("[keys]\nquit = \"f\"\n", p).unwrap_err();
        assert!(e.contains("line 2: `quit` takes `f`, the key of `freeze`, which would then have none"), "{e}");
        let e = KeyMap::parse("[keys\n", p).unwrap_err();
        assert!(e.contains("keys.toml line 1"), "{e}");
        let e = KeyMap::parse("[colours]\n", p).unwrap_err();
        assert!(e.contains("line 1: unknown field `colours`, expected `keys`"), "{e}");
    }

    #[test]
    fn every_default_key_is_bound_somewhere() {
        use crate::keys::{Mode, action_for};
        for (name, code) in ACTIONS {
            let fault_key = matches!(code, KeyCode::Char(c) if "crxlkemLh: p".contains(*c));
            assert!(fault_key || action_for(press(*code), Mode::Normal).is_some() || *name == "oldest", "{name}");
        }
    }
}
