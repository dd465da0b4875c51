//! Reading a received `Authorization` header back into its parts, as a server does before it
//! verifies the signature.

use std::fmt;

use crate::tc3::{ALGORITHM, TERMINATOR};

/// A TC3 `Authorization` header's parts, borrowed from the header:
/// `TC3-HMAC-SHA256 Credential=<secret_id>/<date>/<service>/tc3_request,
/// SignedHeaders=<signed_headers>, Signature=<signature>`.
///
/// ```
/// use tencent_sign::Authorization;
///
/// let header = "TC3-HMAC-SHA256 Credential=AKIDexample/2023-11-14/sms/tc3_request, \
///               SignedHeaders=content-type;host, Signature=bf6b9d90";
/// let parsed = Authorization::parse(header).unwrap();
/// assert_eq!(parsed.secret_id, "AKIDexample");
/// assert_eq!((parsed.date, parsed.service), ("2023-11-14", "sms"));
/// assert_eq!(parsed.signed_header_names().collect::<Vec<_>>(), ["content-type", "host"]);
/// assert_eq!(parsed.signature, "bf6b9d90");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The SecretId (everything before the scope's last three `/`-separated parts).
    pub secret_id: &'a str,
    /// The credential scope's date, as sent (`YYYY-MM-DD` when well formed).
    pub date: &'a str,
    /// The credential scope's service.
    pub service: &'a str,
    /// The signed header names, joined with `;`.
    pub signed_headers: &'a str,
    /// The signature, as sent.
    pub signature: &'a str,
}

impl<'a> Authorization<'a> {
    /// Reads `header`. The three parts come in the documented order, separated by `,` and
    /// optional spaces; none may be empty. Parts are found from the right, so a SecretId
    /// containing `/`, `=` or `,` still reads back whole.
    pub fn parse(header: &'a str) -> Result<Self, AuthorizationError> {
        let rest = header
            .strip_prefix(ALGORITHM)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or(AuthorizationError::Algorithm)?;
        let mut parts = rest
            .rsplitn(3, ',')
            .map(|part| part.trim_start_matches(' '));
        let mut part = |name: &'static str| {
            parts
                .next()
                .and_then(|part| part.strip_prefix(name))
                .and_then(|part| part.strip_prefix('='))
                .filter(|value| !value.is_empty())
                .ok_or(AuthorizationError::Part(name))
        };
        let signature = part("Signature")?;
        let signed_headers = part("SignedHeaders")?;
        let credential = part("Credential")?;

        let mut scope = credential.rsplitn(4, '/');
        let (Some(TERMINATOR), Some(service), Some(date), Some(secret_id)) =
            (scope.next(), scope.next(), scope.next(), scope.next())
        else {
            return Err(AuthorizationError::CredentialScope);
        };
        if [service, date, secret_id].iter().any(|s| s.is_empty()) {
            return Err(AuthorizationError::CredentialScope);
        }
        Ok(Self {
            secret_id,
            date,
            service,
            signed_headers,
            signature,
        })
    }

    /// The signed header names, in the order sent.
    pub fn signed_header_names(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.signed_headers.split(';')
    }
}

/// Why a header is not a TC3 `Authorization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// It does not start with `TC3-HMAC-SHA256 `.
    Algorithm,
    /// This part (`Credential`, `SignedHeaders` or `Signature`) is missing, out of order or empty.
    Part(&'static str),
    /// The credential is not `<SecretId>/<date>/<service>/tc3_request`.
    CredentialScope,
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Algorithm => write!(f, "authorization does not start with `{ALGORITHM} `"),
            Self::Part(name) => write!(
                f,
                "authorization has no `{name}=` part, or it is empty or out of order (expected \
                 `Credential=…, SignedHeaders=…, Signature=…`)"
            ),
            Self::CredentialScope => write!(
                f,
                "authorization's credential is not `<SecretId>/<date>/<service>/{TERMINATOR}`"
            ),
        }
    }
}

impl std::error::Error for AuthorizationError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_problem() {
        let ok = "Credential=id/2023-11-14/sms/tc3_request, SignedHeaders=host, Signature=ab";
        assert!(Authorization::parse(&format!("{ALGORITHM} {ok}")).is_ok());
        // Without the space after the commas, as some clients write it.
        let tight = ok.replace(", ", ",");
        assert!(Authorization::parse(&format!("{ALGORITHM} {tight}")).is_ok());
        for (header, error) in [
            (ok.to_owned(), AuthorizationError::Algorithm),
            (
                format!("ACS3-HMAC-SHA256 {ok}"),
                AuthorizationError::Algorithm,
            ),
            (format!("{ALGORITHM}{ok}"), AuthorizationError::Algorithm),
            (
                format!("{ALGORITHM} {}", ok.replace("Signature=ab", "Signature=")),
                AuthorizationError::Part("Signature"),
            ),
            (
                format!("{ALGORITHM} Credential=id/2023-11-14/sms/tc3_request, Signature=ab"),
                AuthorizationError::Part("SignedHeaders"),
            ),
            (
                format!(
                    "{ALGORITHM} SignedHeaders=host, Credential=id/2023-11-14/sms/tc3_request, \
                     Signature=ab"
                ),
                AuthorizationError::Part("SignedHeaders"),
            ),
            (
                format!("{ALGORITHM} SignedHeaders=host, Signature=ab"),
                AuthorizationError::Part("Credential"),
            ),
            (
                format!("{ALGORITHM} {}", ok.replace("tc3_request", "tc3")),
                AuthorizationError::CredentialScope,
            ),
            (
                format!("{ALGORITHM} {}", ok.replace("id/", "")),
                AuthorizationError::CredentialScope,
            ),
            (
                format!("{ALGORITHM} {}", ok.replace("/sms/", "//")),
                AuthorizationError::CredentialScope,
            ),
        ] {
            assert_eq!(Authorization::parse(&header), Err(error), "{header}");
            assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn secret_id_with_separators_reads_back_whole() {
        let header = format!(
            "{ALGORITHM} Credential=AKID/With+Odd=Chars,x/2021-01-01/sms/tc3_request, \
             SignedHeaders=content-type;host, Signature=cf9e"
        );
        let parsed = Authorization::parse(&header).unwrap();
        assert_eq!(parsed.secret_id, "AKID/With+Odd=Chars,x");
        assert_eq!(parsed.date, "2021-01-01");
        assert_eq!(parsed.signature, "cf9e");
    }
}
