//! The fault prompt: one line at the bottom, `fault> WORDS█`, over the panes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn draw(frame: &mut Frame, text: &str) {
    let area = frame.area();
    if area.height < 3 {
        return;
    }
    let rect = Rect { x: area.x, y: area.y + area.height - 3, width: area.width, height: 3 };
    let line = Line::from(vec![
        Span::styled("fault> ", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(text.to_string()),
        Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
    ]);
    let block = Block::bordered().title(" inject (Enter) · cancel (Esc) · words as for `devnet inject` ");
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(line).block(block), rect);
}
