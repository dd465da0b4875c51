//! Alibaba Cloud's percent-encoding: UTF-8 bytes, upper-case hex, only the RFC 3986 unreserved
//! characters `A-Z a-z 0-9 - _ . ~` left as they are.
//!
//! This differs from `application/x-www-form-urlencoded` (space is `%20`, never `+`) and from
//! JavaScript's `encodeURIComponent` (`*`, `!`, `'`, `(`, `)` are encoded too).
//!
//! ```
//! use aliyun_sign::encode::{percent_decode, percent_encode};
//!
//! assert_eq!(percent_encode("a b*c~d+e/f"), "a%20b%2Ac~d%2Be%2Ff");
//! assert_eq!(percent_encode("短信"), "%E7%9F%AD%E4%BF%A1");
//! assert_eq!(percent_decode("a%20b%2Ac~d").unwrap(), "a b*c~d");
//! ```

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// The bytes Alibaba Cloud percent-encodes: everything except `A-Z a-z 0-9 - _ . ~`, for use
/// with the `percent-encoding` crate (which always encodes bytes outside ASCII).
///
/// This module's encoders follow it byte for byte (a test checks all 256 bytes).
//
// They are hand-written rather than `percent_encoding::utf8_percent_encode`, which took about
// twice as long on the SendSms canonicalized query string (1.01 µs against 0.53 µs, see
// `benches/sign.rs` and `docs/performance.md`); signing encodes every parameter twice.
pub static ALIYUN_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` with [`ALIYUN_ENCODE_SET`].
pub fn percent_encode(s: &str) -> String {
    let escapes = escapes(s);
    let mut out = Buf::exact(s.len() + 2 * escapes);
    out.encoded(s, escapes);
    out.into_string()
}

/// Appends the percent-encoding of `s` to `out`, without an intermediate allocation.
pub fn percent_encode_into(s: &str, out: &mut String) {
    // Runs of unreserved bytes are copied whole; escapes come from the crate's table.
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if TABLES.escaped[usize::from(b)] != 0 {
            // A non-empty run is unreserved ASCII bounded by char boundaries, so slicing is exact.
            if run_start < i {
                out.push_str(&s[run_start..i]);
            }
            out.push_str(percent_encoding::percent_encode_byte(b));
            run_start = i + 1;
        }
    }
    if run_start < bytes.len() {
        out.push_str(&s[run_start..]);
    }
}

/// The exact length of `percent_encode(s)`.
pub fn encoded_len(s: &str) -> usize {
    s.len() + 2 * escapes(s)
}

/// `true` for `A-Z a-z 0-9 - _ . ~`: the complement of [`ALIYUN_ENCODE_SET`] (a test checks
/// every byte against the set).
const fn is_unreserved(b: u8) -> bool {
    let folded = b | 0x20; // A-Z to a-z; no other byte lands in a-z
    (folded.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
}

/// Why [`percent_decode`] refused its input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A `%` not followed by two hex digits, at this byte offset.
    InvalidEscape {
        /// Byte offset of the `%` in the input.
        position: usize,
    },
    /// The decoded bytes are not UTF-8.
    InvalidUtf8(std::str::Utf8Error),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidEscape { position } => write!(
                f,
                "invalid percent escape at byte {position}: `%` must be followed by two hex digits"
            ),
            Self::InvalidUtf8(e) => write!(f, "percent-decoded bytes are not UTF-8: {e}"),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidEscape { .. } => None,
            Self::InvalidUtf8(e) => Some(e),
        }
    }
}

/// Decodes `%XX` escapes (either hex case). Strict: a `%` without two hex digits after it is an
/// error, and `+` stays `+` (this is not form decoding).
pub fn percent_decode(s: &str) -> Result<String, DecodeError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'%') {
        let at = i + offset;
        match bytes.get(at + 1..at + 3) {
            Some([hi, lo]) if hi.is_ascii_hexdigit() && lo.is_ascii_hexdigit() => i = at + 3,
            _ => return Err(DecodeError::InvalidEscape { position: at }),
        }
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(DecodeError::InvalidUtf8)
}

/// One query parameter on its way into a canonical query string: its escapes are counted once
/// (for exact buffer sizes, and to copy clean text whole), and its name's first eight bytes make a
/// sort key that settles most comparisons without a `memcmp`.
pub(crate) struct Param<'a> {
    key: u64,
    name: &'a str,
    value: &'a str,
    name_escapes: usize,
    value_escapes: usize,
}

impl<'a> Param<'a> {
    pub(crate) fn new(name: &'a str, value: &'a str) -> Self {
        let mut prefix = [0; 8];
        let n = name.len().min(8);
        prefix[..n].copy_from_slice(&name.as_bytes()[..n]);
        Self {
            // Zero-padded big-endian prefix: when two keys differ they order as the names do.
            key: u64::from_be_bytes(prefix),
            name,
            value,
            name_escapes: escapes(name),
            value_escapes: escapes(value),
        }
    }

    pub(crate) fn name(&self) -> &'a str {
        self.name
    }

    pub(crate) fn value(&self) -> &'a str {
        self.value
    }
}

/// Sorts by name in byte order; stable, so repeated names keep their given order.
pub(crate) fn sort_params(params: &mut [Param<'_>]) {
    params.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.name.cmp(b.name)));
}

fn lengths(params: &[Param<'_>]) -> (usize, usize, usize) {
    let separators = (2 * params.len()).saturating_sub(1);
    let (mut raw, mut escaped) = (0, 0);
    for p in params {
        raw += p.name.len() + p.value.len();
        escaped += p.name_escapes + p.value_escapes;
    }
    (raw, escaped, separators)
}

/// `encode(name)=encode(value)` joined with `&`, in the order given.
pub(crate) fn query_string(params: &[Param<'_>]) -> String {
    let (raw, escaped, separators) = lengths(params);
    let mut out = Buf::exact(raw + 2 * escaped + separators);
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.raw(b"&");
        }
        out.encoded(p.name, p.name_escapes);
        out.raw(b"=");
        out.encoded(p.value, p.value_escapes);
    }
    out.into_string()
}

/// V1's canonicalized query string and string to sign from sorted `params`, in one pass.
/// The string to sign is `METHOD&%2F&` + the canonicalized query string encoded once more, and
/// encoding an encoded string is predictable (`%XY` → `%25XY`, `=` → `%3D`, `&` → `%26`), so
/// nothing is scanned twice.
pub(crate) fn query_and_string_to_sign(method: &str, params: &[Param<'_>]) -> (String, String) {
    let (raw, escaped, separators) = lengths(params);
    let mut query = Buf::exact(raw + 2 * escaped + separators);
    let mut to_sign = Buf::exact(method.len() + 5 + raw + 4 * escaped + 3 * separators);
    to_sign.raw(method.as_bytes());
    to_sign.raw(b"&%2F&");
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            query.raw(b"&");
            to_sign.raw(b"%26");
        }
        Buf::encoded_twice(p.name, p.name_escapes, &mut query, &mut to_sign);
        query.raw(b"=");
        to_sign.raw(b"%3D");
        Buf::encoded_twice(p.value, p.value_escapes, &mut query, &mut to_sign);
    }
    (query.into_string(), to_sign.into_string())
}

/// Per byte, its encoding once and twice as little-endian words with the encoding's length in
/// the top byte (`a` → `a`, 1; ` ` → `%20`, 3 and `%2520`, 5), and whether it is escaped. A byte
/// then costs one store per output and no branch: which bytes are escaped is unpredictable
/// (UTF-8, JSON), and the mispredicted branch of a byte-by-byte encoder was the largest cost of
/// signing. Words are written whole and the cursor advanced by the length, so the bytes past it
/// are overwritten by the next word or land in the [`SLACK`] at the end of the buffer.
struct Tables {
    once: [u32; 256],
    twice: [u64; 256],
    escaped: [u8; 256],
}

static TABLES: Tables = {
    const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let mut t = Tables {
        once: [0; 256],
        twice: [0; 256],
        escaped: [0; 256],
    };
    let mut b = 0;
    while b < 256 {
        let (hi, lo) = (HEX_UPPER[b >> 4], HEX_UPPER[b & 0x0f]);
        if is_unreserved(b as u8) {
            t.once[b] = u32::from_le_bytes([b as u8, 0, 0, 1]);
            t.twice[b] = u64::from_le_bytes([b as u8, 0, 0, 0, 0, 0, 0, 1]);
        } else {
            t.once[b] = u32::from_le_bytes([b'%', hi, lo, 3]);
            t.twice[b] = u64::from_le_bytes([b'%', b'2', b'5', hi, lo, 0, 0, 5]);
            t.escaped[b] = 1;
        }
        b += 1;
    }
    t
};

/// How many bytes of `s` become `%XY`.
fn escapes(s: &str) -> usize {
    s.bytes()
        .map(|b| usize::from(TABLES.escaped[usize::from(b)]))
        .sum()
}

/// Room past the end for the whole-word stores.
const SLACK: usize = 8;

/// An output buffer sized exactly up front (plus [`SLACK`]) and filled by index. With exact sizes
/// every allocation also stays small.
struct Buf {
    bytes: Vec<u8>,
    at: usize,
}

impl Buf {
    #[allow(
        clippy::slow_vector_initialization,
        reason = "`vec![0; n]` is `calloc`, which skips glibc's per-thread cache: measurably slower"
    )]
    fn exact(len: usize) -> Self {
        let mut bytes = Vec::with_capacity(len + SLACK);
        bytes.resize(len + SLACK, 0);
        Self { bytes, at: 0 }
    }

    fn raw(&mut self, bytes: &[u8]) {
        let end = self.at + bytes.len();
        self.bytes[self.at..end].copy_from_slice(bytes);
        self.at = end;
    }

    /// Appends `s`, which has `escapes` bytes to escape, percent-encoded.
    fn encoded(&mut self, s: &str, escapes: usize) {
        if escapes == 0 {
            return self.raw(s.as_bytes());
        }
        let (out, mut at) = (self.bytes.as_mut_slice(), self.at);
        for &b in s.as_bytes() {
            let word = TABLES.once[usize::from(b)];
            out[at..at + 4].copy_from_slice(&word.to_le_bytes());
            at += (word >> 24) as usize;
        }
        self.at = at;
    }

    /// Appends `s` (with `escapes` bytes to escape) encoded to `once` and encoded twice to
    /// `twice`: `%XY` becomes `%25XY`.
    fn encoded_twice(s: &str, escapes: usize, once: &mut Self, twice: &mut Self) {
        if escapes == 0 {
            once.raw(s.as_bytes());
            return twice.raw(s.as_bytes());
        }
        let (one, mut i) = (once.bytes.as_mut_slice(), once.at);
        let (two, mut j) = (twice.bytes.as_mut_slice(), twice.at);
        for &b in s.as_bytes() {
            let (word1, word2) = (TABLES.once[usize::from(b)], TABLES.twice[usize::from(b)]);
            one[i..i + 4].copy_from_slice(&word1.to_le_bytes());
            two[j..j + 8].copy_from_slice(&word2.to_le_bytes());
            i += (word1 >> 24) as usize;
            j += (word2 >> 56) as usize;
        }
        once.at = i;
        twice.at = j;
    }

    /// The buffer holds UTF-8 by construction (ASCII, after a `&str` prefix), so the lossy branch
    /// is never taken; it is there so that nothing here can panic on a bug.
    fn into_string(mut self) -> String {
        debug_assert_eq!(self.at + SLACK, self.bytes.len(), "exact size computed");
        self.bytes.truncate(self.at);
        String::from_utf8(self.bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ascii_byte() {
        for b in 0u8..=0x7f {
            let s = char::from(b).to_string();
            let unreserved = b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
            let expected = if unreserved {
                s.clone()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(percent_encode(&s), expected, "byte {b:#04x}");
            assert_eq!(encoded_len(&s), expected.len(), "byte {b:#04x}");
        }
    }

    #[test]
    fn unreserved_table_is_the_complement_of_the_named_set() {
        for b in 0u8..=255 {
            let by_set = percent_encoding::percent_encode(&[b], ALIYUN_ENCODE_SET).to_string();
            assert_eq!(is_unreserved(b), by_set.len() == 1, "byte {b:#04x}");
            assert_eq!(
                TABLES.escaped[usize::from(b)] == 0,
                by_set.len() == 1,
                "byte {b:#04x}"
            );
        }
    }

    #[test]
    fn fused_string_to_sign_matches_encoding_twice() {
        let pairs = [
            ("a b", "%2F+*~"),
            ("中", ""),
            ("Z", "=&"),
            ("clean", "value"),
        ];
        let params: Vec<Param<'_>> = pairs.iter().map(|&(k, v)| Param::new(k, v)).collect();
        let (query, to_sign) = query_and_string_to_sign("POST", &params);
        assert_eq!(query, query_string(&params));
        let mut expected_query = String::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                expected_query.push('&');
            }
            expected_query.push_str(&percent_encode(k));
            expected_query.push('=');
            expected_query.push_str(&percent_encode(v));
        }
        assert_eq!(query, expected_query);
        assert_eq!(
            to_sign,
            format!("POST&%2F&{}", percent_encode(&expected_query))
        );
    }

    #[test]
    fn decode_errors() {
        assert_eq!(
            percent_decode("ab%2"),
            Err(DecodeError::InvalidEscape { position: 2 })
        );
        assert_eq!(
            percent_decode("%zz"),
            Err(DecodeError::InvalidEscape { position: 0 })
        );
        assert_eq!(
            percent_decode("ok%41%"),
            Err(DecodeError::InvalidEscape { position: 5 })
        );
        assert!(matches!(
            percent_decode("%FF"),
            Err(DecodeError::InvalidUtf8(_))
        ));
        assert_eq!(percent_decode("a+b%2b%2B").as_deref(), Ok("a+b++"));
    }
}
