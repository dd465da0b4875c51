//! The phone parser: text → `PhoneNumber::parse` (and, on the same text, `UsageType::from_str`).
//!
//! On `Ok`:
//! - `digits()` is 5 to 15 ASCII digits: the input's digits, less a leading `00` prefix;
//! - `has_international_prefix()` ⇔ the trimmed input starts with `+` or its digits with `00`,
//!   and then the country code does not start with 0;
//! - strict mainland ⇔ digits are `86` `1` + 10 digits; strict ⇒ non-strict; non-strict without
//!   strict only for a bare `1[3-9]` + 9 digits;
//! - `to_string()` parses back to an equal number, as does the serde form.
//!
//! On `Err`: `InvalidCharacter` names the character at that position of the trimmed input, and
//! every error displays.

use crate::text_of;
use connector_kit::{MAX_DIGITS, MIN_DIGITS, PhoneNumber, PhoneNumberError, UsageType};

/// Checks one input; panics on a failed check.
pub fn run(data: &[u8]) {
    let input = text_of(data);
    let input: &str = &input;

    if let Ok(usage) = input.parse::<UsageType>() {
        assert_eq!(usage.as_str(), input);
    }

    match PhoneNumber::parse(input) {
        Ok(number) => {
            let digits = number.digits();
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
            assert!(
                (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()),
                "{digits:?}"
            );

            let trimmed = input.trim();
            let typed: String = trimmed.chars().filter(char::is_ascii_digit).collect();
            let plus = trimmed.starts_with('+');
            let prefix = plus || typed.starts_with("00");
            assert_eq!(number.has_international_prefix(), prefix, "{input:?}");
            let expected = if prefix && !plus {
                &typed[2..]
            } else {
                &typed[..]
            };
            assert_eq!(digits, expected, "{input:?}");
            if prefix {
                assert!(!digits.starts_with('0'), "{input:?}");
            }

            let strict = logto_compat::is_mainland_china(&number, true);
            let lenient = logto_compat::is_mainland_china(&number, false);
            let d = digits.as_bytes();
            assert_eq!(
                strict,
                d.len() == 13 && digits.starts_with("861"),
                "{input:?}"
            );
            assert!(
                !strict || lenient,
                "strict mainland but not lenient: {input:?}"
            );
            if lenient && !strict {
                assert!(!prefix && d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]));
            }

            let shown = number.to_string();
            assert_eq!(shown.starts_with('+'), prefix);
            let again = PhoneNumber::parse(&shown)
                .unwrap_or_else(|e| panic!("{shown:?} (from {input:?}) does not parse: {e}"));
            assert_eq!(again, number, "{input:?} → {shown:?}");

            let json = serde_json::to_string(&number).unwrap();
            assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), number);
        }
        Err(error) => {
            let _ = error.to_string();
            if let PhoneNumberError::InvalidCharacter {
                character,
                position,
            } = error
            {
                assert_eq!(
                    input.trim().chars().nth(position),
                    Some(character),
                    "{input:?}"
                );
                assert!(!character.is_ascii_digit());
            }
        }
    }
}
