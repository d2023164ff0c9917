//! The dashboard's event loop: keys and cluster events change state; a frame
//! is drawn at most every `FRAME` when something changed (and at least once a
//! second, for the clock). Terminal IO stays on its own thread; the terminal is
//! restored on every exit path, panics included (`ratatui::init` hooks them).
//!
//! The app is where the dashboard's IO happens: it reads `NO_COLOR`, keeps the
//! frozen copy of the view (`f`), and asks for the tail of the selected node's
//! log (every `TAIL_EVERY`) while the node detail is open, handing the lines
//! to the UI. Fault keys and the command bar are handled here first
//! (`fault_key`), then navigation (`keys`).
//!
//! What it draws and acts on is a `Source`: the `Devnet` this process runs
//! (events from its nodes, faults through its executor, logs from its files)
//! or a devnet elsewhere (`attach`: its recorded stream, its control
//! endpoint). The loop, the keys and the command bar do not know which.

use crate::cluster::{ClusterView, LogKind};
use crate::command_bar::{CommandBar, Context, Outcome, history};
use crate::devnet::{Devnet, now_ms};
use crate::fault_keys::{FaultAction, fault_action};
use crate::keymap::KeyMap;
use crate::keys::{Mode, action_for};
use crate::ui::{self, Bounds, UiState, theme::Theme};
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers,
};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const FRAME: Duration = Duration::from_millis(100);
const TAIL_BYTES: u64 = 16 * 1024;
/// The full-screen node log reads this much of the file's end.
const VIEWER_BYTES: u64 = 2 * 1024 * 1024;
const TAIL_EVERY: Duration = Duration::from_millis(500);

/// Reads key presses and mouse events on a plain thread; stops when the receiver is gone.
pub(crate) fn spawn_key_reader() -> mpsc::Receiver<TermEvent> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        loop {
            if tx.is_closed() {
                return;
            }
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {
                    if let Ok(ev @ (TermEvent::Key(_) | TermEvent::Mouse(_))) = event::read()
                        && tx.blocking_send(ev).is_err()
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

/// The last lines of a file (reading at most `TAIL_BYTES` from its end).
pub fn tail_lines(path: &Path, max_lines: usize) -> Vec<String> {
    tail_file(path, TAIL_BYTES, max_lines)
}

/// The last `max_lines` lines within the last `max_bytes` of a file.
/// Hand-written (docs/hand-written.md): one seek and read per poll; a file
/// watcher crate would add a thread and platform back ends for nothing.
pub(crate) fn tail_file(path: &Path, max_bytes: u64, max_lines: usize) -> Vec<String> {
    let Ok(mut f) = std::fs::File::open(path) else { return vec![format!("(cannot open {})", path.display())] };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(len.saturating_sub(max_bytes))).is_err() || f.read_to_end(&mut buf).is_err() {
        return vec![format!("(cannot read {})", path.display())];
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if len > max_bytes && !lines.is_empty() {
        lines.remove(0); // Cut mid-line.
    }
    lines.split_off(lines.len().saturating_sub(max_lines))
}

/// What key handling needs to know, on a terminal `width` columns wide.
pub fn bounds(view: &ClusterView, now_ms: u64, width: u16) -> Bounds {
    use ui::fork_tree::window;
    Bounds {
        nodes: view.nodes.len(),
        validators: view.validators.rows.len(),
        newest_slot: window::newest_slot(view, now_ms),
        oldest_slot: window::floor(view).0,
        tree_cells: window::cells_at_width(width),
    }
}

/// What the dashboard draws and acts on: the devnet this process runs
/// (`Devnet`), or one running elsewhere (`attach::Attached`). The keys, the
/// panes and the command bar are the same for both.
pub(crate) trait Source {
    type Input;
    fn view(&self) -> &ClusterView;
    fn view_mut(&mut self) -> &mut ClusterView;
    /// The clock the view is drawn at (unix ms).
    fn now_ms(&self) -> u64;
    /// Where the command bar's history is kept.
    fn history_path(&self) -> std::path::PathBuf;
    /// The next thing that changes the view; cancel-safe (a `select!` branch).
    async fn recv(&mut self) -> Option<Self::Input>;
    async fn handle(&mut self, input: Self::Input);
    /// One fault, in the words of `devnet inject`.
    async fn inject(&mut self, words: &[String]) -> Result<String, String>;
    /// Once a frame, after the view's own tick.
    fn frame(&mut self) {}
    /// The end of a node's log: `full` for the full-screen viewer, else the detail's tail.
    async fn node_log(&mut self, node: usize, full: bool) -> Vec<String>;
}

pub(crate) enum DevnetInput {
    Event(crate::cluster::ClusterEvent),
    Control(crate::control::ControlReq),
    /// A hashrate rental's time is up (`faults::rent`).
    RentOver,
}

impl Source for Devnet {
    type Input = DevnetInput;
    fn view(&self) -> &ClusterView {
        &self.view
    }
    fn view_mut(&mut self) -> &mut ClusterView {
        &mut self.view
    }
    fn now_ms(&self) -> u64 {
        now_ms()
    }
    fn history_path(&self) -> std::path::PathBuf {
        history::path(&self.dir.root)
    }
    async fn recv(&mut self) -> Option<DevnetInput> {
        tokio::select! {
            Some(ev) = self.events.recv() => Some(DevnetInput::Event(ev)),
            Some(req) = self.control.recv() => Some(DevnetInput::Control(req)),
            _ = Devnet::rent_timer(self.faults.next_end_ms()) => Some(DevnetInput::RentOver),
            else => None,
        }
    }
    async fn handle(&mut self, input: DevnetInput) {
        match input {
            DevnetInput::Event(ev) => self.apply(ev),
            DevnetInput::Control(req) => self.handle_control(req).await,
            DevnetInput::RentOver => self.end_rentals().await,
        }
    }
    async fn inject(&mut self, words: &[String]) -> Result<String, String> {
        Devnet::inject(self, words).await
    }
    fn frame(&mut self) {
        self.sample(now_ms());
    }
    async fn node_log(&mut self, node: usize, full: bool) -> Vec<String> {
        let path = self.dir.log_path(node);
        if full { tail_file(&path, VIEWER_BYTES, VIEWER_LINES) } else { tail_lines(&path, DETAIL_LINES) }
    }
}

/// Log lines the node detail shows.
pub(crate) const DETAIL_LINES: usize = 200;
/// Log lines the full-screen viewer shows.
pub(crate) const VIEWER_LINES: usize = 20_000;

/// `mouse`: capture the mouse (clicks focus panes and select rows); off
/// (`--no-mouse`), the terminal keeps it and text selection works.
pub async fn run(mut devnet: Devnet, keymap: KeyMap, mouse: bool) -> anyhow::Result<()> {
    let result = run_on(&mut devnet, keymap, mouse).await;
    eprintln!("stopping {} nodes...", devnet.view.nodes.len());
    devnet.shutdown().await;
    result
}

/// The dashboard on `src` until the user quits; the terminal is restored after.
pub(crate) async fn run_on<S: Source>(src: &mut S, keymap: KeyMap, mouse: bool) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    if mouse {
        // ratatui's panic hook restores the terminal but knows nothing of mouse capture.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableMouseCapture);
            hook(info);
        }));
        let _ = ratatui::crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    }
    let result = event_loop(&mut terminal, src, &keymap).await;
    // Blank the alternate screen before leaving it: tmux, restoring the
    // normal screen after the window grew, shows the alternate screen's top
    // rows in the added space, and those must not be the dashboard.
    let _ = terminal.clear();
    if mouse {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// The command bar and fault keys (see `fault_keys`): the bar takes every key
/// while open (but Ctrl-C), and a fault it submits stays in it with the error
/// when the devnet refuses it; in the normal mode Space marks and the fault
/// letters act. Returns whether the key was used here.
async fn fault_key<S: Source>(k: KeyEvent, ui: &mut UiState, src: &mut S) -> bool {
    if k.kind != KeyEventKind::Press {
        return false;
    }
    if let Some(bar) = &mut ui.prompt {
        let ids: Vec<String> = src.view().nodes.iter().map(|n| n.id.clone()).collect();
        let cx = Context { nodes: &ids, engine: &src.view().engine, history: &ui.prompt_history };
        match bar.key(k, &cx) {
            Outcome::Ignored => return false,
            Outcome::Kept => {}
            Outcome::Close => ui.prompt = None,
            Outcome::Submit(words) => match src.inject(&words).await {
                Ok(_) => {
                    history::push(&mut ui.prompt_history, &words.join(" "));
                    history::save(&src.history_path(), &ui.prompt_history);
                    ui.prompt = None;
                }
                Err(e) => bar.refused(e),
            },
        }
        return true;
    }
    if ui.mode() != Mode::Normal || k.modifiers.contains(KeyModifiers::CONTROL) {
        return false;
    }
    let KeyCode::Char(c) = k.code else { return false };
    if c == ' ' {
        ui.toggle_mark();
        return true;
    }
    match fault_action(c, &ui.targets(), src.view()) {
        Some(FaultAction::Inject(w)) => inject(src, &w).await,
        Some(FaultAction::Prompt(text)) => ui.prompt = Some(CommandBar::new(text)),
        None => return false,
    }
    true
}

/// What `y` copies: the selected block's hash where the fork tree has focus
/// (the block the tree shows selected on a terminal of `size`), else the
/// selected node's address; what it is, and the text.
pub fn selection(
    view: &ClusterView,
    ui: &UiState,
    now_ms: u64,
    size: ratatui::layout::Rect,
) -> Option<(String, String)> {
    let block = (ui.focus == ui::Pane::Tree && !ui.detail)
        .then(|| ui::fork_tree::selected_on_screen(size, view, ui, now_ms))
        .flatten();
    match block {
        Some(h) => Some(("block hash".to_string(), h.to_hex())),
        None => view.nodes.get(ui.selected).map(|n| (format!("{}'s address", n.id), n.addr.clone())),
    }
}

/// `y`: `selection` to the clipboard (OSC 52); said in the event log.
fn copy_selection<S: Source>(what_text: Option<(String, String)>, src: &mut S) {
    let Some((what, text)) = what_text else { return };
    let line = match crate::clipboard::copy(&text) {
        Ok(()) => format!("copied {what} {text} to the clipboard (OSC 52)"),
        Err(e) => format!("could not copy {what} {text}: {e}"),
    };
    let now = src.now_ms();
    src.view_mut().log(now, None, LogKind::Info, line);
}

/// Injects through the one executor; a refused fault is logged with the reason.
async fn inject<S: Source>(src: &mut S, words: &[String]) {
    if let Err(e) = src.inject(words).await {
        let now = src.now_ms();
        src.view_mut().log(now, None, LogKind::Warning, format!("fault `{}` not injected: {e}", words.join(" ")));
    }
}

async fn event_loop<S: Source>(
    terminal: &mut ratatui::DefaultTerminal,
    src: &mut S,
    keymap: &KeyMap,
) -> anyhow::Result<()> {
    let mut keys = spawn_key_reader();
    let mut ui = UiState {
        theme: Theme::from_env_value(std::env::var("NO_COLOR").ok().as_deref()),
        prompt_history: history::load(&src.history_path()),
        keys: keymap.clone(),
        ..Default::default()
    };
    let mut frozen: Option<(ClusterView, u64)> = None;
    let mut log_tail: Vec<String> = vec![];
    // (node, full screen, when): the log file last read, so a change re-reads at once.
    let mut tail_read: Option<(usize, bool, Instant)> = None;
    let mut frame = tokio::time::interval(FRAME);
    let mut dirty = true;
    let mut last_draw = Instant::now();
    loop {
        tokio::select! {
            Some(term) = keys.recv() => match term {
                TermEvent::Mouse(m) => {
                    let (view, now) = frozen.as_ref().map_or((src.view(), src.now_ms()), |(v, t)| (v, *t));
                    let size = terminal.size()?;
                    let areas = ui::areas(ratatui::layout::Rect::new(0, 0, size.width, size.height), view, &ui);
                    if let Some(a) = ui::mouse::on_mouse(m, &areas, &mut ui, view.nodes.len()) {
                        ui.update(a, bounds(view, now, size.width));
                    }
                    dirty = true;
                }
                TermEvent::Key(k) => {
                    // Text entry takes keys as typed; elsewhere the user's remaps apply.
                    let typing = ui.prompt.is_some() || ui.mode() == Mode::Filter;
                    let Some(k) = (if typing { Some(k) } else { keymap.translate(k) }) else { continue };
                    if fault_key(k, &mut ui, src).await {
                        dirty = true;
                    } else if let Some(a) = action_for(k, ui.mode()) {
                        let (view, now) = frozen.as_ref().map_or((src.view(), src.now_ms()), |(v, t)| (v, *t));
                        let size = terminal.size()?;
                        ui.update(a, bounds(view, now, size.width));
                        if std::mem::take(&mut ui.copy_requested) {
                            let size = ratatui::layout::Rect::new(0, 0, size.width, size.height);
                            let what = selection(view, &ui, now, size);
                            copy_selection(what, src);
                        }
                        match (ui.frozen, frozen.is_some()) {
                            (true, false) => frozen = Some((src.view().clone(), src.now_ms())),
                            (false, true) => frozen = None,
                            _ => {}
                        }
                        dirty = true;
                    }
                }
                _ => {}
            },
            Some(input) = src.recv() => {
                src.handle(input).await;
                dirty |= frozen.is_none();
            }
            _ = frame.tick() => {
                let now = src.now_ms();
                dirty |= frozen.is_none() && src.view_mut().tick(now);
                src.frame();
                let want = match ui.viewer {
                    Some(ui::state::Viewer { source: ui::state::ViewerSource::NodeLog(i), .. }) => Some((i, true)),
                    _ if ui.detail => Some((ui.selected, false)),
                    _ => None,
                };
                if let Some((node, full)) = want
                    && tail_read.is_none_or(|(n, f, t)| n != node || f != full || t.elapsed() >= TAIL_EVERY)
                {
                    log_tail = src.node_log(node, full).await;
                    tail_read = Some((node, full, Instant::now()));
                    dirty = true;
                }
                if dirty || last_draw.elapsed() >= Duration::from_secs(1) {
                    let (view, now) = frozen.as_ref().map_or((src.view(), src.now_ms()), |(v, t)| (v, *t));
                    terminal.draw(|f| ui::draw(f, view, &ui, now, &log_tail))?;
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
