//! A schedule written as a scenario file, so `devnet run` replays it: the
//! chaos settings as its `[devnet]` table, the seed (which seeds the nodes'
//! loss and jitter), and a step per fault and per undo, at the millisecond
//! the schedule put it. No `[[expect]]`: the checks that always run
//! (safety, liveness, accountability, honest validators never slashed) are
//! what chaos judges, and `devnet run` runs them on every scenario.

use super::schedule::Schedule;
use std::fmt::Write;

/// What the run's devnet is, beyond the base config.
#[derive(Clone, Debug)]
pub struct Settings {
    pub engine: String,
    pub nodes: usize,
    pub slot_ms: u64,
    pub epoch_slots: u64,
    /// What runs the nodes; written into the file unless local, so the
    /// scenario replays on the backend that failed.
    pub backend: crate::supervisor::BackendKind,
}

impl Settings {
    /// The `[devnet]` table (and the engine's own table where it needs one).
    pub fn devnet_toml(&self) -> String {
        let mut t = format!(
            "[devnet]\nconsensus = \"{}\"\nnodes = {}\nslot_ms = {}\nepoch_slots = {}\ngenesis_delay_ms = 300\n",
            self.engine, self.nodes, self.slot_ms, self.epoch_slots
        );
        if self.backend != crate::supervisor::BackendKind::Local {
            t.push_str(&format!("backend = \"{}\"\n", self.backend.as_str()));
        }
        if crate::cluster::engine::description(&self.engine).finality.probabilistic {
            // k large enough that no partition of a few seconds makes a
            // block k-deep on a side that loses: pow allows that reversal,
            // and chaos looks for what no engine allows.
            t.push_str(&format!("\n[devnet.pow]\nblock_ms = {}\nk = 30\n", self.slot_ms));
        }
        t
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The scenario file for `s`.
pub fn write(s: &Schedule, settings: &Settings, name: &str, description: &str) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Written by `devnet chaos`; `devnet run` replays it.");
    let _ = writeln!(t, "name = {}", quote(name));
    let _ = writeln!(t, "description = {}", quote(description));
    let _ = writeln!(t, "duration = \"{}ms\"", s.duration_ms);
    let _ = writeln!(t, "seed = {}\n", s.seed);
    t.push_str(&settings.devnet_toml());
    for (i, e) in s.episodes.iter().enumerate() {
        for (what, at, line) in [("start", e.at_ms, e.fault.start()), ("undo", e.at_ms + e.for_ms, e.fault.undo())] {
            let _ = write!(t, "\n[[step]]\nname = \"e{}-{what}\"\nat = \"{at}ms\"\ninject = {}\n", i + 1, quote(&line));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::super::schedule::{Shape, generate};
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn the_file_parses_back_to_the_schedule_steps_in_order() {
        for engine in ["gasper", "tendermint", "pow"] {
            let settings =
                Settings { engine: engine.into(), nodes: 4, slot_ms: 200, epoch_slots: 4, backend: Default::default() };
            let shape = Shape { engine: engine.into(), nodes: 4, slot_ms: 200, epoch_slots: 4, duration_ms: 90_000 };
            let s = generate(5, &shape);
            let text = write(&s, &settings, "chaos-x", "a \"quoted\" description");
            let scn = Scenario::parse(&text, "chaos.toml".as_ref(), Default::default())
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(scn.duration.as_millis() as u64, s.duration_ms);
            assert_eq!(scn.seed, Some(5));
            assert_eq!(scn.devnet.consensus, engine);
            assert_eq!(scn.steps.len(), 2 * s.episodes.len());
            for (i, e) in s.episodes.iter().enumerate() {
                assert_eq!(scn.steps[2 * i].words.join(" "), e.fault.start());
                assert_eq!(scn.steps[2 * i + 1].words.join(" "), e.fault.undo());
                assert_eq!(
                    scn.steps[2 * i].when,
                    crate::scenario::file::When::Time(std::time::Duration::from_millis(e.at_ms))
                );
            }
        }
    }
}
