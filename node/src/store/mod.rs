//! The node's crash-safe store (redb): the one owner of the database file.
//!
//! Engines decide what to keep (`Record`s in four tables); the store keeps
//! bytes. `commit` writes a batch in one transaction with redb's default
//! immediate durability (fsync before it returns), so a record the runtime
//! committed survives SIGKILL at any later instant. The runtime commits a
//! batch before it sends any message that follows it, which is what makes
//! slashing protection hold across crashes.

use crate::consensus::{Record, Table};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Db { path: PathBuf, source: Box<redb::Error> },
}

pub struct Store {
    db: Database,
    path: PathBuf,
}

fn definition(t: Table) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(t.name())
}

impl Store {
    /// Opens (or creates) `dir/node.redb`. All tables exist afterwards.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join("node.redb");
        let err = |e: redb::Error| StoreError::Db { path: path.clone(), source: Box::new(e) };
        let db = Database::create(&path).map_err(|e| err(e.into()))?;
        let txn = db.begin_write().map_err(|e| err(e.into()))?;
        for t in Table::ALL {
            txn.open_table(definition(t)).map_err(|e| err(e.into()))?;
        }
        txn.commit().map_err(|e| err(e.into()))?;
        Ok(Store { db, path })
    }

    fn err(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Db { path: self.path.clone(), source: Box::new(e.into()) }
    }

    /// Every record of every table.
    pub fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for t in Table::ALL {
            let table = txn.open_table(definition(t)).map_err(|e| self.err(e))?;
            for row in table.iter().map_err(|e| self.err(e))? {
                let (k, v) = row.map_err(|e| self.err(e))?;
                out.push(Record { table: t, key: k.value().to_vec(), value: v.value().to_vec() });
            }
        }
        Ok(out)
    }

    /// Writes `records` in one durable transaction (later records overwrite earlier keys).
    pub fn commit(&self, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        for t in Table::ALL {
            if !records.iter().any(|r| r.table == t) {
                continue;
            }
            let mut table = txn.open_table(definition(t)).map_err(|e| self.err(e))?;
            for r in records.iter().filter(|r| r.table == t) {
                table.insert(r.key.as_slice(), r.value.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let rec = |t, k: &[u8], v: &[u8]| Record { table: t, key: k.to_vec(), value: v.to_vec() };
        {
            let s = Store::open(dir.path()).unwrap();
            s.commit(&[rec(Table::Blocks, b"a", b"1"), rec(Table::Protection, b"p", b"x")]).unwrap();
            s.commit(&[rec(Table::Protection, b"p", b"y")]).unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let mut all = s.load_all().unwrap();
        all.sort_by(|a, b| (a.table, &a.key).cmp(&(b.table, &b.key)));
        assert_eq!(all, vec![rec(Table::Blocks, b"a", b"1"), rec(Table::Protection, b"p", b"y")]);
    }
}
