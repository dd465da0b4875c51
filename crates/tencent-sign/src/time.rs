//! The request time the caller passes in: Unix seconds, and the UTC date the credential scope
//! carries.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike};

/// A request's time as `X-TC-Timestamp` carries it: whole seconds since the Unix epoch, with the
/// UTC date of that second (the credential scope's `YYYY-MM-DD`).
///
/// From 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z ([`Timestamp::MAX`]): the scope's date has
/// a four-digit year. The crate never reads a clock; the caller makes this from its own.
///
/// ```
/// use tencent_sign::Timestamp;
///
/// // 2023-11-15 06:13 in Beijing, still 2023-11-14 in UTC: the scope takes the UTC date.
/// let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
/// assert_eq!(timestamp.date().as_str(), "2023-11-14");
/// assert_eq!(timestamp.to_string(), "1700000000");
/// assert_eq!("1700000000".parse::<Timestamp>(), Ok(timestamp));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_seconds: u64,
    date: UtcDate,
}

impl Timestamp {
    /// The last second with a four-digit year: 9999-12-31T23:59:59Z.
    pub const MAX: u64 = 253_402_300_799;

    /// The time `unix_seconds` seconds after 1970-01-01T00:00:00Z.
    pub fn from_unix_seconds(unix_seconds: u64) -> Result<Self, TimestampError> {
        if unix_seconds > Self::MAX {
            return Err(TimestampError::OutOfRange);
        }
        let date = i64::try_from(unix_seconds)
            .ok()
            .and_then(DateTime::from_timestamp_secs)
            .and_then(|time| UtcDate::from_ymd(time.year(), time.month(), time.day()))
            .ok_or(TimestampError::OutOfRange)?;
        Ok(Self { unix_seconds, date })
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> u64 {
        self.unix_seconds
    }

    /// The UTC date of this second.
    pub fn date(&self) -> UtcDate {
        self.date
    }

    /// The decimal seconds written into `buf`, without allocating (the hot path's `Display`).
    pub(crate) fn decimal<'b>(&self, buf: &'b mut [u8; 20]) -> &'b str {
        let mut n = self.unix_seconds;
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // ASCII digits by construction; the fallback is never taken.
        std::str::from_utf8(&buf[start..]).unwrap_or_default()
    }
}

/// Truncates to the second.
impl TryFrom<SystemTime> for Timestamp {
    type Error = TimestampError;

    fn try_from(time: SystemTime) -> Result<Self, Self::Error> {
        let since_epoch = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TimestampError::BeforeUnixEpoch)?;
        Self::from_unix_seconds(since_epoch.as_secs())
    }
}

/// The decimal seconds, as `X-TC-Timestamp` and the string to sign carry them.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.unix_seconds)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({}, {})", self.unix_seconds, self.date)
    }
}

/// Parses an `X-TC-Timestamp` value: decimal digits only, no sign, no leading zero, so that the
/// text signed and the number meant are one.
impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let canonical = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        if !canonical {
            return Err(TimestampError::NotDecimal);
        }
        // All digits: the only way to fail is a number too large for u64.
        let unix_seconds = s.parse().map_err(|_| TimestampError::OutOfRange)?;
        Self::from_unix_seconds(unix_seconds)
    }
}

/// Why a [`Timestamp`] could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimestampError {
    /// After 9999-12-31T23:59:59Z ([`Timestamp::MAX`]).
    OutOfRange,
    /// A [`SystemTime`] before 1970-01-01T00:00:00Z.
    BeforeUnixEpoch,
    /// Text that is not the decimal spelling of a number of seconds.
    NotDecimal,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OutOfRange => {
                "timestamp is after 9999-12-31T23:59:59Z (Unix 253402300799), the last second \
                 a credential scope can date"
            }
            Self::BeforeUnixEpoch => "timestamp is before the Unix epoch (1970-01-01T00:00:00Z)",
            Self::NotDecimal => {
                "timestamp is not whole Unix seconds in decimal (digits only, no sign, no \
                 leading zero)"
            }
        })
    }
}

impl std::error::Error for TimestampError {}

/// A UTC calendar date as the credential scope writes it: `YYYY-MM-DD`.
///
/// Dates order as the calendar does. Made by [`Timestamp::date`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcDate([u8; 10]);

impl UtcDate {
    fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let year = u16::try_from(year).ok().filter(|&y| y <= 9999)?;
        let digit = |n: u16, place: u16| b'0' + ((n / place) % 10) as u8;
        let (month, day) = (u16::try_from(month).ok()?, u16::try_from(day).ok()?);
        Some(Self([
            digit(year, 1000),
            digit(year, 100),
            digit(year, 10),
            digit(year, 1),
            b'-',
            digit(month, 10),
            digit(month, 1),
            b'-',
            digit(day, 10),
            digit(day, 1),
        ]))
    }

    /// `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        // ASCII digits and dashes by construction; the fallback is never taken.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for UtcDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for UtcDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UtcDate({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_at_the_edges() {
        for (seconds, date) in [
            (0, "1970-01-01"),
            (86_399, "1970-01-01"),
            (86_400, "1970-01-02"),
            (951_782_400, "2000-02-29"),
            (1_735_689_599, "2024-12-31"),
            (1_735_689_600, "2025-01-01"),
            (Timestamp::MAX, "9999-12-31"),
        ] {
            let timestamp = Timestamp::from_unix_seconds(seconds).unwrap();
            assert_eq!(timestamp.date().as_str(), date, "{seconds}");
            assert_eq!(timestamp.to_string(), seconds.to_string());
            assert_eq!(timestamp.decimal(&mut [0; 20]), seconds.to_string());
            assert_eq!(timestamp.to_string().parse(), Ok(timestamp));
        }
        assert_eq!(
            Timestamp::from_unix_seconds(Timestamp::MAX + 1),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            Timestamp::from_unix_seconds(u64::MAX),
            Err(TimestampError::OutOfRange)
        );
    }

    #[test]
    fn parsing_takes_only_the_canonical_decimal() {
        for bad in ["", "-1", "+1", "01700000000", "1.5", " 1", "1 ", "1e9", "٣"] {
            assert_eq!(
                bad.parse::<Timestamp>(),
                Err(TimestampError::NotDecimal),
                "{bad:?}"
            );
        }
        assert_eq!(
            "99999999999999999999999".parse::<Timestamp>(),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            "253402300800".parse::<Timestamp>(),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!("0".parse::<Timestamp>().map(|t| t.unix_seconds()), Ok(0));
    }

    #[test]
    fn system_time() {
        let time = UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_999);
        assert_eq!(
            Timestamp::try_from(time).map(|t| t.unix_seconds()),
            Ok(1_700_000_000)
        );
        let before = UNIX_EPOCH - std::time::Duration::from_secs(1);
        assert_eq!(
            Timestamp::try_from(before),
            Err(TimestampError::BeforeUnixEpoch)
        );
    }

    #[test]
    fn dates_order_as_the_calendar() {
        let date = |s| Timestamp::from_unix_seconds(s).unwrap().date();
        assert!(date(1_735_689_599) < date(1_735_689_600));
        assert!(date(0) < date(Timestamp::MAX));
        assert_eq!(format!("{:?}", date(0)), "UtcDate(1970-01-01)");
    }
}
