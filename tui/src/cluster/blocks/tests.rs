//! The index and the skips against the plain answers: a scan of every block
//! for `in_slots`, parent by parent walks for `ancestor_at` and
//! `at_or_before_slot`, on seeded random trees with forks, blocks whose
//! parent never arrives, and pruning in between.

use super::*;
use rand::{Rng, SeedableRng};

fn h(n: u32) -> Hash32 {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&n.to_be_bytes());
    b[4] = 1;
    Hash32(b)
}

fn block(hash: Hash32, parent: Hash32, slot: u64, height: u64) -> BlockView {
    BlockView {
        block: devnet_node::consensus::BlockRef { hash, slot, height },
        parent,
        proposer: 0,
        attestations: 0,
        seen_by: BTreeSet::new(),
    }
}

fn ancestor_by_parents(b: &Blocks, mut hash: Hash32, height: u64) -> Option<Hash32> {
    loop {
        let x = b.get(&hash)?;
        if x.block.height == height {
            return Some(hash);
        }
        if x.block.height < height {
            return None;
        }
        hash = x.parent;
    }
}

fn before_slot_by_parents(b: &Blocks, mut hash: Hash32, slot: u64) -> Option<Hash32> {
    loop {
        let x = b.get(&hash)?;
        if x.block.slot <= slot {
            return Some(hash);
        }
        hash = x.parent;
    }
}

/// Adds `n` blocks to `b`, each a child of a random held block (or, one in
/// 40, of a block never reported); returns every hash added.
fn grow(b: &mut Blocks, rng: &mut rand::rngs::StdRng, next: &mut u32, n: usize) -> Vec<Hash32> {
    let mut added = vec![];
    for _ in 0..n {
        let held: Vec<(Hash32, u64, u64)> = b.values().map(|x| (x.block.hash, x.block.slot, x.block.height)).collect();
        let (parent, slot, height) = if held.is_empty() || rng.gen_range(0..40) == 0 {
            let height = rng.gen_range(0..200);
            (h(u32::MAX - *next), height + rng.gen_range(0..3), height)
        } else {
            // Mostly extend the newest blocks, as chains do; sometimes fork deep.
            let i = if rng.gen_bool(0.8) {
                held.len() - 1 - rng.gen_range(0..held.len().min(8))
            } else {
                rng.gen_range(0..held.len())
            };
            held[i]
        };
        *next += 1;
        let hash = h(*next);
        b.insert(block(hash, parent, slot + rng.gen_range(1..4), height + 1));
        added.push(hash);
    }
    added
}

fn check(b: &Blocks, rng: &mut rand::rngs::StdRng, seed: u64) {
    let all: Vec<&BlockView> = b.values().collect();
    let max_slot = all.iter().map(|x| x.block.slot).max().unwrap_or(0);
    for _ in 0..20 {
        let lo = rng.gen_range(0..=max_slot + 2);
        let hi = rng.gen_range(0..=max_slot + 2);
        let got: BTreeSet<Hash32> = b.in_slots(lo..=hi).map(|x| x.block.hash).collect();
        let want: BTreeSet<Hash32> =
            all.iter().filter(|x| x.block.slot >= lo && x.block.slot <= hi).map(|x| x.block.hash).collect();
        assert_eq!(got, want, "seed {seed}: in_slots({lo}..={hi})");
        let slots: Vec<u64> = b.in_slots(lo..=hi).map(|x| x.block.slot).collect();
        assert!(slots.is_sorted(), "seed {seed}: in slot order");
    }
    for x in &all {
        for _ in 0..3 {
            let height = rng.gen_range(0..=x.block.height + 1);
            let slot = rng.gen_range(0..=x.block.slot + 1);
            let hash = x.block.hash;
            assert_eq!(
                b.ancestor_at(hash, height),
                ancestor_by_parents(b, hash, height),
                "seed {seed}: height {height}"
            );
            let got = b.at_or_before_slot(hash, slot).map(|x| x.block.hash);
            assert_eq!(got, before_slot_by_parents(b, hash, slot), "seed {seed}: slot {slot}");
        }
    }
    assert_eq!(b.oldest().map(|x| x.block.slot), all.iter().map(|x| x.block.slot).min(), "seed {seed}");
}

#[test]
fn index_and_walks_agree_with_full_scans_through_forks_gaps_and_pruning() {
    for seed in 0..40u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut b = Blocks::default();
        let mut next = 0;
        grow(&mut b, &mut rng, &mut next, 150);
        check(&b, &mut rng, seed);
        let floor = rng.gen_range(0..60);
        let before = b.len();
        let dropped = b.retain(|x| x.block.height >= floor);
        assert_eq!(before - b.len(), dropped);
        assert!(b.values().all(|x| x.block.height >= floor));
        check(&b, &mut rng, seed);
        // Blocks that arrive after pruning skip over what was pruned.
        grow(&mut b, &mut rng, &mut next, 100);
        check(&b, &mut rng, seed);
    }
}

#[test]
fn a_second_report_keeps_the_first_block() {
    let mut b = Blocks::default();
    b.insert(block(h(1), h(0), 1, 1)).seen_by.insert(0);
    let again = b.insert(block(h(1), h(9), 5, 5));
    again.seen_by.insert(3);
    assert_eq!((b.len(), b[&h(1)].parent, b[&h(1)].block.slot), (1, h(0), 1));
    assert_eq!(b[&h(1)].seen_by, BTreeSet::from([0, 3]));
    assert_eq!(b.in_slots(0..=10).count(), 1);
    assert_eq!(b.in_slots(5..=5).count(), 0, "indexed at its first slot only");
}

#[test]
fn walking_back_a_long_chain_takes_few_steps() {
    // 100,000 blocks, a slot every other: parent by parent, a walk from the
    // tip to the bottom would take 100,000 steps.
    let mut b = Blocks::default();
    for n in 1..=100_000u32 {
        b.insert(block(h(n), h(n - 1), 2 * n as u64, n as u64));
    }
    let tip = h(100_000);
    let mut worst = 0;
    for height in (1..100_000).step_by(997) {
        let (found, steps) = b.walk_counted(tip, |x| x.block.height > height);
        assert_eq!(found.map(|x| x.block.hash), Some(h(height as u32)));
        worst = worst.max(steps);
        let (found, steps) = b.walk_counted(tip, |x| x.block.slot > 2 * height + 1);
        assert_eq!(found.map(|x| x.block.hash), Some(h(height as u32)));
        worst = worst.max(steps);
    }
    assert!(worst <= 200, "a walk took {worst} steps");
}
