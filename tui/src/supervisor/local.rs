//! The local backend: every node a child process of `devnet`.
//!
//! It starts each `devnet-node` with its arguments, appends its output to its
//! log file, watches it exit, and signals it. Rules that keep the machine clean:
//! - each node runs in its own process group (a terminal's Ctrl-C reaches only
//!   `devnet`, which then stops the nodes in order);
//! - each node gets a parent-death signal (SIGKILL), so a `devnet` killed with
//!   SIGKILL takes its nodes with it;
//! - `Child`s are kill-on-drop and `Supervisor`'s `Drop` SIGKILLs every live
//!   pid, so a panic or an early return leaves no node behind.
//!
//! Pids stay here, behind `Supervisor`'s methods.
//!
//! With `[netns]` (`with_netns`) node *i* runs as `ip netns exec NAME
//! devnet-node ...` in its namespace at its address there; `ip` execs the
//! node in place, so the pid, the signals and the parent-death signal are
//! the node's own, as without namespaces.

use super::{Backend, BackendKind, BoxFuture, NodeAddrs, NodeCommand, ProcEvent, ProcState, Verbs};
use crate::config::Netns;
use anyhow::{Context, bail};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

struct Running {
    pid: u32,
    stopping: Arc<AtomicBool>,
    exited: JoinHandle<()>,
}

pub struct Supervisor {
    commands: Vec<NodeCommand>,
    running: Vec<Option<Running>>,
    events: mpsc::Sender<ProcEvent>,
    netns: Option<Netns>,
}

impl Supervisor {
    pub fn new(commands: Vec<NodeCommand>, events: mpsc::Sender<ProcEvent>) -> Supervisor {
        let running = commands.iter().map(|_| None).collect();
        Supervisor { commands, running, events, netns: None }
    }

    /// Runs every node in its network namespace (`[netns]`).
    pub fn with_netns(mut self, netns: Netns) -> Supervisor {
        self.netns = Some(netns);
        self
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    pub fn pid(&self, node: usize) -> Option<u32> {
        self.running.get(node)?.as_ref().map(|r| r.pid)
    }

    /// Starts node `node` (again, if it has exited).
    pub fn start(&mut self, node: usize) -> anyhow::Result<()> {
        if self.running[node].as_ref().is_some_and(|r| !r.exited.is_finished()) {
            bail!("n{node} is already running");
        }
        let cmd = &self.commands[node];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cmd.log)
            .with_context(|| format!("opening log {}", cmd.log.display()))?;
        let mut command = match &self.netns {
            None => tokio::process::Command::new(&cmd.program),
            Some(ns) => {
                let mut c = tokio::process::Command::new("ip");
                c.args(["netns", "exec", ns.name(node)]).arg(&cmd.program);
                c
            }
        };
        command
            .args(&cmd.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .kill_on_drop(true);
        die_with_parent(&mut command);
        let mut child = command.spawn().with_context(|| format!("starting n{node} ({})", cmd.program.display()))?;
        let pid = child.id().context("spawned node has no pid")?;
        let stopping = Arc::new(AtomicBool::new(false));
        let events = self.events.clone();
        let asked = stopping.clone();
        let exited = tokio::spawn(async move {
            let status = child.wait().await;
            let state = if asked.load(Ordering::SeqCst) {
                ProcState::Stopped
            } else {
                ProcState::Crashed(match status {
                    Ok(s) => describe_exit(s),
                    Err(e) => format!("wait failed: {e}"),
                })
            };
            let _ = events.send(ProcEvent { node, state }).await;
        });
        self.running[node] = Some(Running { pid, stopping, exited });
        let _ = self.events.try_send(ProcEvent { node, state: ProcState::Running });
        Ok(())
    }

    pub fn start_all(&mut self) -> anyhow::Result<()> {
        (0..self.len()).try_for_each(|i| self.start(i))
    }

    /// Adds a node (a twin) and returns its index; `start` runs it.
    pub fn add(&mut self, command: NodeCommand) -> usize {
        self.commands.push(command);
        self.running.push(None);
        self.commands.len() - 1
    }

    /// True while node `node`'s process exists (running or paused).
    pub fn is_alive(&self, node: usize) -> bool {
        self.running.get(node).and_then(|r| r.as_ref()).is_some_and(|r| !r.exited.is_finished())
    }

    /// SIGSTOP: the process freezes with its sockets open, as a hung node does.
    pub fn pause(&self, node: usize) -> anyhow::Result<()> {
        self.signal(node, libc::SIGSTOP)?;
        let _ = self.events.try_send(ProcEvent { node, state: ProcState::Paused });
        Ok(())
    }

    /// SIGCONT after `pause`.
    pub fn resume(&self, node: usize) -> anyhow::Result<()> {
        self.signal(node, libc::SIGCONT)?;
        let _ = self.events.try_send(ProcEvent { node, state: ProcState::Running });
        Ok(())
    }

    /// SIGKILL, unannounced: the exit is reported as a crash.
    pub fn crash(&self, node: usize) -> anyhow::Result<()> {
        self.signal(node, libc::SIGKILL)
    }

    /// Clean shutdown of one node (SIGTERM; SIGKILL after `grace`).
    pub async fn stop(&mut self, node: usize, grace: Duration) -> anyhow::Result<()> {
        let Some(r) = self.running.get_mut(node).and_then(|r| r.take()) else {
            bail!("n{node} is not running");
        };
        r.stopping.store(true, Ordering::SeqCst);
        send_signal(r.pid, libc::SIGCONT);
        send_signal(r.pid, libc::SIGTERM);
        let mut exited = r.exited;
        if tokio::time::timeout(grace, &mut exited).await.is_err() {
            send_signal(r.pid, libc::SIGKILL);
            let _ = exited.await;
        }
        Ok(())
    }

    /// Sends `signal` to node `node` if it is running.
    pub fn signal(&self, node: usize, signal: i32) -> anyhow::Result<()> {
        let Some(r) = self.running.get(node).and_then(|r| r.as_ref()).filter(|r| !r.exited.is_finished()) else {
            bail!("n{node} is not running");
        };
        send_signal(r.pid, signal);
        Ok(())
    }

    /// SIGTERM every node, wait up to `grace` for them to exit, then SIGKILL the rest.
    pub async fn stop_all(&mut self, grace: Duration) {
        for r in self.running.iter().flatten() {
            r.stopping.store(true, Ordering::SeqCst);
            send_signal(r.pid, libc::SIGCONT); // a paused node cannot handle SIGTERM
            send_signal(r.pid, libc::SIGTERM);
        }
        let deadline = tokio::time::Instant::now() + grace;
        for slot in self.running.iter_mut() {
            let Some(r) = slot.take() else { continue };
            let mut exited = r.exited;
            if tokio::time::timeout_at(deadline, &mut exited).await.is_err() {
                send_signal(r.pid, libc::SIGKILL);
                let _ = exited.await;
            }
        }
    }
}

impl Backend for Supervisor {
    fn kind(&self) -> BackendKind {
        BackendKind::Local
    }
    fn verbs(&self) -> Verbs {
        Verbs { crash: "SIGKILL", pause: "SIGSTOP", resume: "SIGCONT", stop: "SIGTERM" }
    }
    fn len(&self) -> usize {
        Supervisor::len(self)
    }
    fn pid(&self, node: usize) -> Option<u32> {
        Supervisor::pid(self, node)
    }
    fn is_alive(&self, node: usize) -> bool {
        Supervisor::is_alive(self, node)
    }
    /// Two free loopback ports (a twin joins after the start, so never from
    /// `base_port`); with `[netns]`, its namespace's address and next ports.
    fn new_node_addrs(&self, index: usize) -> anyhow::Result<NodeAddrs> {
        if let Some(ns) = &self.netns {
            let (grpc, metrics) = ns.addrs(index);
            return Ok(NodeAddrs { grpc, metrics: Some(metrics) });
        }
        let a = crate::ports::free_loopback(2)?;
        Ok(NodeAddrs { grpc: a[0], metrics: Some(a[1]) })
    }
    fn add(&mut self, command: NodeCommand) -> usize {
        Supervisor::add(self, command)
    }
    fn start(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        let r = Supervisor::start(self, node);
        Box::pin(async move { r })
    }
    fn crash(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        let r = Supervisor::crash(self, node);
        Box::pin(async move { r })
    }
    fn pause(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        let r = Supervisor::pause(self, node);
        Box::pin(async move { r })
    }
    fn resume(&mut self, node: usize) -> BoxFuture<'_, anyhow::Result<()>> {
        let r = Supervisor::resume(self, node);
        Box::pin(async move { r })
    }
    fn stop(&mut self, node: usize, grace: Duration) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(Supervisor::stop(self, node, grace))
    }
    fn stop_all(&mut self, grace: Duration) -> BoxFuture<'_, ()> {
        Box::pin(Supervisor::stop_all(self, grace))
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        for r in self.running.iter().flatten() {
            if !r.exited.is_finished() {
                send_signal(r.pid, libc::SIGKILL);
            }
        }
    }
}

fn describe_exit(s: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "exited".to_string(),
    }
}

#[allow(unsafe_code)]
fn send_signal(pid: u32, signal: i32) {
    // SAFETY: kill(2) with a pid this supervisor spawned; no memory is touched.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

/// Makes the child receive SIGKILL when this process dies, even by SIGKILL.
#[allow(unsafe_code)]
fn die_with_parent(command: &mut tokio::process::Command) {
    let parent = std::process::id() as i32;
    // SAFETY: the closure runs between fork and exec and only calls the
    // async-signal-safe prctl(2), getppid(2) and _exit(2).
    unsafe {
        command.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // The parent may have died before prctl took effect.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}
