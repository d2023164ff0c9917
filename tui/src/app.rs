//! The dashboard's event loop: keys and cluster events change state; a frame
//! is drawn at most every `FRAME` when something changed (and at least once a
//! second, for the clock). Terminal IO stays on its own thread; the terminal is
//! restored on every exit path, panics included (`ratatui::init` hooks them).

use crate::cluster::LogKind;
use crate::devnet::{Devnet, now_ms};
use crate::fault_keys::{FaultAction, fault_action};
use crate::faults::words;
use crate::keys::action_for;
use crate::ui::{self, UiState};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
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

/// One key press: the prompt takes every key while open; then fault keys and
/// Space (mark); then the navigation keys of `keys`.
async fn on_key(k: KeyEvent, ui: &mut UiState, devnet: &mut Devnet) {
    if k.kind != KeyEventKind::Press {
        return;
    }
    if let Some(text) = &mut ui.prompt {
        match k.code {
            KeyCode::Esc => ui.prompt = None,
            KeyCode::Enter => {
                let line = ui.prompt.take().unwrap_or_default();
                inject(devnet, &words(&line)).await;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
        return;
    }
    if !ui.help
        && !k.modifiers.contains(KeyModifiers::CONTROL)
        && let KeyCode::Char(c) = k.code
    {
        if c == ' ' {
            ui.toggle_mark();
            return;
        }
        match fault_action(c, &ui.targets(), &devnet.view) {
            Some(FaultAction::Inject(w)) => return inject(devnet, &w).await,
            Some(FaultAction::Prompt(text)) => {
                ui.prompt = Some(text);
                return;
            }
            None => {}
        }
    }
    if let Some(a) = action_for(k, ui.help) {
        ui.update(a, devnet.view.nodes.len());
    }
}

/// Injects through the one executor; a refused fault is logged with the reason.
async fn inject(devnet: &mut Devnet, words: &[String]) {
    if let Err(e) = devnet.inject(words).await {
        devnet.view.log(now_ms(), None, LogKind::Warning, format!("fault `{}` not injected: {e}", words.join(" ")));
    }
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
                on_key(k, &mut ui, devnet).await;
                dirty = true;
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
