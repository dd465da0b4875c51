use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a message is sent: chooses the template. Spelled exactly as Logto spells it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
// New usage types come with new Logto versions, hence `non_exhaustive`: a connector that does
// not know one sends it with the `Generic` template (`TemplateSet::select`). (A comment, not a
// doc comment: the doc comment is the config schema's description.)
#[non_exhaustive]
pub enum UsageType {
    /// A code that confirms a new account's phone number.
    #[schemars(title = "Register (sign-up)")]
    Register,
    /// A code that signs an existing user in.
    #[schemars(title = "SignIn (sign-in)")]
    SignIn,
    /// A code that lets a user reset a forgotten password.
    #[schemars(title = "ForgotPassword (password reset)")]
    ForgotPassword,
    /// The fallback for every usage type without a template of its own, and the admin console's test message.
    #[schemars(title = "Generic (fallback and test message)")]
    Generic,
    /// A code in an invitation to join an organization.
    #[schemars(title = "OrganizationInvitation (invitation to an organization)")]
    OrganizationInvitation,
    /// A code that confirms the user before a sensitive change.
    #[schemars(title = "UserPermissionValidation (before a sensitive change)")]
    UserPermissionValidation,
    /// A code that confirms a new phone number being bound to an account.
    #[schemars(title = "BindNewIdentifier (binding a new phone number)")]
    BindNewIdentifier,
    /// A code that completes multi-factor sign-in.
    #[schemars(title = "MfaVerification (MFA sign-in)")]
    MfaVerification,
    /// A code that confirms a phone number being bound as an MFA factor.
    #[schemars(title = "BindMfa (binding a phone number for MFA)")]
    BindMfa,
}

impl UsageType {
    /// Every usage type, in Logto's order of introduction.
    pub const ALL: [UsageType; 9] = [
        UsageType::Register,
        UsageType::SignIn,
        UsageType::ForgotPassword,
        UsageType::Generic,
        UsageType::OrganizationInvitation,
        UsageType::UserPermissionValidation,
        UsageType::BindNewIdentifier,
        UsageType::MfaVerification,
        UsageType::BindMfa,
    ];

    /// The usage types a template set must cover for full sign-up and sign-in flows.
    pub const REQUIRED: [UsageType; 4] = [
        UsageType::Register,
        UsageType::SignIn,
        UsageType::ForgotPassword,
        UsageType::Generic,
    ];

    /// The name as Logto writes it, e.g. `"SignIn"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            UsageType::Register => "Register",
            UsageType::SignIn => "SignIn",
            UsageType::ForgotPassword => "ForgotPassword",
            UsageType::Generic => "Generic",
            UsageType::OrganizationInvitation => "OrganizationInvitation",
            UsageType::UserPermissionValidation => "UserPermissionValidation",
            UsageType::BindNewIdentifier => "BindNewIdentifier",
            UsageType::MfaVerification => "MfaVerification",
            UsageType::BindMfa => "BindMfa",
        }
    }

    /// Whether a template set must cover this usage type ([`UsageType::REQUIRED`]).
    pub fn is_required(self) -> bool {
        UsageType::REQUIRED.contains(&self)
    }
}

impl fmt::Display for UsageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of the [`UsageType`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown usage type `{name}`; expected one of: {}", valid_names())]
#[non_exhaustive]
pub struct UnknownUsageType {
    /// The name that was given.
    pub name: String,
}

fn valid_names() -> String {
    UsageType::ALL.map(UsageType::as_str).join(", ")
}

impl FromStr for UsageType {
    type Err = UnknownUsageType;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        UsageType::ALL
            .into_iter()
            .find(|usage| usage.as_str() == name)
            .ok_or_else(|| UnknownUsageType {
                name: name.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_display_from_str_and_serde() {
        for usage in UsageType::ALL {
            assert_eq!(usage.to_string().parse::<UsageType>(), Ok(usage));
            let json = serde_json::to_string(&usage).unwrap();
            assert_eq!(json, format!("\"{}\"", usage.as_str()));
            assert_eq!(serde_json::from_str::<UsageType>(&json).unwrap(), usage);
        }
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let err = "signin".parse::<UsageType>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`signin`"), "{text}");
        for usage in UsageType::ALL {
            assert!(text.contains(usage.as_str()), "{text} lacks {usage}");
        }
    }

    #[test]
    fn required_set_is_logtos() {
        let required: Vec<_> = UsageType::ALL
            .into_iter()
            .filter(|u| u.is_required())
            .collect();
        assert_eq!(
            required,
            [
                UsageType::Register,
                UsageType::SignIn,
                UsageType::ForgotPassword,
                UsageType::Generic
            ]
        );
    }

    #[test]
    fn schema_describes_every_variant() {
        let schema = serde_json::to_value(schemars::schema_for!(UsageType)).unwrap();
        let choices = schema["oneOf"].as_array().expect("labelled choices");
        assert_eq!(choices.len(), UsageType::ALL.len());
        for choice in choices {
            assert!(choice["const"].is_string(), "{choice}");
            // A form's label: the name as written in the config, then what it is for.
            let title = choice["title"].as_str().unwrap_or_default();
            assert!(
                title.starts_with(choice["const"].as_str().unwrap()),
                "{choice}"
            );
            assert!(
                choice["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty())
            );
        }
    }
}
