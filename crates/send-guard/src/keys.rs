//! Stored keys: `{prefix}:budget:subject`, where the subject of a number, a number range or an
//! IP address is a keyed hash (HMAC-SHA256 with the config's secret, 128 bits, base64url), so
//! the store never holds one in the clear, and every instance with the same secret finds the
//! same key. The hash tag `{prefix}` puts every key of the guard in one Redis Cluster slot, so
//! one script can reserve across a global budget and a number's budget at once.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use connector_kit::SecretString;

/// Hashes subjects with the config's secret.
#[derive(Clone)]
pub(crate) struct KeyHasher {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasher(** redacted **)")
    }
}

impl KeyHasher {
    pub(crate) fn new(secret: &SecretString) -> Self {
        let mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
            .expect("HMAC takes a key of any length");
        KeyHasher { mac }
    }

    /// The keyed hash of `value` of a kind (`n` number, `p` range, `i` IP), 128 bits: the kind
    /// keeps a range from ever hashing like a number of the same digits.
    pub(crate) fn digest(&self, kind: &str, value: &str) -> [u8; 16] {
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut short = [0; 16];
        short.copy_from_slice(&digest[..16]);
        short
    }

    /// [`digest`](Self::digest) as it appears in a key: 22 characters of base64url.
    #[cfg(test)]
    fn subject(&self, kind: &str, value: &str) -> String {
        let mut text = String::new();
        encode(&self.digest(kind, value), &mut text);
        text
    }
}

/// Appends a digest to a key, in base64url without padding.
pub(crate) fn encode(digest: &[u8; 16], key: &mut String) {
    URL_SAFE_NO_PAD.encode_string(digest, key);
}

/// An IP address as a client: IPv4 (and IPv4-mapped IPv6) whole, IPv6 by its first `v6_bits`
/// bits, since one subscriber holds a whole /64 or more.
pub(crate) fn client_of(ip: IpAddr, v6_bits: u8) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let bits = u32::from(v6_bits.min(128));
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            format!("{:x}/{bits}", u128::from(v6) & mask)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_keyed_short_and_never_the_value() {
        let hasher = KeyHasher::new(&SecretString::new("a secret of sixteen+"));
        let other = KeyHasher::new(&SecretString::new("another secret of 16"));
        let subject = hasher.subject("n", "8613800138000");
        assert_eq!(subject.len(), 22);
        assert!(!subject.contains("13800138000"));
        assert_eq!(subject, hasher.subject("n", "8613800138000"));
        assert_ne!(subject, other.subject("n", "8613800138000"));
        assert_ne!(subject, hasher.subject("p", "8613800138000"));
        assert_eq!(format!("{hasher:?}"), "KeyHasher(** redacted **)");
    }

    #[test]
    fn ipv6_clients_are_prefixes_and_mapped_ipv4_is_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(client_of(ip("203.0.113.7"), 64), "203.0.113.7");
        assert_eq!(client_of(ip("::ffff:203.0.113.7"), 64), "203.0.113.7");
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
    }
}
