//! Several providers behind one trait object, as a sign-in service holds them.

use std::sync::Arc;

use connector_kit::{
    ConnectorError, ConnectorMetadata, ErrorKind, LocalizedText, Receipt, RecordingConnector,
    SmsConnector, SmsMessage, TemplateSet, UsageType, async_trait,
};

/// A content-template provider (Twilio-style): replaces `{{code}}` locally.
#[derive(Debug)]
struct ContentTemplateConnector {
    templates: TemplateSet<&'static str>,
    outbox: std::sync::Mutex<Vec<String>>,
}

const CONTENT_METADATA: ConnectorMetadata = ConnectorMetadata::new(
    "content-template",
    "content",
    LocalizedText(&[("en", "Content templates"), ("zh-CN", "内容模板")]),
    LocalizedText(&[("en", "Renders locally."), ("zh-CN", "本地渲染。")]),
);

#[async_trait]
impl SmsConnector for ContentTemplateConnector {
    fn metadata(&self) -> &ConnectorMetadata {
        &CONTENT_METADATA
    }

    async fn send(&self, message: &SmsMessage) -> Result<Receipt, ConnectorError> {
        let (_, template) = self
            .templates
            .select(message.usage)
            .ok_or_else(|| ConnectorError::template_not_found(message.usage))?;
        let code = message.params.verification_code().ok_or_else(|| {
            ConnectorError::new(ErrorKind::InvalidRequest, "no code").with_field("code")
        })?;
        let mut outbox = self.outbox.lock().unwrap();
        outbox.push(format!(
            "+{}: {}",
            message.to.digits(),
            template.replace("{{code}}", code)
        ));
        Ok(Receipt::new().with_message_id(outbox.len().to_string()))
    }
}

#[tokio::test]
async fn a_registry_of_trait_objects_sends_through_each() {
    let content = Arc::new(ContentTemplateConnector {
        templates: TemplateSet::new(
            [(UsageType::SignIn, "Sign in with {{code}}")],
            &[UsageType::SignIn],
        )
        .unwrap(),
        outbox: Default::default(),
    });
    let recording = Arc::new(RecordingConnector::new());
    let registry: Vec<Arc<dyn SmsConnector>> = vec![content.clone(), recording.clone()];

    let message = SmsMessage::verification_code(
        "+1 862 401 7194".parse().unwrap(),
        UsageType::SignIn,
        "4321",
    );
    for connector in &registry {
        let receipt = connector.send(&message).await.unwrap();
        assert!(receipt.message_id.is_some(), "{}", connector.metadata().id);
    }
    assert_eq!(
        *content.outbox.lock().unwrap(),
        ["+18624017194: Sign in with 4321"]
    );
    assert_eq!(recording.sent(), std::slice::from_ref(&message));

    let ids: Vec<_> = registry.iter().map(|c| c.metadata().id).collect();
    assert_eq!(ids, ["content-template", "recording"]);
    assert_eq!(registry[0].metadata().name.get("zh-CN"), "内容模板");
    assert_eq!(registry[1].metadata().name.get("zh"), "记录连接器");
    assert_eq!(
        registry[1].metadata().name.get("fr-FR"),
        "Recording connector"
    );

    let register = SmsMessage::verification_code(message.to.clone(), UsageType::Register, "1");
    let err = registry[0].send(&register).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TemplateNotFound);

    // Without the capability, the default delivery lookup says so.
    let query = connector_kit::DeliveryQuery::new(message.to.clone(), std::time::SystemTime::now());
    let err = registry[0].lookup_delivery(&query).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.is_permanent() && err.contradiction().is_none());
    assert_eq!(
        err.message(),
        "connector `content-template` cannot look up delivery"
    );
}

#[tokio::test]
async fn the_recording_connector_fails_when_told_and_records_every_attempt() {
    let sms = RecordingConnector::new();
    let message =
        SmsMessage::verification_code("13800138000".parse().unwrap(), UsageType::Register, "1234");
    let limited = ConnectorError::new(ErrorKind::RateLimited, "too many").with_provider_code("X");
    sms.fail_next(limited.clone());
    assert_eq!(sms.send(&message).await.unwrap_err(), limited);
    assert!(sms.send(&message).await.is_ok());

    sms.fail_always(Some(ConnectorError::new(ErrorKind::Account, "no balance")));
    assert_eq!(
        sms.send(&message).await.unwrap_err().kind(),
        ErrorKind::Account
    );
    assert_eq!(
        sms.send(&message).await.unwrap_err().kind(),
        ErrorKind::Account
    );
    sms.fail_always(None);

    assert_eq!(sms.sent().len(), 1);
    let outcomes: Vec<_> = sms.attempts().into_iter().map(|(_, o)| o.is_ok()).collect();
    assert_eq!(outcomes, [false, true, false, false]);
    sms.clear();
    assert!(sms.attempts().is_empty());
}
