//! Fork-tree layout: the row and column of every block. Pure; drawing is
//! `super`'s job.
//!
//! Rules:
//! - Time runs left to right: a block's column is `(slot - from_slot) / zoom`
//!   (`zoom` slots per cell).
//! - Row 0 is the trunk: `trunk_tip` and its ancestors. The caller picks a tip
//!   that descends from the finalized block, so the finalized chain is one line.
//! - Every other block belongs to one branch: walking from each leaf (newest
//!   first) to the first block already placed. A branch reserves the columns
//!   from its fork point's column (where its connector starts) to its last
//!   block, and takes the lowest row from 1 on where that span keeps a gap of
//!   at least one cell to every branch already on the row. So branches never
//!   overlap and every block in the input is placed.

use devnet_node::chain::Hash32;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeBlock {
    pub hash: Hash32,
    pub parent: Hash32,
    pub slot: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub row: usize,
    /// The lane's blocks, oldest first.
    pub blocks: Vec<Hash32>,
    pub first_col: u64,
    pub last_col: u64,
    /// Where the lane leaves its parent lane: (row, column) of the fork block.
    pub fork: Option<(usize, u64)>,
}

impl Lane {
    /// The columns this lane reserves on its row.
    pub fn span(&self) -> (u64, u64) {
        (self.fork.map_or(self.first_col, |(_, c)| c.min(self.first_col)), self.last_col)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeLayout {
    pub lanes: Vec<Lane>,
    /// Block -> (row, column).
    pub place: BTreeMap<Hash32, (usize, u64)>,
    pub rows: usize,
}

pub fn layout(blocks: &[TreeBlock], trunk_tip: Option<Hash32>, from_slot: u64, zoom: u64) -> TreeLayout {
    let zoom = zoom.max(1);
    let col = |slot: u64| slot.saturating_sub(from_slot) / zoom;
    let by_hash: BTreeMap<Hash32, &TreeBlock> = blocks.iter().map(|b| (b.hash, b)).collect();
    let mut out = TreeLayout::default();
    // Row 0: the trunk.
    let mut trunk = vec![];
    let mut cur = trunk_tip.and_then(|h| by_hash.get(&h).copied());
    while let Some(b) = cur {
        if out.place.contains_key(&b.hash) {
            break;
        }
        out.place.insert(b.hash, (0, col(b.slot)));
        trunk.push(b);
        cur = by_hash.get(&b.parent).copied();
    }
    if !trunk.is_empty() {
        trunk.reverse();
        out.lanes.push(Lane {
            row: 0,
            blocks: trunk.iter().map(|b| b.hash).collect(),
            first_col: col(trunk[0].slot),
            last_col: col(trunk[trunk.len() - 1].slot),
            fork: None,
        });
        out.rows = 1;
    }
    // Branches, from the newest leaf.
    let parents: BTreeSet<Hash32> = blocks.iter().map(|b| b.parent).collect();
    let mut leaves: Vec<&TreeBlock> =
        blocks.iter().filter(|b| !parents.contains(&b.hash) && !out.place.contains_key(&b.hash)).collect();
    leaves.sort_by(|a, b| b.slot.cmp(&a.slot).then(a.hash.cmp(&b.hash)));
    let mut spans: Vec<Vec<(u64, u64)>> = vec![vec![]];
    for leaf in leaves {
        let mut seg = vec![];
        let mut cur = Some(leaf);
        let mut fork = None;
        while let Some(b) = cur {
            if let Some(p) = out.place.get(&b.hash) {
                fork = Some(*p);
                break;
            }
            seg.push(b);
            cur = by_hash.get(&b.parent).copied();
        }
        if seg.is_empty() {
            continue;
        }
        seg.reverse();
        let mut lane = Lane {
            row: 0,
            blocks: seg.iter().map(|b| b.hash).collect(),
            first_col: col(seg[0].slot),
            last_col: col(seg[seg.len() - 1].slot),
            fork,
        };
        let (lo, hi) = lane.span();
        let free =
            |row: &Vec<(u64, u64)>| row.iter().all(|&(a, b)| hi.saturating_add(1) < a || b.saturating_add(1) < lo);
        let row = (1..).find(|r| spans.get(*r).is_none_or(free)).unwrap_or(1);
        if spans.len() <= row {
            spans.resize(row + 1, vec![]);
        }
        spans[row].push((lo, hi));
        lane.row = row;
        for b in &seg {
            out.place.insert(b.hash, (row, col(b.slot)));
        }
        out.rows = out.rows.max(row + 1);
        out.lanes.push(lane);
    }
    out
}
