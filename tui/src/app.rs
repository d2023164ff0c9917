//! The dashboard's event loop: keys and cluster events change state; a frame
//! is drawn at most every `FRAME` when something changed (and at least once a
//! second, for the clock). Terminal IO stays on its own thread; the terminal is
//! restored on every exit path, panics included (`ratatui::init` hooks them).

use crate::devnet::{Devnet, now_ms};
use crate::keys::action_for;
use crate::ui::{self, UiState};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEvent};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const FRAME: Duration = Duration::from_millis(100);

/// Reads key presses on a plain thread; stops when the receiver is gone.
fn spawn_key_reader() -> mpsc::Receiver<KeyEvent> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        loop {
            if tx.is_closed() {
                return;
            }
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {
                    if let Ok(TermEvent::Key(k)) = event::read()
                        && tx.blocking_send(k).is_err()
                    {
                        return;
                    }
                }
                Ok(false) => {}
                Err(_) => return,
            }
        }
    });
    rx
}

pub async fn run(mut devnet: Devnet) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut devnet).await;
    ratatui::restore();
    eprintln!("stopping {} nodes...", devnet.view.nodes.len());
    devnet.shutdown().await;
    result
}

async fn event_loop(terminal: &mut ratatui::DefaultTerminal, devnet: &mut Devnet) -> anyhow::Result<()> {
    let mut keys = spawn_key_reader();
    let mut ui = UiState::default();
    let mut frame = tokio::time::interval(FRAME);
    let mut dirty = true;
    let mut last_draw = Instant::now();
    loop {
        tokio::select! {
            Some(k) = keys.recv() => {
                if let Some(a) = action_for(k, ui.help) {
                    ui.update(a, devnet.view.nodes.len());
                    dirty = true;
                }
            }
            Some(ev) = devnet.events.recv() => {
                devnet.apply(ev);
                dirty = true;
            }
            Some(req) = devnet.control.recv() => {
                devnet.handle_control(req).await;
                dirty = true;
            }
            _ = frame.tick() => {
                if dirty || last_draw.elapsed() >= Duration::from_secs(1) {
                    let now = now_ms();
                    terminal.draw(|f| ui::draw(f, &devnet.view, &ui, now))?;
                    dirty = false;
                    last_draw = Instant::now();
                }
            }
        }
        if ui.quit {
            return Ok(());
        }
    }
}
