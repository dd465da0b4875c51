//! How the guard reads a recipient: the international number a provider will send to, and,
//! when a rule needs them, its country and number type from libphonenumber's metadata.

use std::borrow::Cow;

use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::{Mode, PhoneNumber as Parsed, Type};

use connector_kit::PhoneNumber;

use crate::config::NumberType;

/// Reads numbers for one config.
#[derive(Debug, Clone)]
pub(crate) struct NumberReader {
    /// Where a bare national number is read (`defaultRegion`).
    pub(crate) default_region: Id,
    /// Whether any rule needs the country or the number type.
    pub(crate) needs_details: bool,
}

/// A recipient as the guard sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reading<'n> {
    /// The international number's digits: country code and number, no `+`.
    pub(crate) international: Cow<'n, str>,
    /// Country and type, when a rule needs them.
    pub(crate) details: Option<Details>,
}

/// What libphonenumber's metadata says about a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Details {
    /// ISO 3166-1 alpha-2; `None` for non-geographic and unknown country codes.
    pub(crate) country: Option<Id>,
    pub(crate) number_type: NumberType,
}

impl NumberReader {
    /// A number typed with `+` or `00` is international. A bare one is read in the default
    /// region when it is a mobile number there (`13800138000`, or `8613800138000` with the
    /// region's own code), else as country code and number, as SMS providers read it.
    pub(crate) fn read<'n>(&self, number: &'n PhoneNumber) -> Reading<'n> {
        if !number.has_international_prefix() {
            if let Ok(parsed) = phonenumber::parse(Some(self.default_region), number.digits()) {
                let number_type = number_type(&parsed);
                if matches!(
                    number_type,
                    NumberType::Mobile | NumberType::FixedLineOrMobile
                ) {
                    let e164 = parsed.format().mode(Mode::E164).to_string();
                    return Reading {
                        international: Cow::Owned(e164.trim_start_matches('+').to_owned()),
                        details: Some(Details {
                            country: country(&parsed),
                            number_type,
                        }),
                    };
                }
            }
        }
        let international = Cow::Borrowed(number.digits());
        let details = self.needs_details.then(|| details(&international));
        Reading {
            international,
            details,
        }
    }
}

/// Country and type of an international number (digits without `+`).
fn details(international: &str) -> Details {
    match phonenumber::parse(None, format!("+{international}")) {
        Ok(parsed) => Details {
            country: country(&parsed),
            number_type: number_type(&parsed),
        },
        Err(_) => Details {
            country: None,
            number_type: NumberType::Unknown,
        },
    }
}

/// The number's region, or for a number that fits no region of its country code (unassigned,
/// or newer than the metadata), the code's main country.
fn country(parsed: &Parsed) -> Option<Id> {
    let metadata = parsed.metadata(&DATABASE).or_else(|| {
        DATABASE
            .by_code(&parsed.code().value())
            .and_then(|regions| regions.into_iter().next())
    })?;
    metadata.id().parse().ok()
}

fn number_type(parsed: &Parsed) -> NumberType {
    match parsed.number_type(&DATABASE) {
        Type::Mobile => NumberType::Mobile,
        Type::FixedLine => NumberType::FixedLine,
        Type::FixedLineOrMobile => NumberType::FixedLineOrMobile,
        Type::TollFree => NumberType::TollFree,
        Type::PremiumRate => NumberType::PremiumRate,
        Type::SharedCost => NumberType::SharedCost,
        Type::PersonalNumber => NumberType::PersonalNumber,
        Type::Voip => NumberType::Voip,
        Type::Pager => NumberType::Pager,
        Type::Uan => NumberType::Uan,
        Type::Voicemail => NumberType::Voicemail,
        _ => NumberType::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(typed: &str) -> Reading<'static> {
        let reader = NumberReader {
            default_region: Id::CN,
            needs_details: true,
        };
        let number = typed.parse().unwrap();
        let reading = reader.read(&number);
        Reading {
            international: Cow::Owned(reading.international.into_owned()),
            details: reading.details,
        }
    }

    #[test]
    fn bare_mainland_numbers_and_their_international_forms_are_one_number() {
        for typed in [
            "13800138000",
            "8613800138000",
            "+8613800138000",
            "008613800138000",
        ] {
            let reading = read(typed);
            assert_eq!(reading.international, "8613800138000", "{typed}");
            let details = reading.details.unwrap();
            assert_eq!(details.country, Some(Id::CN), "{typed}");
            assert_eq!(details.number_type, NumberType::Mobile, "{typed}");
        }
    }

    #[test]
    fn other_bare_numbers_carry_their_country_code_as_providers_read_them() {
        // A valid mainland *fixed line* by digits, but providers send it to Hong Kong.
        let reading = read("85268326366");
        assert_eq!(reading.international, "85268326366");
        assert_eq!(reading.details.unwrap().country, Some(Id::HK));
        let reading = read("14155550100");
        assert_eq!(reading.international, "14155550100");
        assert_eq!(reading.details.unwrap().country, Some(Id::US));
    }

    #[test]
    fn types_and_countries_come_from_the_metadata() {
        for (typed, country, number_type) in [
            ("+19005550123", Some(Id::US), NumberType::PremiumRate),
            ("+449098790123", Some(Id::GB), NumberType::PremiumRate),
            ("+447400123456", Some(Id::GB), NumberType::Mobile),
            ("+18005550123", Some(Id::US), NumberType::TollFree),
            // Unassigned in every +44 region: the code's main country, type unknown.
            ("+447700900123", Some(Id::GB), NumberType::Unknown),
            // Non-geographic (international networks): no country.
            ("+88213612345", None, NumberType::Unknown),
            ("+99912345678", None, NumberType::Unknown),
        ] {
            let details = read(typed).details.unwrap();
            assert_eq!(details.country, country, "{typed}");
            assert_eq!(details.number_type, number_type, "{typed}");
        }
    }

    #[test]
    fn details_are_skipped_when_no_rule_needs_them() {
        let reader = NumberReader {
            default_region: Id::CN,
            needs_details: false,
        };
        let number = "+447400123456".parse().unwrap();
        let reading = reader.read(&number);
        assert_eq!(reading.international, "447400123456");
        assert_eq!(reading.details, None);
    }
}
