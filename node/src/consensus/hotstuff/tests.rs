//! Unit tests: the rules as pure functions, the codec, and small clusters
//! of engines driven by a lossless in-memory network.

use super::params::HotStuffParams;
use super::protection::Protection;
use super::rules::{commit_target, safe_to_timeout, safe_to_vote};
use super::types::*;
use super::wire::{Message, SyncInfo};
use super::{HotStuff, genesis_hash};
use crate::chain::{ChainSpec, Hash32, SecretKey, ValidatorSpec};
use crate::consensus::Identity;
use crate::consensus::engine::*;
use std::collections::VecDeque;

const N: usize = 4;

fn key(i: usize) -> SecretKey {
    SecretKey::from_seed([i as u8 + 1; 32])
}

fn spec(commit_chain: u8, min_round_ms: u64) -> ChainSpec {
    ChainSpec {
        name: "unit".into(),
        consensus: "hotstuff".into(),
        slot_ms: 100,
        epoch_slots: 1,
        genesis_time_ms: 0,
        validators: (0..N).map(|i| ValidatorSpec { pubkey: hex::encode(key(i).public().0), stake: 25 }).collect(),
        ledger: None,
        params: crate::consensus::params::of(&HotStuffParams {
            commit_chain,
            base_timeout_ms: 100,
            max_timeout_ms: 800,
            min_round_ms,
        }),
    }
}

fn engine(spec: &ChainSpec, i: usize) -> HotStuff {
    let identity = Identity {
        me: PeerId(i as u32),
        peers: (0..N as u32).map(PeerId).collect(),
        validator: Some((i as u32, key(i))),
    };
    HotStuff::new(spec, identity).expect("engine")
}

fn h(b: u8) -> Hash32 {
    Hash32([b; 32])
}

// ------------------------------------------------------------------ rules

#[test]
fn vote_rule_is_monotonic_and_3chain_respects_the_preferred_round() {
    let mut p = Protection { last_voted_round: 5, preferred_round: 3, ..Protection::default() };
    assert!(safe_to_vote(3, &p, 5, 4, None).is_err(), "not above the last voted round");
    assert!(safe_to_vote(3, &p, 6, 2, None).is_err(), "QC below the preferred round");
    assert!(safe_to_vote(3, &p, 6, 3, None).is_ok());
    assert!(safe_to_vote(3, &p, 9, 3, None).is_ok(), "3-chain needs no TC to skip rounds");
    // observe_qc raises the locks, never lowers them.
    p.observe_qc(&VoteData { block: h(1), round: 7, height: 3, parent: h(0), parent_round: 6 });
    p.observe_qc(&VoteData { block: h(2), round: 4, height: 2, parent: h(0), parent_round: 1 });
    assert_eq!((p.preferred_round, p.one_chain_round), (6, 7));
}

#[test]
fn vote_rule_2chain_needs_the_previous_qc_or_a_tc_with_no_higher_qc() {
    let p = Protection { last_voted_round: 5, ..Protection::default() };
    assert!(safe_to_vote(2, &p, 6, 5, None).is_ok(), "extends the previous round's QC");
    assert!(safe_to_vote(2, &p, 7, 5, None).is_err(), "skips a round without a TC");
    assert!(safe_to_vote(2, &p, 7, 5, Some((6, 5))).is_ok(), "TC of round 6, its highest QC is 5");
    assert!(safe_to_vote(2, &p, 7, 4, Some((6, 5))).is_err(), "older than a QC the TC reports");
    assert!(safe_to_vote(2, &p, 8, 5, Some((6, 5))).is_err(), "the TC is not of the round before");
}

#[test]
fn timeout_rule() {
    let p = Protection { last_voted_round: 5, one_chain_round: 4, ..Protection::default() };
    assert!(safe_to_timeout(&p, 5, 4, None).is_ok(), "a round voted in may still time out");
    assert!(safe_to_timeout(&p, 4, 3, None).is_err(), "below the last voted round");
    assert!(safe_to_timeout(&p, 7, 4, Some(6)).is_ok());
    assert!(safe_to_timeout(&p, 7, 4, None).is_err(), "the round does not follow what is held");
    assert!(safe_to_timeout(&Protection { one_chain_round: 6, ..p }, 7, 4, Some(6)).is_err(), "QC older than seen");
}

#[test]
fn commit_rule_3chain_needs_three_consecutive_rounds() {
    // newest first: (id, round)
    assert_eq!(commit_target(3, &[(h(3), 7), (h(2), 6), (h(1), 5)]), Some(h(1)));
    assert_eq!(commit_target(3, &[(h(3), 8), (h(2), 6), (h(1), 5)]), None, "gap between B1 and B2");
    assert_eq!(commit_target(3, &[(h(3), 7), (h(2), 6), (h(1), 4)]), None, "gap between B0 and B1");
    assert_eq!(commit_target(3, &[(h(3), 7), (h(2), 6)]), None, "too short");
}

#[test]
fn commit_rule_2chain_needs_two_consecutive_rounds() {
    assert_eq!(commit_target(2, &[(h(2), 6), (h(1), 5), (h(0), 1)]), Some(h(1)));
    assert_eq!(commit_target(2, &[(h(2), 7), (h(1), 5)]), None);
    assert_eq!(commit_target(2, &[(h(2), 1)]), None);
}

#[test]
fn timeouts_double_up_to_the_cap_and_params_name_the_bad_key() {
    let p = HotStuffParams { commit_chain: 3, base_timeout_ms: 100, max_timeout_ms: 450, min_round_ms: 10 };
    let got: Vec<u64> = (0..6).map(|k| p.round_timeout(k)).collect();
    assert_eq!(got, vec![110, 210, 410, 460, 460, 460]);
    assert_eq!(p.round_timeout(u32::MAX), 460, "never overflows");
    let bad = HotStuffParams { commit_chain: 4, ..p.clone() };
    assert_eq!(bad.validate().unwrap_err(), "hotstuff.commit_chain: expected 2 or 3, found 4");
    assert!(
        HotStuffParams { base_timeout_ms: 0, ..p.clone() }
            .validate()
            .unwrap_err()
            .starts_with("hotstuff.base_timeout_ms")
    );
    assert!(
        HotStuffParams { max_timeout_ms: 50, ..p.clone() }
            .validate()
            .unwrap_err()
            .starts_with("hotstuff.max_timeout_ms")
    );
    assert!(HotStuffParams::from_slot(100).validate().is_ok());
    let mut s = spec(3, 0);
    s.set_params(&bad);
    let identity = Identity { me: PeerId(0), peers: vec![], validator: None };
    assert!(HotStuff::new(&s, identity).err().unwrap().contains("commit_chain"));
}

// ------------------------------------------------------------------ codec

fn sample_qc(genesis: Hash32) -> QuorumCert {
    let data = VoteData { block: h(9), round: 3, height: 2, parent: genesis, parent_round: 2 };
    QuorumCert { data, sigs: (0..3).map(|i| (i as u32, Vote::sign(&key(i), i as u32, data).signature)).collect() }
}

#[test]
fn every_message_round_trips_and_malformed_bytes_are_rejected() {
    let g = genesis_hash(&spec(3, 0).genesis_seed());
    let qc = sample_qc(g);
    let t = Timeout::sign(&key(1), 1, 4, qc.clone());
    let tc = TimeoutCert { round: 4, sigs: vec![(1, 3, t.signature)], high_qc: qc.clone() };
    let vote = Vote::sign(&key(2), 2, qc.data);
    let block = Block {
        round: 5,
        height: 3,
        parent: h(9),
        qc: qc.clone(),
        proposer: 1,
        graffiti: 7,
        evidence: vec![Evidence::DoubleVote(vote, vote)],
        state_root: h(4),
        txs: vec![],
    };
    let signed = SignedProposal::sign(&key(1), 1, ProposalData { round: 5, block: block.hash() });
    let msgs = vec![
        Message::Proposal(Proposal { signed, block: block.clone(), tc: Some(tc.clone()) }),
        Message::Vote(vote),
        Message::Timeout(t, Some(tc.clone())),
        Message::Evidence(Evidence::DoubleProposal(signed, signed)),
        Message::SyncInfo(SyncInfo { high_qc: qc, high_tc: None }),
        Message::BlockRequest(h(3)),
        Message::Blocks(vec![block]),
    ];
    let mut e = engine(&spec(3, 0), 0);
    for m in msgs {
        let bytes = m.encode();
        assert_eq!(Message::decode(m.kind(), &bytes).as_ref(), Ok(&m));
        let mut long = bytes.clone();
        long.push(0);
        for bad in [bytes[..bytes.len() - 1].to_vec(), long, vec![0xff; 3]] {
            assert!(Message::decode(m.kind(), &bad).is_err());
            let fx = e.handle(0, Input::Message { from: PeerId(1), kind: m.kind(), bytes: bad });
            assert!(
                fx.iter().any(|f| matches!(f, Effect::Report(Event::Rejected { .. }))),
                "{:?}: malformed bytes must be Rejected",
                m.kind()
            );
        }
    }
    let p = Protection { last_voted_round: 3, last_vote: Some(vote), ..Protection::default() };
    assert_eq!(Protection::decode(&p.encode()), Ok(p));
}

#[test]
fn a_forged_vote_is_rejected_and_never_panics() {
    let mut e = engine(&spec(3, 0), 0);
    let _ = e.handle(0, Input::Start);
    let data = VoteData { block: h(1), round: 1, height: 1, parent: h(0), parent_round: 0 };
    let mut v = Vote::sign(&key(1), 1, data);
    v.validator = 2; // signed by 1, claimed by 2
    let fx = e.handle(1, Input::Message { from: PeerId(1), kind: MsgKind::Vote, bytes: Message::Vote(v).encode() });
    assert!(fx.iter().any(|f| matches!(f, Effect::Report(Event::Rejected { .. }))));
}

// ------------------------------------------------------------------ clusters

/// A lossless network with a clock stepped 1 ms at a time, each message taking one step.
struct Net {
    nodes: Vec<Option<HotStuff>>,
    queue: VecDeque<(usize, usize, MsgKind, Vec<u8>)>,
    now: u64,
    stores: Vec<Vec<Record>>,
    events: Vec<Vec<Event>>,
    /// Per node, effects in order (for protection-order checks).
    log: Vec<Vec<Effect>>,
}

impl Net {
    fn new(spec: &ChainSpec) -> Net {
        let mut net = Net {
            nodes: (0..N).map(|i| Some(engine(spec, i))).collect(),
            queue: VecDeque::new(),
            now: 0,
            stores: vec![Vec::new(); N],
            events: vec![Vec::new(); N],
            log: vec![Vec::new(); N],
        };
        for i in 0..N {
            net.input(i, Input::Start);
        }
        net
    }

    fn input(&mut self, i: usize, input: Input) {
        let Some(e) = self.nodes[i].as_mut() else { return };
        let fx = e.handle(self.now, input);
        for f in fx {
            self.log[i].push(f.clone());
            match f {
                Effect::Send { to, kind, bytes } | Effect::Relay { to, kind, bytes } => {
                    let dests: Vec<usize> = match to {
                        Dest::All => (0..N).filter(|j| *j != i).collect(),
                        Dest::Peer(p) => vec![p.0 as usize],
                        Dest::Peers(ps) => ps.iter().map(|p| p.0 as usize).collect(),
                    };
                    for d in dests {
                        self.queue.push_back((d, i, kind, bytes.clone()));
                    }
                }
                Effect::Persist(r) => self.stores[i].push(r),
                Effect::Report(ev) => self.events[i].push(ev),
                Effect::WakeAt(_) => {}
            }
        }
    }

    fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            // One hop per ms: what is sent while delivering waits for the next step.
            for _ in 0..self.queue.len() {
                let Some((to, from, kind, bytes)) = self.queue.pop_front() else { break };
                self.input(to, Input::Message { from: PeerId(from as u32), kind, bytes });
            }
            self.now += 1;
            for i in 0..N {
                self.input(i, Input::Tick);
            }
        }
    }

    fn committed(&self, i: usize) -> u64 {
        self.nodes[i].as_ref().map_or(0, |e| e.status(self.now).finalized.block.height)
    }
}

#[test]
fn happy_path_commits_with_a_lag_of_chain_length_rounds() {
    for chain in [2u8, 3] {
        let mut net = Net::new(&spec(chain, 5));
        net.run(400);
        let e = net.nodes[0].as_ref().unwrap();
        let v = e.view();
        assert!(v.committed_height >= 20, "chain {chain}: committed only {}", v.committed_height);
        // Every round certifies one block; block k commits when QC(k + chain - 1) is seen.
        assert_eq!(v.high_qc_round - v.committed_round, chain as u64 - 1, "chain {chain}: {v:?}");
        assert_eq!(v.failed_rounds, 0);
        for i in 0..N {
            assert!(net.committed(i) + 2 >= v.committed_height, "node {i} lags");
            assert!(!net.events[i].iter().any(|e| matches!(e, Event::Rejected { .. })), "{:?}", net.events[i]);
        }
        assert_eq!(v.blocks.len(), super::VIEW_BLOCKS.min(v.blocks.len()));
        assert!(v.blocks.iter().any(|b| b.committed) && v.blocks.iter().any(|b| b.certified && !b.committed));
    }
}

#[test]
fn protection_is_persisted_before_the_vote_or_timeout_leaves() {
    let mut net = Net::new(&spec(3, 5));
    net.run(100);
    net.nodes[1] = None; // a crashed validator makes rounds time out
    net.run(1500);
    for i in [0, 2, 3] {
        let mut persisted = false;
        for f in &net.log[i] {
            match f {
                Effect::Persist(Record { table: Table::Protection, .. }) => persisted = true,
                Effect::Send { kind: MsgKind::Vote | MsgKind::Block, .. } => {
                    assert!(persisted, "node {i} sent a signature before persisting protection")
                }
                _ => {}
            }
        }
    }
    assert!(net.events[0].iter().any(|e| matches!(e, Event::RoundFailed { .. })));
}

#[test]
fn one_crashed_validator_of_four_does_not_stop_either_commit_rule() {
    for chain in [2u8, 3] {
        let mut net = Net::new(&spec(chain, 5));
        net.nodes[3] = None;
        net.run(3000);
        let c = net.committed(0);
        assert!(c >= 10, "chain {chain}: committed {c} with one validator down");
        let v = net.nodes[0].as_ref().unwrap().view();
        assert!(v.timeout_ms <= 5 + 800);
    }
}

#[test]
fn a_tc_forms_from_timeouts_and_moves_the_round() {
    let s = spec(2, 5);
    let mut e = engine(&s, 0);
    let _ = e.handle(0, Input::Start);
    let g = QuorumCert::genesis(genesis_hash(&s.genesis_seed()));
    for v in 1..3u32 {
        let t = Timeout::sign(&key(v as usize), v, 1, g.clone());
        let bytes = Message::Timeout(t, None).encode();
        let fx = e.handle(10, Input::Message { from: PeerId(v), kind: MsgKind::Vote, bytes });
        assert!(!fx.iter().any(|f| matches!(f, Effect::Report(Event::Rejected { .. }))));
        if v == 2 {
            // 50 of 100: more than 1/3, so node 0 times out too, which makes 75: a TC.
            assert!(fx.iter().any(|f| matches!(f, Effect::Send { kind: MsgKind::Vote, .. })));
        }
    }
    let v = e.view();
    assert_eq!((v.round, v.high_tc_round, v.failed_rounds), (2, Some(1), 1));
    assert_eq!(v.last_voted_round, 1, "a timeout is a promise not to vote in its round");
}

#[test]
fn a_restarted_node_sends_the_same_vote_again() {
    let s = spec(3, 5);
    let mut net = Net::new(&s);
    net.run(60);
    let i = 2;
    let before = net.nodes[i].as_ref().unwrap().protection().clone();
    let last = before.last_vote.expect("voted");
    let mut e = engine(&s, i);
    e.restore(net.stores[i].clone()).expect("restore");
    assert_eq!(e.protection().last_vote, Some(last));
    assert!(e.protection().last_voted_round >= last.data.round);
    // The proposal it voted for, delivered again, gets the identical vote.
    let block = net.nodes[0].as_ref().unwrap().tree.get(&last.data.block).cloned().expect("block");
    let leader = block.proposer as usize;
    let signed =
        SignedProposal::sign(&key(leader), leader as u32, ProposalData { round: block.round, block: last.data.block });
    let _ = e.handle(net.now, Input::Start);
    e.pm.round = block.round;
    let bytes = Message::Proposal(Proposal { signed, block, tc: None }).encode();
    let fx = e.handle(net.now, Input::Message { from: PeerId(leader as u32), kind: MsgKind::Block, bytes });
    let votes: Vec<Vote> = fx
        .iter()
        .filter_map(|f| match f {
            Effect::Send { kind: MsgKind::Vote, bytes, .. } => match Message::decode(MsgKind::Vote, bytes) {
                Ok(Message::Vote(v)) if v.validator == i as u32 => Some(v),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(votes.iter().all(|v| *v == last), "only the same vote: {votes:?}");
    assert!(!fx.iter().any(|f| matches!(f, Effect::Persist(Record { table: Table::Protection, .. }))));
}

#[test]
fn an_equivocator_is_caught_and_slashed() {
    let s = spec(2, 5);
    let mut net = Net::new(&s);
    net.input(0, Input::SetBehaviour(Behaviour::Equivocate));
    net.run(1500);
    for i in 1..N {
        assert!(net.events[i].iter().any(|e| matches!(e, Event::EquivocationSeen { validator: 0, .. })));
        assert!(net.events[i].iter().any(|e| matches!(e, Event::Slashed { validator: 0 })), "node {i}");
        assert!(!net.events[i].iter().any(|e| matches!(e, Event::Rejected { .. })), "{:?}", net.events[i]);
    }
    let before = net.committed(1);
    net.run(500);
    assert!(net.committed(1) > before, "commits go on with the equivocator slashed");
    assert!(net.nodes[1].as_ref().unwrap().status(net.now).validators[0].slashed);
}

#[test]
fn absurd_rounds_are_rejected_without_overflow() {
    let s = spec(2, 5);
    let mut e = engine(&s, 1);
    let _ = e.handle(0, Input::Start);
    let g = QuorumCert::genesis(genesis_hash(&s.genesis_seed()));
    let leader = e.leader(1).expect("leader") as usize;
    let block = Block {
        round: 1,
        height: 1,
        parent: g.block(),
        qc: g.clone(),
        proposer: leader as u32,
        graffiti: 0,
        evidence: vec![],
        state_root: h(0),
        txs: vec![],
    };
    let signed = SignedProposal::sign(&key(leader), leader as u32, ProposalData { round: 1, block: block.hash() });
    let tc = TimeoutCert { round: u64::MAX, sigs: vec![], high_qc: g.clone() };
    let bytes = Message::Proposal(Proposal { signed, block, tc: Some(tc) }).encode();
    let fx = e.handle(1, Input::Message { from: PeerId(leader as u32), kind: MsgKind::Block, bytes });
    assert!(fx.iter().any(|f| matches!(f, Effect::Report(Event::Rejected { .. }))));
    let t = Timeout::sign(&key(2), 2, u64::MAX, g);
    let bytes = Message::Timeout(t, None).encode();
    let _ = e.handle(2, Input::Message { from: PeerId(2), kind: MsgKind::Vote, bytes });
    assert_eq!(e.round(), 1);
}

#[test]
fn with_no_pacing_the_next_leader_proposes_within_the_input_that_formed_the_qc() {
    let rounds = |pacing| {
        let mut net = Net::new(&spec(2, pacing));
        net.run(100);
        net.nodes[0].as_ref().unwrap().view().round
    };
    let (fast, paced) = (rounds(0), rounds(10));
    // A round is a proposal hop and a vote hop (2 ms) with no pacing, 10 ms more with it.
    assert!(fast >= 40 && paced <= 12, "rounds in 100 ms: {fast} unpaced, {paced} paced");
}
