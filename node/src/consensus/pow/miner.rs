//! Mining (R5) and the Byzantine miners (R10, R11).
//!
//! An honest miner mines on the best tip and publishes at once. `Selfish`
//! follows Eyal and Sirer's Algorithm 1 on a private branch, comparing
//! heights; `Withhold { slots }` mines a private branch and publishes it whole
//! once it leads the public chain by `slots` blocks and the public chain has
//! `k` blocks above the fork (the 51% double spend: the release reverts a
//! block honest nodes held k-deep), and gives it up when the public chain
//! leads by more than `k`. `Equivocate` double-mines: each found block gets a
//! twin (timestamp + 1), one to each half of the peers, forking the network
//! on purpose. `Silent` does not mine.

use super::difficulty::time_to_block;
use super::engine::{Attempt, Branch, Pow};
use super::types::Block;
use super::wire::Message;
use crate::chain::Hash32;
use crate::consensus::engine::*;
use crate::ledger::{Transfer, TxStatus};

/// What a withholding attacker pays on the public chain (R11), at most half its balance.
pub const PAYMENT: u64 = 1000;

impl Pow {
    /// What this node mines on now, if it mines at all.
    fn mining_parent(&self) -> Option<Hash32> {
        self.miner?;
        if self.percent == 0 {
            return None;
        }
        match self.behaviour {
            Behaviour::Silent => None,
            Behaviour::Selfish | Behaviour::Withhold { .. } => {
                Some(self.branch.blocks.last().map_or(self.tree.best(), |(h, _, _)| *h))
            }
            Behaviour::Honest | Behaviour::Equivocate => Some(self.tree.best()),
        }
    }

    /// R5: when the parent to mine on changes (or the attempt was dropped),
    /// draw the time to the next block.
    pub(super) fn plan_attempt(&mut self, now: Millis) {
        let Some(parent) = self.mining_parent() else {
            self.attempt = None;
            return;
        };
        if self.attempt.is_some_and(|a| a.parent == parent) {
            return;
        }
        let Some(difficulty) = self.lookup(&parent).map(|b| self.difficulty_after(b)) else {
            self.attempt = None;
            return;
        };
        self.draws += 1;
        let miner = self.miner.unwrap_or(0);
        let seed = Hash32::digest(&[
            b"devnet/v1/pow/draw",
            &miner.to_be_bytes(),
            &parent.0,
            &now.to_be_bytes(),
            &self.draws.to_be_bytes(),
        ]);
        self.attempt = time_to_block(difficulty, self.percent, &seed)
            .map(|t| Attempt { parent, found_at: now.saturating_add(t.max(1)) });
    }

    /// The attempt's time has come: do the (small, real) work and publish or keep the block.
    pub(super) fn found(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        let (Some(a), Some(miner)) = (self.attempt.take(), self.miner) else { return };
        let Some(parent) = self.lookup(&a.parent).cloned() else { return };
        // Ledger T5: the mempool's transfers on the parent's state; R11: a
        // new private branch opens with the double spend's private half.
        let first = match self.behaviour {
            Behaviour::Withhold { .. } if self.branch.blocks.is_empty() => self.pay_publicly(miner, fx),
            _ => None,
        };
        let (txs, state_root) = self.ledger.build_with(&a.parent, &self.blocks(), first);
        let template = Block {
            parent: a.parent,
            height: parent.height + 1,
            timestamp_ms: now.max(parent.timestamp_ms),
            miner,
            difficulty: self.difficulty_after(&parent),
            nonce: 0,
            state_root,
            tx_root: super::types::tx_root(&txs),
            txs,
        };
        let bits = self.params.puzzle_bits;
        let Some(block) = template.clone().mine(bits) else { return };
        let hash = block.id();
        match self.behaviour {
            Behaviour::Selfish => {
                let won_race = self.branch.race && self.branch.blocks.iter().all(|(_, _, p)| *p);
                self.keep_private(a.parent, hash, block);
                if won_race {
                    // State 0' and the pool found the next block: publish, the pool wins.
                    self.publish_branch(fx);
                    self.branch = Branch::default();
                }
            }
            Behaviour::Withhold { .. } => self.keep_private(a.parent, hash, block),
            Behaviour::Equivocate => {
                let twin = Block { timestamp_ms: template.timestamp_ms + 1, ..template }.mine(bits);
                let _ = self.execute(hash, &block);
                self.add(hash, block.clone(), fx);
                let (a_half, b_half) = self.peers.split_at(self.peers.len() / 2);
                let (a_half, b_half) = (a_half.to_vec(), b_half.to_vec());
                match twin {
                    Some(twin) if !a_half.is_empty() => {
                        Self::send(fx, Dest::Peers(a_half), &Message::Block(block));
                        Self::send(fx, Dest::Peers(b_half), &Message::Block(twin));
                    }
                    _ => Self::send(fx, Dest::All, &Message::Block(block)),
                }
            }
            Behaviour::Honest | Behaviour::Silent => {
                let _ = self.execute(hash, &block);
                self.add(hash, block.clone(), fx);
                Self::send(fx, Dest::All, &Message::Block(block));
            }
        }
    }

    /// R11: the double spend's two halves, from this miner's account (its
    /// validator index) at its next nonce: a payment of `PAYMENT` (or half
    /// the balance) to the last account, sent to every peer now, and a
    /// transfer of the same amount with the same nonce to the account
    /// before it, returned for the private branch.
    fn pay_publicly(&mut self, miner: u32, fx: &mut Vec<Effect>) -> Option<Transfer> {
        let state = self.ledger.head_state();
        let accounts = state.len();
        let balance = state.account(miner)?.balance;
        let amount = PAYMENT.min(balance / 2);
        if amount == 0 || accounts < 3 || miner >= accounts - 2 {
            return None;
        }
        let nonce = self.ledger.layer.pool.next_nonce(miner, state);
        let chain = *self.ledger.layer.accounts.chain();
        let key = crate::ledger::accounts::account_key(&chain, miner);
        let paid = Transfer::sign(&chain, &key, miner, accounts - 1, amount, nonce);
        let spent = Transfer::sign(&chain, &key, miner, accounts - 2, amount, nonce);
        fx.push(Effect::Send { to: Dest::All, kind: MsgKind::Tx, bytes: paid.encode() });
        self.payment = Some((paid, spent));
        Some(spent)
    }

    /// R11: the public chain holds the payment `k` deep (or there is none).
    fn payment_confirmed(&self) -> bool {
        self.payment
            .as_ref()
            .is_none_or(|(paid, _)| matches!(self.ledger.status(&paid.id()), TxStatus::Included { final_: true, .. }))
    }

    fn keep_private(&mut self, parent: Hash32, hash: Hash32, block: Block) {
        if self.branch.blocks.is_empty() {
            self.branch.base = Some(parent);
        }
        self.branch.blocks.push((hash, block, false));
    }

    /// Publish every unpublished block of the branch, oldest first.
    fn publish_branch(&mut self, fx: &mut Vec<Effect>) {
        self.publish_up_to(u64::MAX, fx);
    }

    /// Publish the branch's unpublished blocks up to `height`, oldest first.
    fn publish_up_to(&mut self, height: u64, fx: &mut Vec<Effect>) {
        let due: Vec<(Hash32, Block)> = self
            .branch
            .blocks
            .iter_mut()
            .filter(|(_, b, published)| !*published && b.height <= height)
            .map(|(h, b, published)| {
                *published = true;
                (*h, b.clone())
            })
            .collect();
        for (hash, block) in due {
            if !self.tree.contains(&hash) && self.tree.contains(&block.parent) {
                let _ = self.execute(hash, &block);
                self.add(hash, block.clone(), fx);
            }
            Self::send(fx, Dest::All, &Message::Block(block));
        }
    }

    /// R10, R11: a Byzantine miner reacts to the public chain after each input.
    pub(super) fn react(&mut self, _now: Millis, fx: &mut Vec<Effect>) {
        let pub_h = self.tree.best_entry().block.height;
        let advanced = pub_h > self.public_seen;
        if let Some((_, last, _)) = self.branch.blocks.last() {
            let priv_h = last.height as i128;
            let delta = priv_h - pub_h as i128;
            match self.behaviour {
                Behaviour::Selfish if advanced => {
                    if delta < 0 {
                        self.branch = Branch::default(); // the public chain won: adopt it
                    } else if delta == 0 {
                        self.publish_branch(fx); // a tie: race for it (state 0')
                        self.branch.race = true;
                    } else if delta == 1 {
                        self.publish_branch(fx); // lead 2 became 1: publish and win
                        self.branch = Branch::default();
                    } else {
                        self.publish_up_to(pub_h, fx); // keep the lead, match the public height
                    }
                }
                Behaviour::Withhold { slots } => {
                    // The double spend: wait until the public chain holds a
                    // block of its own k deep (the merchant's k confirmations).
                    let fork_h = self.branch.blocks.first().map_or(0, |(_, b, _)| b.height.saturating_sub(1));
                    let k_deep_public = pub_h.saturating_sub(fork_h) >= self.params.k;
                    if delta >= slots.max(1) as i128 && k_deep_public && self.payment_confirmed() {
                        self.publish_branch(fx);
                        self.branch = Branch::default();
                        if let Some((paid, spent)) = self.payment.take() {
                            fx.push(Effect::Report(Event::DoubleSpend {
                                paid: paid.id(),
                                spent: spent.id(),
                                from: paid.from,
                                payee: paid.to,
                                elsewhere: spent.to,
                                amount: paid.amount,
                            }));
                        }
                    } else if -delta > self.params.k as i128 {
                        self.branch = Branch::default(); // hopeless: rejoin the public chain
                        self.payment = None;
                    }
                }
                _ => {}
            }
        }
        self.public_seen = self.tree.best_entry().block.height;
    }

    /// A behaviour change; leaving selfish or withhold releases the private branch.
    pub(super) fn set_behaviour(&mut self, _now: Millis, b: Behaviour, fx: &mut Vec<Effect>) {
        let keeps_branch = matches!(b, Behaviour::Selfish | Behaviour::Withhold { .. });
        if !keeps_branch && !self.branch.blocks.is_empty() {
            self.publish_branch(fx);
            self.branch = Branch::default();
        }
        if !matches!(b, Behaviour::Withhold { .. }) {
            self.payment = None;
        }
        self.behaviour = b;
        self.attempt = None;
    }
}
