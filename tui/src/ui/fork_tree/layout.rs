//! Fork-tree layout: the row and column of every block. Pure; drawing is
//! `super`'s job. Its cost is linear in the blocks given (the window's):
//! one hash lookup per block and parent, then everything is by the block's
//! index in the input (lanes, places, parents), so drawing and marking
//! need no hashing either.
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

use crate::cluster::blocks::Hash32Map;
use devnet_node::chain::Hash32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeBlock {
    pub hash: Hash32,
    pub parent: Hash32,
    pub slot: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub row: usize,
    /// The lane's blocks (indices into the input), oldest first.
    pub blocks: Vec<usize>,
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
    /// Per input block, its (row, column); `None` only for a block whose
    /// parents form a cycle, which a hash chain cannot.
    pub place: Vec<Option<(usize, u64)>>,
    /// Per input block, its parent's index when the parent is in the input.
    pub parent: Vec<Option<usize>>,
    /// Input block by hash.
    pub index: Hash32Map<usize>,
    pub rows: usize,
}

impl TreeLayout {
    /// The (row, column) of the block with `hash`, when it was given.
    pub fn place_of(&self, hash: &Hash32) -> Option<(usize, u64)> {
        self.index.get(hash).and_then(|i| self.place[*i])
    }
}

pub fn layout(blocks: &[TreeBlock], trunk_tip: Option<Hash32>, from_slot: u64, zoom: u64) -> TreeLayout {
    let zoom = zoom.max(1);
    let col = |slot: u64| slot.saturating_sub(from_slot) / zoom;
    // Blocks by their index in `blocks`: one hash lookup per block and parent,
    // then plain vectors.
    let mut index = Hash32Map::with_capacity_and_hasher(blocks.len(), Default::default());
    index.extend(blocks.iter().enumerate().map(|(i, b)| (b.hash, i)));
    let parent: Vec<Option<usize>> = blocks.iter().map(|b| index.get(&b.parent).copied()).collect();
    let mut has_child = vec![false; blocks.len()];
    for p in parent.iter().flatten() {
        has_child[*p] = true;
    }
    let mut row_of: Vec<Option<usize>> = vec![None; blocks.len()];
    let mut out = TreeLayout::default();
    // Row 0: the trunk.
    let mut trunk = vec![];
    let mut cur = trunk_tip.and_then(|h| index.get(&h).copied());
    while let Some(i) = cur {
        if row_of[i].is_some() {
            break;
        }
        row_of[i] = Some(0);
        trunk.push(i);
        cur = parent[i];
    }
    if !trunk.is_empty() {
        trunk.reverse();
        out.lanes.push(Lane {
            row: 0,
            blocks: trunk.clone(),
            first_col: col(blocks[trunk[0]].slot),
            last_col: col(blocks[trunk[trunk.len() - 1]].slot),
            fork: None,
        });
        out.rows = 1;
    }
    // Branches, from the newest leaf.
    let mut leaves: Vec<usize> = (0..blocks.len()).filter(|i| !has_child[*i] && row_of[*i].is_none()).collect();
    leaves.sort_by(|a, b| blocks[*b].slot.cmp(&blocks[*a].slot).then(blocks[*a].hash.cmp(&blocks[*b].hash)));
    let mut spans: Vec<Vec<(u64, u64)>> = vec![vec![]];
    for leaf in leaves {
        let mut seg = vec![];
        let mut cur = Some(leaf);
        let mut fork = None;
        // Bounded by the number of blocks, should parents ever form a cycle.
        while let Some(i) = cur.filter(|_| seg.len() <= blocks.len()) {
            if let Some(r) = row_of[i] {
                fork = Some((r, col(blocks[i].slot)));
                break;
            }
            seg.push(i);
            cur = parent[i];
        }
        if seg.is_empty() {
            continue;
        }
        seg.reverse();
        let mut lane = Lane {
            row: 0,
            blocks: seg.clone(),
            first_col: col(blocks[seg[0]].slot),
            last_col: col(blocks[seg[seg.len() - 1]].slot),
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
        for i in &seg {
            row_of[*i] = Some(row);
        }
        out.rows = out.rows.max(row + 1);
        out.lanes.push(lane);
    }
    out.place = row_of.iter().enumerate().map(|(i, r)| r.map(|r| (r, col(blocks[i].slot)))).collect();
    out.parent = parent;
    out.index = index;
    out
}
