//! The dashboard's event log: bounded, with repeated events folded into one
//! line whose count and text update, so a flood (an equivocator's
//! `saw double-vote` from every node every slot, a failed round per height,
//! finality advancing every epoch) takes one row and never buries what
//! matters.
//!
//! Rules:
//! - An entry may carry a repeat key (`push_repeated`). A new entry with the
//!   key of an entry already in the log replaces it: the old line leaves its
//!   place, the new one goes to the end with the count one higher and
//!   `first_ms` kept, so the newest occurrence is always at the bottom and
//!   the first one is still named.
//! - Entries without a key (`push`) never fold: faults, process changes,
//!   alarms, slashings, double spends each keep their own line.
//! - At most `LOG_CAPACITY` lines are held; the oldest go first.
//! - `Severity` orders kinds for the pane's filter: `Notable` keeps what an
//!   operator must not miss (faults, alarms, slashings, process changes,
//!   warnings), `Critical` only faults, alarms and slashings.

use std::collections::VecDeque;

pub const LOG_CAPACITY: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    Info,
    Finality,
    Process,
    /// An injected fault (keys, `devnet inject`, a scenario step).
    Fault,
    Warning,
    /// A validator was slashed.
    Slashing,
    Alarm,
}

/// What the events pane shows, from everything to the few lines that must not be missed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    #[default]
    All,
    Notable,
    Critical,
}

impl Severity {
    pub fn next(self) -> Self {
        match self {
            Severity::All => Severity::Notable,
            Severity::Notable => Severity::Critical,
            Severity::Critical => Severity::All,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::All => "all",
            Severity::Notable => "warnings and up",
            Severity::Critical => "faults, slashings, alarms",
        }
    }

    pub fn admits(self, kind: LogKind) -> bool {
        match self {
            Severity::All => true,
            Severity::Notable => !matches!(kind, LogKind::Info | LogKind::Finality),
            Severity::Critical => matches!(kind, LogKind::Fault | LogKind::Slashing | LogKind::Alarm),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub time_ms: u64,
    pub slot: u64,
    pub node: Option<usize>,
    pub kind: LogKind,
    pub text: String,
    /// How many times this line happened (1 unless folded).
    pub count: u32,
    /// When it first happened (`time_ms` is the latest).
    pub first_ms: u64,
    /// The repeat key it folds under, if any.
    pub key: Option<String>,
}

impl LogEntry {
    pub fn new(time_ms: u64, slot: u64, node: Option<usize>, kind: LogKind, text: String) -> Self {
        LogEntry { time_ms, slot, node, kind, text, count: 1, first_ms: time_ms, key: None }
    }
}

#[derive(Clone, Debug, Default)]
pub struct EventLog {
    lines: VecDeque<LogEntry>,
}

impl std::ops::Deref for EventLog {
    type Target = VecDeque<LogEntry>;
    fn deref(&self) -> &VecDeque<LogEntry> {
        &self.lines
    }
}

impl EventLog {
    /// A line of its own.
    pub fn push(&mut self, e: LogEntry) {
        if self.lines.len() == LOG_CAPACITY {
            self.lines.pop_front();
        }
        self.lines.push_back(e);
    }

    /// A line that folds into an earlier one with the same `key`.
    pub fn push_repeated(&mut self, mut e: LogEntry, key: String) {
        if let Some(i) = self.lines.iter().rposition(|l| l.key.as_deref() == Some(key.as_str()))
            && let Some(old) = self.lines.remove(i)
        {
            e.count = old.count.saturating_add(1);
            e.first_ms = old.first_ms;
        }
        e.key = Some(key);
        self.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(t: u64, text: &str) -> LogEntry {
        LogEntry::new(t, t, Some(0), LogKind::Warning, text.into())
    }

    #[test]
    fn repeats_fold_into_one_line_at_the_bottom() {
        let mut log = EventLog::default();
        log.push(LogEntry::new(0, 0, None, LogKind::Slashing, "validator 3 slashed".into()));
        for t in 1..=400 {
            log.push_repeated(
                entry(t, &format!("n{} saw double-vote by validator 3 at slot {t}", t % 4)),
                "eq:3".into(),
            );
        }
        assert_eq!(log.len(), 2, "the flood takes one line");
        assert_eq!(log[0].text, "validator 3 slashed", "the slashing stays put");
        let last = log.back().unwrap();
        assert_eq!((last.count, last.first_ms, last.time_ms), (400, 1, 400));
        assert!(last.text.ends_with("slot 400"), "the newest text: {}", last.text);
    }

    #[test]
    fn other_keys_and_plain_lines_do_not_fold() {
        let mut log = EventLog::default();
        log.push_repeated(entry(1, "a"), "a".into());
        log.push_repeated(entry(2, "b"), "b".into());
        log.push(entry(3, "plain"));
        log.push(entry(4, "plain"));
        log.push_repeated(entry(5, "a again"), "a".into());
        let texts: Vec<_> = log.iter().map(|l| (l.text.as_str(), l.count)).collect();
        assert_eq!(texts, [("b", 1), ("plain", 1), ("plain", 1), ("a again", 2)]);
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = EventLog::default();
        for t in 0..(LOG_CAPACITY as u64 + 10) {
            log.push(entry(t, "x"));
        }
        assert_eq!(log.len(), LOG_CAPACITY);
        assert_eq!(log[0].time_ms, 10);
    }

    #[test]
    fn severity_keeps_what_must_not_be_missed() {
        use LogKind::*;
        let kinds = [Info, Finality, Process, Fault, Warning, Slashing, Alarm];
        let kept = |s: Severity| kinds.iter().filter(|k| s.admits(**k)).count();
        assert_eq!(kept(Severity::All), 7);
        assert_eq!(kept(Severity::Notable), 5);
        assert_eq!(kept(Severity::Critical), 3);
        assert_eq!(Severity::Critical.next(), Severity::All);
    }
}
