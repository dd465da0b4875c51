use std::fmt;

use crate::UsageType;

/// A provider's templates by usage type, checked once when the config is loaded.
///
/// Generic over the provider's template type (a template code, a content string with
/// `{{code}}`, a `{china, overseas}` pair, ...). [`select`](Self::select) takes the template of
/// the exact usage type, else the `Generic` one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSet<T> {
    entries: Vec<(UsageType, T)>,
}

/// A usage type named by two templates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DuplicateUsageType {
    /// The usage type.
    pub usage_type: UsageType,
    /// Index of its first template.
    pub first: usize,
    /// Index of the template that names it again.
    pub again: usize,
}

/// Every problem of a template set at once, so a config form can show them all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct TemplateSetError {
    /// Required usage types without a template.
    pub missing: Vec<UsageType>,
    /// Usage types named more than once.
    pub duplicates: Vec<DuplicateUsageType>,
}

impl fmt::Display for TemplateSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if !self.missing.is_empty() {
            let names: Vec<_> = self.missing.iter().map(|u| u.as_str()).collect();
            write!(
                f,
                "UsageType ({}) should be provided in templates",
                names.join(", ")
            )?;
            sep = "; ";
        }
        for d in &self.duplicates {
            write!(
                f,
                "{sep}usage type {} is named by templates {} and {}",
                d.usage_type, d.first, d.again
            )?;
            sep = "; ";
        }
        Ok(())
    }
}

impl<T> TemplateSet<T> {
    /// Checks that every `required` usage type has a template and none has two.
    pub fn new(
        entries: impl IntoIterator<Item = (UsageType, T)>,
        required: &[UsageType],
    ) -> Result<Self, TemplateSetError> {
        let entries: Vec<_> = entries.into_iter().collect();
        let problems = Self::check(entries.iter().map(|(usage, _)| *usage), required);
        if problems.missing.is_empty() && problems.duplicates.is_empty() {
            Ok(TemplateSet { entries })
        } else {
            Err(problems)
        }
    }

    /// The problems of a list of usage types, without building a set (for validators that
    /// report every error of a config at once). Empty when the list is fine.
    pub fn check(
        usages: impl IntoIterator<Item = UsageType>,
        required: &[UsageType],
    ) -> TemplateSetError {
        let mut seen: Vec<(UsageType, usize)> = Vec::new();
        let mut duplicates = Vec::new();
        for (index, usage_type) in usages.into_iter().enumerate() {
            match seen.iter().find(|(u, _)| *u == usage_type) {
                Some(&(_, first)) => duplicates.push(DuplicateUsageType {
                    usage_type,
                    first,
                    again: index,
                }),
                None => seen.push((usage_type, index)),
            }
        }
        let missing = required
            .iter()
            .copied()
            .filter(|r| !seen.iter().any(|(u, _)| u == r))
            .collect();
        TemplateSetError {
            missing,
            duplicates,
        }
    }

    /// The template for a usage type: its own, else `Generic`'s; with the usage type it was
    /// registered under. A usage type newer than the connector (`UsageType` is
    /// `#[non_exhaustive]`, as Logto adds some) is sent with `Generic`'s template.
    pub fn select(&self, usage: UsageType) -> Option<(UsageType, &T)> {
        self.get(usage).map(|t| (usage, t)).or_else(|| {
            self.get(UsageType::Generic)
                .map(|t| (UsageType::Generic, t))
        })
    }

    /// The template registered for exactly this usage type.
    pub fn get(&self, usage: UsageType) -> Option<&T> {
        self.entries
            .iter()
            .find(|(u, _)| *u == usage)
            .map(|(_, t)| t)
    }

    /// Every template with its usage type, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (UsageType, &T)> {
        self.entries.iter().map(|(u, t)| (*u, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use UsageType::*;

    fn full() -> TemplateSet<&'static str> {
        TemplateSet::new(
            [
                (Register, "SMS_REG"),
                (SignIn, "SMS_IN"),
                (ForgotPassword, "SMS_PW"),
                (Generic, "SMS_GEN"),
                (MfaVerification, "SMS_MFA"),
            ],
            &UsageType::REQUIRED,
        )
        .unwrap()
    }

    #[test]
    fn exact_usage_type_first_then_generic() {
        let set = full();
        assert_eq!(set.select(SignIn), Some((SignIn, &"SMS_IN")));
        assert_eq!(
            set.select(MfaVerification),
            Some((MfaVerification, &"SMS_MFA"))
        );
        for usage in [
            OrganizationInvitation,
            UserPermissionValidation,
            BindNewIdentifier,
            BindMfa,
        ] {
            assert_eq!(set.select(usage), Some((Generic, &"SMS_GEN")), "{usage}");
        }
    }

    #[test]
    fn without_generic_an_uncovered_usage_type_has_no_template() {
        let set = TemplateSet::new([(SignIn, 1)], &[SignIn]).unwrap();
        assert_eq!(set.select(Register), None);
    }

    #[test]
    fn missing_required_usage_types_are_named() {
        let err = TemplateSet::new([(SignIn, 1), (Generic, 2)], &UsageType::REQUIRED).unwrap_err();
        assert_eq!(err.missing, [Register, ForgotPassword]);
        assert!(err.duplicates.is_empty());
        assert_eq!(
            err.to_string(),
            "UsageType (Register, ForgotPassword) should be provided in templates"
        );
    }

    #[test]
    fn duplicates_are_named_with_both_positions() {
        let err = TemplateSet::new(
            [
                (Register, 1),
                (SignIn, 2),
                (ForgotPassword, 3),
                (Generic, 4),
                (SignIn, 5),
            ],
            &UsageType::REQUIRED,
        )
        .unwrap_err();
        assert!(err.missing.is_empty());
        assert_eq!(
            err.duplicates,
            [DuplicateUsageType {
                usage_type: SignIn,
                first: 1,
                again: 4
            }]
        );
        assert_eq!(
            err.to_string(),
            "usage type SignIn is named by templates 1 and 4"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = TemplateSet::<()>::check([Generic, Generic], &UsageType::REQUIRED);
        assert_eq!(err.missing.len(), 3);
        assert_eq!(err.duplicates.len(), 1);
        assert!(
            TemplateSet::<()>::check(UsageType::ALL, &UsageType::REQUIRED)
                .missing
                .is_empty()
        );
    }
}
