//! Logto's mainland test on any number the kit accepts.

use connector_kit::PhoneNumber;
use logto_compat::is_mainland_china;
use proptest::prelude::*;

proptest! {
    #[test]
    fn strict_mainland_implies_lenient_and_lenient_only_adds_bare_mobile_numbers(input in "[-+0-9 ()]{0,24}") {
        if let Ok(number) = PhoneNumber::parse(&input) {
            let strict = is_mainland_china(&number, true);
            let lenient = is_mainland_china(&number, false);
            let d = number.digits().as_bytes();
            prop_assert_eq!(strict, d.len() == 13 && number.digits().starts_with("861"));
            prop_assert!(!strict || lenient);
            if lenient && !strict {
                prop_assert!(!number.has_international_prefix());
                prop_assert!(d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]));
            }
        }
    }
}
