//! Canonical byte encoding: one encoding for hashing, signing and the wire.
//!
//! Rules: integers are big-endian and fixed width; byte strings and lists carry
//! a u32 length prefix; every decoder is bounded (`MAX_LIST`, `MAX_BYTES`) and
//! returns an error instead of panicking, and `Reader::finish` rejects trailing
//! bytes so one value has exactly one encoding.

use super::{Hash32, Signature};
use thiserror::Error;

/// Upper bound on any decoded list length; a longer prefix is an error, not an allocation.
pub const MAX_LIST: usize = 4096;
/// Upper bound on any decoded byte string.
pub const MAX_BYTES: usize = 1 << 20;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("message ended early: needed {needed} more bytes at offset {offset}")]
    Truncated { offset: usize, needed: usize },
    #[error("length {len} at offset {offset} exceeds the limit {limit}")]
    TooLong { offset: usize, len: usize, limit: usize },
    #[error("{trailing} unexpected trailing bytes")]
    Trailing { trailing: usize },
    #[error("invalid {what}: {detail}")]
    Invalid { what: &'static str, detail: String },
}

pub struct Writer {
    buf: Vec<u8>,
}

/// Room for a vote or a small block without growing the buffer on the way.
const WRITER_START: usize = 256;

impl Default for Writer {
    fn default() -> Self {
        Writer { buf: Vec::with_capacity(WRITER_START) }
    }
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn fixed(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
    /// Length-prefixed byte string.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.u32(b.len() as u32);
        self.fixed(b)
    }
    /// Length-prefixed list; `f` writes one element.
    pub fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.u32(items.len() as u32);
        for it in items {
            f(self, it);
        }
        self
    }
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let left = self.buf.len() - self.pos;
        if n > left {
            return Err(DecodeError::Truncated { offset: self.pos, needed: n - left });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }
    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let b = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let offset = self.pos;
        let len = self.u32()? as usize;
        if len > MAX_BYTES {
            return Err(DecodeError::TooLong { offset, len, limit: MAX_BYTES });
        }
        self.take(len)
    }
    pub fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Result<T, DecodeError>) -> Result<Vec<T>, DecodeError> {
        let offset = self.pos;
        let len = self.u32()? as usize;
        if len > MAX_LIST {
            return Err(DecodeError::TooLong { offset, len, limit: MAX_LIST });
        }
        // Each element takes at least one byte, so never reserve past what is left.
        let mut out = Vec::with_capacity(len.min(self.buf.len() - self.pos));
        for _ in 0..len {
            out.push(f(self)?);
        }
        Ok(out)
    }
    /// True once every byte has been read (a field added to a record can be optional at its end).
    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }
    /// Errors if bytes remain: one value, one encoding.
    pub fn finish(self) -> Result<(), DecodeError> {
        let trailing = self.buf.len() - self.pos;
        if trailing == 0 { Ok(()) } else { Err(DecodeError::Trailing { trailing }) }
    }
}

// ---------------------------------------------------------------- fields every engine encodes
//
// Hashes and signatures as fixed bytes, optional values behind a 0/1 flag
// (any other flag byte is refused), pairs back to back (equivocation
// evidence: two messages of one kind, after the caller's tag byte, if any),
// and whole values that must use every byte.

pub fn put_hash(w: &mut Writer, h: &Hash32) {
    w.fixed(&h.0);
}
pub fn get_hash(r: &mut Reader<'_>) -> Result<Hash32, DecodeError> {
    Ok(Hash32(r.fixed::<32>()?))
}
pub fn put_sig(w: &mut Writer, s: &Signature) {
    w.fixed(&s.0);
}
pub fn get_sig(r: &mut Reader<'_>) -> Result<Signature, DecodeError> {
    Ok(Signature(r.fixed::<64>()?))
}
pub fn get_flag(r: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        t => Err(DecodeError::Invalid { what: "option flag", detail: t.to_string() }),
    }
}
pub fn put_opt_hash(w: &mut Writer, h: &Option<Hash32>) {
    match h {
        Some(h) => {
            w.u8(1);
            put_hash(w, h);
        }
        None => {
            w.u8(0);
        }
    }
}
pub fn get_opt_hash(r: &mut Reader<'_>) -> Result<Option<Hash32>, DecodeError> {
    Ok(if get_flag(r)? { Some(get_hash(r)?) } else { None })
}
pub fn put_opt_u64(w: &mut Writer, v: Option<u64>) {
    match v {
        Some(x) => w.u8(1).u64(x),
        None => w.u8(0),
    };
}
pub fn get_opt_u64(r: &mut Reader<'_>) -> Result<Option<u64>, DecodeError> {
    Ok(if get_flag(r)? { Some(r.u64()?) } else { None })
}

pub fn put_pair<T>(w: &mut Writer, a: &T, b: &T, put: impl Fn(&T, &mut Writer)) {
    put(a, w);
    put(b, w);
}
pub fn get_pair<T>(
    r: &mut Reader<'_>,
    get: impl Fn(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<(T, T), DecodeError> {
    Ok((get(r)?, get(r)?))
}

/// Decode one whole value: `f` must consume every byte.
pub fn decode_all<T>(
    bytes: &[u8],
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let v = f(&mut r)?;
    r.finish()?;
    Ok(v)
}

pub fn encode_with(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    f(&mut w);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let mut w = Writer::new();
        w.u8(7).u32(9).u64(u64::MAX).bytes(b"abc").list(&[1u64, 2], |w, v| {
            w.u64(*v);
        });
        let buf = w.finish();
        let mut r = Reader::new(&buf);
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u32().unwrap(), 9);
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert_eq!(r.bytes().unwrap(), b"abc");
        assert_eq!(r.list(|r| r.u64()).unwrap(), vec![1, 2]);
        r.finish().unwrap();

        let mut r = Reader::new(&buf[..3]);
        r.u8().unwrap();
        assert!(matches!(r.u32(), Err(DecodeError::Truncated { .. })));

        let huge = (MAX_LIST as u32 + 1).to_be_bytes();
        assert!(matches!(Reader::new(&huge).list(|r| r.u8()), Err(DecodeError::TooLong { .. })));
        assert!(matches!(Reader::new(&[1, 2]).finish(), Err(DecodeError::Trailing { trailing: 2 })));
    }
}
