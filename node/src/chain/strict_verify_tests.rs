//! `VerifyKey::verify` must accept exactly what ed25519-dalek's
//! `verify_strict` accepts. These compare the two on honest signatures, on
//! tampered ones, and on signatures built to sit on the edges the strict
//! rules are about: small-order R and A, keys and R with a torsion part, a
//! non-reduced s and non-canonical R encodings.

use super::keys::{Domain, PublicKey, SecretKey, Signature};
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT as B;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha512};

/// l, the order of the basepoint, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Both verifiers' answers for key bytes `a`, message `msg` (under the vote domain) and `sig`.
fn both(a: [u8; 32], msg: &[u8], sig: [u8; 64]) -> (bool, bool) {
    let ours = PublicKey(a).decode().is_some_and(|k| k.verify(Domain::Vote, msg, &Signature(sig)));
    let theirs = ed25519_dalek::VerifyingKey::from_bytes(&a).is_ok_and(|k| {
        k.verify_strict(&[Domain::Vote.tag(), msg].concat(), &ed25519_dalek::Signature::from_bytes(&sig)).is_ok()
    });
    (ours, theirs)
}

fn agree(a: [u8; 32], msg: &[u8], sig: [u8; 64], expect: bool, what: &str) {
    let (ours, theirs) = both(a, msg, sig);
    assert_eq!(ours, theirs, "{what}: ours {ours}, verify_strict {theirs}");
    assert_eq!(ours, expect, "{what}");
}

fn scalar(rng: &mut ChaCha20Rng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

fn challenge(r: &[u8; 32], a: &[u8; 32], msg: &[u8]) -> Scalar {
    Scalar::from_hash(Sha512::new().chain_update(r).chain_update(a).chain_update(Domain::Vote.tag()).chain_update(msg))
}

fn sig(r: [u8; 32], s: [u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&r);
    out[32..].copy_from_slice(&s);
    out
}

/// A point of order 8: [l]P is P's torsion part times 5 (l = 5 mod 8), and
/// [l]P = [l-1]P + P, with l-1 a canonical scalar.
fn order_eight(rng: &mut ChaCha20Rng) -> EdwardsPoint {
    loop {
        let mut y = [0u8; 32];
        rng.fill_bytes(&mut y);
        let Some(p) = CompressedEdwardsY(y).decompress() else { continue };
        let t = p * (Scalar::ZERO - Scalar::ONE) + p;
        assert!(t.is_small_order());
        if t * Scalar::from(4u8) != EdwardsPoint::default() {
            return t; // [4]t is not the identity: order 8
        }
    }
}

/// A signature by key A = [a]B + t with R = P + r_torsion, where P = [s]B -
/// [k]A: with no `r_torsion` it satisfies the cofactorless equation. Found by
/// guessing k mod 8 (what [k]t depends on).
fn forge_with_torsion(
    rng: &mut ChaCha20Rng,
    a: Scalar,
    t: EdwardsPoint,
    r_torsion: EdwardsPoint,
    msg: &[u8],
) -> ([u8; 32], [u8; 64]) {
    let key = (B * a + t).compress().to_bytes();
    loop {
        let r = scalar(rng);
        let j: u8 = rng.gen_range(0..8);
        let point = B * r - t * Scalar::from(j) + r_torsion;
        let rb = point.compress().to_bytes();
        let k = challenge(&rb, &key, msg);
        if k.as_bytes()[0] % 8 != j {
            continue;
        }
        let s = r + k * a;
        return (key, sig(rb, s.to_bytes()));
    }
}

#[test]
fn honest_and_tampered_signatures_get_the_same_answer() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for i in 0..200 {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let key = SecretKey::from_seed(seed);
        let a = key.public().0;
        let msg: Vec<u8> = (0..rng.gen_range(0..200)).map(|_| rng.r#gen()).collect();
        let good = key.sign(Domain::Vote, &msg).0;
        agree(a, &msg, good, true, &format!("honest #{i}"));
        let mut bad = good;
        bad[rng.gen_range(0..64)] ^= 1 << rng.gen_range(0..8);
        agree(a, &msg, bad, false, &format!("bit flip #{i}"));
        let mut other = msg.clone();
        other.push(1);
        agree(a, &other, good, false, &format!("other message #{i}"));
        let mut junk = [0u8; 64];
        rng.fill_bytes(&mut junk);
        agree(a, &msg, junk, false, &format!("random bytes #{i}"));
    }
}

#[test]
fn a_non_reduced_s_is_refused() {
    let key = SecretKey::from_seed([3; 32]);
    let good = key.sign(Domain::Vote, b"m").0;
    // s + l: the same scalar mod l, not the canonical bytes.
    let mut s = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = good[32 + i] as u16 + L[i] as u16 + carry;
        s[i] = v as u8;
        carry = v >> 8;
    }
    let r: [u8; 32] = good[..32].try_into().unwrap();
    agree(key.public().0, b"m", sig(r, s), false, "s + l");
}

#[test]
fn small_order_r_and_keys_are_refused_even_when_the_equation_holds() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let t = order_eight(&mut rng);
    let a = scalar(&mut rng);
    let key = (B * a).compress().to_bytes();
    // R = identity with s = k*a: [s]B - [k]A is the identity, so the
    // equation holds; only the small-order rule refuses it. Also the
    // identity's non-canonical encodings (y = 1 + p, and a set sign bit).
    let mut encodings = vec![EdwardsPoint::default().compress().to_bytes()];
    let mut y_plus_p = [0xff; 32];
    y_plus_p[0] = 0xee;
    y_plus_p[31] = 0x7f;
    encodings.push(y_plus_p);
    let mut signed = encodings[0];
    signed[31] |= 0x80;
    encodings.push(signed);
    for rb in encodings {
        let k = challenge(&rb, &key, b"m");
        agree(key, b"m", sig(rb, (k * a).to_bytes()), false, &format!("identity R {:02x?}", &rb[..2]));
    }
    // Every small-order R with an arbitrary s.
    for i in 0..8u8 {
        let rb = (t * Scalar::from(i)).compress().to_bytes();
        agree(key, b"m", sig(rb, scalar(&mut rng).to_bytes()), false, &format!("R = [{i}]T"));
    }
    // A small-order key with a signature that satisfies the equation.
    for i in 0..8u8 {
        let (key, s) = forge_with_torsion(&mut rng, Scalar::ZERO, t * Scalar::from(i), EdwardsPoint::default(), b"m");
        agree(key, b"m", s, false, &format!("small-order key [{i}]T"));
    }
}

#[test]
fn torsion_parts_get_the_same_answer() {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let t = order_eight(&mut rng);
    let none = EdwardsPoint::default();
    for i in 1..8u8 {
        let a = scalar(&mut rng);
        let ti = t * Scalar::from(i);
        // A key with a torsion part and R that cancels it: the
        // cofactorless equation holds and neither point has small order.
        let (key, s) = forge_with_torsion(&mut rng, a, ti, none, b"m");
        agree(key, b"m", s, true, &format!("key + [{i}]T"));
        // An honest key, R with a torsion part: the equation fails.
        let (key, s) = forge_with_torsion(&mut rng, a, none, ti, b"m");
        agree(key, b"m", s, false, &format!("R + [{i}]T"));
    }
}
