//! Phone numbers as Aliyun reads them, normalised to `+<country code><number>`.

use phonenumber::Type;

/// Normalise a number the way the SMS service reads `PhoneNumbers`, or `None` when it
/// would answer `isv.MOBILE_NUMBER_ILLEGAL`.
///
/// After an optional `+` or `00` there must be 5–15 ASCII digits. A bare mainland number
/// (`1` and ten digits, no prefix) gets `86`; everything else is read as country code +
/// number. A number in country code 86 must be a mainland mobile (`1` and ten digits); any
/// other must be possible by the phone-number metadata: a country code that exists, and a
/// length that numbers of that country have (`+12345` is refused).
/// So `13800138000`, `8613800138000`, `+8613800138000` and `008613800138000` are all
/// `+8613800138000`, and `85212345678` is `+85212345678`.
///
/// ```
/// use aliyun_sms_emulator::normalize_phone_number;
/// assert_eq!(normalize_phone_number("0086 13800138000".replace(' ', "").as_str()),
///            Some("+8613800138000".to_string()));
/// assert_eq!(normalize_phone_number("13800138000"), Some("+8613800138000".to_string()));
/// assert_eq!(normalize_phone_number("+1 555"), None);
/// assert_eq!(normalize_phone_number("+12345"), None);
/// assert_eq!(normalize_phone_number("+6598765432"), Some("+6598765432".to_string()));
/// ```
pub fn normalize_phone_number(raw: &str) -> Option<String> {
    normalize(raw, false)
}

/// [`normalize_phone_number`] for an international template: a number without a prefix is
/// always country code + number (`14155550100` is `+14155550100`).
///
/// ```
/// use aliyun_sms_emulator::normalize_international_phone_number;
/// assert_eq!(normalize_international_phone_number("14155550100"), Some("+14155550100".to_string()));
/// assert_eq!(normalize_international_phone_number("8613800138000"), Some("+8613800138000".to_string()));
/// ```
pub fn normalize_international_phone_number(raw: &str) -> Option<String> {
    normalize(raw, true)
}

fn normalize(raw: &str, international_template: bool) -> Option<String> {
    let raw = raw.trim();
    let (digits, explicit_country) = match raw.strip_prefix('+') {
        Some(rest) => (rest, true),
        None => match raw.strip_prefix("00") {
            Some(rest) => (rest, true),
            None => (raw, false),
        },
    };
    if !(5..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let international =
        if !explicit_country && !international_template && is_mainland_mobile(digits) {
            format!("86{digits}")
        } else {
            digits.to_string()
        };
    match international.strip_prefix("86") {
        Some(national) if !is_mainland_mobile(national) => return None,
        Some(_) => {}
        None if !is_possible_international(&international) => return None,
        None => {}
    }
    Some(format!("+{international}"))
}

/// Whether `digits` (country code + number) can be a number at all: the country code exists
/// and the number has a length that a number of that country able to receive a text has
/// (mobile, fixed line, personal, VoIP or pager; phone-number metadata, as in libphonenumber). `+1 2345` cannot be; `+1 212 555 0100` has the right length and passes,
/// whether or not it is in service: Aliyun refuses what cannot be a number, the carrier the rest.
fn is_possible_international(digits: &str) -> bool {
    let Ok(parsed) = phonenumber::parse(None, format!("+{digits}")) else {
        return false;
    };
    let national = parsed.national().to_string();
    let national_length = u16::try_from(national.len()).unwrap_or(u16::MAX);
    let Some(regions) = phonenumber::metadata::DATABASE.by_code(&parsed.code().value()) else {
        return false;
    };
    regions.iter().any(|region| {
        [
            Type::Mobile,
            Type::FixedLine,
            Type::PersonalNumber,
            Type::Voip,
            Type::Pager,
        ]
        .into_iter()
        .filter_map(|kind| region.descriptors().get(kind))
        .any(|descriptor| descriptor.possible_length().contains(&national_length))
    })
}

/// Loads the phone-number metadata (a quarter of a second, once per process), so that the
/// first request that needs it is not the one that waits.
pub(crate) fn load_metadata() {
    phonenumber::metadata::DATABASE.iter().next();
}

/// The country or region of a normalised number as an ISO 3166 code (`CN`, `US`), as Tencent's
/// `IsoCode` says it; `None` when the metadata knows none.
pub(crate) fn region_code(normalised: &str) -> Option<String> {
    let parsed = phonenumber::parse(None, normalised).ok()?;
    let metadata = parsed.metadata(&phonenumber::metadata::DATABASE)?;
    Some(metadata.id().to_string()).filter(|id| id.len() == 2)
}

/// A normalised number's country calling code and the number within it (`86`,
/// `13800138000`), as Tencent's `CountryCode` and `SubscriberNumber` say them.
pub(crate) fn split_country_code(normalised: &str) -> Option<(String, String)> {
    let parsed = phonenumber::parse(None, normalised).ok()?;
    let code = parsed.code().value().to_string();
    let subscriber = normalised.strip_prefix('+')?.strip_prefix(code.as_str())?;
    Some((code, subscriber.to_string()))
}

/// Whether a normalised number (`+86…`) is a mainland China number.
pub(crate) fn is_mainland_china(normalised: &str) -> bool {
    normalised.starts_with("+86")
}

fn is_mainland_mobile(digits: &str) -> bool {
    digits.len() == 11 && digits.starts_with('1')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_forms_are_one_number() {
        for raw in [
            "13800138000",
            "8613800138000",
            "+8613800138000",
            "008613800138000",
            " 13800138000 ",
        ] {
            assert_eq!(
                normalize_phone_number(raw).as_deref(),
                Some("+8613800138000"),
                "{raw}"
            );
        }
    }

    #[test]
    fn an_international_template_reads_a_bare_number_as_country_code_and_number() {
        assert_eq!(
            normalize_international_phone_number("14155550100").as_deref(),
            Some("+14155550100")
        );
        assert_eq!(
            normalize_phone_number("14155550100").as_deref(),
            Some("+8614155550100")
        );
        assert_eq!(
            normalize_international_phone_number("8613800138000").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(normalize_international_phone_number("8612345"), None);
    }

    #[test]
    fn international_numbers() {
        assert_eq!(
            normalize_phone_number("85212345678").as_deref(),
            Some("+85212345678")
        );
        assert_eq!(
            normalize_phone_number("+18624017194").as_deref(),
            Some("+18624017194")
        );
        assert_eq!(
            normalize_phone_number("004915112345678").as_deref(),
            Some("+4915112345678")
        );
    }

    #[test]
    fn regions_and_country_codes() {
        assert_eq!(region_code("+8613800138000").as_deref(), Some("CN"));
        assert_eq!(region_code("+14155550100").as_deref(), Some("US"));
        assert_eq!(region_code("+6598765432").as_deref(), Some("SG"));
        assert_eq!(
            split_country_code("+8613800138000"),
            Some(("86".into(), "13800138000".into()))
        );
        assert_eq!(
            split_country_code("+6598765432"),
            Some(("65".into(), "98765432".into()))
        );
    }

    #[test]
    fn illegal_numbers() {
        for raw in [
            "",
            "+",
            "1234",
            "1234567890123456",
            "138-0013-8000",
            "abc",
            "+86 13800138000",
            "8612345",
            "+8623800138000",
            "١٢٣٤٥٦",
            // No such country code, or a length no number of the country has.
            "+12345",
            "+99912345678",
            "+6512345",
            "+447911123456789",
        ] {
            assert_eq!(normalize_phone_number(raw), None, "{raw}");
        }
    }
}
