//! LMD-GHOST as scripted operations (Lighthouse proto_array style): add
//! block, add vote, slash, expect head. The tree is drawn above each test.
//! Validator stakes: v0 = 10, v1 = 20, v2 = 30, v3 = 40.

use crate::chain::{Hash32, PublicKey, Signature};
use crate::consensus::gasper::fork_choice::ForkChoice;
use crate::consensus::gasper::state::ChainState;
use crate::consensus::gasper::tree::BlockTree;
use crate::consensus::gasper::types::{Block, BlockHeader, Body, Checkpoint, SignedHeader};
use crate::consensus::gasper::validators::Validators;
use std::collections::BTreeMap;
use std::sync::Arc;

enum Op {
    /// Add block `name` on `parent` ("G" = genesis) at `slot`.
    Block(&'static str, &'static str, u64),
    /// Add a block whose state has justified (epoch, checkpoint block).
    Justifying(&'static str, &'static str, u64, u64, &'static str),
    Vote(u32, &'static str, u64),
    Slash(u32),
    Head(&'static str),
    /// Expect the head to be whichever of the two has the larger hash.
    HeadLarger(&'static str, &'static str),
    /// Expect `reorg_depth(from, to)`.
    Reorg(&'static str, &'static str, u64),
}
use Op::*;

struct Script {
    tree: BlockTree,
    fc: ForkChoice,
    vals: Validators,
    names: BTreeMap<&'static str, Hash32>,
}

impl Script {
    fn new() -> Self {
        let g = Hash32([0x47; 32]);
        let vals = Validators::new((0..4u8).map(|i| (PublicKey([i; 32]), 10 * (i as u64 + 1))).collect()).unwrap();
        Script { tree: BlockTree::new(g), fc: ForkChoice::default(), vals, names: BTreeMap::from([("G", g)]) }
    }

    fn h(&self, n: &str) -> Hash32 {
        *self.names.get(n).unwrap_or_else(|| panic!("unknown block {n}"))
    }

    fn add(&mut self, name: &'static str, parent: &str, slot: u64, justified: Option<Checkpoint>) {
        let p = self.h(parent);
        let body = Body { graffiti: name.bytes().fold(0, |a, b| a * 131 + b as u64), ..Body::default() };
        let header = BlockHeader { slot, proposer: 0, parent: p, body_root: body.root() };
        let block = Block { signed: SignedHeader { header, signature: Signature::default() }, body };
        let mut state: ChainState = self.tree.get(&p).unwrap().state.clone();
        state.slot = slot;
        if let Some(j) = justified {
            state.justified = j;
            state.justified_set.insert(j);
        }
        self.names.insert(name, block.hash());
        self.tree.insert(Arc::new(block), state).unwrap();
    }

    fn head(&self) -> Hash32 {
        let j = ForkChoice::justified(&self.tree);
        self.fc.head(&self.tree, &self.vals, j)
    }

    fn run(ops: &[Op]) {
        let mut s = Script::new();
        for (i, op) in ops.iter().enumerate() {
            match op {
                Block(n, p, slot) => s.add(n, p, *slot, None),
                Justifying(n, p, slot, e, root) => {
                    let j = Checkpoint { epoch: *e, root: s.h(root) };
                    s.add(n, p, *slot, Some(j));
                }
                Vote(v, b, slot) => {
                    let root = s.h(b);
                    s.fc.on_message(*v, *slot, root);
                }
                Slash(v) => {
                    s.fc.slashed.insert(*v);
                }
                Head(n) => assert_eq!(s.head(), s.h(n), "op {i}: expected head {n}"),
                HeadLarger(a, b) => {
                    let want = s.h(a).max(s.h(b));
                    assert_eq!(s.head(), want, "op {i}: expected the larger of {a}, {b}");
                }
                Reorg(a, b, d) => assert_eq!(s.tree.reorg_depth(&s.h(a), &s.h(b)), *d, "op {i}: reorg {a}->{b}"),
            }
        }
    }
}

//      G
//      |
//      a
//      |
//      b
#[test]
fn chain_without_votes_follows_the_chain() {
    Script::run(&[Head("G"), Block("a", "G", 1), Head("a"), Block("b", "a", 2), Head("b")]);
}

//      G
//     / \
//    a   b      no votes: equal weight, the larger hash wins
#[test]
fn tie_goes_to_the_larger_hash() {
    Script::run(&[Block("a", "G", 1), Block("b", "G", 1), HeadLarger("a", "b")]);
}

//      G
//     / \
//    a   b
//    |
//    c
#[test]
fn votes_move_the_head_and_subtrees_add_up() {
    Script::run(&[
        Block("a", "G", 1),
        Block("b", "G", 1),
        Block("c", "a", 2),
        Vote(1, "b", 2), // 20 on b
        Head("b"),
        Vote(0, "a", 2), // 10 on a
        Vote(0, "c", 3), // v0's newer vote moves to c: a-subtree 10
        Head("b"),
        Vote(2, "c", 3), // 30 more: a-subtree 40 > 20
        Head("c"),
        Vote(1, "c", 1), // older than v1's latest (slot 2): ignored
        Head("c"),
    ]);
}

//      G
//     / \
//    a   b        v3 (40) on b outweighs v0 + v1 (30) on a, until v3 is slashed
#[test]
fn slashed_validators_weigh_nothing() {
    Script::run(&[
        Block("a", "G", 1),
        Block("b", "G", 1),
        Vote(0, "a", 1),
        Vote(1, "a", 1),
        Vote(3, "b", 1),
        Head("b"),
        Slash(3),
        Head("a"),
    ]);
}

//      G
//     / \
//    a   d
//    |   |
//    b   e
//    |
//    c
#[test]
fn reorg_depth_counts_the_abandoned_blocks() {
    Script::run(&[
        Block("a", "G", 1),
        Block("b", "a", 2),
        Block("c", "b", 3),
        Block("d", "G", 4),
        Block("e", "d", 5),
        Vote(0, "c", 5),
        Head("c"),
        Vote(3, "e", 5),
        Head("e"),
        Reorg("c", "e", 3),
        Reorg("e", "c", 2),
        Reorg("b", "c", 0),
        Reorg("c", "b", 1),
    ]);
}

//      G
//     / \
//    a   b        j (child of a) justifies (1, a): the start moves to a, so
//    |            b loses although v3 (40) votes for it.
//    j
#[test]
fn fork_choice_starts_at_the_highest_justified_checkpoint() {
    Script::run(&[
        Block("a", "G", 1),
        Block("b", "G", 2),
        Vote(3, "b", 2),
        Head("b"),
        Justifying("j", "a", 5, 1, "a"),
        Head("j"),
    ]);
}

//      G
//      |
//      a
//     / \
//    b   c        c's subtree holds the state that justified (1, a); b's does not,
//        |        so b is not viable even with all the votes.
//        j
#[test]
fn branches_without_the_justified_state_are_not_viable() {
    Script::run(&[
        Block("a", "G", 1),
        Block("b", "a", 5),
        Block("c", "a", 5),
        Justifying("j", "c", 6, 1, "a"),
        Vote(3, "b", 6),
        Vote(2, "b", 6),
        Head("j"),
    ]);
}
