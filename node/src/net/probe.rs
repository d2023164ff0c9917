//! Liveness of one peer: a ping (`Deliver` with `MESSAGE_KIND_PING`) every
//! `PING_EVERY`, answered within `CALL_TIMEOUT` or not. Its answer is what
//! "peer up" means; transitions are reported to the runtime, which tells the
//! engine (`PeerUp` makes it send its status, so a peer that comes back
//! syncs). A link cut by the fault shim counts as down without a call, and
//! the receiving side refuses pings over a cut link, so a partition shows as
//! lost peers on both sides; loss and kind filters leave liveness alone.
//! A killed peer is seen down at the next ping, a paused one after the
//! timeout.

use super::peers::LinkEvent;
use super::shim::{Shim, Verdict};
use crate::consensus::PeerId;
use devnet_proto::v1::{Envelope, MessageKind, p2p_client::P2pClient};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tonic::transport::Channel;

const PING_EVERY: Duration = Duration::from_millis(500);
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

pub(super) async fn run(
    me: PeerId,
    peer: PeerId,
    mut client: P2pClient<Channel>,
    shim: Arc<Shim>,
    events: mpsc::Sender<LinkEvent>,
) {
    let mut up = false;
    let mut tick = tokio::time::interval(PING_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        shim.freeze.thawed().await;
        let ok = shim.outbound(me, peer, None) != Verdict::Drop && {
            let ping = Envelope { from: me.0, kind: MessageKind::Ping as i32, payload: Default::default() };
            let call = client.deliver(ping);
            matches!(tokio::time::timeout(CALL_TIMEOUT, call).await, Ok(Ok(_)))
        };
        if ok != up {
            up = ok;
            let ev = if up { LinkEvent::Up(peer) } else { LinkEvent::Down(peer) };
            if events.send(ev).await.is_err() {
                return;
            }
        }
    }
}
