//! `devnet`: start a local devnet and watch it (`devnet up`), or run it headless.

use anyhow::Context;
use clap::{Parser, Subcommand};
use devnet::cluster_dir::default_data_dir;
use devnet::devnet::Devnet;
use devnet::duration::parse_duration;
use devnet::scenario::run::Output;
use devnet::supervisor::BackendKind;
use std::io::Write;
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
    /// Inject a fault into the running devnet, e.g. `crash n2`, `partition n0,n1,n2/n3`, `heal`,
    /// `latency n0 n1 200ms --jitter 50ms`, `equivocate n3` (see README, "Faults").
    /// Options (--data-dir, --config, --name, --engine; --control HOST:PORT --token-file F for a
    /// devnet elsewhere) go anywhere on the line; `devnet inject FAULT --help` documents one fault.
    Inject {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        remote: Remote,
        #[command(subcommand)]
        fault: devnet::faults::FaultCmd,
    },
    /// Run a scenario file: a fresh devnet, timed faults, checks; exit 0 when every check held,
    /// 1 when one failed, 2 for a bad scenario file.
    Run {
        scenario: PathBuf,
        /// Base config the scenario's [devnet] table overrides (default: built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Keep the cluster here (default: a temporary directory, removed afterwards).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// JSON lines: events, steps, and a closing verdict.
        #[arg(long)]
        json: bool,
        /// Run the nodes on this backend instead of the scenario's `backend`.
        #[arg(long)]
        backend: Option<BackendKind>,
    },
    /// Run one scenario on several engines and report them side by side, e.g.
    /// `devnet compare scenarios/partition-compare.toml --engines gasper,tendermint,pow`.
    ///
    /// Each engine gets a fresh cluster, one after another. The report: time to first finality,
    /// the longest finality stall while the fault is in force, the deepest reorg after heal,
    /// safety violations and reverted k-deep blocks, pass/fail per engine. Exit 0 when every
    /// engine passed, 1 otherwise, 2 for a bad file or engine list.
    Compare {
        scenario: PathBuf,
        /// Comma-separated engines (default: the scenario's `engines`, else every engine of this build).
        #[arg(long, value_name = "gasper,tendermint,pow")]
        engines: Option<String>,
        /// Base config the scenario's [devnet] table overrides (default: built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Keep the clusters here, one directory per engine (default: a temporary directory).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// JSON lines: a verdict per engine with its figures, then {"type":"compare",...}.
        #[arg(long)]
        json: bool,
        /// Run every engine's nodes on this backend instead of the scenario's `backend`.
        #[arg(long)]
        backend: Option<BackendKind>,
    },
    /// Run a real devnet under a random fault schedule drawn from a seed (crashes, pauses,
    /// partitions, one-way cuts, latency, loss, filters, clock skew, full and slow disks,
    /// Byzantine validators within the fault budget), always ending healed, with every always-on check. On a failed check,
    /// shrink the schedule (each candidate a fresh run) and write the smallest one that still
    /// fails as a scenario file `devnet run` replays. Exit 0 when every check held, 1 when one
    /// failed, 2 for bad input.
    Chaos {
        /// gasper, tendermint, pow, pbft or hotstuff (default: the config's `consensus`, else gasper).
        #[arg(long)]
        engine: Option<String>,
        /// The schedule's seed (default: drawn at random, and printed).
        #[arg(long)]
        seed: Option<u64>,
        /// How long the run lasts, its quiet end included (e.g. 90s, 10m).
        #[arg(long = "for", value_parser = parse_duration, default_value = "2m")]
        duration: Duration,
        /// Validators in the devnet.
        #[arg(long, default_value_t = 4)]
        nodes: usize,
        /// Slot length (block time for pow) in the chaos devnet.
        #[arg(long, value_parser = parse_duration, default_value = "200ms")]
        slot: Duration,
        /// Base config under the chaos settings (as `devnet run --config`; default: built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Keep the runs' clusters here (default: a temporary directory, removed afterwards).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Where the failing schedules are written as scenario files.
        #[arg(long, default_value = "chaos")]
        out: PathBuf,
        /// At most this many shrink candidates.
        #[arg(long, default_value_t = 30)]
        max_runs: usize,
        /// Runs of each shrink candidate before it counts as passing (for failures that need an
        /// unlucky interleaving).
        #[arg(long, default_value_t = 1)]
        tries: usize,
        /// JSON lines: the schedule, then {"type":"chaos_verdict",...}.
        #[arg(long)]
        json: bool,
        /// Print the schedule the seed draws and stop: nothing runs.
        #[arg(long)]
        dry_run: bool,
        /// What runs the nodes (default: the --config file's `backend`, else local); the
        /// scenario written for a failure names it.
        #[arg(long)]
        backend: Option<BackendKind>,
    },
    /// Write the faults injected by hand in a `devnet up` session (dashboard, command bar,
    /// `devnet inject`) as a scenario file that `devnet run` replays. RUN is a run directory
    /// (<cluster>/runs/<start>) or a cluster directory (its newest run).
    Record {
        run: PathBuf,
        /// Write the scenario here (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Write a self-contained HTML report of a recorded run: finality lag,
    /// heights, reorgs, failed rounds and transfers over time, with the fault
    /// windows shaded, and the checks. RUN is a run directory
    /// (<cluster>/runs/<start>) or a cluster directory (its newest run).
    Report {
        run: PathBuf,
        /// Write the report here (default: report.html in the run directory).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Print {"report": PATH} instead of a sentence.
        #[arg(long)]
        json: bool,
    },
    /// Open the dashboard on a recorded run, with a time scrubber (Space
    /// plays, h/l and H/L step 1 s and 10 s, n/N jump between faults). RUN is
    /// a run directory or a cluster directory (its newest run).
    Replay {
        run: PathBuf,
        /// Start here, in run time (`90s`, `1m30s`); with --json, the moment to print.
        #[arg(long, value_parser = parse_duration)]
        at: Option<Duration>,
        /// Print the view at --at (default: the end) as `devnet status --json` does, with no terminal.
        #[arg(long)]
        json: bool,
    },
    /// Open the dashboard of a devnet running elsewhere, through its control endpoint
    /// (`devnet up --control 0.0.0.0:7700` there): TLS pinned to the cluster's control.pem,
    /// the cluster's token. Copy `token` and `control.pem` from its cluster directory.
    Attach {
        /// The control endpoint, HOST:PORT (what `control.addr` says there, with a reachable host).
        addr: String,
        /// The cluster's `token` file.
        #[arg(long)]
        token_file: PathBuf,
        /// The cluster's `control.pem` (default: control.pem beside the token file).
        #[arg(long)]
        cert: Option<PathBuf>,
        /// Print the view once as `devnet status --json` does, with no terminal.
        #[arg(long)]
        json: bool,
        /// Leave the mouse to the terminal (text selection works; no clicking on panes).
        #[arg(long)]
        no_mouse: bool,
    },
    /// Show the running devnet: the same object as the headless summary with --json.
    Status {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        remote: Remote,
        #[arg(long)]
        json: bool,
    },
    /// Start (or resume) the devnet and open the dashboard.
    Up {
        /// Cluster config (default: ./devnet.toml, else the built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Where cluster directories live (default: the user's data dir + /devnet).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Run another engine than the config's `consensus` (gasper, tendermint,
        /// pow, pbft or hotstuff) on the same file; the cluster is then named NAME-ENGINE.
        #[arg(long)]
        engine: Option<String>,
        /// Wipe the cluster directory first: new keys, new genesis.
        #[arg(long)]
        fresh: bool,
        /// What runs the nodes: `local` processes, `docker` containers or `kubernetes` pods (default:
        /// the config's `backend`, else local). Docker builds the node image first when it is missing;
        /// kubernetes needs it loaded into the cluster (README, "Kubernetes").
        #[arg(long)]
        backend: Option<BackendKind>,
        /// Where the control endpoint listens (default: the config's `control`, else
        /// 127.0.0.1 on a free port). 0.0.0.0:PORT lets `devnet attach` reach it from elsewhere.
        #[arg(long, value_name = "ADDR")]
        control: Option<std::net::SocketAddr>,
        /// No terminal UI: print a status line per second (or JSON lines with --json).
        #[arg(long)]
        headless: bool,
        /// With --headless: stop after this long (e.g. 20s, 2m, 500ms).
        #[arg(long = "for", value_parser = parse_duration, requires = "headless")]
        duration: Option<Duration>,
        /// With --headless: one JSON object per event, and a final summary line.
        #[arg(long, requires = "headless")]
        json: bool,
        /// Leave the mouse to the terminal (text selection works; no clicking on panes).
        #[arg(long)]
        no_mouse: bool,
    },
    /// Build the docker image the docker backend runs, devnet-node:VERSION: FROM scratch with
    /// the devnet-node binary beside this devnet and the shared libraries ldd finds for it.
    Image {
        /// Print {"tag","id","files":[...]} instead of sentences.
        #[arg(long)]
        json: bool,
    },
    /// Write the Kubernetes objects of the devnet, the ones `up --backend kubernetes` applies itself,
    /// as YAML for people who apply them their own way.
    ///
    /// In the namespace devnet-NAME: a Service per node (a fixed cluster IP, see --service-ip), the
    /// ConfigMap devnet-files (genesis.json, nodes.json), a Secret per node (the cluster token and
    /// its key), a StatefulSet of one replica per node (pod NODE-0, its store on a 1 Gi claim).
    /// Apply them in that order: with -o DIR the files are named in it and `kubectl apply -f DIR`
    /// keeps it; without, one multi-document stream goes to standard output (`| kubectl apply -f -`).
    /// The cluster directory is created (or resumed) as `devnet up` would: the same keys, token and
    /// genesis. The image devnet-node:VERSION must be loaded into the cluster first (`devnet image`,
    /// then `kind load docker-image devnet-node:VERSION` or the like). README, "Kubernetes".
    Manifests {
        /// What the manifests are for; only `kubernetes` has any.
        #[arg(long, default_value = "kubernetes")]
        backend: BackendKind,
        /// Write one file per object into this directory (its earlier NN-kind-name.yaml files are replaced).
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
        /// Cluster config (default: ./devnet.toml, else the built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Another engine than the config's `consensus`; the cluster is then named NAME-ENGINE.
        #[arg(long)]
        engine: Option<String>,
        /// Where cluster directories live (default: the user's data dir + /devnet).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Wipe the cluster directory first: new keys, new genesis.
        #[arg(long)]
        fresh: bool,
        /// Node 0's Service IP; node i gets this + i. It must lie in the cluster's service range
        /// (kind, kubeadm: 10.96.0.0/12; k3s: 10.43.0.0/16, so 10.43.0.64).
        #[arg(long, value_name = "IP", default_value_t = devnet::supervisor::kubernetes::written::DEFAULT_FIRST_IP)]
        service_ip: std::net::Ipv4Addr,
    },
    /// List the clusters under the data dir: name, engine, running or not, control address, age.
    Ls {
        /// Where cluster directories live (default: the user's data dir + /devnet).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// One JSON object {"data_dir":...,"clusters":[...]}.
        #[arg(long)]
        json: bool,
    },
    /// Write a commented devnet.toml with every key at its default.
    Init {
        /// Where to write it.
        #[arg(default_value = "devnet.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Look at the test accounts and send transfers on the running devnet: `tx accounts`,
    /// `tx transfer FROM TO AMOUNT`, `tx status ID`, `tx account N`.
    Tx {
        #[command(subcommand)]
        command: TxCommand,
    },
    /// Open-loop transfer load on the running devnet, e.g. `devnet load --rate 500 --for 30s`,
    /// then a report that accounts for every transfer: admitted, rejected by reason, final,
    /// pending, expired, lost; finalized TPS; submit→included and submit→final latency.
    /// Ctrl-C stops sending and reports what it has.
    Load {
        #[command(flatten)]
        target: Target,
        /// Transfers a second, sent on schedule whatever the replies.
        #[arg(long)]
        rate: f64,
        /// How long to send for (e.g. 30s, 2m).
        #[arg(long = "for", value_parser = parse_duration)]
        duration: Duration,
        /// Sending accounts 0..N (default: the genesis accounts, at most 100).
        #[arg(long)]
        accounts: Option<u32>,
        /// Nodes to send to, round-robin (default: every node).
        #[arg(long, value_delimiter = ',', value_name = "n0,n2")]
        node: Vec<String>,
        /// After the window, wait at most this long for outstanding transfers.
        #[arg(long, value_parser = parse_duration, default_value = "30s")]
        drain: Duration,
        /// One JSON object {"type":"load",...} instead of the text report.
        #[arg(long)]
        json: bool,
    },
}

/// `devnet tx` subcommands. Exit codes: 0 done (transfer: final); 1 admitted but rejected,
/// expired or not final in time, or the node was full or unreachable; 2 refused as given.
#[derive(Subcommand, Debug)]
enum TxCommand {
    /// The accounts: index, balance and nonce at the final state, public key.
    Accounts {
        #[command(flatten)]
        opts: TxOpts,
        /// Show at most this many (from account 0).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Sign a transfer with FROM's test key, submit it, and wait until it is final.
    Transfer {
        #[command(flatten)]
        opts: TxOpts,
        from: u32,
        to: u32,
        amount: u64,
        /// The sender's nonce (default: its next nonce on the node).
        #[arg(long)]
        nonce: Option<u64>,
        /// Print the id and exit without waiting.
        #[arg(long)]
        no_wait: bool,
        /// Give up waiting for finality after this long.
        #[arg(long, value_parser = parse_duration, default_value = "30s")]
        timeout: Duration,
    },
    /// What became of a transfer, by its id (64 hex digits).
    Status {
        #[command(flatten)]
        opts: TxOpts,
        id: String,
    },
    /// One account: final balance and nonce, and counting the node's pending transfers.
    Account {
        #[command(flatten)]
        opts: TxOpts,
        account: u32,
    },
}

#[derive(clap::Args, Debug)]
struct TxOpts {
    #[command(flatten)]
    target: Target,
    /// The node to ask.
    #[arg(long, default_value = "n0")]
    node: String,
    #[arg(long)]
    json: bool,
}

/// Which running devnet a command talks to: DATA_DIR/NAME, NAME from --name,
/// else from --config/--engine, else the one running cluster (see `devnet::target`).
#[derive(clap::Args, Debug)]
struct Target {
    /// Config file whose `name` picks the cluster (default: ./devnet.toml, else the defaults).
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Cluster name (default: from --config/--engine, else the one running cluster).
    #[arg(long)]
    name: Option<String>,
    /// The devnet was started with `up --engine ENGINE` (its cluster is NAME-ENGINE).
    #[arg(long)]
    engine: Option<String>,
}

impl Target {
    fn cluster_dir(&self) -> anyhow::Result<PathBuf> {
        let data_dir = match &self.data_dir {
            Some(d) => d.clone(),
            None => default_data_dir()?,
        };
        let args = devnet::target::TargetArgs {
            config: self.config.as_deref(),
            name: self.name.as_deref(),
            engine: self.engine.as_deref(),
        };
        devnet::target::resolve(&data_dir, &args)
    }
}

/// A devnet on another machine, reached through its control endpoint as
/// `devnet attach` reaches it, instead of a cluster directory here.
#[derive(clap::Args, Debug)]
struct Remote {
    /// The control endpoint of a devnet elsewhere, HOST:PORT (`devnet up --control` there);
    /// with --token-file.
    #[arg(long, value_name = "HOST:PORT", requires = "token_file")]
    control: Option<String>,
    /// That cluster's `token` file (with --control).
    #[arg(long, requires = "control")]
    token_file: Option<PathBuf>,
    /// That cluster's `control.pem` (with --control; default: control.pem beside the token file).
    #[arg(long, requires = "control")]
    cert: Option<PathBuf>,
}

/// A client of the devnet `remote` names, else of the one `target` picks here.
async fn control_client(target: &Target, remote: Remote) -> anyhow::Result<devnet::control::Client> {
    match (remote.control, remote.token_file) {
        (Some(addr), Some(token_file)) => {
            devnet::control::connect_remote(&addr, &token_file, remote.cert.as_deref()).await
        }
        _ => devnet::control::connect(&target.cluster_dir()?).await,
    }
}

/// Where `run` and `compare` put their clusters: `--data-dir`, or a
/// directory of their own under the system temp dir, removed when done.
struct RunDir {
    path: PathBuf,
    temporary: bool,
}

impl RunDir {
    fn new(data_dir: Option<PathBuf>, command: &str) -> RunDir {
        match data_dir {
            Some(path) => RunDir { path, temporary: false },
            None => RunDir {
                path: std::env::temp_dir().join(format!("devnet-{command}-{}", std::process::id())),
                temporary: true,
            },
        }
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The command line, with `inject`'s options (the `Target`) made global so
/// they may follow the fault's words (`devnet inject crash n2 --data-dir D`).
fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().mut_subcommand("inject", |c| c.mut_args(|a| a.global(true)))
}

fn main() {
    let cli = {
        use clap::FromArgMatches;
        let matches = command().get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    };
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
        Command::Inject { target, remote, fault } => {
            let words = fault.words();
            let mut client = control_client(&target, remote).await?;
            match client.inject(devnet_proto::v1::InjectRequest { words }).await {
                Ok(r) => {
                    println!("{}", r.into_inner().message);
                    Ok(0)
                }
                Err(s) if s.code() == tonic::Code::InvalidArgument => {
                    eprintln!("devnet inject: {}", s.message());
                    Ok(2)
                }
                Err(s) => anyhow::bail!("the devnet refused: {}", s.message()),
            }
        }
        Command::Run { scenario, config, data_dir, json, backend } => {
            let scn = match devnet::scenario::Scenario::load(&scenario, config.as_deref()) {
                Ok(mut s) => {
                    if let Some(b) = backend {
                        s.devnet.backend = b;
                    }
                    s
                }
                Err(e) => {
                    eprintln!("devnet run: {e}");
                    return Ok(2);
                }
            };
            let dir = RunDir::new(data_dir, "run");
            let output = if json { Output::Json } else { Output::Human };
            let outcome = devnet::scenario::run::execute(&scn, &dir.path, output).await?;
            if let Some(record) = &outcome.record {
                let kept = if dir.temporary {
                    devnet::run_record::keep(record, &default_data_dir()?.join(devnet::run_record::RUNS), &scn.name)
                        .with_context(|| format!("keeping the run record {}", record.display()))?
                } else {
                    record.clone()
                };
                eprintln!("run record: {} (`devnet report` or `devnet replay` it)", kept.display());
            }
            Ok(if outcome.passed { 0 } else { 1 })
        }
        Command::Report { run, out, json } => match devnet::report::write(&run, out.as_deref()) {
            Ok(path) => {
                if json {
                    println!("{}", serde_json::json!({"report": path}));
                } else {
                    println!("devnet report: wrote {}", path.display());
                }
                Ok(0)
            }
            Err(e) => {
                eprintln!("devnet report: {e}");
                Ok(2)
            }
        },
        Command::Attach { addr, token_file, cert, json, no_mouse } => {
            let mut attached = match devnet::attach::Attached::open(&addr, &token_file, cert.as_deref()).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("devnet attach: {e:#}");
                    return Ok(2);
                }
            };
            if json {
                attached.catch_up().await?;
                let _ = writeln!(std::io::stdout(), "{}", attached.summary());
                return Ok(0);
            }
            let keymap = devnet::keymap::KeyMap::load().map_err(anyhow::Error::msg)?;
            attached.run(keymap, !no_mouse).await.map(|()| 0)
        }
        Command::Replay { run, at, json } => {
            let mut replay = match devnet::replay::Replay::open(&run) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("devnet replay: {e}");
                    return Ok(2);
                }
            };
            if json {
                let at = at.map_or(replay.duration_ms(), |d| d.as_millis() as u64);
                replay.seek(at);
                let mut s = devnet::cluster::json::summary(&replay.view, replay.now_ms());
                s["replay_ms"] = replay.position_ms().into();
                // A closed pipe (`| head`) is not an error worth a panic.
                let _ = writeln!(std::io::stdout(), "{s}");
                return Ok(0);
            }
            let keymap = devnet::keymap::KeyMap::load().map_err(anyhow::Error::msg)?;
            let start = at.map_or(0, |d| d.as_millis() as u64);
            devnet::replay::app::run(replay, keymap, start).await.map(|()| 0)
        }
        Command::Record { run, out } => {
            let text = devnet::run_record::find_run(&run).and_then(|dir| devnet::run_record::to_scenario(&dir));
            match (text, out) {
                (Err(e), _) => {
                    eprintln!("devnet record: {e}");
                    Ok(2)
                }
                (Ok(t), None) => {
                    print!("{t}");
                    Ok(0)
                }
                (Ok(t), Some(path)) => {
                    std::fs::write(&path, t).with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("devnet record: wrote {}; replay with `devnet run {}`", path.display(), path.display());
                    Ok(0)
                }
            }
        }
        Command::Chaos {
            engine,
            seed,
            duration,
            nodes,
            slot,
            config,
            data_dir,
            out,
            max_runs,
            tries,
            json,
            dry_run,
            backend,
        } => {
            let base = match &config {
                Some(c) => {
                    devnet::config::DevnetConfig::load(c).map(|c| (c.consensus, c.backend)).map_err(|e| e.to_string())
                }
                None => Ok(("gasper".to_string(), BackendKind::Local)),
            };
            let (engine, backend) = match (engine, base) {
                (e, Ok((base_engine, base_backend))) => (e.unwrap_or(base_engine), backend.unwrap_or(base_backend)),
                (_, Err(e)) => {
                    eprintln!("devnet chaos: {e}");
                    return Ok(2);
                }
            };
            if !devnet::scenario::file::SCENARIO_ENGINES.contains(&engine.as_str()) || nodes < 2 {
                eprintln!(
                    "devnet chaos: expected --engine one of {} and --nodes 2 or more; got {engine} and {nodes}",
                    devnet::scenario::file::SCENARIO_ENGINES.join(", ")
                );
                return Ok(2);
            }
            let seed = seed.unwrap_or_else(rand::random);
            let slot_ms = (slot.as_millis() as u64).max(20);
            let epoch_slots = if devnet::cluster::engine::description(&engine).epochs { 4 } else { 1 };
            let settings = devnet::chaos::scenario_file::Settings { engine, nodes, slot_ms, epoch_slots, backend };
            let dir = RunDir::new(data_dir, "chaos");
            let args = devnet::chaos::run::ChaosArgs {
                settings,
                seed,
                duration_ms: duration.as_millis() as u64,
                json,
                config,
                data_dir: dir.path.clone(),
                out,
                max_runs,
                tries,
                dry_run,
            };
            devnet::chaos::run::chaos(args).await
        }
        Command::Compare { scenario, engines, config, data_dir, json, backend } => {
            use devnet::scenario::compare;
            let loaded = devnet::scenario::Scenario::load(&scenario, config.as_deref())
                .map_err(|e| e.to_string())
                .and_then(|s| compare::pick(engines.as_deref(), &s.engines))
                .and_then(|(picked, missing)| {
                    if !missing.is_empty() {
                        eprintln!("devnet compare: skipping {}: not in this build", missing.join(", "));
                    }
                    compare::load(&scenario, config.as_deref(), &picked).map_err(|e| e.to_string())
                });
            let mut scns = match loaded {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("devnet compare: {e}");
                    return Ok(2);
                }
            };
            if let Some(b) = backend {
                scns.iter_mut().for_each(|s| s.devnet.backend = b);
            }
            let dir = RunDir::new(data_dir, "compare");
            let passed = devnet::scenario::compare::run(&scns, &dir.path, json).await;
            Ok(if passed? { 0 } else { 1 })
        }
        Command::Status { target, remote, json } => {
            let mut client = control_client(&target, remote).await?;
            let text = client.status(devnet_proto::v1::ClusterStatusRequest {}).await?.into_inner().json;
            if json {
                println!("{text}");
            } else {
                let v: serde_json::Value = serde_json::from_str(&text)?;
                println!("{}", devnet::headless::status_from_summary(&v));
            }
            Ok(0)
        }
        Command::Tx { command } => {
            use devnet::tx_cli::TxRequest;
            let (opts, req) = match command {
                TxCommand::Accounts { opts, limit } => (opts, TxRequest::Accounts { limit }),
                TxCommand::Transfer { opts, from, to, amount, nonce, no_wait, timeout } => {
                    (opts, TxRequest::Transfer { from, to, amount, nonce, wait: (!no_wait).then_some(timeout) })
                }
                TxCommand::Status { opts, id } => (opts, TxRequest::Status { id }),
                TxCommand::Account { opts, account } => (opts, TxRequest::Account { account }),
            };
            devnet::tx_cli::run(&opts.target.cluster_dir()?, &opts.node, opts.json, req).await
        }
        Command::Load { target, rate, duration, accounts, node, drain, json } => {
            let opts = devnet::load::LoadOpts { rate, window: duration, accounts, nodes: node, drain, json };
            devnet::load::run(&target.cluster_dir()?, opts).await
        }
        Command::Ls { data_dir, json } => {
            let data_dir = match data_dir {
                Some(d) => d,
                None => default_data_dir()?,
            };
            devnet::ls::run(&data_dir, json)
        }
        Command::Init { path, force } => devnet::init::run(&path, force),
        Command::Manifests { backend, out, config, engine, data_dir, fresh, service_ip } => {
            if backend != BackendKind::Kubernetes {
                eprintln!("devnet manifests: only --backend kubernetes has manifests (found {})", backend.as_str());
                return Ok(2);
            }
            let (cfg, _) = devnet::config_file::pick(config.as_deref(), engine.as_deref())?;
            let data_dir = match data_dir {
                Some(d) => d,
                None => default_data_dir()?,
            };
            let written =
                devnet::supervisor::kubernetes::written::run(&cfg, &data_dir, fresh, service_ip, out.as_deref())?;
            if let Some(yaml) = written.yaml {
                // A closed pipe (`| head`) is not an error worth a panic.
                let _ = std::io::stdout().write_all(yaml.as_bytes());
            }
            eprintln!("{}", written.notice);
            Ok(0)
        }
        Command::Image { json } => {
            use devnet::supervisor::docker;
            let binary = devnet::supervisor::node_binary()?;
            let engine = docker::connect().await?;
            let built = docker::image::build(&engine, &binary).await?;
            if json {
                let files: Vec<_> = built
                    .files
                    .iter()
                    .map(|f| serde_json::json!({"path": f.inside, "from": f.from, "bytes": f.bytes}))
                    .collect();
                let v = serde_json::json!({"tag": built.tag, "id": built.id, "binary_sha256": built.binary_sha256, "files": files});
                println!("{v}");
            } else {
                println!("{built}");
            }
            Ok(0)
        }
        Command::Up { config, engine, data_dir, fresh, backend, control, headless, duration, json, no_mouse } => {
            let (mut cfg, source) = devnet::config_file::pick(config.as_deref(), engine.as_deref())?;
            if let Some(b) = backend {
                cfg.backend = b;
            }
            if let Some(c) = control {
                cfg.control = c;
            }
            if source == devnet::config_file::Source::Defaults {
                eprintln!("{}", devnet::config_file::defaults_notice(&cfg));
            }
            // A bad keys.toml is refused before anything starts.
            let keymap = if headless {
                Default::default()
            } else {
                devnet::keymap::KeyMap::load().map_err(anyhow::Error::msg)?
            };
            let data_dir = match data_dir {
                Some(d) => d,
                None => default_data_dir()?,
            };
            let mut devnet = Devnet::up(&cfg, &data_dir, fresh).await.context("starting the devnet")?;
            let config_text = match &source {
                devnet::config_file::Source::Explicit(p) | devnet::config_file::Source::Found(p) => {
                    std::fs::read_to_string(p).unwrap_or_default()
                }
                devnet::config_file::Source::Defaults => String::new(),
            };
            devnet.record_run(&config_text, None);
            if headless {
                devnet::headless::run(devnet, duration, json).await
            } else {
                devnet::app::run(devnet, keymap, !no_mouse).await.map(|()| 0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        use clap::FromArgMatches;
        let m = command().try_get_matches_from(std::iter::once("devnet").chain(args.iter().copied()))?;
        Cli::from_arg_matches(&m)
    }

    #[test]
    fn inject_options_go_anywhere_on_the_line() {
        for args in [
            &["inject", "crash", "n2", "--data-dir", "/d"][..],
            &["inject", "--data-dir", "/d", "crash", "n2"],
            &["inject", "crash", "--data-dir", "/d", "n2"],
        ] {
            let Ok(Cli { command: Command::Inject { target, fault, .. } }) = parse(args) else { panic!("{args:?}") };
            assert_eq!(target.data_dir, Some(PathBuf::from("/d")), "{args:?}");
            assert_eq!(fault.words(), ["crash", "n2"]);
        }
        let Ok(Cli { command: Command::Inject { target, fault, .. } }) =
            parse(&["inject", "latency", "n0", "n1", "200ms", "--name", "x", "--jitter", "50ms"])
        else {
            panic!()
        };
        assert_eq!(target.name.as_deref(), Some("x"));
        assert_eq!(fault.words(), ["latency", "n0", "n1", "200ms", "--jitter", "50ms"]);
        let Ok(Cli { command: Command::Inject { fault, .. } }) = parse(&["inject", "skew", "n1", "-500ms"]) else {
            panic!()
        };
        assert_eq!(fault.words(), ["skew", "n1", "-500ms"]);
        let Ok(Cli { command: Command::Inject { remote, fault, .. } }) =
            parse(&["inject", "heal", "--control", "h:7700", "--token-file", "t"])
        else {
            panic!()
        };
        assert_eq!((remote.control.as_deref(), fault.words()), (Some("h:7700"), vec!["heal".to_string()]));
        let e = parse(&["inject", "heal", "--control", "h:7700"]).unwrap_err().to_string();
        assert!(e.contains("--token-file"), "{e}");
    }

    #[test]
    fn inject_help_lists_the_faults_and_documents_each() {
        let e = parse(&["inject", "--help"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
        let help = e.to_string();
        for fault in devnet::faults::grammar::names() {
            assert!(help.contains(&format!("  {fault} ")), "{fault} missing from\n{help}");
        }
        let help = parse(&["inject", "latency", "--help"]).unwrap_err().to_string();
        assert!(help.contains("Delay each message on the directed links"), "{help}");
        assert!(help.contains("--jitter <DURATION>"), "{help}");
        assert!(help.contains("--data-dir"), "the target options are documented per fault too:\n{help}");
        let bad = parse(&["inject", "latency", "n0", "n1", "fast"]).unwrap_err().to_string();
        assert!(bad.contains("expected a duration like 500ms"), "{bad}");
    }

    #[test]
    fn backend_on_the_command_line() {
        let Ok(Cli { command: Command::Up { backend, .. } }) = parse(&["up", "--headless", "--backend", "docker"])
        else {
            panic!()
        };
        assert_eq!(backend, Some(BackendKind::Docker));
        let Ok(Cli { command: Command::Up { backend, .. } }) = parse(&["up"]) else { panic!() };
        assert_eq!(backend, None, "the config's `backend` decides");
        let Ok(Cli { command: Command::Run { backend, .. } }) = parse(&["run", "--backend", "local", "s.toml"]) else {
            panic!()
        };
        assert_eq!(backend, Some(BackendKind::Local));
        let Ok(Cli { command: Command::Compare { backend, .. } }) =
            parse(&["compare", "s.toml", "--backend", "docker"])
        else {
            panic!()
        };
        assert_eq!(backend, Some(BackendKind::Docker));
        let Ok(Cli { command: Command::Chaos { backend, .. } }) = parse(&["chaos", "--backend", "docker"]) else {
            panic!()
        };
        assert_eq!(backend, Some(BackendKind::Docker));
        let Ok(Cli { command: Command::Up { control, .. } }) = parse(&["up", "--control", "0.0.0.0:7700"]) else {
            panic!()
        };
        assert_eq!(control.map(|c| c.to_string()).as_deref(), Some("0.0.0.0:7700"));
        let Ok(Cli { command: Command::Attach { addr, cert, .. } }) =
            parse(&["attach", "--token-file", "t", "h:1", "--cert", "c.pem"])
        else {
            panic!()
        };
        assert_eq!((addr.as_str(), cert.as_deref()), ("h:1", Some(std::path::Path::new("c.pem"))));
        let Ok(Cli { command: Command::Up { backend, .. } }) = parse(&["up", "--backend", "kubernetes"]) else {
            panic!()
        };
        assert_eq!(backend, Some(BackendKind::Kubernetes));
        let e = parse(&["up", "--backend", "k8s"]).unwrap_err().to_string();
        assert!(e.contains("expected one of local, docker, kubernetes, found \"k8s\""), "{e}");
        let Ok(Cli { command: Command::Manifests { backend, out, service_ip, .. } }) =
            parse(&["manifests", "--backend", "kubernetes", "-o", "k8s"])
        else {
            panic!()
        };
        assert_eq!((backend, out), (BackendKind::Kubernetes, Some(PathBuf::from("k8s"))));
        assert_eq!(service_ip.to_string(), "10.96.0.64");
    }

    #[test]
    fn durations_on_the_command_line() {
        let Ok(Cli { command: Command::Up { duration, .. } }) = parse(&["up", "--headless", "--for", "1m30s"]) else {
            panic!()
        };
        assert_eq!(duration, Some(Duration::from_secs(90)));
        let e = parse(&["up", "--headless", "--for", "3"]).unwrap_err().to_string();
        assert!(e.contains("time unit needed"), "{e}");
    }
}
