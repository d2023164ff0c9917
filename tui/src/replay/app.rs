//! The replay's terminal: the dashboard drawn from the replayed view, with a
//! time scrubber in place of the footer.
//!
//! Keys (replay only; the letters that inject faults live have no devnet to
//! act on here, so they drive time): Space plays and pauses, `l`/`h` step a
//! second forward/back, `L`/`H` ten seconds, `n`/`N` jump to the next or
//! previous fault, `g`/`G` to the start or the end, `x` cycles the speed
//! (1x, 2x, 4x, 8x, 16x). Everything else is the dashboard's own keys (panes,
//! selection, the fork tree, help, `keys.toml` remaps); `q` quits.
//!
//! Playing advances the replay by the wall time passed times the speed, and
//! pauses at the end. A node's log (`o`, the node detail) is its log from the
//! run (`logs/<id>.log`), whole, not cut at the replay's moment.

use super::Replay;
use crate::app::{bounds, spawn_key_reader, tail_lines};
use crate::keymap::KeyMap;
use crate::keys::{Mode, action_for};
use crate::ui::{self, UiState, theme::Theme};
use ratatui::Frame;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(100);
const SPEEDS: [u64; 5] = [1, 2, 4, 8, 16];

/// Where the replay is and whether it plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transport {
    pub playing: bool,
    /// Index into `SPEEDS`.
    pub speed: usize,
}

/// What a scrubber key does to the position (run ms); None when the key is not one.
pub fn scrub_key(k: KeyEvent, r: &Replay, t: &mut Transport) -> Option<u64> {
    if k.kind != KeyEventKind::Press || k.modifiers.contains(KeyModifiers::CONTROL) {
        return None;
    }
    let now = r.position_ms();
    let KeyCode::Char(c) = k.code else { return None };
    Some(match c {
        ' ' => {
            t.playing = !t.playing;
            if t.playing && now >= r.duration_ms() { 0 } else { now }
        }
        'l' => now + 1_000,
        'h' => now.saturating_sub(1_000),
        'L' => now + 10_000,
        'H' => now.saturating_sub(10_000),
        'n' => r.next_fault(now).unwrap_or(now),
        'N' => r.previous_fault(now).unwrap_or(now),
        'g' => 0,
        'G' => r.duration_ms(),
        'x' => {
            t.speed = (t.speed + 1) % SPEEDS.len();
            now
        }
        _ => return None,
    })
}

/// The scrubber row: state, time, a bar with the faults marked, the keys.
pub fn scrubber_line(r: &Replay, t: Transport, width: u16) -> Line<'static> {
    let (pos, end) = (r.position_ms(), r.duration_ms().max(1));
    let state = format!(" {} {}x ", if t.playing { "▶" } else { "⏸" }, SPEEDS[t.speed]);
    let time = format!(" {:.1} / {:.1} s ", pos as f64 / 1000.0, end as f64 / 1000.0);
    let full_keys = " Space play · h/l ±1s · H/L ±10s · n/N fault · g/G ends · x speed ";
    let short_keys = " Space · h/l · n/N ";
    // " REPLAY", the state, the time, the bar's two ends, the keys.
    let fixed = 7 + state.chars().count() + time.chars().count() + 2;
    let keys = [full_keys, short_keys, ""]
        .into_iter()
        .find(|k| fixed + k.chars().count() + 10 <= width as usize)
        .unwrap_or("");
    let bar_w = (width as usize).saturating_sub(fixed + keys.chars().count()).max(4);
    let at = |ms: u64| ((ms.min(end) as f64 / end as f64) * (bar_w - 1) as f64).round() as usize;
    let mut cells: Vec<(char, Style)> = (0..bar_w)
        .map(|i| {
            if i < at(pos) { ('━', Style::new().fg(Color::Cyan)) } else { ('─', Style::new().fg(Color::DarkGray)) }
        })
        .collect();
    for (ms, _) in &r.faults {
        cells[at(*ms)] = ('┃', Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD));
    }
    cells[at(pos)] = ('●', Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD));
    let mut spans = vec![
        Span::styled(" REPLAY", Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)),
        Span::styled(state, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(time),
        Span::raw("├"),
    ];
    spans.extend(cells.into_iter().map(|(c, s)| Span::styled(c.to_string(), s)));
    spans.push(Span::raw("┤"));
    spans.push(Span::styled(keys.to_string(), Style::new().add_modifier(Modifier::DIM)));
    Line::from(spans)
}

/// One frame: the dashboard, then the scrubber over its footer.
pub fn draw(frame: &mut Frame, r: &Replay, ui: &UiState, t: Transport, log_tail: &[String]) {
    ui::draw(frame, &r.view, ui, r.now_ms(), log_tail);
    let size = frame.area();
    if size.height >= 2 {
        let row = Rect::new(0, size.height - 1, size.width, 1);
        frame.render_widget(Paragraph::new(scrubber_line(r, t, size.width)), row);
    }
}

/// Opens the dashboard on the replay at `start_ms` of run time, paused.
pub async fn run(mut r: Replay, keymap: KeyMap, start_ms: u64) -> anyhow::Result<()> {
    r.seek(start_ms);
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut r, &keymap).await;
    let _ = terminal.clear();
    ratatui::restore();
    result
}

async fn event_loop(terminal: &mut ratatui::DefaultTerminal, r: &mut Replay, keymap: &KeyMap) -> anyhow::Result<()> {
    let mut keys = spawn_key_reader();
    let mut ui = UiState {
        theme: Theme::from_env_value(std::env::var("NO_COLOR").ok().as_deref()),
        keys: keymap.clone(),
        ..Default::default()
    };
    let mut t = Transport { playing: false, speed: 0 };
    let mut frame = tokio::time::interval(FRAME);
    let mut last_tick = Instant::now();
    let mut log_tail: Vec<String> = vec![];
    loop {
        tokio::select! {
            Some(TermEvent::Key(k)) = keys.recv() => {
                let typing = ui.mode() == Mode::Filter;
                if !typing && ui.mode() == Mode::Normal && let Some(to) = scrub_key(k, r, &mut t) {
                    r.seek(to);
                } else if let Some(k) = if typing { Some(k) } else { keymap.translate(k) }
                    && let Some(a) = action_for(k, ui.mode())
                {
                    let width = terminal.size()?.width;
                    ui.update(a, bounds(&r.view, r.now_ms(), width));
                }
            }
            _ = frame.tick() => {
                let passed = last_tick.elapsed();
                last_tick = Instant::now();
                if t.playing {
                    let to = r.position_ms() + passed.as_millis() as u64 * SPEEDS[t.speed];
                    r.seek(to);
                    if r.position_ms() >= r.duration_ms() {
                        t.playing = false;
                    }
                }
                let want = match ui.viewer {
                    Some(ui::state::Viewer { source: ui::state::ViewerSource::NodeLog(i), .. }) => Some(i),
                    _ if ui.detail => Some(ui.selected),
                    _ => None,
                };
                if let Some(i) = want {
                    let id = r.view.nodes.get(i).map_or_else(|| format!("n{i}"), |n| n.id.clone());
                    log_tail = tail_lines(&r.dir.join(crate::run_record::LOGS).join(format!("{id}.log")), 2_000);
                }
                terminal.draw(|f| draw(f, r, &ui, t, &log_tail))?;
            }
        }
        if ui.quit {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn the_scrubber_keys_move_time_within_the_run() {
        let view = crate::cluster::ClusterView::new("t", "gasper", 100, 4, 0, &crate::cluster::test_views::entries(1));
        let lines = vec![
            crate::run_record::stream::Line {
                at_ms: 5_000,
                item: crate::run_record::stream::Recorded::Log {
                    node: None,
                    kind: crate::cluster::LogKind::Fault,
                    text: "heal: healed".into(),
                },
            },
            crate::run_record::stream::Line {
                at_ms: 30_000,
                item: crate::run_record::stream::Recorded::Cluster(crate::cluster::ClusterEvent::Connected { node: 0 }),
            },
        ];
        let mut r = Replay::from_lines("/nowhere".into(), 0, view, lines);
        let mut t = Transport { playing: false, speed: 0 };
        let mut press = |c: char, r: &mut Replay| {
            let to = scrub_key(key(c), r, &mut t).expect("a scrubber key");
            r.seek(to);
            r.position_ms()
        };
        assert_eq!(press('L', &mut r), 10_000);
        assert_eq!(press('h', &mut r), 9_000);
        assert_eq!(press('N', &mut r), 5_000, "back to the fault");
        assert_eq!(press('G', &mut r), 30_000);
        assert_eq!(press('l', &mut r), 30_000, "not past the end");
        assert_eq!(press('g', &mut r), 0);
        assert_eq!(press('n', &mut r), 5_000);
        assert!(scrub_key(key('z'), &r, &mut t).is_none());
        let line: String = scrubber_line(&r, t, 120).spans.iter().map(|s| s.content.to_string()).collect();
        assert!(line.contains("REPLAY") && line.contains("5.0 / 30.0 s") && line.contains('●'), "{line}");
        assert_eq!(line.chars().count(), 120, "{line}");
    }
}
