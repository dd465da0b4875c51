//! [`Tc3Signer`]: the credentials of one service, with the day's signing key derived once.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::tc3::{
    SignedTc3Request, SigningKey, Tc3Request, authorization_parts, concat, finish_hex, verify_hex,
};
use crate::{Credentials, Timestamp, UtcDate};

/// Signs requests to one service (e.g. `sms`) with one key, deriving the signing key once per
/// UTC date instead of once per request.
///
/// No clock inside: the key is chosen by the date of the timestamp passed in. The signer keeps
/// the key of the latest date it has seen and derives it again only when a later date comes; a
/// request dated earlier than that (a late send around midnight) gets its own key without
/// replacing the kept one. `Sync`: one signer serves concurrent sends.
///
/// `Debug` shows the SecretId and the service, never the SecretKey, token or key.
///
/// ```
/// use tencent_sign::{Credentials, Tc3Signer, Timestamp, tc3::Tc3Request};
///
/// let signer = Tc3Signer::new(Credentials::new("AKIDexample", "secret-key"), "sms");
/// let headers = [
///     ("content-type", "application/json; charset=utf-8"),
///     ("host", "sms.tencentcloudapi.com"),
/// ];
/// let body = br#"{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666"}"#;
/// let timestamp = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
/// let authorization = signer.authorization(&Tc3Request::post(&headers, body), timestamp);
/// assert!(authorization.starts_with(
///     "TC3-HMAC-SHA256 Credential=AKIDexample/2023-11-14/sms/tc3_request, \
///      SignedHeaders=content-type;host, Signature="
/// ));
///
/// // What a server does with the received request:
/// let signature = authorization.rsplit("Signature=").next().unwrap();
/// assert!(signer.verify(&Tc3Request::post(&headers, body), timestamp, signature));
/// ```
pub struct Tc3Signer {
    credentials: Credentials,
    service: String,
    latest: Mutex<Option<Arc<SigningKey>>>,
}

impl Tc3Signer {
    /// A signer for `service` (the first label of the API host: `sms` for SMS).
    pub fn new(credentials: Credentials, service: impl Into<String>) -> Self {
        Self {
            credentials,
            service: service.into(),
            latest: Mutex::new(None),
        }
    }

    /// The credentials this signer signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The service this signer signs for.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The signing key of `date`: the kept one when the date matches, otherwise derived (and
    /// kept when `date` is later than the kept key's).
    pub fn signing_key(&self, date: UtcDate) -> Arc<SigningKey> {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        match latest.as_ref() {
            Some(key) if key.date() == date => return Arc::clone(key),
            Some(key) if key.date() > date => {
                drop(latest);
                return Arc::new(self.derive(date));
            }
            _ => {}
        }
        let key = Arc::new(self.derive(date));
        *latest = Some(Arc::clone(&key));
        key
    }

    /// The `Authorization` header's value for `request` at `timestamp`: the hot path, which
    /// hashes the canonical request and the string to sign without building them as strings.
    /// Send `timestamp` as `X-TC-Timestamp`.
    pub fn authorization(&self, request: &Tc3Request<'_>, timestamp: Timestamp) -> String {
        let key = self.signing_key(timestamp.date());
        let (mac, signed_headers) = key.string_to_sign_mac(request, timestamp);
        let signature = finish_hex(mac);
        concat(&authorization_parts(
            self.credentials.secret_id(),
            key.credential_scope(),
            &signed_headers,
            signature.as_str(),
        ))
    }

    /// Signs `request` at `timestamp` and returns every stage, for explaining a signature. The
    /// same `authorization` as [`authorization`](Self::authorization).
    pub fn sign(&self, request: &Tc3Request<'_>, timestamp: Timestamp) -> SignedTc3Request {
        self.signing_key(timestamp.date()).sign_stages(
            self.credentials.secret_id(),
            request,
            timestamp,
        )
    }

    /// Checks a received hex `signature` (either case) of `request` at `timestamp`, in constant
    /// time: what a server does after reading the `Authorization` header
    /// ([`Authorization::parse`](crate::Authorization::parse)) and checking its credential
    /// scope and the timestamp's window.
    pub fn verify(&self, request: &Tc3Request<'_>, timestamp: Timestamp, signature: &str) -> bool {
        let (mac, _) = self
            .signing_key(timestamp.date())
            .string_to_sign_mac(request, timestamp);
        verify_hex(mac, signature)
    }

    fn derive(&self, date: UtcDate) -> SigningKey {
        SigningKey::derive(self.credentials.secret_key(), date, &self.service)
    }
}

/// A clone starts with the same kept key.
impl Clone for Tc3Signer {
    fn clone(&self) -> Self {
        let latest = self
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Self {
            credentials: self.credentials.clone(),
            service: self.service.clone(),
            latest: Mutex::new(latest),
        }
    }
}

impl fmt::Debug for Tc3Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let latest = self
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|key| key.date());
        f.debug_struct("Tc3Signer")
            .field("credentials", &self.credentials)
            .field("service", &self.service)
            .field("key_date", &latest)
            .finish()
    }
}
