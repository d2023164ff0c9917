//! The command bar, drawn over the bottom of the panes: the input line
//! (`fault> `, the cursor as a reversed cell, scrolled to keep it in view),
//! the hint line (the grammar of the fault being typed, dimmed), and the
//! error of the last Enter in red, kept until the text changes.

use super::theme::Theme;
use crate::command_bar::CommandBar;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

const PROMPT: &str = "fault> ";

pub fn draw(frame: &mut Frame, bar: &CommandBar, theme: Theme) {
    let area = frame.area();
    let height = 5;
    if area.height < height {
        return;
    }
    let rect = Rect { x: area.x, y: area.y + area.height - height, width: area.width, height };
    let width = (rect.width as usize).saturating_sub(2 + PROMPT.len() + 1).max(1);
    let scroll = bar.scroll(width);
    let chars: Vec<char> = bar.text().chars().collect();
    let cursor = bar.cursor().min(chars.len());
    let shown = |from: usize, to: usize| -> String { chars[from.min(to)..to].iter().collect() };
    let start = scroll.min(cursor);
    let at: String = chars.get(cursor).map_or(" ".into(), |c| c.to_string());
    let end = chars.len().min(start + width);
    let input = Line::from(vec![
        Span::styled(PROMPT, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(shown(start, cursor)),
        Span::styled(at, Style::new().add_modifier(Modifier::REVERSED)),
        Span::raw(shown((cursor + 1).min(end), end)),
    ]);
    let hint = Line::from(Span::styled(bar.hint(), Style::new().add_modifier(Modifier::DIM)));
    let error = match &bar.error {
        Some(e) => Line::from(Span::styled(format!("✖ {e}"), theme.bad().add_modifier(Modifier::BOLD))),
        None => Line::default(),
    };
    let block = Block::bordered()
        .title(" fault · Enter apply · Esc close · Tab complete · ↑↓ history · words of `devnet inject` ");
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(vec![input, hint, error]).block(block), rect);
}
