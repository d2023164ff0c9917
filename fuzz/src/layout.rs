//! How structured fuzz inputs are laid out in bytes, with the writers
//! `write-seeds` uses, so seeds and targets can never disagree.
//!
//! Readers are lenient: any bytes read as something (a short or garbled
//! input is simply fewer records or patches), so the fuzzer never wastes an
//! input on the layout itself.

use devnet_node::consensus::{Record, Table};

/// Store records: per record `table(1) | key_len(1) | key | value_len(4, BE) | value`.
pub fn write_records(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        let tag = Table::ALL.iter().position(|t| *t == r.table).unwrap_or(0) as u8;
        let key = &r.key[..r.key.len().min(255)];
        out.push(tag);
        out.push(key.len() as u8);
        out.extend_from_slice(key);
        out.extend_from_slice(&(r.value.len() as u32).to_be_bytes());
        out.extend_from_slice(&r.value);
    }
    out
}

pub fn read_records(mut data: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    while let [tag, key_len, rest @ ..] = data {
        let table = Table::ALL[*tag as usize % Table::ALL.len()];
        let key_len = (*key_len as usize).min(rest.len());
        let (key, rest) = rest.split_at(key_len);
        let (len, rest) = rest.split_at(rest.len().min(4));
        let mut be = [0u8; 4];
        be[..len.len()].copy_from_slice(len);
        let value_len = (u32::from_be_bytes(be) as usize).min(rest.len());
        let (value, rest) = rest.split_at(value_len);
        out.push(Record { table, key: key.to_vec(), value: value.to_vec() });
        data = rest;
    }
    out
}

/// A file of up to `max` bytes, mostly zeros, written as its length and the
/// runs that are not zero: `len(4, BE)`, then per run `offset(4, BE) |
/// run_len(2, BE) | bytes`. This is how a 4 MiB `journal.bin` fits in a
/// small input: a real journal is zeros except its entries.
pub fn write_sparse(file: &[u8]) -> Vec<u8> {
    let mut out = (file.len() as u32).to_be_bytes().to_vec();
    let mut at = 0;
    while at < file.len() {
        if file[at] == 0 {
            at += 1;
            continue;
        }
        // A run ends at 8 zeros in a row (fewer are cheaper kept) or at its size limit.
        let start = at;
        let mut zeros = 0;
        while at < file.len() && at - start < u16::MAX as usize && zeros < 8 {
            zeros = if file[at] == 0 { zeros + 1 } else { 0 };
            at += 1;
        }
        let end = at - zeros;
        out.extend_from_slice(&(start as u32).to_be_bytes());
        out.extend_from_slice(&((end - start) as u16).to_be_bytes());
        out.extend_from_slice(&file[start..end]);
    }
    out
}

pub fn read_sparse(data: &[u8], max: usize) -> Vec<u8> {
    let Some((len, mut data)) = data.split_first_chunk::<4>() else { return Vec::new() };
    let mut file = vec![0u8; (u32::from_be_bytes(*len) as usize).min(max)];
    while let Some((head, rest)) = data.split_first_chunk::<6>() {
        let offset = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let run = (u16::from_be_bytes([head[4], head[5]]) as usize).min(rest.len());
        let (bytes, rest) = rest.split_at(run);
        if let Some(room) = file.len().checked_sub(offset) {
            let n = room.min(bytes.len());
            file[offset..offset + n].copy_from_slice(&bytes[..n]);
        }
        data = rest;
    }
    file
}
