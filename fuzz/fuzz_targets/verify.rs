//! Differential: `VerifyKey::verify` (devnet's own check, one field
//! inversion instead of two) must accept exactly what ed25519-dalek's
//! `verify_strict` accepts, on any key, message and signature.
//!
//! Input: a mode byte, then
//! - raw (even mode): key(32) | signature(64) | domain(1) | message: any
//!   bytes, where the fuzzer finds the encodings (non-canonical points and
//!   scalars, small-order keys) but rarely a valid signature;
//! - made (odd mode): secret(32) | nonce(32) | torsion of R(1) | torsion
//!   of A(1) | tweak(1) | domain(1) | message: a signature made by hand from
//!   the secret scalar and nonce, with a point of small order added to R
//!   and to the key as the torsion bytes say, so the fuzzer reaches the
//!   accepting paths and the edges between: with no torsion and no tweak it
//!   is honest and both must accept (unless the secret or nonce is zero); the tweak adds l to s (a non-canonical
//!   scalar: both must refuse) or changes the message after signing.
//!
//! Checks: the two verifiers agree (any disagreement is a crash), and
//! `PublicKey::verify` agrees with decoding then verifying.

#![no_main]

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
use curve25519_dalek::scalar::Scalar;
use devnet_node::chain::{Domain, PublicKey, Signature};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha512};

const DOMAINS: [Domain; 4] = [Domain::BlockHeader, Domain::Attestation, Domain::Vote, Domain::Transfer];

/// l, the order of the basepoint, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn ours(key: [u8; 32], domain: Domain, msg: &[u8], sig: [u8; 64]) -> bool {
    let decoded = PublicKey(key).decode().is_some_and(|k| k.verify(domain, msg, &Signature(sig)));
    let direct = PublicKey(key).verify(domain, msg, &Signature(sig));
    assert_eq!(decoded, direct, "PublicKey::verify and VerifyKey::verify disagree");
    decoded
}

fn theirs(key: [u8; 32], domain: Domain, msg: &[u8], sig: [u8; 64]) -> bool {
    let signed = [domain.tag(), msg].concat();
    ed25519_dalek::VerifyingKey::from_bytes(&key)
        .is_ok_and(|k| k.verify_strict(&signed, &ed25519_dalek::Signature::from_bytes(&sig)).is_ok())
}

/// s + l as 32 little-endian bytes (s < l, so it fits).
fn plus_l(s: [u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = s[i] as u16 + L[i] as u16 + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out
}

/// A signature made by hand, over `domain || msg`.
struct Made {
    key: [u8; 32],
    sig: [u8; 64],
    domain: Domain,
    msg: Vec<u8>,
    /// Made honestly: a valid signature both must accept.
    honest: bool,
}

fn made(data: &[u8]) -> Option<Made> {
    let (secret, rest) = data.split_first_chunk::<32>()?;
    let (nonce, rest) = rest.split_first_chunk::<32>()?;
    let (&[tr, ta, tweak, domain], msg) = rest.split_first_chunk::<4>()?;
    let domain = DOMAINS[domain as usize % DOMAINS.len()];
    let a = Scalar::from_bytes_mod_order(*secret);
    let r = Scalar::from_bytes_mod_order(*nonce);
    let key = (a * B + EIGHT_TORSION[ta as usize % 8]).compress().to_bytes();
    let big_r = (r * B + EIGHT_TORSION[tr as usize % 8]).compress().to_bytes();
    let k = Scalar::from_bytes_mod_order_wide(
        &Sha512::new()
            .chain_update(big_r)
            .chain_update(key)
            .chain_update(domain.tag())
            .chain_update(msg)
            .finalize()
            .into(),
    );
    let mut s = (r + k * a).to_bytes();
    let mut msg = msg.to_vec();
    match tweak % 4 {
        1 => s = plus_l(s),
        2 => msg.push(tweak),
        _ => {}
    }
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&big_r);
    sig[32..].copy_from_slice(&s);
    // Honest: no torsion, nothing changed, and neither the key nor R the
    // identity (a zero secret or nonce), which has small order.
    let honest =
        ta % 8 == 0 && tr % 8 == 0 && tweak % 4 != 1 && tweak % 4 != 2 && a != Scalar::ZERO && r != Scalar::ZERO;
    Some(Made { key, sig, domain, msg, honest })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let Some((key, rest)) = rest.split_first_chunk::<32>() else { return };
        let Some((sig, rest)) = rest.split_first_chunk::<64>() else { return };
        let Some((&domain, msg)) = rest.split_first() else { return };
        let domain = DOMAINS[domain as usize % DOMAINS.len()];
        let (o, t) = (ours(*key, domain, msg, *sig), theirs(*key, domain, msg, *sig));
        assert_eq!(o, t, "ours {o}, verify_strict {t}: key {key:?} sig {sig:?}");
    } else {
        let Some(Made { key, sig, domain, msg, honest }) = made(rest) else { return };
        let (o, t) = (ours(key, domain, &msg, sig), theirs(key, domain, &msg, sig));
        assert_eq!(o, t, "ours {o}, verify_strict {t}: key {key:?} sig {sig:?}");
        if honest {
            assert!(o, "an honest signature refused: key {key:?} sig {sig:?}");
        }
    }
});
