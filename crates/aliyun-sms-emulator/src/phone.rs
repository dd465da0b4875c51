//! Phone numbers as Aliyun reads them, normalised to `+<country code><number>`.

/// Normalise a number the way the SMS service reads `PhoneNumbers`, or `None` when it
/// would answer `isv.MOBILE_NUMBER_ILLEGAL`.
///
/// After an optional `+` or `00` there must be 5–15 ASCII digits. A bare mainland number
/// (`1` and ten digits, no prefix) gets `86`; everything else is read as country code +
/// number. A number in country code 86 must be a mainland mobile (`1` and ten digits).
/// So `13800138000`, `8613800138000`, `+8613800138000` and `008613800138000` are all
/// `+8613800138000`, and `85212345678` is `+85212345678`.
///
/// ```
/// use aliyun_sms_emulator::normalize_phone_number;
/// assert_eq!(normalize_phone_number("0086 13800138000".replace(' ', "").as_str()),
///            Some("+8613800138000".to_string()));
/// assert_eq!(normalize_phone_number("13800138000"), Some("+8613800138000".to_string()));
/// assert_eq!(normalize_phone_number("+1 555"), None);
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
    if let Some(national) = international.strip_prefix("86") {
        if !is_mainland_mobile(national) {
            return None;
        }
    }
    Some(format!("+{international}"))
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
        ] {
            assert_eq!(normalize_phone_number(raw), None, "{raw}");
        }
    }
}
