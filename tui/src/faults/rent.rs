//! Rented hashrate (pow): `rent n3 60% --for 30s` gives n3 60% of the
//! cluster's hashrate, as an attacker renting hashing power by the hour
//! would, and the orchestrator takes it back when the time is up.
//!
//! Rules:
//! - A rental sets the shares as `hashrate` does (the others share the rest
//!   in their proportions) and remembers the shares from before it.
//! - The take-back is the orchestrator's: its loop wakes at the earliest
//!   end (`next_end_ms`) and calls `take_back`; no task sleeps on it, so
//!   nothing is lost if a task is. It restores the shares from before the
//!   rental exactly when nothing else changed them meanwhile; otherwise it
//!   gives the node back its own share from before and the others share the
//!   rest in their current proportions.
//! - A later `rent` on the same node replaces the pending take-back: the
//!   new share and end, but still back to the shares from before the first
//!   rental (rented power was never the node's own).
//! - A later `hashrate` on the same node ends the rental there: the share
//!   it sets stays, nothing is taken back later.
//! - `heal` takes every rented hashrate back at once, the latest rental
//!   first, so overlapping rentals unwind to the shares before the first.
//! - Every rental is kept, ended ones with their end, for the reports.

use super::state::FaultState;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct Rental {
    pub node: usize,
    pub percent: u32,
    /// When it began and when it is to end (unix ms).
    pub from_ms: u64,
    pub until_ms: u64,
    /// When it did end (None: still in force).
    pub ended_ms: Option<u64>,
    /// The shares before it began: what the take-back restores.
    pub before: Vec<u32>,
    /// The shares it set; still in force at the end, `before` comes back whole.
    pub during: Vec<u32>,
}

impl Rental {
    pub fn in_force(&self) -> bool {
        self.ended_ms.is_none()
    }
}

impl FaultState {
    /// Gives `node` `percent` of the hashrate until `now_ms + lasting`;
    /// returns the nodes whose share changed.
    pub fn rent(&mut self, node: usize, percent: u32, lasting: Duration, now_ms: u64) -> Result<Vec<usize>, String> {
        let before = match self.rental_of(node) {
            Some(i) => {
                self.rentals[i].ended_ms = Some(now_ms);
                self.rentals[i].before.clone()
            }
            None => self.hashrate.clone(),
        };
        let changed = self.set_hashrate(node, percent)?;
        self.rentals.push(Rental {
            node,
            percent: percent.min(100),
            from_ms: now_ms,
            until_ms: now_ms.saturating_add(lasting.as_millis() as u64),
            ended_ms: None,
            before,
            during: self.hashrate.clone(),
        });
        Ok(changed)
    }

    /// The index of `node`'s rental in force.
    fn rental_of(&self, node: usize) -> Option<usize> {
        self.rentals.iter().position(|r| r.node == node && r.in_force())
    }

    /// `hashrate` on `node`: its rental (if any) ends here, nothing is taken back.
    pub fn end_rental_without_take_back(&mut self, node: usize, now_ms: u64) {
        if let Some(i) = self.rental_of(node) {
            self.rentals[i].ended_ms = Some(now_ms);
        }
    }

    /// Takes `node`'s rented hashrate back; returns the rental and the nodes
    /// whose share changed (None: no rental in force on `node`).
    pub fn take_back(&mut self, node: usize, now_ms: u64) -> Option<(Rental, Vec<usize>)> {
        let i = self.rental_of(node)?;
        self.rentals[i].ended_ms = Some(now_ms);
        let r = self.rentals[i].clone();
        let changed = if self.hashrate == r.during && r.before.len() == self.hashrate.len() {
            let changed = (0..r.before.len()).filter(|j| r.before[*j] != self.hashrate[*j]).collect();
            self.hashrate = r.before.clone();
            changed
        } else {
            self.set_hashrate(node, r.before.get(node).copied().unwrap_or(0)).unwrap_or_default()
        };
        Some((r, changed))
    }

    /// When the orchestrator must next take hashrate back (unix ms).
    pub fn next_end_ms(&self) -> Option<u64> {
        self.rentals.iter().filter(|r| r.in_force()).map(|r| r.until_ms).min()
    }

    /// The nodes whose rental is over at `now_ms`.
    pub fn rentals_due(&self, now_ms: u64) -> Vec<usize> {
        self.rentals.iter().filter(|r| r.in_force() && r.until_ms <= now_ms).map(|r| r.node).collect()
    }

    /// The nodes with a rental in force, the latest rental first: taken back
    /// in this order, each finds the shares it set and restores its `before`.
    pub fn renting(&self) -> Vec<usize> {
        self.rentals.iter().rev().filter(|r| r.in_force()).map(|r| r.node).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_take_back_restores_the_shares_from_before() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        assert_eq!(s.rent(3, 60, 30 * S, 1_000), Ok(vec![0, 1, 2, 3]));
        assert_eq!(s.hashrate, vec![14, 13, 13, 60]);
        assert_eq!(s.next_end_ms(), Some(31_000));
        assert_eq!(s.rentals_due(30_999), Vec::<usize>::new());
        assert_eq!(s.rentals_due(31_000), vec![3]);
        let (r, changed) = s.take_back(3, 31_000).unwrap();
        assert_eq!((r.node, r.percent, r.from_ms, r.ended_ms), (3, 60, 1_000, Some(31_000)));
        assert_eq!((changed, s.hashrate.clone()), (vec![0, 1, 2, 3], vec![25; 4]));
        assert_eq!((s.next_end_ms(), s.take_back(3, 32_000)), (None, None));
        assert_eq!(s.rentals.len(), 1, "ended rentals are kept for the reports");
    }

    #[test]
    fn a_second_rent_replaces_the_take_back_but_still_goes_back_to_before() {
        let mut s = FaultState::new(4).with_hashrate(vec![40, 20, 20, 20]);
        s.rent(3, 60, 30 * S, 0).unwrap();
        s.rent(3, 80, 10 * S, 5_000).unwrap();
        assert_eq!(s.next_end_ms(), Some(15_000));
        assert_eq!(s.renting(), vec![3]);
        s.take_back(3, 15_000).unwrap();
        assert_eq!(s.hashrate, vec![40, 20, 20, 20]);
        assert_eq!(s.rentals.iter().map(|r| r.ended_ms).collect::<Vec<_>>(), vec![Some(5_000), Some(15_000)]);
    }

    #[test]
    fn hashrate_on_the_node_cancels_the_take_back() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        s.rent(3, 60, 30 * S, 0).unwrap();
        s.end_rental_without_take_back(3, 2_000);
        s.set_hashrate(3, 50).unwrap();
        assert_eq!((s.next_end_ms(), s.renting()), (None, vec![]));
        assert_eq!(s.hashrate[3], 50);
    }

    #[test]
    fn when_others_changed_meanwhile_the_node_gets_its_own_share_back() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        s.rent(3, 60, 30 * S, 0).unwrap();
        s.set_hashrate(0, 20).unwrap();
        s.take_back(3, 30_000).unwrap();
        assert_eq!(s.hashrate[3], 25);
        assert_eq!(s.hashrate.iter().sum::<u32>(), 100);
    }

    /// What `heal` does (`apply`): every rental in force taken back at once.
    #[test]
    fn heal_cancels_every_pending_take_back() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        s.rent(3, 60, 30 * S, 0).unwrap();
        s.rent(1, 20, 60 * S, 0).unwrap();
        for node in s.renting() {
            s.take_back(node, 5_000).unwrap();
        }
        assert_eq!((s.next_end_ms(), s.renting(), s.hashrate.iter().sum::<u32>()), (None, vec![], 100));
        assert_eq!((s.hashrate[1], s.hashrate[3]), (25, 25));
        assert!(s.rentals.iter().all(|r| r.ended_ms == Some(5_000)));
    }

    #[test]
    fn rent_refuses_a_node_that_is_not_a_miner() {
        let mut s = FaultState::new(4).with_hashrate(vec![25; 4]);
        assert!(s.rent(7, 60, S, 0).unwrap_err().contains("not a miner"));
        assert!(s.rentals.is_empty());
    }
}
