//! Colours that read on dark and light terminals (the 8 named ANSI colours,
//! never white or black text on the default background), dropped entirely
//! under `NO_COLOR` (no-color.org): bold, dim and reverse remain, and every
//! pane also says in text or glyphs what its colours say.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    pub no_color: bool,
}

impl Theme {
    /// `NO_COLOR` set to anything non-empty turns colour off.
    pub fn from_env_value(v: Option<&str>) -> Theme {
        Theme { no_color: v.is_some_and(|v| !v.is_empty()) }
    }
    pub fn fg(self, c: Color) -> Style {
        if self.no_color { Style::new() } else { Style::new().fg(c) }
    }
    pub fn ok(self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn bad(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn info(self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub fn alarm(self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD)
        }
    }
    /// A colour per node for charts, cycling.
    pub fn series(self, i: usize) -> Style {
        const C: [Color; 6] = [Color::Green, Color::Cyan, Color::Magenta, Color::Yellow, Color::Blue, Color::Red];
        self.fg(C[i % C.len()])
    }
}
