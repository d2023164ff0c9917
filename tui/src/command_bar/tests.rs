//! The command bar as data: keys in, text, cursor, error, hint and outcome out.

use super::*;

fn nodes() -> Vec<String> {
    (0..4).map(|i| format!("n{i}")).collect()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Types `text` key by key, returning the last outcome.
fn typed(bar: &mut CommandBar, text: &str, cx: &Context) -> Outcome {
    let mut last = Outcome::Kept;
    for c in text.chars() {
        last = bar.key(key(KeyCode::Char(c)), cx);
    }
    last
}

#[test]
fn editing_moves_the_cursor_and_deletes_words_and_lines() {
    let (n, h) = (nodes(), vec![]);
    let cx = Context { nodes: &n, engine: "gasper", history: &h };
    let mut bar = CommandBar::new("");
    typed(&mut bar, "crash n1", &cx);
    assert_eq!((bar.text(), bar.cursor()), ("crash n1", 8));
    bar.key(key(KeyCode::Home), &cx);
    assert_eq!(bar.cursor(), 0);
    bar.key(key(KeyCode::Right), &cx);
    bar.key(key(KeyCode::End), &cx);
    bar.key(key(KeyCode::Left), &cx);
    bar.key(key(KeyCode::Backspace), &cx);
    assert_eq!((bar.text(), bar.cursor()), ("crash 1", 6));
    bar.key(key(KeyCode::End), &cx);
    bar.key(ctrl('w'), &cx);
    assert_eq!(bar.text(), "crash ");
    bar.key(ctrl('u'), &cx);
    assert_eq!((bar.text(), bar.cursor()), ("", 0));
    // Letters that are keys elsewhere are text here; Ctrl-C still quits.
    assert_eq!(typed(&mut bar, "q?", &cx), Outcome::Kept);
    assert_eq!(bar.text(), "q?");
    assert_eq!(bar.key(ctrl('c'), &cx), Outcome::Ignored);
    assert_eq!(bar.key(key(KeyCode::Esc), &cx), Outcome::Close);
}

#[test]
fn an_error_stays_under_the_kept_text_until_it_is_edited() {
    let (n, h) = (nodes(), vec![]);
    let cx = Context { nodes: &n, engine: "gasper", history: &h };
    let mut bar = CommandBar::new("crash n9");
    assert_eq!(bar.key(key(KeyCode::Enter), &cx), Outcome::Kept);
    assert_eq!(bar.text(), "crash n9");
    assert_eq!(bar.error.as_deref(), Some("no node \"n9\": this cluster has n0..n3"));
    bar.key(key(KeyCode::Left), &cx);
    assert!(bar.error.is_some(), "moving the cursor keeps the error");
    bar.key(key(KeyCode::End), &cx);
    bar.key(key(KeyCode::Backspace), &cx);
    assert_eq!(bar.error, None);
    typed(&mut bar, "2", &cx);
    assert_eq!(bar.key(key(KeyCode::Enter), &cx), Outcome::Submit(vec!["crash".into(), "n2".into()]));
    // Refused by the devnet: the text stays, the reason shows.
    bar.refused("n2 is not running".into());
    assert_eq!((bar.text(), bar.error.as_deref()), ("crash n2", Some("n2 is not running")));
    // A clap error is one line; an engine's refusal too.
    let mut bar = CommandBar::new("latency n0 n1");
    bar.key(key(KeyCode::Enter), &cx);
    let e = bar.error.clone().unwrap();
    assert!(e.contains("<DELAY>") && !e.contains('\n'), "{e}");
    let mut bar = CommandBar::new("hashrate n1 60%");
    bar.key(key(KeyCode::Enter), &cx);
    assert!(bar.error.as_deref().unwrap().contains("this cluster runs gasper"));
}

#[test]
fn up_and_down_walk_the_history_and_come_back_to_the_draft() {
    let n = nodes();
    let h: Vec<String> = vec!["heal".into(), "crash n1".into()];
    let cx = Context { nodes: &n, engine: "gasper", history: &h };
    let mut bar = CommandBar::new("sk");
    bar.key(key(KeyCode::Up), &cx);
    assert_eq!((bar.text(), bar.cursor()), ("crash n1", 8));
    bar.key(key(KeyCode::Up), &cx);
    assert_eq!(bar.text(), "heal");
    bar.key(key(KeyCode::Up), &cx);
    assert_eq!(bar.text(), "heal", "the oldest stays");
    bar.key(key(KeyCode::Down), &cx);
    assert_eq!(bar.text(), "crash n1");
    bar.key(key(KeyCode::Down), &cx);
    assert_eq!(bar.text(), "sk", "past the newest: the draft again");
    bar.key(key(KeyCode::Down), &cx);
    assert_eq!(bar.text(), "sk");
    let empty = vec![];
    let mut bar = CommandBar::new("x");
    bar.key(key(KeyCode::Up), &Context { history: &empty, ..cx });
    assert_eq!(bar.text(), "x");
}

#[test]
fn tab_completes_faults_and_nodes() {
    let (n, h) = (nodes(), vec![]);
    let cx = Context { nodes: &n, engine: "gasper", history: &h };
    let mut bar = CommandBar::new("cr");
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!((bar.text(), bar.cursor()), ("crash ", 6));
    typed(&mut bar, "n", &cx);
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!(bar.text(), "crash n", "several nodes and nothing shared: nothing put in yet");
    assert_eq!(bar.hint(), "Tab: n0  n1  n2  n3");
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!(bar.text(), "crash n0");
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!(bar.text(), "crash n1");
    typed(&mut bar, ",n3", &cx);
    assert_eq!(bar.text(), "crash n1,n3");
    // Shared letters first: `di` -> `disk-`, then the choices.
    let mut bar = CommandBar::new("di");
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!(bar.text(), "disk-");
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!(bar.hint(), "Tab: disk-full  disk-slow  disk-ok");
    // Mid-line: the word before the cursor, no space added.
    let mut bar = CommandBar::new("partition is n2");
    bar.input.handle(InputRequest::SetCursor(12));
    bar.key(key(KeyCode::Tab), &cx);
    assert_eq!((bar.text(), bar.cursor()), ("partition isolate n2", 17));
}

#[test]
fn the_hint_is_the_grammar_of_the_fault_being_typed() {
    let bar = CommandBar::new("");
    assert!(bar.hint().starts_with("faults: crash restart pause"), "{}", bar.hint());
    assert_eq!(CommandBar::new("re").hint(), "faults: restart resume rent");
    let lat = CommandBar::new("lat").hint();
    assert!(lat.starts_with("latency FROM TO DELAY [--jitter DURATION] — Delay"), "{lat}");
    assert_eq!(CommandBar::new("latency n0 * 2").hint(), lat);
    assert!(CommandBar::new("skew n1 ").hint().starts_with("skew NODE OFFSET — "));
    assert!(CommandBar::new("zap n1").hint().starts_with("no fault \"zap\"; faults: crash"));
}
