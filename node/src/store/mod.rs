//! The node's crash-safe store: the one owner of its files.
//!
//! Engines decide what to keep (`Record`s in four tables); the store keeps
//! bytes. The promise that keeps a node from double-signing and lets any
//! cluster come back from SIGKILL:
//!
//! **When `commit` returns for a batch holding a slashing-protection record,
//! that record and every record committed before it are durable.**
//!
//! The runtime commits a batch before it sends any message that follows it,
//! so a signature never leaves before its protection record, nor before the
//! blocks and votes it was made on (a tendermint node that protects height
//! h + 1 has block h on disk, so the cluster can always resume). Records
//! committed after the last signature are made durable at most
//! `DURABLE_EVERY` later and by `sync` on a clean stop; a SIGKILL can lose
//! those, and nothing depended on them.
//!
//! How: a batch with protection appends one entry to the journal
//! (`journal`: one synchronous `O_DSYNC` overwrite of preallocated pages)
//! holding the protection records and every record not yet journaled. Every
//! `DURABLE_EVERY` (`sync_due`, then `sync`) the records since the last
//! sync are written to redb (`node.redb`) in one durable transaction and the
//! journal starts over, empty. Opening replays what the journal holds into
//! redb first.
//!
//! A damaged or missing `node.redb`: redb verifies its pages' checksums
//! only when asked, so `open` asks (`open_checked`, on a copy in memory)
//! and refuses a file that fails, naming it; a `node.redb` missing beside a
//! `journal.bin` is refused too (the journal is made second, so its being
//! there means the synced records, protection among them, were lost).
//!
//! A directory that will not take a write: the node needs to write a
//! protection record before it signs, so it signs nothing until it can.
//! - At open, any write that fails (a read-only file system, a full disk)
//!   fails `open` with an error naming the file and the system's reason, and
//!   the node does not start. Both files are made under another name and
//!   renamed into place once whole (`create_db`, `journal::create`), so a
//!   creation cut short (by a full disk, or SIGKILL) leaves nothing that
//!   every later start would refuse as damaged.
//! - Running, a full disk (ENOSPC or EDQUOT, `StoreError::DiskFull`, as the
//!   injected `DiskFault`) is not fatal: a `commit` or `sync` that fails
//!   for want of space leaves the batch uncommitted (the caller holds it and
//!   its messages and commits it again, see `runtime`), and nothing committed
//!   before it is lost. The journal's pages are allocated when it is made,
//!   so on a full disk protection commits keep succeeding until the journal
//!   needs redb to take its records; redb refuses every call after a failed
//!   write, so a failed `sync` drops it and the next one opens it again. Any
//!   other write error (the file system turned read-only, an I/O error) stops
//!   the node, naming the file.
//!
//! Why not one redb transaction per batch: an fsync'd redb commit costs this
//! machine ~150 µs of CPU and ~0.5 ms; a journal append ~40 µs and ~0.2 ms;
//! a BFT engine signs twice and commits a block per height.

mod journal;

use crate::consensus::{Record, Table};
use journal::Journal;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thiserror::Error;

/// The longest a record committed after the last signature waits to become durable.
pub const DURABLE_EVERY: Duration = Duration::from_secs(1);
/// Records kept for redb before they are written whatever the time.
const MAX_PENDING: usize = 4096;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("store {path}: {source}")]
    Db { path: PathBuf, source: Box<redb::Error> },
    #[error("journal {path}: {source}")]
    Journal { path: PathBuf, source: std::io::Error },
    /// A write refused for want of space: by the file system (`cause`, and
    /// `path` is the file written), or by the injected disk-full fault
    /// (`DiskFault`; no `cause`, and `path` is the store's directory).
    #[error("store {path}: {}", full_cause(.cause))]
    DiskFull { path: PathBuf, cause: Option<std::io::Error> },
}

fn full_cause(cause: &Option<std::io::Error>) -> String {
    match cause {
        Some(e) => e.to_string(),
        None => "no space left on device (the injected disk-full fault)".into(),
    }
}

/// Whether an I/O error says the disk has no room; a quota that is used up
/// is the same to a node.
fn no_space(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT))
}

fn db_error(path: &Path, e: redb::Error) -> StoreError {
    match e {
        redb::Error::Io(io) if no_space(&io) => StoreError::DiskFull { path: path.to_path_buf(), cause: Some(io) },
        e => StoreError::Db { path: path.to_path_buf(), source: Box::new(e) },
    }
}

fn journal_error(path: &Path, e: std::io::Error) -> StoreError {
    if no_space(&e) {
        StoreError::DiskFull { path: path.to_path_buf(), cause: Some(e) }
    } else {
        StoreError::Journal { path: path.to_path_buf(), source: e }
    }
}

/// An injected storage fault (`devnet inject disk-full|disk-slow|disk-ok`):
/// with `full`, `commit` and `sync` fail before they change anything, as
/// writes to a full disk do; `slow` is slept before each write, on the
/// node's one thread, as a slow synchronous write stalls it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskFault {
    pub full: bool,
    pub slow: std::time::Duration,
}

impl DiskFault {
    pub fn label(&self) -> String {
        match (self.full, self.slow.as_millis()) {
            (false, 0) => "disk ok".into(),
            (true, 0) => "disk full".into(),
            (false, ms) => format!("disk slow {ms} ms a write"),
            (true, ms) => format!("disk full, slow {ms} ms a write"),
        }
    }
}

pub struct Store {
    /// `None` after a write to redb failed: redb refuses every call after an
    /// I/O error until it is opened again, which the next `sync` does.
    db: Option<Database>,
    journal: Journal,
    dir: PathBuf,
    /// Records committed since the last sync (redb has none of them), how
    /// many of the newest are not journaled either, and since when the oldest waits.
    pending: Vec<Record>,
    unjournaled: usize,
    since: Instant,
    fault: DiskFault,
}

const DB_FILE: &str = "node.redb";
/// Where `node.redb` is made before it is whole (`create_db`).
const DB_NEW_FILE: &str = "node.redb.new";

/// The store's own facts, beside the engines' tables.
const META: TableDefinition<'static, &'static str, u64> = TableDefinition::new("store_meta");
/// Set once the node has a journal: a missing `journal.bin` is then a loss.
const JOURNAL_KEPT: &str = "journal_kept";

/// The records a `journal.bin` of these bytes would replay at open, or what
/// is damaged: the reader `Store::open` uses, for the journal fuzz target.
pub fn journal_records(bytes: &[u8]) -> Result<Vec<Record>, String> {
    journal::records(bytes)
}

/// The size of a whole `journal.bin`.
pub const JOURNAL_BYTES: u64 = 2 * journal::REGION;

fn definition(t: Table) -> TableDefinition<'static, &'static [u8], &'static [u8]> {
    TableDefinition::new(t.name())
}

impl Store {
    /// Opens (or creates) `dir/node.redb` and `dir/journal.bin`, and writes
    /// what the journal holds into redb. All tables exist afterwards.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join(DB_FILE);
        let err = |e: redb::Error| db_error(&path, e);
        let db = match path.try_exists() {
            Ok(true) => open_checked(&path).map_err(err)?,
            // The journal is made after node.redb, so a journal without it
            // means node.redb was lost, and with it everything synced to it.
            Ok(false) if dir.join(journal::FILE).exists() => {
                return Err(err(redb::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "missing, although {} is here: the records synced to it (slashing protection among \
                         them) would be lost; refusing to start",
                        journal::FILE
                    ),
                ))));
            }
            Ok(false) => create_db(dir).map_err(err)?,
            Err(e) => return Err(err(e.into())),
        };
        let txn = db.begin_write().map_err(|e| err(e.into()))?;
        for t in Table::ALL {
            txn.open_table(definition(t)).map_err(|e| err(e.into()))?;
        }
        let kept = |txn: &redb::WriteTransaction| -> Result<bool, redb::Error> {
            Ok(txn.open_table(META)?.get(JOURNAL_KEPT)?.is_some())
        };
        let kept_journal = kept(&txn).map_err(err)?;
        txn.commit().map_err(|e| err(e.into()))?;
        let journal_path = dir.join(journal::FILE);
        let journal_err = |source| journal_error(&journal_path, source);
        if kept_journal && !journal_path.exists() {
            return Err(journal_err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "missing, although node.redb says this node keeps one: the records since the last sync \
                 (slashing protection among them) would be lost; refusing to start",
            )));
        }
        let (journal, replay) = Journal::open(dir).map_err(journal_err)?;
        if !kept_journal {
            // From here on a missing journal is a loss, not an older node's store.
            let txn = db.begin_write().map_err(|e| err(e.into()))?;
            let mark = |txn: &redb::WriteTransaction| -> Result<(), redb::Error> {
                txn.open_table(META)?.insert(JOURNAL_KEPT, 1)?;
                Ok(())
            };
            mark(&txn).map_err(err)?;
            txn.commit().map_err(|e| err(e.into()))?;
        }
        let mut store = Store {
            db: Some(db),
            journal,
            dir: dir.to_path_buf(),
            pending: Vec::new(),
            unjournaled: 0,
            since: Instant::now(),
            fault: DiskFault::default(),
        };
        if !replay.is_empty() {
            store.pending = replay;
            store.sync()?;
        }
        Ok(store)
    }

    fn err(&self, e: impl Into<redb::Error>) -> StoreError {
        db_error(&self.dir.join(DB_FILE), e.into())
    }

    fn journal_err(&self, source: std::io::Error) -> StoreError {
        journal_error(&self.dir.join(journal::FILE), source)
    }

    /// Every durable record of every table (call it before the first commit).
    pub fn load_all(&self) -> Result<Vec<Record>, StoreError> {
        let Some(db) = &self.db else { return Err(self.err(redb::Error::PreviousIo)) };
        let txn = db.begin_read().map_err(|e| self.err(e))?;
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

    /// Commits `records` (later records overwrite earlier keys); see the
    /// module doc for what is durable when this returns. On `Err` none of
    /// `records` is committed, so the same batch can be committed again.
    pub fn commit(&mut self, records: &[Record]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        self.disk()?;
        let before = (self.pending.len(), self.unjournaled, self.since);
        let result = self.add(records);
        if result.is_err() {
            (self.unjournaled, self.since) = (before.1, before.2);
            self.pending.truncate(before.0);
        }
        result
    }

    fn add(&mut self, records: &[Record]) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            self.since = Instant::now();
        }
        self.pending.extend(records.iter().cloned());
        self.unjournaled += records.len();
        if !records.iter().any(|r| r.table == Table::Protection) {
            return if self.pending.len() >= MAX_PENDING { self.sync() } else { Ok(()) };
        }
        let fresh: Vec<&Record> = self.pending[self.pending.len() - self.unjournaled..].iter().collect();
        if self.journal.fits(&fresh) {
            self.journal.append(&fresh).map_err(|e| self.journal_err(e))?;
            self.unjournaled = 0;
            Ok(())
        } else {
            // The journal is full: redb takes everything, durably, and the journal starts over.
            self.sync()
        }
    }

    /// Writes every record committed since the last sync to redb in one
    /// durable transaction, then starts the journal over (a no-op when
    /// nothing waits).
    pub fn sync(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.disk()?;
        let db = match self.db.take() {
            Some(db) => db,
            None => Database::open(self.dir.join(DB_FILE)).map_err(|e| self.err(e))?,
        };
        // On failure `db` is dropped here: redb refuses every call after a
        // failed write, so the next sync opens it again.
        write_records(&db, &self.pending).map_err(|e| self.err(e))?;
        self.db = Some(db);
        self.journal.restart(&[]).map_err(|e| self.journal_err(e))?;
        self.pending.clear();
        self.unjournaled = 0;
        Ok(())
    }

    /// Sets the injected storage fault (`DiskFault`).
    pub fn set_fault(&mut self, fault: DiskFault) {
        self.fault = fault;
    }

    /// What the injected fault does to a write about to happen: waits when
    /// the disk is slow, refuses when it is full (before anything changes,
    /// so the same records can be committed again once it is not).
    fn disk(&self) -> Result<(), StoreError> {
        if !self.fault.slow.is_zero() {
            std::thread::sleep(self.fault.slow);
        }
        if self.fault.full {
            return Err(StoreError::DiskFull { path: self.dir.clone(), cause: None });
        }
        Ok(())
    }

    /// Whether committed records have waited `DURABLE_EVERY` (the runtime then calls `sync`).
    pub fn sync_due(&self) -> bool {
        !self.pending.is_empty() && self.since.elapsed() >= DURABLE_EVERY
    }
}

/// Makes `dir/node.redb` under another name (`DB_NEW_FILE`) and renames it
/// into place once whole: a creation cut short leaves no `node.redb` that
/// redb would refuse as damaged at every later start.
/// Opens an existing `node.redb`, having checked it whole. redb checks its
/// pages' checksums only in `check_integrity` (or a repair), not on an
/// ordinary open or read: without the check a flipped byte in a cleanly
/// closed file is read back as a changed value. Data redb cannot vouch for
/// is an error, which names the file.
///
/// The check runs on a copy in memory (`InMemoryBackend`): it needs no disk
/// space (a node on a full disk still starts), never writes the file, and a
/// failed check leaves redb 3.1's handle unable to close (its drop asserts
/// in a commit), which for a copy in memory is forgotten at no cost but the
/// memory.
fn open_checked(path: &Path) -> Result<Database, redb::Error> {
    use redb::StorageBackend;
    let bytes = std::fs::read(path)?;
    let copy = redb::backends::InMemoryBackend::new();
    copy.set_len(bytes.len() as u64)?;
    copy.write(0, &bytes)?;
    drop(bytes);
    let mut checked = redb::Builder::new().create_with_backend(copy)?;
    if let Err(e) = checked.check_integrity() {
        std::mem::forget(checked);
        return Err(e.into());
    }
    drop(checked);
    Ok(Database::create(path)?)
}

fn create_db(dir: &Path) -> Result<Database, redb::Error> {
    let new = dir.join(DB_NEW_FILE);
    let made = || -> Result<Database, redb::Error> {
        if let Err(e) = std::fs::remove_file(&new)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(e.into());
        }
        // redb initializes a new file durably before it returns.
        let db = Database::create(&new)?;
        std::fs::rename(&new, dir.join(DB_FILE))?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(db)
    };
    made().inspect_err(|_| {
        let _ = std::fs::remove_file(&new);
    })
}

/// Writes `records` to redb in one durable transaction.
fn write_records(db: &Database, records: &[Record]) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    for t in Table::ALL {
        if !records.iter().any(|r| r.table == t) {
            continue;
        }
        let mut table = txn.open_table(definition(t))?;
        for r in records.iter().filter(|r| r.table == t) {
            table.insert(r.key.as_slice(), r.value.as_slice())?;
        }
    }
    txn.commit()?;
    Ok(())
}

#[cfg(test)]
mod mount_tests;
#[cfg(test)]
mod tests;
