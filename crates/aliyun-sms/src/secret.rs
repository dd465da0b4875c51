//! Secrets (the AccessKey secret, the STS token): the kit's [`SecretString`] and [`Redactor`],
//! used here as `crate::secret::…`.

pub use connector_kit::{REDACTED, Redactor, SecretString};
