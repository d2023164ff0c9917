//! The layout's promises, on hand-made and seeded random trees: branches
//! never overlap, every block (so every head) is placed, the trunk is row 0.

use super::layout::*;
use devnet_node::chain::Hash32;
use rand::{Rng, SeedableRng};

fn h(n: u32) -> Hash32 {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&n.to_be_bytes());
    Hash32(b)
}

fn blk(n: u32, parent: u32, slot: u64) -> TreeBlock {
    TreeBlock { hash: h(n), parent: h(parent), slot }
}

fn check(blocks: &[TreeBlock], tip: Hash32, zoom: u64) -> TreeLayout {
    let l = layout(blocks, Some(tip), 0, zoom);
    for b in blocks {
        assert!(l.place_of(&b.hash).is_some(), "block at slot {} not placed", b.slot);
    }
    let mut cur = Some(tip);
    while let Some(x) = cur {
        assert_eq!(l.place_of(&x).unwrap().0, 0, "trunk block off row 0");
        cur = blocks.iter().find(|b| b.hash == x).map(|b| b.parent).filter(|p| l.place_of(p).is_some());
    }
    for (i, a) in l.lanes.iter().enumerate() {
        for b in &l.lanes[i + 1..] {
            if a.row == b.row {
                let ((a0, a1), (b0, b1)) = (a.span(), b.span());
                assert!(a1 + 1 < b0 || b1 + 1 < a0, "lanes overlap on row {}: {:?} {:?}", a.row, a.span(), b.span());
            }
        }
    }
    l
}

//   0 - 1 - 2 - 3 - 4          trunk (tip 4)
//        \
//         5 ----- 7            branch from 1 (7 is the newer leaf)
//          \
//           6                  branch from 5
#[test]
fn branches_get_their_own_rows() {
    let blocks = [
        blk(0, 99, 0),
        blk(1, 0, 1),
        blk(2, 1, 2),
        blk(3, 2, 3),
        blk(4, 3, 4),
        blk(5, 1, 2),
        blk(6, 5, 3),
        blk(7, 5, 4),
    ];
    let l = check(&blocks, h(4), 1);
    assert_eq!(l.place_of(&h(4)).unwrap(), (0, 4));
    assert_eq!(l.place_of(&h(5)).unwrap(), (1, 2));
    assert_eq!(l.place_of(&h(7)).unwrap(), (1, 4));
    assert_eq!(l.place_of(&h(6)).unwrap(), (2, 3));
    assert_eq!(l.rows, 3);
    let b = l.lanes.iter().find(|x| x.blocks.iter().any(|i| blocks[*i].hash == h(6))).unwrap();
    assert_eq!(b.fork, Some((1, 2)));
}

#[test]
fn distant_branches_share_a_row() {
    // Two one-block forks far apart in time fit on one row.
    let mut blocks: Vec<TreeBlock> = (0..20).map(|i| blk(i, if i == 0 { 99 } else { i - 1 }, i as u64)).collect();
    blocks.push(blk(100, 2, 3));
    blocks.push(blk(101, 14, 15));
    let l = check(&blocks, h(19), 1);
    assert_eq!(l.rows, 2);
}

#[test]
fn random_trees_keep_the_promises() {
    for seed in 0..200u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut blocks = vec![blk(0, u32::MAX, 0)];
        for n in 1..rng.gen_range(2..120u32) {
            let parent = blocks[rng.gen_range(0..blocks.len())];
            let slot = parent.slot + rng.gen_range(1..4);
            blocks.push(TreeBlock { hash: h(n), parent: parent.hash, slot });
        }
        let tip = blocks[rng.gen_range(0..blocks.len())].hash;
        for zoom in [1, 2, 5] {
            check(&blocks, tip, zoom);
        }
    }
}
