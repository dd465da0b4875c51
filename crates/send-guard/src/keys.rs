//! Stored keys: `{prefix}:budget:subject`, where the subject of a number, a number range or an
//! IP address is a keyed hash (128 bits, base64url), so the store never holds one in the
//! clear, and every instance with the same secret finds the same key. The hash tag `{prefix}`
//! puts every key of the guard in one Redis Cluster slot, so one script can reserve across a
//! global budget and a number's budget at once.
//!
//! The keyed hash is SipHash-2-4 with 128-bit output, a pseudorandom function built for short
//! inputs: a number costs it a few tens of nanoseconds, where HMAC-SHA256 (two SHA-256
//! compressions at least) cost 0.13 to 0.19 µs, three times a send. SipHash takes a 128-bit key,
//! and the config's secret is a string of any length: its key is HMAC-SHA256 of a fixed label
//! under the secret (the first 128 bits), computed once when the guard is built, so every
//! character of the secret counts and the same secret gives the same key everywhere.

use std::hash::Hasher as _;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use siphasher::sip128::SipHasher24;

use connector_kit::SecretString;

/// What the SipHash key is derived for: HMAC-SHA256 of this under the secret.
const KEY_LABEL: &[u8] = b"send-guard subject key: SipHash-2-4-128";

/// What each kind of subject is hashed after, one SipHash block each: a range never hashes
/// like a number of the same digits.
const NUMBER: &[u8; 8] = b"number: ";
const RANGE: &[u8; 8] = b"range:  ";
const CLIENT: &[u8; 8] = b"client: ";

/// Hashes subjects with the config's secret.
#[derive(Clone)]
pub(crate) struct KeyHasher {
    /// SipHash keyed from the secret, with [`NUMBER`], [`RANGE`] and [`CLIENT`] hashed in.
    number: SipHasher24,
    range: SipHasher24,
    client: SipHasher24,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher(** redacted **)")
    }
}

impl KeyHasher {
    pub(crate) fn new(secret: &SecretString) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(KEY_LABEL);
        let derived = mac.finalize().into_bytes();
        let mut key = [0; 16];
        key.copy_from_slice(&derived[..16]);
        let after = |label: &[u8; 8]| {
            let mut sip = SipHasher24::new_with_key(&key);
            sip.write(label);
            sip
        };
        KeyHasher {
            number: after(NUMBER),
            range: after(RANGE),
            client: after(CLIENT),
        }
    }

    /// The keyed hash of a number's international digits, 128 bits.
    pub(crate) fn number(&self, digits: &[u8]) -> [u8; 16] {
        self.number.hash(digits).as_bytes()
    }

    /// The keyed hash of a number range (the first digits of a number).
    pub(crate) fn range(&self, digits: &[u8]) -> [u8; 16] {
        self.range.hash(digits).as_bytes()
    }

    /// The keyed hash of a [`Client`].
    pub(crate) fn client(&self, client: &[u8]) -> [u8; 16] {
        self.client.hash(client).as_bytes()
    }
}

/// Appends a digest to a key: 22 characters of base64url without padding.
pub(crate) fn encode(digest: &[u8; 16], key: &mut String) {
    let mut text = [0; 22];
    let written = URL_SAFE_NO_PAD
        .encode_slice(digest, &mut text)
        .expect("16 bytes are 22 characters");
    key.push_str(std::str::from_utf8(&text[..written]).expect("base64 is ASCII"));
}

/// An IP address as a client, in bytes: 4 for IPv4 (and IPv4-mapped IPv6), and for IPv6 its
/// first `v6_bits` bits (the rest zero) and then `v6_bits`, 17 bytes, since one subscriber
/// holds a whole /64 or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Client {
    bytes: [u8; 17],
    len: usize,
}

impl Client {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

pub(crate) fn client_of(ip: IpAddr, v6_bits: u8) -> Client {
    let mut bytes = [0; 17];
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            bytes[..4].copy_from_slice(&v4.octets());
            Client { bytes, len: 4 }
        }
        IpAddr::V6(v6) => {
            let bits = v6_bits.min(128);
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            bytes[..16].copy_from_slice(&(u128::from(v6) & mask).to_be_bytes());
            bytes[16] = bits;
            Client { bytes, len: 17 }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(digest: [u8; 16]) -> String {
        let mut text = String::new();
        encode(&digest, &mut text);
        text
    }

    #[test]
    fn subjects_are_keyed_short_and_never_the_value() {
        let hasher = KeyHasher::new(&SecretString::new("a secret of sixteen+"));
        let other = KeyHasher::new(&SecretString::new("another secret of 16"));
        let subject = text(hasher.number(b"8613800138000"));
        assert_eq!(subject.len(), 22);
        assert!(!subject.contains("13800138000"));
        assert_eq!(subject, text(hasher.number(b"8613800138000")));
        assert_ne!(subject, text(other.number(b"8613800138000")));
        assert_ne!(subject, text(hasher.range(b"8613800138000")));
        assert_ne!(subject, text(hasher.client(b"8613800138000")));
        assert_eq!(format!("{hasher:?}"), "KeyHasher(** redacted **)");
    }

    /// Every instance, and every version, must find the same key for the same secret: the
    /// construction is SipHash-2-4-128 of label and value under the first 128 bits of
    /// HMAC-SHA256(secret, KEY_LABEL), pinned here (the pinned text was checked against a
    /// SipHash-2-4-128 written apart from this crate, from the paper's reference vectors).
    #[test]
    fn subjects_are_siphash_of_label_and_value_under_a_key_derived_from_the_secret() {
        let secret = "a secret of sixteen+";
        let hasher = KeyHasher::new(&SecretString::new(secret));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(KEY_LABEL);
        let key: [u8; 16] = mac.finalize().into_bytes()[..16].try_into().unwrap();
        let sip = SipHasher24::new_with_key(&key);
        assert_eq!(
            hasher.number(b"8613800138000"),
            sip.hash(b"number: 8613800138000").as_bytes()
        );
        assert_eq!(
            hasher.range(b"86138001"),
            sip.hash(b"range:  86138001").as_bytes()
        );
        assert_eq!(
            hasher.client(&[203, 0, 113, 7]),
            sip.hash(b"client: \xcb\x00\x71\x07").as_bytes()
        );
        assert_eq!(
            text(hasher.number(b"8613800138000")),
            "UfQ15_FBacYGdU3YryJC9A"
        );
    }

    #[test]
    fn ipv6_clients_are_prefixes_and_mapped_ipv4_is_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_of(ip("203.0.113.7"), 64).as_bytes(),
            [203, 0, 113, 7]
        );
        assert_eq!(
            client_of(ip("::ffff:203.0.113.7"), 64).as_bytes(),
            [203, 0, 113, 7]
        );
        assert_eq!(
            client_of(ip("2001:db8:1:2:aaaa::1"), 64),
            client_of(ip("2001:db8:1:2:ffff::9"), 64)
        );
        assert_ne!(
            client_of(ip("2001:db8:1:2::1"), 64),
            client_of(ip("2001:db8:1:3::1"), 64)
        );
        assert_ne!(
            client_of(ip("2001:db8::1"), 128),
            client_of(ip("2001:db8::2"), 128)
        );
        assert_eq!(client_of(ip("2001:db8::1"), 64).as_bytes().len(), 17);
        assert_ne!(
            client_of(ip("2001:db8::"), 48),
            client_of(ip("2001:db8::"), 64),
            "the prefix length is part of the client"
        );
    }
}
