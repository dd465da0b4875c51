//! Reading a config file, or standard input, with a cap on its size.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The largest config read or parsed by default: 1 MiB. A real config is a few KiB; the cap
/// keeps `/dev/zero`, a log file given by mistake or a hostile upload from exhausting memory.
pub const DEFAULT_MAX_BYTES: usize = 1 << 20;

/// Why a config could not be read as text.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// The file (or standard input) could not be opened or read.
    Io(io::Error),
    /// More than `limit` bytes: reading stopped at `limit + 1`.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Not UTF-8 text.
    NotUtf8 {
        /// The offset of the first byte that is not UTF-8.
        offset: usize,
        /// The bytes start with a UTF-16 byte order mark.
        utf16: bool,
    },
}

impl fmt::Display for ReadError {
    /// Written to follow the name of what was read: `config.json is larger than ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "cannot be read: {error}"),
            ReadError::TooLarge { limit } => write!(
                f,
                "is larger than {}, the limit for a config; nothing was parsed",
                size(*limit)
            ),
            ReadError::NotUtf8 { utf16: true, .. } => {
                f.write_str("is UTF-16 text; save it as UTF-8")
            }
            ReadError::NotUtf8 { offset, .. } => {
                write!(f, "is not UTF-8 text (the byte at offset {offset} is not)")
            }
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// `1 MiB (1048576 bytes)`, or `N bytes` for a limit that is not a whole number of KiB.
pub(crate) fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB ({b} bytes)", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB ({b} bytes)", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Reads at most `max_bytes` bytes of UTF-8 text from `reader`: one byte more and it stops
/// with [`ReadError::TooLarge`], so an endless source costs `max_bytes` of memory and no more.
///
/// ```
/// use connector_kit::config::{read_capped, ReadError};
///
/// assert_eq!(read_capped(&b"{}"[..], 16).unwrap(), "{}");
/// let endless = std::io::repeat(b' ');
/// assert!(matches!(read_capped(endless, 16), Err(ReadError::TooLarge { limit: 16 })));
/// ```
pub fn read_capped(reader: impl Read, max_bytes: usize) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > max_bytes {
        return Err(ReadError::TooLarge { limit: max_bytes });
    }
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
        utf16,
    })
}

/// Reads a config file with [`read_capped`]; `-` reads standard input instead. A regular file
/// larger than the cap is refused before a byte of it is read.
pub fn read_config(path: &Path, max_bytes: usize) -> Result<String, ReadError> {
    if path == Path::new("-") {
        return read_capped(io::stdin().lock(), max_bytes);
    }
    let file = File::open(path).map_err(ReadError::Io)?;
    if let Ok(metadata) = file.metadata() {
        let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        if metadata.is_file() && metadata.len() > limit {
            return Err(ReadError::TooLarge { limit: max_bytes });
        }
    }
    read_capped(file, max_bytes)
}

/// The name to show for what [`read_config`] read: the path, or `standard input` for `-`.
pub fn source_name(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_one_byte_past_the_cap() {
        assert_eq!(read_capped(&b"abcd"[..], 4).unwrap(), "abcd");
        let err = read_capped(&b"abcde"[..], 4).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { limit: 4 }));
        assert_eq!(
            err.to_string(),
            "is larger than 4 bytes, the limit for a config; nothing was parsed"
        );
        let err = read_capped(io::repeat(0), DEFAULT_MAX_BYTES).unwrap_err();
        assert!(err.to_string().contains("1 MiB (1048576 bytes)"), "{err}");
    }

    #[test]
    fn says_where_text_stops_being_utf8() {
        let err = read_capped(&b"{\"a\": \"\xff\"}"[..], 64).unwrap_err();
        assert!(matches!(
            err,
            ReadError::NotUtf8 {
                offset: 7,
                utf16: false
            }
        ));
        let err = read_capped(&b"\xff\xfe{\0}\0"[..], 64).unwrap_err();
        assert_eq!(err.to_string(), "is UTF-16 text; save it as UTF-8");
    }

    #[test]
    fn a_large_file_is_refused_before_it_is_read() {
        let path = std::env::temp_dir().join(format!("kit-read-{}.json", std::process::id()));
        std::fs::write(&path, vec![b' '; 100]).unwrap();
        assert!(matches!(
            read_config(&path, 99),
            Err(ReadError::TooLarge { limit: 99 })
        ));
        assert_eq!(read_config(&path, 100).unwrap().len(), 100);
        std::fs::remove_file(&path).unwrap();
        assert!(matches!(read_config(&path, 100), Err(ReadError::Io(_))));
        assert_eq!(source_name(Path::new("-")), "standard input");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(1 << 20), "1 MiB (1048576 bytes)");
        assert_eq!(size(64 << 10), "64 KiB (65536 bytes)");
        assert_eq!(size(1000), "1000 bytes");
    }
}
