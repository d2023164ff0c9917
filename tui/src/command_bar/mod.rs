//! The dashboard's command bar (`:` and the prefilled fault keys): one line
//! of the fault language, edited with `tui-input`, over the bottom of the
//! panes. Pure: keys in, an `Outcome` out; the app injects and reports back.
//!
//! Rules:
//! - Editing is `tui-input`'s: ← → (Ctrl ← → by word), Home/End (Ctrl-A/E),
//!   Backspace/Delete, Ctrl-U (line), Ctrl-W (word back), Ctrl-K (to end).
//! - ↑ ↓ walk the history (`history`), newest first; ↓ past the newest
//!   brings back what was being typed.
//! - Tab completes the word before the cursor (`complete`): one candidate
//!   is put in (with a space at the end of the line); several extend the
//!   word to what they share, then the next Tab shows them and cycles.
//! - The hint line shows the grammar of the fault being typed (from the
//!   same clap enum as `devnet inject`), or the faults that fit.
//! - Enter parses the line against the cluster (and its engine). A fault
//!   that does not parse, or that the devnet refuses, stays in the bar with
//!   the error under it; a good one is applied and closes the bar. Esc
//!   closes it. Every key is the bar's while it is open, except Ctrl-C.

pub mod complete;
pub mod history;

use crate::faults::{check_engine, grammar, parse, words};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::backend::crossterm::to_input_request;
use tui_input::{Input, InputRequest};

/// What the bar needs to know about the cluster.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// Node ids, `n0..`.
    pub nodes: &'a [String],
    pub engine: &'a str,
    /// Older first.
    pub history: &'a [String],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not the bar's key (Ctrl-C).
    Ignored,
    /// The bar changed or stayed as it was; it stays open.
    Kept,
    Close,
    /// A fault that parses: inject these words, then `applied` or `refused`.
    Submit(Vec<String>),
}

#[derive(Clone, Debug, Default)]
pub struct CommandBar {
    input: Input,
    /// The last error, under the input until the text changes.
    pub error: Option<String>,
    /// Tab's candidates, shown while cycling: (start char, words, index shown).
    cycle: Option<(usize, Vec<String>, Option<usize>)>,
    /// The history entry shown (an index into it) and the text typed before.
    browsing: Option<(usize, String)>,
}

impl PartialEq for CommandBar {
    fn eq(&self, o: &Self) -> bool {
        (self.text(), self.cursor(), &self.error, &self.cycle, &self.browsing)
            == (o.text(), o.cursor(), &o.error, &o.cycle, &o.browsing)
    }
}

impl Eq for CommandBar {}

impl CommandBar {
    pub fn new(text: impl Into<String>) -> CommandBar {
        CommandBar { input: Input::new(text.into()), ..Default::default() }
    }

    pub fn text(&self) -> &str {
        self.input.value()
    }

    /// The cursor, in chars from the start.
    pub fn cursor(&self) -> usize {
        self.input.cursor()
    }

    /// How far the text is scrolled to keep the cursor within `width` columns.
    pub fn scroll(&self, width: usize) -> usize {
        self.input.visual_scroll(width)
    }

    /// The hint line: Tab's candidates while cycling, else the grammar of
    /// the fault being typed, else the faults its first letters fit.
    pub fn hint(&self) -> String {
        if let Some((_, words, _)) = &self.cycle {
            return format!("Tab: {}", words.join("  "));
        }
        let first = self.text().split_whitespace().next().unwrap_or("");
        let fits: Vec<String> = grammar::names().into_iter().filter(|n| n.starts_with(first)).collect();
        let typing_first = !self.text().trim_start().contains(' ');
        let name = match (typing_first, fits.as_slice()) {
            (true, [only]) => only.as_str(),
            _ => first,
        };
        match grammar::usage(name) {
            Some(u) => u,
            None if typing_first && !fits.is_empty() => format!("faults: {}", fits.join(" ")),
            None => format!("no fault {first:?}; faults: {}", grammar::names().join(" ")),
        }
    }

    /// The devnet refused the submitted fault: keep the text, show why.
    pub fn refused(&mut self, error: String) {
        self.error = Some(error);
    }

    pub fn key(&mut self, k: KeyEvent, cx: &Context) -> Outcome {
        if k.kind != KeyEventKind::Press && k.kind != KeyEventKind::Repeat {
            return Outcome::Kept;
        }
        if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
            return Outcome::Ignored;
        }
        if k.code != KeyCode::Tab {
            self.cycle = None;
        }
        match k.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Enter => return self.submit(cx),
            KeyCode::Tab => self.complete(cx),
            KeyCode::Up => self.older(cx.history),
            KeyCode::Down => self.newer(cx.history),
            _ => {
                if let Some(req) = to_input_request(&Event::Key(k))
                    && self.input.handle(req).is_some_and(|c| c.value)
                {
                    self.edited();
                }
            }
        }
        Outcome::Kept
    }

    fn edited(&mut self) {
        self.error = None;
        self.browsing = None;
    }

    fn set(&mut self, text: String) {
        self.input = Input::new(text);
        self.error = None;
    }

    fn submit(&mut self, cx: &Context) -> Outcome {
        let w = words(self.text());
        match parse(&w, cx.nodes.len()).and_then(|f| check_engine(&f, cx.engine)) {
            Ok(()) => Outcome::Submit(w),
            Err(e) => {
                self.error = Some(e);
                Outcome::Kept
            }
        }
    }

    fn older(&mut self, history: &[String]) {
        let i = match &self.browsing {
            Some((0, _)) => return,
            Some((i, _)) => i - 1,
            None if history.is_empty() => return,
            None => history.len() - 1,
        };
        let draft = self.browsing.take().map_or_else(|| self.text().to_string(), |(_, d)| d);
        self.set(history[i].clone());
        self.browsing = Some((i, draft));
    }

    fn newer(&mut self, history: &[String]) {
        let Some((i, draft)) = self.browsing.take() else { return };
        if i + 1 < history.len() {
            self.set(history[i + 1].clone());
            self.browsing = Some((i + 1, draft));
        } else {
            self.set(draft);
        }
    }

    fn complete(&mut self, cx: &Context) {
        let cursor = self.cursor();
        if let Some((start, words, shown)) = self.cycle.take() {
            let next = shown.map_or(0, |i| (i + 1) % words.len());
            self.replace(start, cursor, &words[next], false);
            self.cycle = Some((start, words, Some(next)));
            return;
        }
        let c = complete::candidates(self.text(), cursor, cx.nodes);
        match c.words.len() {
            0 => {}
            1 => self.replace(c.start, cursor, &c.words[0], true),
            _ => {
                let shared = complete::common_prefix(&c.words);
                if shared.chars().count() > cursor - c.start {
                    self.replace(c.start, cursor, &shared, false);
                } else {
                    self.cycle = Some((c.start, c.words, None));
                }
            }
        }
    }

    /// Puts `word` in place of chars `start..end`, the cursor after it.
    fn replace(&mut self, start: usize, end: usize, word: &str, space: bool) {
        let chars: Vec<char> = self.text().chars().collect();
        let at_end = end == chars.len();
        let head: String = chars[..start].iter().collect();
        let tail: String = chars[end..].iter().collect();
        let word = if space && at_end { format!("{word} ") } else { word.to_string() };
        let cursor = start + word.chars().count();
        self.input = Input::new(format!("{head}{word}{tail}"));
        self.input.handle(InputRequest::SetCursor(cursor));
        self.error = None;
    }
}

#[cfg(test)]
mod tests;
