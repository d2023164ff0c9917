//! `describe::Detail` to and from its protobuf form (`NodeStatus.detail`).
//!
//! Rules: encoding is total. Decoding never fails: a cell with no value, or
//! one whose bytes are malformed (a hash or a u128 of the wrong length), is
//! `Value::Empty`, drawn as `-`, and keeps its tone; an unknown tone number
//! is plain. Observers built before a new cell kind see `-` for it, not an
//! error.

use crate::chain::Hash32;
use crate::consensus::BlockRef;
use crate::consensus::describe::{Cell, Detail, Seen, Tone, Value};
use devnet_proto::v1 as pb;

fn tone(t: Tone) -> pb::Tone {
    match t {
        Tone::Plain => pb::Tone::Plain,
        Tone::Dim => pb::Tone::Dim,
        Tone::Warn => pb::Tone::Warn,
        Tone::Bad => pb::Tone::Bad,
    }
}

fn cell(c: &Cell) -> pb::Cell {
    use pb::cell::Value as V;
    let value = match c.value {
        Value::Empty => None,
        Value::Count(n) => Some(V::Count(n)),
        Value::Percent(p) => Some(V::Percent(p)),
        Value::Si(x) => Some(V::Si(x.to_be_bytes().to_vec())),
        Value::Position { at, round } => Some(V::Position(pb::Position { at, round })),
        Value::At(at) => Some(V::At(at)),
        Value::Word(w) => Some(V::Word(w as u32)),
        Value::Lock { locked, valid } => Some(V::Lock(pb::Lock { locked, valid })),
        Value::Vote { round, value } => {
            Some(V::Vote(pb::Vote { round, value: value.map(|h| h.0.to_vec()).unwrap_or_default() }))
        }
        Value::Block { height, hash } => {
            Some(V::Block(super::convert::block_ref(&BlockRef { hash, slot: height, height })))
        }
        Value::Confirmed { height, have, need } => Some(V::Confirmed(pb::Confirmed { height, have, need })),
        Value::Validator(v) => Some(V::Validator(v)),
        Value::Millis(ms) => Some(V::Millis(ms)),
    };
    pb::Cell { tone: tone(c.tone) as i32, value }
}

pub fn to_pb(d: &Detail) -> pb::Detail {
    pb::Detail {
        at: d.at.map(|(at, round)| pb::Position { at, round }),
        cells: d.cells.iter().map(cell).collect(),
        facts: d.facts.iter().map(cell).collect(),
        validators: d.validators.iter().map(|r| pb::CellRow { cells: r.iter().map(cell).collect() }).collect(),
        seen: d.seen.map(|s| pb::Seen { at: s.at, round: s.round }),
    }
}

fn value_of(v: &Option<pb::cell::Value>) -> Option<Value> {
    use pb::cell::Value as V;
    Some(match v.as_ref()? {
        V::Count(n) => Value::Count(*n),
        V::Percent(p) => Value::Percent(*p),
        V::Si(b) => Value::Si(u128::from_be_bytes(b.as_slice().try_into().ok()?)),
        V::Position(p) => Value::Position { at: p.at, round: p.round },
        V::At(a) => Value::At(*a),
        V::Word(w) => Value::Word(u8::try_from(*w).ok()?),
        V::Lock(l) => Value::Lock { locked: l.locked, valid: l.valid },
        V::Vote(v) => Value::Vote {
            round: v.round,
            value: if v.value.is_empty() { None } else { Some(Hash32::from_slice(&v.value)?) },
        },
        V::Block(b) => Value::Block { height: b.height, hash: Hash32::from_slice(&b.hash)? },
        V::Confirmed(c) => Value::Confirmed { height: c.height, have: c.have, need: c.need },
        V::Validator(v) => Value::Validator(*v),
        V::Millis(ms) => Value::Millis(*ms),
    })
}

fn cell_of(c: &pb::Cell) -> Cell {
    let tone = match pb::Tone::try_from(c.tone) {
        Ok(pb::Tone::Dim) => Tone::Dim,
        Ok(pb::Tone::Warn) => Tone::Warn,
        Ok(pb::Tone::Bad) => Tone::Bad,
        _ => Tone::Plain,
    };
    Cell { value: value_of(&c.value).unwrap_or(Value::Empty), tone }
}

pub fn from_pb(d: &pb::Detail) -> Detail {
    Detail {
        at: d.at.as_ref().map(|p| (p.at, p.round)),
        cells: d.cells.iter().map(cell_of).collect(),
        facts: d.facts.iter().map(cell_of).collect(),
        validators: d.validators.iter().map(|r| r.cells.iter().map(cell_of).collect()).collect(),
        seen: d.seen.as_ref().map(|s| Seen { at: s.at, round: s.round }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_with_its_tone() {
        let h = Hash32([7; 32]);
        let values = [
            Value::Empty,
            Value::Count(3),
            Value::Percent(60),
            Value::Si((1u128 << 64) + 3),
            Value::Position { at: 12, round: 1 },
            Value::At(9),
            Value::Word(2),
            Value::Lock { locked: Some(0), valid: None },
            Value::Vote { round: 1, value: None },
            Value::Vote { round: 0, value: Some(h) },
            Value::Block { height: 4, hash: h },
            Value::Confirmed { height: 4, have: 2, need: 6 },
            Value::Validator(3),
            Value::Millis(800),
        ];
        let tones = [Tone::Plain, Tone::Dim, Tone::Warn, Tone::Bad];
        let cells: Vec<Cell> = values.iter().zip(tones.iter().cycle()).map(|(v, t)| Cell::toned(*v, *t)).collect();
        let d = Detail {
            at: Some((12, 1)),
            cells: cells.clone(),
            facts: cells[..3].to_vec(),
            validators: vec![cells[8..10].to_vec(), vec![]],
            seen: Some(Seen { at: 12, round: None }),
        };
        assert_eq!(from_pb(&to_pb(&d)), d);
        assert_eq!(from_pb(&to_pb(&Detail::default())), Detail::default());
    }

    #[test]
    fn malformed_cells_read_as_empty_and_keep_their_tone() {
        use pb::cell::Value as V;
        let bad = [V::Si(vec![1, 2]), V::Vote(pb::Vote { round: 1, value: vec![1; 5] }), V::Word(300)];
        for v in bad {
            let c = pb::Cell { tone: pb::Tone::Warn as i32, value: Some(v) };
            assert_eq!(cell_of(&c), Cell::toned(Value::Empty, Tone::Warn));
        }
        assert_eq!(cell_of(&pb::Cell { tone: 99, value: Some(V::Count(1)) }), Cell::plain(Value::Count(1)));
    }
}
