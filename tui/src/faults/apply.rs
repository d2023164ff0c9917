//! The one executor of faults. Process faults go to the backend; network
//! faults, skew and behaviour are recorded in `FaultState` and pushed to the
//! nodes' Control services (concurrently, each call bounded by a timeout, so a
//! paused node delays nothing; it gets the rules again when it reconnects).
//! A load (`load 500/s`, `load stop`) is started and stopped here too, in
//! the background (`load::in_devnet`). Rented hashrate is taken back here
//! when the orchestrator's loop sees its time is up (`end_rentals`).

use super::parse::{Fault, LoadWords, ProcessFault, check_engine, parse};
use crate::cluster::LogKind;
use crate::control::bearer;
use crate::devnet::{Devnet, STOP_GRACE, node_command, now_ms};
use crate::run_record::stream::Recorded;
use devnet_proto::v1 as pb;
use pb::control_client::ControlClient;
use std::net::SocketAddr;
use std::time::Duration;
use tonic::transport::Endpoint;

const CALL_TIMEOUT: Duration = Duration::from_secs(1);

/// What a node must be told to match the fault state.
#[derive(Clone, Debug)]
enum Push {
    Links(Vec<pb::LinkRule>),
    Skew(i64),
    Behaviour(String, u64),
    AddPeer(u32, String, String),
    Hashrate(u32),
    Censor(Option<Vec<u32>>),
    Disk(bool, Duration),
}

async fn push(addr: SocketAddr, token: &str, what: Push) -> Result<String, String> {
    let call = async {
        let channel = Endpoint::from_shared(format!("http://{addr}"))
            .map_err(|e| e.to_string())?
            .connect_timeout(CALL_TIMEOUT)
            .timeout(CALL_TIMEOUT)
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        let mut c = ControlClient::with_interceptor(channel, bearer(token));
        let r = match what {
            Push::Links(rules) => c.set_links(pb::SetLinksRequest { rules }).await,
            Push::Skew(skew_ms) => c.set_clock_skew(pb::SetClockSkewRequest { skew_ms }).await,
            Push::Behaviour(behaviour, slots) => c.set_behaviour(pb::SetBehaviourRequest { behaviour, slots }).await,
            Push::AddPeer(index, id, addr) => c.add_peer(pb::AddPeerRequest { index, id, addr }).await,
            Push::Hashrate(percent) => c.set_hashrate(pb::SetHashrateRequest { percent }).await,
            Push::Censor(accounts) => {
                let req = match accounts {
                    None => pb::SetCensorshipRequest { all: true, accounts: vec![] },
                    Some(a) => pb::SetCensorshipRequest { all: false, accounts: a },
                };
                c.set_censorship(req).await
            }
            Push::Disk(full, slow) => c.set_disk(pb::SetDiskRequest { full, slow_ms: slow.as_millis() as u64 }).await,
        };
        r.map(|r| r.into_inner().message).map_err(|s| s.message().to_string())
    };
    tokio::time::timeout(CALL_TIMEOUT * 2, call).await.unwrap_or_else(|_| Err("no answer (paused?)".into()))
}

impl Devnet {
    /// Parses and applies one fault; the text says what was done.
    pub async fn inject(&mut self, words: &[String]) -> Result<String, String> {
        let result = self.inject_unrecorded(words).await;
        if let Some(r) = &self.record
            && let Err(e) = r.fault(now_ms(), words, &result)
        {
            let text = format!("not recording this fault ({}: {e})", r.dir.display());
            self.view.log(now_ms(), None, LogKind::Warning, text);
        }
        result
    }

    async fn inject_unrecorded(&mut self, words: &[String]) -> Result<String, String> {
        let fault = parse(words, self.view.nodes.len())?;
        check_engine(&fault, &self.view.engine)?;
        let text = self.apply_fault(&fault).await?;
        let node = match &fault {
            Fault::Process(_, n) | Fault::Disk { nodes: n, .. } if n.len() == 1 => Some(n[0]),
            Fault::Skew { node, .. }
            | Fault::Behaviour { node, .. }
            | Fault::Hashrate { node, .. }
            | Fault::Rent { node, .. }
            | Fault::Censor { node, .. } => Some(*node),
            _ => None,
        };
        self.log_fault_change(node, format!("{}: {text}", words.join(" ")));
        Ok(text)
    }

    /// Says a change of the faults in force in the event log, shows it in
    /// the view and writes it to the run's record.
    fn log_fault_change(&mut self, node: Option<usize>, line: String) {
        self.view.log(now_ms(), node, LogKind::Fault, line.clone());
        self.refresh_fault_view();
        if self.record.is_some() {
            self.record(Recorded::Log { node, kind: LogKind::Fault, text: line });
            let labels = self.view.nodes.iter().map(|n| n.faults.clone()).collect();
            self.record(Recorded::Faults { labels, links: self.view.links.clone() });
            self.sample_when(now_ms(), true);
        }
    }

    /// Copies what is in force into the view (links pane, nodes table).
    fn refresh_fault_view(&mut self) {
        self.view.links = self.faults.links.clone();
        let ids: Vec<String> = self.view.nodes.iter().map(|n| n.id.clone()).collect();
        for (i, n) in self.view.nodes.iter_mut().enumerate() {
            n.faults = self.faults.labels(i, &ids);
        }
    }

    async fn apply_fault(&mut self, fault: &Fault) -> Result<String, String> {
        match fault {
            Fault::Process(kind, nodes) => {
                let mut done = vec![];
                for &i in nodes {
                    let id = self.view.nodes[i].id.clone();
                    let verbs = self.backend.verbs();
                    let r = match kind {
                        ProcessFault::Crash => {
                            self.backend.crash(i).await.map(|()| format!("{id} killed ({})", verbs.crash))
                        }
                        ProcessFault::Pause => {
                            self.backend.pause(i).await.map(|()| format!("{id} paused ({})", verbs.pause))
                        }
                        ProcessFault::Resume => {
                            let r = self.backend.resume(i).await.map(|()| format!("{id} resumed ({})", verbs.resume));
                            self.repush(i);
                            r
                        }
                        ProcessFault::Stop => {
                            self.backend.stop(i, STOP_GRACE).await.map(|()| format!("{id} stopped ({})", verbs.stop))
                        }
                        ProcessFault::Restart => {
                            if self.backend.is_alive(i) {
                                let _ = self.backend.stop(i, STOP_GRACE).await;
                            }
                            self.backend.start(i).await.map(|()| format!("{id} restarted on its data directory"))
                        }
                    };
                    done.push(r.map_err(|e| format!("{id}: {e}"))?);
                }
                Ok(done.join("; "))
            }
            Fault::Skew { node, ms } => {
                self.faults.skew_ms[*node] = *ms;
                self.push_to(*node, Push::Skew(*ms)).await
            }
            Fault::Censor { node, accounts } => {
                self.faults.censor[*node] = accounts.clone();
                self.push_to(*node, Push::Censor(accounts.clone())).await
            }
            Fault::Behaviour { node, name, slots } => {
                self.faults.behaviour[*node] = (name.clone(), *slots);
                if name == "equivocate"
                    && let Some(v) = self.dir.nodes.nodes[*node].validator
                {
                    self.faults.equivocating.entry(v).or_insert_with(now_ms);
                }
                self.push_to(*node, Push::Behaviour(name.clone(), *slots)).await
            }
            Fault::Hashrate { node, percent } => {
                self.faults.end_rental_without_take_back(*node, now_ms());
                let changed = self.faults.set_hashrate(*node, *percent)?;
                Ok(format!("hashrate shares now {}", self.push_shares(&changed).await))
            }
            Fault::Rent { node, percent, lasting } => {
                let changed = self.faults.rent(*node, *percent, *lasting, now_ms())?;
                let id = &self.view.nodes[*node].id;
                let head = format!("rent {id} {}% for {}", percent.min(&100), humantime::format_duration(*lasting));
                Ok(format!("{head}; hashrate shares now {}", self.push_shares(&changed).await))
            }
            Fault::Disk { nodes, full, slow } => {
                let mut done = vec![];
                for &i in nodes {
                    self.faults.disk[i] = (*full, *slow);
                    done.push(self.push_to(i, Push::Disk(*full, *slow)).await?);
                }
                Ok(done.join("; "))
            }
            Fault::Twin(of) => self.start_twin(*of).await,
            Fault::Load(LoadWords::Start { rate, accounts }) => self.start_load(*rate, *accounts),
            Fault::Load(LoadWords::Stop) => self.stop_load(),
            link => {
                if matches!(link, Fault::Heal) {
                    for node in self.faults.renting() {
                        self.take_back(node).await;
                    }
                }
                self.faults.apply_links(link);
                let groups = self.faults.components();
                let mut failed = vec![];
                let calls: Vec<_> = (0..self.view.nodes.len())
                    .map(|i| {
                        let addr = self.dir.nodes.nodes[i].addr;
                        let (token, rules) = (self.token.clone(), self.faults.rules_for(i));
                        async move { (i, push(addr, &token, Push::Links(rules)).await) }
                    })
                    .collect();
                for (i, r) in futures_join(calls).await {
                    if let Err(e) = r {
                        failed.push(format!("{}: {e}", self.view.nodes[i].id));
                    }
                }
                let shape = groups
                    .iter()
                    .map(|g| g.iter().map(|i| self.view.nodes[*i].id.clone()).collect::<Vec<_>>().join(","))
                    .collect::<Vec<_>>()
                    .join(" | ");
                let mut text = format!("link rules set; connected groups: {shape}");
                if !failed.is_empty() {
                    text.push_str(&format!(" (not reached now, retried when back: {})", failed.join("; ")));
                }
                Ok(text)
            }
        }
    }

    /// Tells the nodes in `changed` their hashrate share; says every share,
    /// and which nodes were not reached (they are told again when back).
    async fn push_shares(&self, changed: &[usize]) -> String {
        let calls: Vec<_> = changed
            .iter()
            .map(|&i| {
                let (addr, token, share) = (self.dir.nodes.nodes[i].addr, self.token.clone(), self.faults.hashrate[i]);
                async move { (i, push(addr, &token, Push::Hashrate(share)).await) }
            })
            .collect();
        let mut unreached = vec![];
        for (i, r) in futures_join(calls).await {
            if r.is_err() {
                unreached.push(self.view.nodes[i].id.clone());
            }
        }
        let shares = (0..self.faults.hashrate.len())
            .map(|i| format!("{} {}%", self.view.nodes[i].id, self.faults.hashrate[i]))
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = shares;
        if !unreached.is_empty() {
            text.push_str(&format!(" (not reached now, sent again when back: {})", unreached.join(", ")));
        }
        text
    }

    /// Takes `node`'s rented hashrate back (`faults::rent`) and says so in
    /// the event log and the run's record.
    async fn take_back(&mut self, node: usize) {
        let Some((_, changed)) = self.faults.take_back(node, now_ms()) else { return };
        let shares = self.push_shares(&changed).await;
        let id = self.view.nodes[node].id.clone();
        let line = format!("rent over: {id} back to {}%; hashrate shares now {shares}", self.faults.hashrate[node]);
        self.log_fault_change(Some(node), line);
    }

    /// Takes back every rental whose time is up (the orchestrator's loops
    /// call it when `rent_timer` fires).
    pub async fn end_rentals(&mut self) {
        for node in self.faults.rentals_due(now_ms()) {
            self.take_back(node).await;
        }
    }

    /// Fires when the next rental is up; never while none is in force.
    /// Cancel-safe: a `select!` branch of the orchestrator's loops.
    pub async fn rent_timer(next_end_ms: Option<u64>) {
        match next_end_ms {
            Some(t) => tokio::time::sleep(Duration::from_millis(t.saturating_sub(now_ms()))).await,
            None => std::future::pending().await,
        }
    }

    async fn push_to(&self, node: usize, what: Push) -> Result<String, String> {
        let id = &self.view.nodes[node].id;
        match push(self.dir.nodes.nodes[node].addr, &self.token, what).await {
            Ok(m) => Ok(format!("{id}: {m}")),
            Err(e) => Ok(format!("{id}: recorded; not reached now ({e}), sent again when it is back")),
        }
    }

    /// Sends node `node` everything in force for it, in the background.
    pub(crate) fn repush(&self, node: usize) {
        let Some(entry) = self.dir.nodes.nodes.get(node) else { return };
        let mut pushes = vec![];
        let rules = self.faults.rules_for(node);
        if !rules.is_empty() {
            pushes.push(Push::Links(rules));
        }
        if self.faults.skew_ms[node] != 0 {
            pushes.push(Push::Skew(self.faults.skew_ms[node]));
        }
        let (b, slots) = &self.faults.behaviour[node];
        if b != "honest" {
            pushes.push(Push::Behaviour(b.clone(), *slots));
        }
        if let (Some(now), Some(was)) = (self.faults.hashrate.get(node), self.faults.genesis_hashrate.get(node))
            && now != was
        {
            pushes.push(Push::Hashrate(*now));
        }
        if let Some((full, slow)) = self.faults.disk.get(node).copied()
            && (full || !slow.is_zero())
        {
            pushes.push(Push::Disk(full, slow));
        }
        if self.faults.censor[node].as_ref().is_none_or(|a| !a.is_empty()) {
            pushes.push(Push::Censor(self.faults.censor[node].clone()));
        }
        // Twins joined after this node started: tell it about them again.
        for (j, e) in self.dir.nodes.nodes.iter().enumerate().skip(self.dir.spec.validators.len()) {
            if j != node {
                pushes.push(Push::AddPeer(j as u32, e.id.clone(), e.addr.to_string()));
            }
        }
        if pushes.is_empty() {
            return;
        }
        let (addr, token) = (entry.addr, self.token.clone());
        tokio::spawn(async move {
            for p in pushes {
                let _ = push(addr, &token, p).await;
            }
        });
    }

    /// Twins: a second process holding node `of`'s validator key.
    async fn start_twin(&mut self, of: usize) -> Result<String, String> {
        let Some(validator) = self.dir.nodes.nodes[of].validator else {
            return Err(format!("{} holds no validator key", self.view.nodes[of].id));
        };
        let id = format!("{}-twin", self.view.nodes[of].id);
        self.faults.equivocating.entry(validator).or_insert_with(now_ms);
        if self.dir.nodes.nodes.iter().any(|n| n.id == id) {
            return Err(format!("{id} already exists"));
        }
        let addrs = self.backend.new_node_addrs(self.dir.nodes.nodes.len()).map_err(|e| format!("{e:#}"))?;
        let index = self.dir.add_node(id.clone(), validator, addrs).map_err(|e| format!("{e:#}"))?;
        let entry = self.dir.nodes.nodes[index].clone();
        let i = self.backend.add(node_command(&self.dir, &self.program, index, self.seed));
        debug_assert_eq!(i, index);
        self.view.add_node(&entry);
        self.record(Recorded::NodeAdded(entry.clone()));
        if let Some(r) = &mut self.record {
            r.add_log(entry.id.clone(), self.dir.log_path(index));
        }
        self.faults.add_node();
        self.backend.start(index).await.map_err(|e| format!("{e:#}"))?;
        self.spawn_watcher(index);
        let calls: Vec<_> = (0..index)
            .map(|j| {
                let addr = self.dir.nodes.nodes[j].addr;
                let token = self.token.clone();
                let what = Push::AddPeer(index as u32, id.clone(), entry.addr.to_string());
                async move { push(addr, &token, what).await }
            })
            .collect();
        let reached = futures_join(calls).await.into_iter().filter(|r| r.is_ok()).count();
        Ok(format!("{id} started with validator {validator}'s key at {}; {reached} of {index} nodes told", entry.addr))
    }
}

/// Runs futures concurrently and returns their outputs in order.
async fn futures_join<T: Send + 'static>(futs: Vec<impl std::future::Future<Output = T> + Send + 'static>) -> Vec<T> {
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}
