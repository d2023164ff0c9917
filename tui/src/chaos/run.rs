//! `devnet chaos`: draw a schedule from the seed, run it on a real devnet
//! as a scenario (the same runner as `devnet run`), and when a check fails,
//! shrink the schedule (each candidate a fresh real run) and write the
//! smallest one that still fails the same check as a scenario file.
//!
//! A candidate "still fails" when one of the checks that failed the first
//! run fails again (liveness only when nothing else failed): shrinking
//! keeps to the failure that was found, not any failure. A failure that
//! needs an unlucky interleaving of real processes may not repeat on every
//! run, so a candidate may get several runs (`tries`) to show it. At most
//! `max_runs` candidates run; the smallest failing so far is written
//! whenever the budget ends. A run that passes leaves no file behind.

use super::scenario_file::{self, Settings};
use super::schedule::{self, Schedule, Shape};
use super::shrink::Shrinker;
use crate::scenario::Scenario;
use crate::scenario::run::{Output, execute};
use serde_json::json;
use std::path::{Path, PathBuf};

pub struct ChaosArgs {
    pub settings: Settings,
    pub seed: u64,
    pub duration_ms: u64,
    pub json: bool,
    /// Base config under the chaos `[devnet]` table (as `devnet run --config`).
    pub config: Option<PathBuf>,
    /// Where the runs' clusters go.
    pub data_dir: PathBuf,
    /// Where the scenario files go.
    pub out: PathBuf,
    pub max_runs: usize,
    /// Runs of each candidate before it counts as passing.
    pub tries: usize,
    /// Print the schedule and stop: nothing runs.
    pub dry_run: bool,
}

/// A line for people (not with `--json`); a closed stdout is not an error.
fn say(args: &ChaosArgs, line: &str) {
    if !args.json {
        emit(line);
    }
}

fn emit(line: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{line}");
    let _ = o.flush();
}

fn describe(s: &Schedule) -> Vec<String> {
    s.episodes
        .iter()
        .map(|e| {
            format!(
                "  {:>7.1}s  {} for {:.1}s, then {}",
                e.at_ms as f64 / 1000.0,
                e.fault.start(),
                e.for_ms as f64 / 1000.0,
                e.fault.undo()
            )
        })
        .collect()
}

fn episodes_json(s: &Schedule) -> Vec<serde_json::Value> {
    s.episodes
        .iter()
        .map(|e| json!({"at_ms": e.at_ms, "for_ms": e.for_ms, "inject": e.fault.start(), "undo": e.fault.undo()}))
        .collect()
}

/// Writes `s` as a scenario file under `args.out`; its path.
fn write_file(args: &ChaosArgs, s: &Schedule, tag: &str, description: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(&args.out).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.out.display()))?;
    let name = format!("chaos-{}-seed{}-{tag}", args.settings.engine, args.seed);
    let path = args.out.join(format!("{name}.toml"));
    let text = scenario_file::write(s, &args.settings, &name, description);
    std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs the scenario file at `path`; the names of the checks that failed.
async fn run_file(args: &ChaosArgs, path: &Path, run: usize, output: Output) -> anyhow::Result<Vec<String>> {
    let scn = Scenario::load(path, args.config.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dir = args.data_dir.join(format!("run{run}"));
    let outcome = execute(&scn, &dir, output).await?;
    // A failing run's record is kept beside the scenario files, for `devnet report`.
    if !outcome.passed
        && let Some(record) = &outcome.record
    {
        match crate::run_record::keep(record, &args.out.join(crate::run_record::RUNS), &scn.name) {
            Ok(kept) => eprintln!("  run record: {}", kept.display()),
            Err(e) => eprintln!("  the run record {} could not be kept: {e}", record.display()),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(outcome.checks.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.name, c.detail)).collect())
}

fn check_name(failure: &str) -> &str {
    failure.split(':').next().unwrap_or(failure)
}

/// The whole command; its exit code (0 every check held, 1 one failed).
pub async fn chaos(args: ChaosArgs) -> anyhow::Result<i32> {
    let st = &args.settings;
    let shape = Shape {
        engine: st.engine.clone(),
        nodes: st.nodes,
        slot_ms: st.slot_ms,
        epoch_slots: st.epoch_slots,
        duration_ms: args.duration_ms,
    };
    let schedule = schedule::generate(args.seed, &shape);
    say(
        &args,
        &format!(
            "chaos: {} on {} nodes, seed {}, {:.0}s: {} episodes, then {:.0}s quiet",
            st.engine,
            st.nodes,
            args.seed,
            args.duration_ms as f64 / 1000.0,
            schedule.episodes.len(),
            schedule.settle_ms as f64 / 1000.0
        ),
    );
    for line in describe(&schedule) {
        say(&args, &line);
    }
    if args.dry_run {
        if args.json {
            emit(&json!({"type": "chaos", "engine": st.engine, "seed": args.seed, "duration_ms": schedule.duration_ms, "episodes": episodes_json(&schedule)}).to_string());
        }
        return Ok(0);
    }
    let description = format!("devnet chaos, {} seed {}: the drawn schedule", st.engine, args.seed);
    let path = write_file(&args, &schedule, "full", &description)?;
    if args.json {
        emit(&json!({"type": "chaos", "engine": st.engine, "seed": args.seed, "duration_ms": schedule.duration_ms, "episodes": episodes_json(&schedule), "scenario": path}).to_string());
    }
    let output = if args.json { Output::Quiet } else { Output::Human };
    let failures = run_file(&args, &path, 0, output).await?;
    if failures.is_empty() {
        let _ = std::fs::remove_file(&path);
        // Only when empty: the directory may hold earlier failures.
        let _ = std::fs::remove_dir(&args.out);
        say(&args, &format!("chaos: seed {} passed: every check held", args.seed));
        if args.json {
            emit(&json!({"type": "chaos_verdict", "seed": args.seed, "passed": true}).to_string());
        }
        return Ok(0);
    }
    // Shrink toward the failures that name a cause: a liveness failure that
    // comes with another is most often its consequence (slashed validators
    // stop finality), and liveness alone is the one a loaded machine can
    // fail by chance.
    let all: Vec<String> = failures.iter().map(|f| check_name(f).to_string()).collect();
    let causes: Vec<String> = all.iter().filter(|n| *n != "liveness").cloned().collect();
    let wanted = if causes.is_empty() { all } else { causes };
    say(&args, &format!("chaos: seed {} FAILED: {}", args.seed, failures.join("; ")));
    say(&args, &format!("chaos: the full schedule is {}; shrinking (at most {} runs)", path.display(), args.max_runs));
    let mut sh = Shrinker::new(schedule.clone());
    while sh.runs < args.max_runs
        && let Some(c) = sh.next_candidate()
    {
        let p = write_file(&args, &c, "candidate", "a shrink candidate")?;
        // A failure that needs an unlucky interleaving may not show on
        // every run: a candidate gets up to `tries` runs to show it.
        let mut still = false;
        for _ in 0..args.tries.max(1) {
            let got = run_file(&args, &p, sh.runs, Output::Quiet).await?;
            still = got.iter().any(|f| wanted.iter().any(|w| w == check_name(f)));
            if still {
                break;
            }
        }
        say(
            &args,
            &format!(
                "  shrink run {}: {} episodes, {:.1}s: {}",
                sh.runs,
                c.episodes.len(),
                c.duration_ms as f64 / 1000.0,
                if still { "still fails" } else { "passes" }
            ),
        );
        sh.report(c, still);
        let _ = std::fs::remove_file(&p);
    }
    let best = sh.best().clone();
    let description = format!(
        "devnet chaos, {} seed {}: the smallest schedule found that fails {} ({} of {} episodes)",
        st.engine,
        args.seed,
        wanted.join(", "),
        best.episodes.len(),
        schedule.episodes.len()
    );
    let min = write_file(&args, &best, "min", &description)?;
    say(
        &args,
        &format!("chaos: smallest failing schedule ({}):", crate::words::plural(best.episodes.len() as u64, "episode")),
    );
    for line in describe(&best) {
        say(&args, &line);
    }
    let config = args.config.as_ref().map(|c| format!(" --config {}", c.display())).unwrap_or_default();
    say(&args, &format!("chaos: written to {}; replay with `devnet run {}{config}`", min.display(), min.display()));
    if args.json {
        emit(&json!({"type": "chaos_verdict", "seed": args.seed, "passed": false, "failed": failures, "scenario": path, "shrunk": min, "episodes": best.episodes.len(), "shrink_runs": sh.runs}).to_string());
    }
    Ok(1)
}
