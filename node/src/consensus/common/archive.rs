//! The committed chain an engine keeps in memory to answer lookups and
//! serve sync, for engines that commit one block per number (height,
//! sequence number), each number once, in order.
//!
//! Rules: entries are pushed in number order without gaps; beyond `max`
//! the oldest is dropped (it stays only in the store); the number of an
//! entry is its position after the first one's, so lookups never search.

use std::collections::VecDeque;

/// An archived entry: what it is, and the number it was committed at.
pub trait Numbered {
    fn number(&self) -> u64;
}

pub struct Archive<T> {
    entries: VecDeque<T>,
    max: usize,
}

impl<T: Numbered> Archive<T> {
    pub fn new(max: usize) -> Self {
        Archive { entries: VecDeque::new(), max }
    }

    /// Appends the entry after the last one, dropping the oldest beyond `max`.
    pub fn push(&mut self, entry: T) {
        self.entries.push_back(entry);
        if self.entries.len() > self.max {
            self.entries.pop_front();
        }
    }

    /// The entry committed at `number`, if still kept.
    pub fn get(&self, number: u64) -> Option<&T> {
        let first = self.entries.front()?.number();
        self.entries.get(number.checked_sub(first)? as usize)
    }

    /// Up to `limit` entries from `number` on (from the oldest kept, if that is later).
    pub fn since(&self, number: u64, limit: usize) -> impl Iterator<Item = &T> {
        let first = self.entries.front().map_or(number, |e| e.number());
        self.entries.iter().skip(number.max(first).saturating_sub(first) as usize).take(limit)
    }

    /// The last `limit` entries, oldest first.
    pub fn latest(&self, limit: usize) -> impl Iterator<Item = &T> {
        self.entries.iter().skip(self.entries.len().saturating_sub(limit))
    }
}
