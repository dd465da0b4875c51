use connector_kit::PhoneNumber;

/// Whether `number` is a mainland China mobile number, in Logto's two modes.
///
/// Strict (`strictPhoneRegionNumberCheck: true`): only `86` + `1` + 10 digits, with or without
/// `+`/`00`. Non-strict: that, or a bare `1` + 10 digits with no prefix.
///
/// One deliberate improvement on Logto in non-strict mode: a bare number starting with `10`,
/// `11` or `12` is no mainland mobile number (mainland mobile ranges are 13x–19x), so it is
/// taken as overseas; a North American number written `1` + area code can never start that way,
/// which removes part of Logto's bug class (issues #5889, #7050). A bare `1` + 10 digits in the
/// 13x–19x ranges is ambiguous by nature: use strict mode.
pub fn is_mainland_china(number: &PhoneNumber, strict: bool) -> bool {
    let d = number.digits().as_bytes();
    let mobile = |rest: &[u8]| rest.len() == 11 && rest[0] == b'1';
    if d.starts_with(b"86") && mobile(&d[2..]) {
        return true;
    }
    !strict && !number.has_international_prefix() && mobile(d) && (b'3'..=b'9').contains(&d[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of `shared/reference/logto-aliyun-sms.md`: (number, non-strict, strict).
    #[test]
    fn mainland_china_in_logtos_two_modes() {
        for (typed, non_strict, strict) in [
            ("13800138000", true, false),
            ("8613800138000", true, true),
            ("008613800138000", true, true),
            ("+8613800138000", true, true),
            ("85268326366", false, false),
            ("+18624017194", false, false),
            ("4915112345678", false, false),
            // Beyond Logto: no mainland mobile range starts with 10, 11 or 12.
            ("12125551234", false, false),
            ("+13800138000", false, false),
            ("861380013800", false, false),
        ] {
            let n: PhoneNumber = typed.parse().unwrap();
            assert_eq!(
                is_mainland_china(&n, false),
                non_strict,
                "{typed} non-strict"
            );
            assert_eq!(is_mainland_china(&n, true), strict, "{typed} strict");
        }
    }
}
