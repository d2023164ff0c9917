//! `devnet`: start a local devnet and watch it (`devnet up`), or run it headless.

use anyhow::Context;
use clap::{Parser, Subcommand};
use devnet::cluster_dir::default_data_dir;
use devnet::config::DevnetConfig;
use devnet::devnet::Devnet;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "devnet",
    version,
    about = "Local devnet orchestrator and terminal dashboard for blockchain consensus."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start (or resume) the devnet and open the dashboard.
    Up {
        /// Cluster config.
        #[arg(long, default_value = "devnet.toml")]
        config: PathBuf,
        /// Where cluster directories live (default: the user's data dir + /devnet).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Wipe the cluster directory first: new keys, new genesis.
        #[arg(long)]
        fresh: bool,
        /// No terminal UI: print a status line per second (or JSON lines with --json).
        #[arg(long)]
        headless: bool,
        /// With --headless: stop after this long (e.g. 20s, 2m, 500ms).
        #[arg(long = "for", value_parser = parse_duration, requires = "headless")]
        duration: Option<Duration>,
        /// With --headless: one JSON object per event, and a final summary line.
        #[arg(long, requires = "headless")]
        json: bool,
    },
}

/// `500ms`, `20s`, `2m`, `1h`, or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit() && c != '.').map_or((s, "s"), |i| s.split_at(i));
    let n: f64 = num.parse().map_err(|_| format!("expected a duration like 500ms, 20s or 2m, found {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}; use ms, s, m or h")),
    };
    Ok(Duration::from_secs_f64(secs))
}

fn main() {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    let code = match rt.map_err(anyhow::Error::from).and_then(|rt| rt.block_on(run(cli))) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("devnet: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Up { config, data_dir, fresh, headless, duration, json } => {
            let cfg = DevnetConfig::load(&config)?;
            let data_dir = match data_dir {
                Some(d) => d,
                None => default_data_dir()?,
            };
            let devnet = Devnet::up(&cfg, &data_dir, fresh).await.context("starting the devnet")?;
            if headless {
                devnet::headless::run(devnet, duration, json).await
            } else {
                devnet::app::run(devnet).await.map(|()| 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("3 parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("fast").is_err());
    }
}
