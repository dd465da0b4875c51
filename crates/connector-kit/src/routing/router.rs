//! Routing: the connector for a message chosen by its destination's country calling code.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::routing::common_metadata;
use crate::{
    ConnectorError, ConnectorMetadata, DeliveryQuery, DeliveryReport, ErrorKind, LocalizedText,
    PhoneNumber, Receipt, SmsConnector, SmsMessage,
};

/// The metadata of a [`Router`]; its capabilities are those every route's connector has.
pub const ROUTER_METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "router",
    "router",
    LocalizedText(&[("en", "Router"), ("zh-CN", "路由")]),
    LocalizedText(&[
        (
            "en",
            "Sends each message through the connector of its destination's route.",
        ),
        ("zh-CN", "按目的地号码的路由选择连接器发送。"),
    ]),
);

#[derive(Debug, Clone)]
struct Route {
    prefixes: Vec<String>,
    connector: Arc<dyn SmsConnector>,
}

/// Chooses the connector for each message by its destination: rules in order, each a list of
/// number prefixes (a country calling code such as `86`, or a longer prefix for a region that
/// shares one, such as `1876` for Jamaica), and a default route for the rest.
///
/// A number is matched by its digits as an international number: `+8613800138000`,
/// `008613800138000` and `8613800138000` (as Logto stores numbers) all start with `86`. A
/// service whose numbers come without a country code says which one they have
/// ([`with_national_calling_code`](Self::with_national_calling_code)).
///
/// A route's connector is any [`SmsConnector`], typically a [`Failover`](crate::Failover). A
/// number that no rule matches, with no default route, is refused with
/// [`ErrorKind::Unsupported`] at field `to`, nothing sent. Delivery lookups go the way a send
/// to the same number goes.
///
/// ```
/// use std::sync::Arc;
/// use connector_kit::{RecordingConnector, Router, SmsConnector, SmsMessage, UsageType};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (china, world) = (Arc::new(RecordingConnector::new()), Arc::new(RecordingConnector::new()));
/// let sms = Router::new().with_route(&["86"], china.clone())?.with_default(world.clone());
///
/// for to in ["+86 138 0013 8000", "+852 6832 6366", "+1 862 401 7194"] {
///     sms.send(&SmsMessage::verification_code(to.parse()?, UsageType::SignIn, "123456")).await?;
/// }
/// assert_eq!((china.sent().len(), world.sent().len()), (1, 2));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Router {
    metadata: ConnectorMetadata,
    routes: Vec<Route>,
    default: Option<Arc<dyn SmsConnector>>,
    national_calling_code: Option<String>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.routes)
            .field("default", &self.default)
            .field("national_calling_code", &self.national_calling_code)
            .finish()
    }
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

/// The digits of a prefix as a number starts with them: `+86`, `86` and `0086` give `86`.
///
/// # Errors
///
/// [`ErrorKind::InvalidConfig`] for anything but 1 to 15 digits not starting with 0.
pub(crate) fn prefix_digits(prefix: &str) -> Result<String, String> {
    let trimmed = prefix.strip_prefix('+').unwrap_or(prefix);
    let trimmed = trimmed.strip_prefix("00").unwrap_or(trimmed);
    let digits = !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit());
    if !digits || trimmed.len() > crate::MAX_DIGITS {
        return Err("must be 1 to 15 digits, e.g. `86` (with or without `+`)".to_owned());
    }
    if trimmed.starts_with('0') {
        return Err("a country calling code cannot start with 0".to_owned());
    }
    Ok(trimmed.to_owned())
}

impl Router {
    /// No route yet.
    pub fn new() -> Self {
        Router {
            metadata: ROUTER_METADATA,
            routes: Vec::new(),
            default: None,
            national_calling_code: None,
        }
    }

    /// Adds a rule after the others: numbers starting with any of `prefixes` go to `connector`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`] at field `prefixes` for a prefix that is not 1 to 15 digits
    /// (a leading `+` is fine), or an empty list.
    pub fn with_route(
        mut self,
        prefixes: &[&str],
        connector: Arc<dyn SmsConnector>,
    ) -> Result<Self, ConnectorError> {
        if prefixes.is_empty() {
            return Err(ConnectorError::invalid_config(
                "prefixes",
                "a route needs at least one prefix",
            ));
        }
        let prefixes = prefixes
            .iter()
            .map(|p| prefix_digits(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConnectorError::invalid_config("prefixes", e))?;
        self.routes.push(Route {
            prefixes,
            connector,
        });
        self.refresh_metadata();
        Ok(self)
    }

    /// Sets the route of numbers no rule matches.
    pub fn with_default(mut self, connector: Arc<dyn SmsConnector>) -> Self {
        self.default = Some(connector);
        self.refresh_metadata();
        self
    }

    /// Numbers written without `+` or `00` are national numbers of this country calling code
    /// (`13800138000` is routed as `+8613800138000` with `86`). Without it such numbers are
    /// read as starting with their country code, as Logto stores them.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidConfig`] at field `nationalCallingCode` for anything but digits.
    pub fn with_national_calling_code(mut self, code: &str) -> Result<Self, ConnectorError> {
        let code = prefix_digits(code)
            .map_err(|e| ConnectorError::invalid_config("nationalCallingCode", e))?;
        self.national_calling_code = Some(code);
        Ok(self)
    }

    /// The connector a message to `to` goes to, if any.
    pub fn route_for(&self, to: &PhoneNumber) -> Option<&Arc<dyn SmsConnector>> {
        let national;
        let digits = match &self.national_calling_code {
            Some(code) if !to.has_international_prefix() => {
                national = format!("{code}{}", to.digits());
                national.as_str()
            }
            _ => to.digits(),
        };
        self.routes
            .iter()
            .find(|route| {
                route
                    .prefixes
                    .iter()
                    .any(|p| digits.starts_with(p.as_str()))
            })
            .map(|route| &route.connector)
            .or(self.default.as_ref())
    }

    fn route(&self, to: &PhoneNumber) -> Result<&Arc<dyn SmsConnector>, ConnectorError> {
        self.route_for(to).ok_or_else(|| {
            let covered: Vec<&str> = self
                .routes
                .iter()
                .flat_map(|r| r.prefixes.iter().map(String::as_str))
                .collect();
            ConnectorError::new(
                ErrorKind::Unsupported,
                format!(
                    "no route for this number: the routes cover numbers starting with {}, and \
                     there is no default route; nothing was sent",
                    covered.join(", ")
                ),
            )
            .with_field("to")
        })
    }

    fn refresh_metadata(&mut self) {
        let connectors = self
            .routes
            .iter()
            .map(|r| &r.connector)
            .chain(self.default.as_ref());
        self.metadata = common_metadata(ROUTER_METADATA, connectors.map(|c| c.metadata()));
    }
}

#[async_trait]
impl SmsConnector for Router {
    fn metadata(&self) -> &ConnectorMetadata {
        &self.metadata
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        self.metadata.capabilities.check_message(message)?;
        let connector = self.route(&message.to)?;
        let mut receipt = connector.send(message).await?;
        receipt
            .provider
            .get_or_insert_with(|| connector.metadata().id.to_owned());
        Ok(receipt)
    }

    async fn lookup_delivery(
        &self,
        query: &DeliveryQuery,
    ) -> Result<DeliveryReport, ConnectorError> {
        self.route(&query.to)?.lookup_delivery(query).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordingConnector;

    fn number(text: &str) -> PhoneNumber {
        text.parse().unwrap()
    }

    #[test]
    fn rules_in_order_then_the_default() {
        let (a, b, c): (
            Arc<dyn SmsConnector>,
            Arc<dyn SmsConnector>,
            Arc<dyn SmsConnector>,
        ) = (
            Arc::new(RecordingConnector::new()),
            Arc::new(RecordingConnector::new()),
            Arc::new(RecordingConnector::new()),
        );
        let router = Router::new()
            .with_route(&["1876"], a.clone())
            .unwrap()
            .with_route(&["+86", "852"], b.clone())
            .unwrap()
            .with_route(&["1"], c.clone())
            .unwrap();
        let to = |n: &str| router.route_for(&number(n)).map(Arc::as_ptr);
        assert_eq!(to("+1 876 555 0100"), Some(Arc::as_ptr(&a)));
        assert_eq!(to("+1 862 401 7194"), Some(Arc::as_ptr(&c)));
        assert_eq!(to("8613800138000"), Some(Arc::as_ptr(&b)));
        assert_eq!(to("0085268326366"), Some(Arc::as_ptr(&b)));
        assert_eq!(to("+4915112345678"), None);
        let router = router.with_default(a.clone());
        assert_eq!(
            router.route_for(&number("+4915112345678")).map(Arc::as_ptr),
            Some(Arc::as_ptr(&a))
        );
    }

    #[test]
    fn national_numbers_get_the_calling_code_given() {
        let (china, world): (Arc<dyn SmsConnector>, Arc<dyn SmsConnector>) = (
            Arc::new(RecordingConnector::new()),
            Arc::new(RecordingConnector::new()),
        );
        let router = Router::new()
            .with_route(&["86"], china.clone())
            .unwrap()
            .with_default(world.clone());
        // Read as international: 138... starts with 1, not 86.
        assert_eq!(
            router.route_for(&number("13800138000")).map(Arc::as_ptr),
            Some(Arc::as_ptr(&world))
        );
        let router = router.with_national_calling_code("+86").unwrap();
        assert_eq!(
            router.route_for(&number("13800138000")).map(Arc::as_ptr),
            Some(Arc::as_ptr(&china))
        );
        assert_eq!(
            router.route_for(&number("+18624017194")).map(Arc::as_ptr),
            Some(Arc::as_ptr(&world))
        );
    }

    #[tokio::test]
    async fn an_unrouted_number_is_unsupported_at_to_and_bad_prefixes_are_named() {
        let router = Router::new()
            .with_route(&["86"], Arc::new(RecordingConnector::new()))
            .unwrap();
        let message =
            SmsMessage::verification_code(number("+4915112345678"), crate::UsageType::SignIn, "1");
        let err = router.send(&message).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.field()),
            (ErrorKind::Unsupported, Some("to"))
        );
        assert!(err.message().contains("starting with 86"), "{err}");
        assert!(err.may_succeed_elsewhere(), "another setup may cover it");

        for bad in ["", "+", "8a", "0", "+0086x", "1234567890123456"] {
            let err = Router::new()
                .with_route(&[bad], Arc::new(RecordingConnector::new()))
                .unwrap_err();
            assert_eq!(err.field(), Some("prefixes"), "{bad:?}");
        }
        assert!(
            Router::new()
                .with_route(&[], Arc::new(RecordingConnector::new()))
                .is_err()
        );
    }
}
