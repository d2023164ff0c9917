//! `devnet attach ADDR --token-file F`: the dashboard of a devnet that runs
//! elsewhere (another machine, another network namespace), through its
//! control endpoint only.
//!
//! Rules:
//! - One connection, the control endpoint's (TLS, the pinned `control.pem`,
//!   the cluster token; `control`). The nodes need not be reachable from
//!   here: the view comes from the devnet's own record of its run, streamed
//!   (`Watch`): the run's genesis and node list, every line recorded so far,
//!   then each new line. The view is folded from those lines exactly as
//!   `devnet replay` folds a recorded run, so it is the view the devnet's
//!   own dashboard shows.
//! - Faults (keys, the command bar) go to the devnet as `devnet inject`
//!   words; it runs them through its one executor and says why when it
//!   refuses one. A node's log is read from the devnet (`NodeLog`).
//! - Ages and lags are drawn on the devnet's clock: the offset between its
//!   clock and ours is taken when the watch begins.
//! - A line that does not decode is said in the event log and left out; the
//!   end of the stream (the devnet stopped, or dropped this watcher for
//!   falling behind) is said there too, and the last view stays on screen.
//! - The command bar's history is kept per address under the user's data
//!   directory (`attach/<addr>.history`).

use crate::app::{DETAIL_LINES, Source, VIEWER_LINES};
use crate::cluster::{ClusterView, LogKind};
use crate::control::{self, Client};
use crate::devnet::{initial_view, now_ms};
use crate::run_record::stream;
use anyhow::Context;
use devnet_node::chain::ChainSpec;
use devnet_node::config::ClusterNodes;
use devnet_proto::v1 as pb;
use pb::cluster_line::Kind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a log read may hold the dashboard.
const LOG_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Attached {
    client: Client,
    /// None once the devnet ended the stream.
    lines: Option<tonic::Streaming<pb::ClusterLine>>,
    pub view: ClusterView,
    /// The devnet's clock minus ours, in ms.
    offset_ms: i64,
    /// Every line recorded before the watch began has been applied.
    pub caught_up: bool,
    pub addr: String,
    /// The cluster directory on the devnet's machine.
    pub cluster_dir: String,
}

pub enum Input {
    Line(String),
    CaughtUp,
    Ended(String),
}

impl Attached {
    /// Connects to the control endpoint at `addr` (`control::connect_remote`) and starts the watch.
    pub async fn open(addr: &str, token_file: &Path, cert: Option<&Path>) -> anyhow::Result<Attached> {
        let mut client = control::connect_remote(addr, token_file, cert).await?;
        let mut lines = client
            .watch(pb::WatchClusterRequest {})
            .await
            .map_err(|s| anyhow::anyhow!("the devnet at {addr} refused to send its view: {}", s.message()))?
            .into_inner();
        let first = lines.message().await.map_err(|s| anyhow::anyhow!("{addr}: {}", s.message()))?;
        let Some(pb::ClusterLine { kind: Some(Kind::Start(start)) }) = first else {
            anyhow::bail!("{addr}: the watch did not begin with the run's start");
        };
        let spec: ChainSpec =
            serde_json::from_str(&start.genesis_json).with_context(|| format!("{addr}: the run's genesis"))?;
        let nodes: ClusterNodes =
            serde_json::from_str(&start.nodes_json).with_context(|| format!("{addr}: the run's node list"))?;
        Ok(Attached {
            client,
            lines: Some(lines),
            view: initial_view(&spec, &nodes.nodes),
            offset_ms: start.now_ms as i64 - now_ms() as i64,
            caught_up: false,
            addr: addr.to_string(),
            cluster_dir: start.cluster_dir,
        })
    }

    /// Applies everything recorded before the watch began (for `--json`).
    pub async fn catch_up(&mut self) -> anyhow::Result<()> {
        while !self.caught_up {
            match self.recv().await {
                Some(Input::Ended(why)) => anyhow::bail!("{why}"),
                Some(input) => self.handle(input).await,
                None => anyhow::bail!("the devnet at {} ended the watch", self.addr),
            }
        }
        Ok(())
    }

    /// The view now, as `devnet status --json` prints it.
    pub fn summary(&self) -> serde_json::Value {
        crate::cluster::json::summary(&self.view, Source::now_ms(self))
    }

    /// The dashboard on this devnet until the user quits.
    pub async fn run(&mut self, keymap: crate::keymap::KeyMap, mouse: bool) -> anyhow::Result<()> {
        crate::app::run_on(self, keymap, mouse).await
    }

    fn say(&mut self, kind: LogKind, text: String) {
        let now = self.now_ms();
        self.view.log(now, None, kind, text);
    }
}

impl Source for Attached {
    type Input = Input;

    fn view(&self) -> &ClusterView {
        &self.view
    }

    fn view_mut(&mut self) -> &mut ClusterView {
        &mut self.view
    }

    fn now_ms(&self) -> u64 {
        (now_ms() as i64 + self.offset_ms).max(0) as u64
    }

    fn history_path(&self) -> PathBuf {
        let name: String = self
            .addr
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
            .collect();
        let dir = crate::cluster_dir::default_data_dir().unwrap_or_else(|_| std::env::temp_dir()).join("attach");
        let _ = std::fs::create_dir_all(&dir);
        dir.join(format!("{name}.history"))
    }

    async fn recv(&mut self) -> Option<Input> {
        let lines = self.lines.as_mut()?;
        Some(match lines.message().await {
            Ok(Some(pb::ClusterLine { kind: Some(Kind::Line(l)) })) => Input::Line(l),
            Ok(Some(pb::ClusterLine { kind: Some(Kind::CaughtUp(_)) })) => Input::CaughtUp,
            Ok(Some(_)) => Input::Line(String::new()),
            Ok(None) => Input::Ended(format!(
                "the devnet at {} ended the watch (it stopped, or this dashboard fell too far behind)",
                self.addr
            )),
            Err(s) => Input::Ended(format!("the watch of {} broke: {}", self.addr, s.message())),
        })
    }

    async fn handle(&mut self, input: Input) {
        match input {
            Input::Line(l) if l.is_empty() => {}
            Input::Line(l) => match stream::decode(&l) {
                Ok(line) => crate::replay::apply(&mut self.view, &line),
                Err(e) => {
                    self.say(LogKind::Warning, format!("a line from {} did not decode ({e}): left out", self.addr))
                }
            },
            Input::CaughtUp => self.caught_up = true,
            Input::Ended(why) => {
                self.lines = None;
                self.say(LogKind::Warning, why);
            }
        }
    }

    async fn inject(&mut self, words: &[String]) -> Result<String, String> {
        let req = pb::InjectRequest { words: words.to_vec() };
        match self.client.inject(req).await {
            Ok(r) => Ok(r.into_inner().message),
            Err(s) => Err(s.message().to_string()),
        }
    }

    async fn node_log(&mut self, node: usize, full: bool) -> Vec<String> {
        let Some(id) = self.view.nodes.get(node).map(|n| n.id.clone()) else { return vec![] };
        let max_lines = if full { VIEWER_LINES } else { DETAIL_LINES } as u32;
        let call = self.client.node_log(pb::NodeLogRequest { node: id.clone(), max_lines });
        match tokio::time::timeout(LOG_TIMEOUT, call).await {
            Ok(Ok(r)) => r.into_inner().lines,
            Ok(Err(s)) => vec![format!("(cannot read {id}'s log from {}: {})", self.addr, s.message())],
            Err(_) => vec![format!("(no answer from {} for {id}'s log within {LOG_TIMEOUT:?})", self.addr)],
        }
    }
}
