use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The fewest digits a phone number may have.
pub const MIN_DIGITS: usize = 5;
/// The most digits a phone number may have (E.164).
pub const MAX_DIGITS: usize = 15;

/// A phone number as people type it, checked and normalised.
///
/// Accepts an optional international prefix (`+` or `00`) and the separators people type
/// (spaces, dashes, dots, parentheses); keeps only the digits to send, without the prefix:
///
/// ```
/// use connector_kit::PhoneNumber;
///
/// for typed in ["+86 138-0013-8000", "008613800138000", "8613800138000"] {
///     let number: PhoneNumber = typed.parse().unwrap();
///     assert_eq!(number.digits(), "8613800138000");
/// }
/// assert!("1380013800a".parse::<PhoneNumber>().is_err());
/// ```
///
/// Rules are written here rather than taken from a phone-number metadata crate: providers
/// accept bare national numbers with no country code (`13800138000`), which such crates cannot
/// place without a default region, and Logto's mainland-China test (`logto-compat`) must be
/// reproduced exactly; a metadata database would also reject numbers the provider itself decides
/// on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    digits: String,
    international_prefix: bool,
}

/// Why a string is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// Nothing but white space or separators.
    #[error("phone number is empty")]
    Empty,
    /// A character that is neither a digit nor a separator, or a `+` after the start.
    #[error("phone number has an invalid character {character:?} at position {position}")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its position, counted in characters from 0.
        position: usize,
    },
    /// A country code cannot start with 0 (as in `+0…` or `000…`).
    #[error("phone number's country code cannot start with 0")]
    InvalidCountryCode,
    /// Fewer digits than [`MIN_DIGITS`].
    #[error("phone number has {digits} digits; at least {MIN_DIGITS} are needed")]
    TooShort {
        /// How many digits it has.
        digits: usize,
    },
    /// More digits than [`MAX_DIGITS`].
    #[error("phone number has {digits} digits; at most {MAX_DIGITS} are allowed")]
    TooLong {
        /// How many digits it has.
        digits: usize,
    },
}

impl PhoneNumber {
    /// Checks and normalises a typed phone number. The `+` may stand in an opening
    /// parenthesis, as in `(+86) 138 0013 8000`.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let mut digits = String::with_capacity(input.len());
        let mut plus = false;
        // A `+` may open the number, alone or inside a parenthesis: `(+86) 138…`.
        let mut at_start = true;
        for (position, character) in input.trim().chars().enumerate() {
            let opening = at_start;
            at_start &= character == '(';
            match character {
                '0'..='9' => digits.push(character),
                '+' if opening => plus = true,
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => {
                    return Err(PhoneNumberError::InvalidCharacter {
                        character,
                        position,
                    });
                }
            }
        }
        let international_prefix = plus || digits.starts_with("00");
        if !plus && international_prefix {
            digits.drain(..2);
        }
        if digits.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        if international_prefix && digits.starts_with('0') {
            return Err(PhoneNumberError::InvalidCountryCode);
        }
        match digits.len() {
            n if n < MIN_DIGITS => Err(PhoneNumberError::TooShort { digits: n }),
            n if n > MAX_DIGITS => Err(PhoneNumberError::TooLong { digits: n }),
            _ => Ok(PhoneNumber {
                digits,
                international_prefix,
            }),
        }
    }

    /// The digits to send: no prefix, no separators (`+86 138…` gives `86138…`).
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// Whether the number was typed with `+` or `00`, so that it certainly starts with a
    /// country code.
    pub fn has_international_prefix(&self) -> bool {
        self.international_prefix
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneNumberError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(input)
    }
}

impl fmt::Display for PhoneNumber {
    /// `+` and the digits when typed with an international prefix, else the digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.international_prefix {
            f.write_str("+")?;
        }
        f.write_str(&self.digits)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PhoneNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn accepts_what_people_type_and_normalises() {
        for (typed, digits) in [
            ("+8613800138000", "8613800138000"),
            ("008613800138000", "8613800138000"),
            ("8613800138000", "8613800138000"),
            ("13800138000", "13800138000"),
            ("+86 138 0013 8000", "8613800138000"),
            ("138-0013-8000", "13800138000"),
            (" +1 (862) 401-7194 ", "18624017194"),
            ("852.6832.6366", "85268326366"),
            ("(+86) 13800138000", "8613800138000"),
            ("(+86)138-0013-8000", "8613800138000"),
            ("12345", "12345"),
            ("123456789012345", "123456789012345"),
        ] {
            assert_eq!(number(typed).digits(), digits, "{typed}");
        }
    }

    #[test]
    fn rejects_what_cannot_be_a_number() {
        use PhoneNumberError::*;
        for (typed, error) in [
            ("", Empty),
            ("   ", Empty),
            ("+", Empty),
            ("00", Empty),
            ("- -", Empty),
            (
                "1380013800a",
                InvalidCharacter {
                    character: 'a',
                    position: 10,
                },
            ),
            (
                "86+13800138000",
                InvalidCharacter {
                    character: '+',
                    position: 2,
                },
            ),
            (
                "１３８",
                InvalidCharacter {
                    character: '１',
                    position: 0,
                },
            ),
            (
                "(86)+13800138000",
                InvalidCharacter {
                    character: '+',
                    position: 4,
                },
            ),
            (
                "++8613800138000",
                InvalidCharacter {
                    character: '+',
                    position: 1,
                },
            ),
            ("1234", TooShort { digits: 4 }),
            ("+86 12", TooShort { digits: 4 }),
            ("1234567890123456", TooLong { digits: 16 }),
            ("+0123456789", InvalidCountryCode),
            ("000123456789", InvalidCountryCode),
        ] {
            assert_eq!(PhoneNumber::parse(typed), Err(error), "{typed:?}");
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let text = PhoneNumber::parse("138x").unwrap_err().to_string();
        assert!(
            text.contains("'x'") && text.contains("position 3"),
            "{text}"
        );
        let text = PhoneNumber::parse("1234").unwrap_err().to_string();
        assert!(
            text.contains("4 digits") && text.contains("at least 5"),
            "{text}"
        );
    }

    #[test]
    fn display_and_serde_keep_the_prefix() {
        assert_eq!(number("0086 13800138000").to_string(), "+8613800138000");
        assert_eq!(number("(+86) 13800138000").to_string(), "+8613800138000");
        assert_eq!(number("13800138000").to_string(), "13800138000");
        let json = serde_json::to_string(&number("+86 13800138000")).unwrap();
        assert_eq!(json, "\"+8613800138000\"");
        assert_eq!(
            serde_json::from_str::<PhoneNumber>(&json).unwrap(),
            number("+8613800138000")
        );
        assert!(serde_json::from_str::<PhoneNumber>("\"abc\"").is_err());
    }
}
