//! Writes the seed corpora under `fuzz/corpus/<target>/` (`make
//! fuzz-seeds`): real messages and records from an in-process cluster of
//! each engine (`cluster::simulate`), a journal written by the real store,
//! hand-made signatures, and the repo's own devnet.toml, scenarios and
//! fault lines. Run from the repository root. A few files per kind, so the
//! corpora stay small; what the fuzzer finds beyond them is added by
//! `cargo fuzz cmin` or by hand, never in bulk.

// Built by `cargo fuzz build`, whose coverage instrumentation needs
// libFuzzer's runtime linked in.
use libfuzzer_sys as _;

use devnet_fuzz::cluster::{self, Recording};
use devnet_fuzz::layout::{write_records, write_sparse};
use devnet_node::consensus::{MsgKind, Record, Table};
use devnet_node::store::Store;
use devnet_proto::v1::{Batch, Envelope};
use prost::Message;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Most seeds of one message kind per engine.
const PER_KIND: usize = 6;

fn main() -> std::io::Result<()> {
    let root = PathBuf::from("fuzz/corpus");
    for (i, name) in cluster::ENGINES.iter().enumerate() {
        let rec = cluster::simulate(name);
        codec_seeds(&root.join(format!("{name}_codec")), name, &rec)?;
        gossip_seeds(&root.join("gossip"), i as u8, name, &rec)?;
        for (node, records) in rec.persisted.iter().enumerate() {
            let mut seed = vec![i as u8];
            seed.extend(write_records(&first_blocks(records, 12)));
            write(&root.join("restore"), &format!("{name}-n{node}"), &seed)?;
        }
        if i == 0 {
            journal_seeds(&root.join("journal"), &rec.persisted[0])?;
        }
    }
    verify_seeds(&root.join("verify"))?;
    text_seeds(&root)?;
    Ok(())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join(name), bytes)
}

/// Each key's last value, as the store would hold it.
fn latest(records: &[Record]) -> Vec<Record> {
    let mut by_key = BTreeMap::new();
    for r in records {
        by_key.insert((r.table, r.key.clone()), r.clone());
    }
    by_key.into_values().collect()
}

/// What a node that crashed early would hold: its first `n` blocks as
/// persisted (parents first) and the latest of every other record.
fn first_blocks(records: &[Record], n: usize) -> Vec<Record> {
    let mut blocks: Vec<Record> = Vec::new();
    for r in records.iter().filter(|r| r.table == Table::Blocks) {
        if blocks.len() < n && !blocks.iter().any(|b| b.key == r.key) {
            blocks.push(r.clone());
        }
    }
    blocks.extend(latest(records).into_iter().filter(|r| r.table != Table::Blocks));
    blocks
}

/// The codec targets' selector for `kind` (its index in `MsgKind::ALL`).
fn selector(kind: MsgKind) -> u8 {
    MsgKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

/// Up to `PER_KIND` messages of each kind, smallest to largest spread,
/// and the engine's protection and block records.
fn codec_seeds(dir: &Path, name: &str, rec: &Recording) -> std::io::Result<()> {
    let mut by_kind: BTreeMap<MsgKind, Vec<&[u8]>> = BTreeMap::new();
    for d in &rec.delivered {
        by_kind.entry(d.kind).or_default().push(&d.bytes);
    }
    for (kind, mut all) in by_kind {
        all.sort_by_key(|b| b.len());
        all.dedup();
        let step = all.len().div_ceil(PER_KIND).max(1);
        for (n, bytes) in all.iter().step_by(step).enumerate() {
            let mut seed = vec![selector(kind)];
            seed.extend_from_slice(bytes);
            write(dir, &format!("{}-{n}", kind.as_str()), &seed)?;
        }
    }
    // The records: gasper's selector 7 is its protection record;
    // tendermint's 6, 7, 8 are committed blocks, evidence, protection; pow's 7 a block.
    let records = latest(&rec.persisted[0]);
    for (n, r) in records.iter().enumerate().filter(|(n, _)| n % 8 == 0).take(4) {
        let sel = match (name, r.table) {
            ("gasper", Table::Protection) => 7,
            ("tendermint", Table::Blocks) => 6,
            ("tendermint", Table::Evidence) => 7,
            ("tendermint", Table::Protection) => 8,
            ("pow", Table::Blocks) => 7,
            _ => continue,
        };
        let mut seed = vec![sel];
        seed.extend_from_slice(&r.value);
        write(dir, &format!("record-{}-{n}", r.table.name()), &seed)?;
    }
    for r in records.iter().filter(|r| r.table == Table::Protection) {
        let sel = if name == "tendermint" { 8 } else { 7 };
        let mut seed = vec![sel];
        seed.extend_from_slice(&r.value);
        write(dir, "record-protection", &seed)?;
    }
    Ok(())
}

/// Batches of what n0 received, in order: the first messages (which a node
/// at genesis can import) and a few later stretches.
fn gossip_seeds(dir: &Path, which: u8, name: &str, rec: &Recording) -> std::io::Result<()> {
    let to_n0: Vec<_> = rec.delivered.iter().filter(|d| d.to == 0).collect();
    let stretch = 24;
    for (n, start) in [0, to_n0.len() / 4, to_n0.len() / 2, 3 * to_n0.len() / 4].into_iter().enumerate() {
        let envelopes = to_n0
            .iter()
            .skip(start)
            .take(stretch)
            .map(|d| Envelope { from: d.from, kind: d.kind.code() as i32, payload: d.bytes.clone().into() })
            .collect();
        let mut seed = vec![which];
        seed.extend(Batch { envelopes }.encode_to_vec());
        write(dir, &format!("{name}-{n}"), &seed)?;
    }
    Ok(())
}

/// The journal a real store leaves after committing n0's records in
/// batches, each batch with a protection record (so each is journaled).
fn journal_seeds(dir: &Path, records: &[Record]) -> std::io::Result<()> {
    let tmp = std::env::temp_dir().join(format!("devnet-fuzz-seeds-{}", std::process::id()));
    fs::create_dir_all(&tmp)?;
    let protection = records.iter().rev().find(|r| r.table == Table::Protection).cloned();
    let mut store = Store::open(&tmp).map_err(std::io::Error::other)?;
    for (n, batch) in records.chunks(8).take(24).enumerate() {
        let mut batch = batch.to_vec();
        batch.extend(protection.clone());
        store.commit(&batch).map_err(std::io::Error::other)?;
        if n == 3 || n == 11 || n == 23 {
            let mut seed = vec![0u8];
            seed.extend(write_sparse(&fs::read(tmp.join("journal.bin"))?));
            write(dir, &format!("journal-{n}"), &seed)?;
        }
    }
    // The damage mode: a byte flipped in the first entry, in a later one,
    // past the log, and the file cut where the log is whole and where not.
    let region = (devnet_node::store::JOURNAL_BYTES / 2) as u32;
    for (name, at, xor, cut) in [
        ("flip-first", 30u32, 1u8, None),
        ("flip-later", 5000, 0x80, None),
        ("flip-past", region - 100, 1, None),
        ("cut-whole", region + 8192, 1, Some(region + 4096)),
        ("cut-short", region + 8192, 1, Some(region - 4096)),
    ] {
        let mut seed = vec![1u8];
        seed.extend(at.to_be_bytes());
        seed.push(xor);
        if let Some(length) = cut {
            seed.extend(length.to_be_bytes());
        }
        write(dir, &format!("damage-{name}"), &seed)?;
    }
    fs::remove_dir_all(&tmp)
}

/// Made signatures: honest, with torsion on R or A, with s + l, with the
/// message changed; and raw bytes of an honest one.
fn verify_seeds(dir: &Path) -> std::io::Result<()> {
    let made = |tr: u8, ta: u8, tweak: u8| {
        let mut seed = vec![1u8];
        seed.extend([7u8; 32]);
        seed.extend([9u8; 32]);
        seed.extend([tr, ta, tweak, 2]);
        seed.extend(b"a vote");
        seed
    };
    for (name, tr, ta, tweak) in [
        ("honest", 0, 0, 0),
        ("torsion-r", 1, 0, 0),
        ("torsion-a", 0, 4, 0),
        ("s-plus-l", 0, 0, 1),
        ("changed", 0, 0, 2),
    ] {
        write(dir, name, &made(tr, ta, tweak))?;
    }
    let key = cluster::key(0);
    let msg = b"devnet";
    let sig = key.sign(devnet_node::chain::Domain::Vote, msg);
    let mut raw = vec![0u8];
    raw.extend(key.public().0);
    raw.extend(sig.0);
    raw.push(2);
    raw.extend(msg);
    write(dir, "raw-honest", &raw)
}

/// The repo's own files: devnet.toml, the scenarios, their fault lines.
fn text_seeds(root: &Path) -> std::io::Result<()> {
    write(&root.join("config"), "devnet.toml", &fs::read("devnet.toml")?)?;
    write(&root.join("keymap"), "keys.toml", b"[keys]\nquit = \"Q\"\ncrash = \"C\"\nnext-pane = \"n\"\nup = \"Up\"\n")?;
    let mut lines = Vec::new();
    for entry in fs::read_dir("scenarios")? {
        let path = entry?.path();
        let text = fs::read_to_string(&path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        write(&root.join("scenario"), &name, text.as_bytes())?;
        if let Some(start) = text.find("[devnet]") {
            let table: String = text[start + "[devnet]".len()..]
                .lines()
                .take_while(|l| !l.starts_with('['))
                .collect::<Vec<_>>()
                .join("\n");
            write(&root.join("config"), &name, table.as_bytes())?;
        }
        for l in text.lines().filter_map(|l| l.trim().strip_prefix("inject = \"")) {
            lines.push(l.trim_end_matches('"').to_string());
        }
    }
    lines.extend(
        [
            "latency n0 * 200ms --jitter 50ms",
            "loss n1 n2 30%",
            "filter n0 n3 vote,block",
            "skew n2 -2s",
            "load 500/s 50",
            "censor n1 0,1,2",
            "hashrate n0 60%",
            "partition isolate n2",
        ]
        .map(String::from),
    );
    lines.sort();
    lines.dedup();
    for (n, l) in lines.iter().enumerate() {
        write(&root.join("faults"), &format!("line-{n}"), l.as_bytes())?;
    }
    Ok(())
}
