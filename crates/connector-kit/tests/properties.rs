//! No input makes the kit panic; accepted numbers obey the documented rules.

use connector_kit::{PhoneNumber, TemplateParams, UsageType};
use proptest::prelude::*;

proptest! {
    #[test]
    fn phone_parser_never_panics_and_keeps_its_promises(input in ".{0,40}") {
        if let Ok(number) = PhoneNumber::parse(&input) {
            let digits = number.digits();
            prop_assert!((5..=15).contains(&digits.len()));
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(PhoneNumber::parse(&number.to_string()), Ok(number.clone()));
        }
    }

    #[test]
    fn typed_digits_with_separators_parse_to_the_same_digits(
        digits in "[1-9][0-9]{4,14}",
        separators in proptest::collection::vec(prop_oneof![Just(" "), Just("-"), Just("")], 15),
    ) {
        let typed: String = digits.chars().zip(separators).flat_map(|(d, s)| [d.to_string(), s.to_string()]).collect();
        let number = PhoneNumber::parse(&typed).unwrap();
        prop_assert_eq!(number.digits(), digits.as_str());
    }

    #[test]
    fn usage_type_parser_never_panics(input in ".{0,30}") {
        match input.parse::<UsageType>() {
            Ok(usage) => prop_assert_eq!(usage.as_str(), input.as_str()),
            Err(err) => prop_assert!(err.to_string().contains("SignIn")),
        }
    }

    #[test]
    fn template_params_always_serialize_to_a_json_object(pairs in proptest::collection::vec((".{0,8}", ".{0,8}"), 0..6)) {
        let mut params = TemplateParams::new();
        for (name, value) in &pairs {
            params.insert(name.clone(), value.clone());
        }
        let json: serde_json::Value = serde_json::from_str(&params.to_json()).unwrap();
        let object = json.as_object().unwrap();
        prop_assert_eq!(object.len(), params.len());
        for (name, value) in params.iter() {
            prop_assert_eq!(object[name].as_str(), Some(value));
        }
    }
}
