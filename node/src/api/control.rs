//! The Control service: faults at run time. Link rules go straight into the
//! shim; clock skew, behaviour and new peers go to the runtime, which owns the
//! clock, the engine and the peer links, and answers once they are in force.
//!
//! Every call needs `authorization: Bearer <cluster token>`; a node started
//! without a token file refuses all control calls.

use crate::consensus::{Behaviour, MsgKind, PeerId};
use crate::net::peers::from_wire;
use crate::net::{PeerAddr, Rule, Shim};
use devnet_proto::v1 as pb;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tonic::{Request, Response, Status};

#[derive(Debug)]
pub enum ControlCmd {
    Skew(i64),
    Behaviour(Behaviour),
    AddPeer(PeerAddr),
    Hashrate(u32),
    Censor(crate::ledger::Censorship),
    Disk(crate::store::DiskFault),
}

/// What a node ended by Control.Crash exits with: SIGKILL's 128 + 9.
pub const CRASH_EXIT_CODE: i32 = 137;

/// Above this a `SetHashrate` is refused: ten times the whole genesis cluster.
pub const MAX_HASHRATE_PERCENT: u32 = 1000;

pub type ControlRequest = (ControlCmd, oneshot::Sender<String>);

pub struct ControlService {
    pub me: PeerId,
    pub token: Option<String>,
    pub shim: Arc<Shim>,
    pub commands: mpsc::Sender<ControlRequest>,
}

/// Parses a behaviour name as the Control API and the CLI spell it.
pub fn parse_behaviour(name: &str, slots: u64) -> Result<Behaviour, String> {
    Ok(match name {
        "honest" => Behaviour::Honest,
        "equivocate" => Behaviour::Equivocate,
        "silent" => Behaviour::Silent,
        "withhold" if slots > 0 => Behaviour::Withhold { slots },
        "withhold" => return Err("withhold needs a number of slots above 0".into()),
        "selfish" => Behaviour::Selfish,
        other => {
            return Err(format!(
                "unknown behaviour {other:?}; expected honest, equivocate, silent, withhold or selfish"
            ));
        }
    })
}

impl ControlService {
    fn authorize<T>(&self, req: &Request<T>) -> Result<(), Status> {
        let Some(token) = &self.token else {
            return Err(Status::permission_denied("this node was started without a control token"));
        };
        let given = req.metadata().get("authorization").and_then(|v| v.to_str().ok());
        match given.and_then(|v| v.strip_prefix("Bearer ")) {
            Some(t) if t == token => Ok(()),
            Some(_) => Err(Status::unauthenticated("wrong cluster token")),
            None => Err(Status::unauthenticated("missing `authorization: Bearer <cluster token>`")),
        }
    }

    async fn run(&self, cmd: ControlCmd) -> Result<Response<pb::ControlReply>, Status> {
        let (tx, rx) = oneshot::channel();
        let gone = || Status::unavailable("node shutting down");
        self.commands.send((cmd, tx)).await.map_err(|_| gone())?;
        let message = rx.await.map_err(|_| gone())?;
        Ok(Response::new(pb::ControlReply { message }))
    }
}

fn rule(r: &pb::LinkRule) -> Result<Rule, Status> {
    if !(0.0..=1.0).contains(&r.loss) {
        return Err(Status::invalid_argument(format!("loss must be between 0 and 1, found {}", r.loss)));
    }
    let mut drop_kinds = BTreeSet::new();
    for k in &r.drop_kinds {
        let kind: Option<MsgKind> = pb::MessageKind::try_from(*k).ok().and_then(from_wire);
        drop_kinds.insert(kind.ok_or_else(|| Status::invalid_argument(format!("cannot filter message kind {k}")))?);
    }
    Ok(Rule { blocked: r.blocked, delay_ms: r.delay_ms, jitter_ms: r.jitter_ms, loss: r.loss, drop_kinds })
}

#[tonic::async_trait]
impl pb::control_server::Control for ControlService {
    async fn set_links(&self, req: Request<pb::SetLinksRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        let mut rules = BTreeMap::new();
        for r in &req.get_ref().rules {
            if r.from != self.me.0 && r.to != self.me.0 {
                return Err(Status::invalid_argument(format!(
                    "rule {} -> {} does not touch this node ({})",
                    r.from, r.to, self.me.0
                )));
            }
            rules.insert((PeerId(r.from), PeerId(r.to)), rule(r)?);
        }
        let n = rules.len();
        self.shim.set(rules);
        Ok(Response::new(pb::ControlReply { message: format!("{n} link rules in force") }))
    }

    async fn set_clock_skew(
        &self,
        req: Request<pb::SetClockSkewRequest>,
    ) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        let skew = req.get_ref().skew_ms;
        if skew.unsigned_abs() > 24 * 3600 * 1000 {
            return Err(Status::invalid_argument("skew must be within a day"));
        }
        self.run(ControlCmd::Skew(skew)).await
    }

    async fn set_behaviour(&self, req: Request<pb::SetBehaviourRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        let r = req.get_ref();
        let b = parse_behaviour(&r.behaviour, r.slots).map_err(Status::invalid_argument)?;
        self.run(ControlCmd::Behaviour(b)).await
    }

    async fn set_hashrate(&self, req: Request<pb::SetHashrateRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        let percent = req.get_ref().percent;
        if percent > MAX_HASHRATE_PERCENT {
            return Err(Status::invalid_argument(format!(
                "hashrate must be 0 to {MAX_HASHRATE_PERCENT} percent of the genesis total, found {percent}"
            )));
        }
        self.run(ControlCmd::Hashrate(percent)).await
    }

    async fn set_censorship(
        &self,
        req: Request<pb::SetCensorshipRequest>,
    ) -> Result<Response<pb::ControlReply>, Status> {
        use crate::ledger::Censorship;
        self.authorize(&req)?;
        let r = req.get_ref();
        let c = match (r.all, r.accounts.is_empty()) {
            (true, _) => Censorship::All,
            (false, true) => Censorship::None,
            (false, false) => Censorship::Accounts(r.accounts.iter().copied().collect()),
        };
        self.run(ControlCmd::Censor(c)).await
    }

    async fn set_disk(&self, req: Request<pb::SetDiskRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        let r = req.get_ref();
        let slow = std::time::Duration::from_millis(r.slow_ms.min(10_000));
        self.run(ControlCmd::Disk(crate::store::DiskFault { full: r.full, slow })).await
    }

    async fn set_frozen(&self, req: Request<pb::SetFrozenRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        // Not through the runtime: a frozen runtime reads no command, and the thaw must get through.
        let frozen = req.get_ref().frozen;
        let was = self.shim.freeze.set(frozen);
        let message = match (was, frozen) {
            (false, true) => "frozen",
            (true, true) => "frozen already",
            (true, false) => "thawed",
            (false, false) => "not frozen",
        };
        tracing::info!(message, "control");
        Ok(Response::new(pb::ControlReply { message: message.into() }))
    }

    async fn crash(&self, req: Request<pb::CrashRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        tracing::warn!("control: crashing now (exit 137, no shutdown)");
        // A thread of its own, so the exit lands wherever the runtime stands
        // (mid-flush included), as a kill does; the short wait lets this
        // reply leave first, which the caller does not depend on.
        std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::process::exit(CRASH_EXIT_CODE);
        });
        Ok(Response::new(pb::ControlReply { message: format!("crashing (exit {CRASH_EXIT_CODE})") }))
    }

    async fn add_peer(&self, req: Request<pb::AddPeerRequest>) -> Result<Response<pb::ControlReply>, Status> {
        self.authorize(&req)?;
        let r = req.get_ref();
        let addr = r.addr.parse().map_err(|e| Status::invalid_argument(format!("addr {:?}: {e}", r.addr)))?;
        if r.index == self.me.0 {
            return Err(Status::invalid_argument("a node cannot add itself as a peer"));
        }
        self.run(ControlCmd::AddPeer(PeerAddr { peer: PeerId(r.index), id: r.id.clone(), addr })).await
    }
}
