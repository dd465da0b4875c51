//! Answers as Aliyun writes them: a JSON object, or the same tree as XML for `Format=XML`.

use serde_json::{Map, Value, json};

use super::error::ApiError;

/// The answer's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Xml,
}

/// An answer before it becomes bytes.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub format: Format,
    /// The XML root element: `<Action>Response`, or `Error` for gateway errors.
    pub root: String,
    pub body: Map<String, Value>,
}

impl Answer {
    /// A successful answer to `action`: `body` plus `RequestId`, `Code: OK`, `Message: OK`.
    pub fn ok(action: &str, format: Format, request_id: &str, body: Value) -> Self {
        let mut map = match body {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        map.insert("RequestId".into(), json!(request_id));
        map.insert("Code".into(), json!("OK"));
        map.insert("Message".into(), json!("OK"));
        Answer {
            status: 200,
            format,
            root: format!("{action}Response"),
            body: map,
        }
    }

    /// An error answer. Gateway errors (status other than 200) carry `HostId` and use the
    /// XML root `Error`; business errors look like the action's own answer.
    pub fn error(
        error: &ApiError,
        action: Option<&str>,
        format: Format,
        request_id: &str,
        host: &str,
    ) -> Self {
        let mut map = Map::new();
        map.insert("RequestId".into(), json!(request_id));
        if error.status != 200 {
            map.insert("HostId".into(), json!(host));
        }
        map.insert("Code".into(), json!(error.code));
        map.insert("Message".into(), json!(error.message));
        map.insert(
            "Recommend".into(),
            json!(format!(
                "https://api.aliyun.com/troubleshoot?q={}&product=Dysmsapi&requestId={request_id}",
                error.code
            )),
        );
        let root = match action {
            Some(action) if error.status == 200 => format!("{action}Response"),
            _ => "Error".to_string(),
        };
        Answer {
            status: error.status,
            format,
            root,
            body: map,
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self.format {
            Format::Json => "application/json;charset=utf-8",
            Format::Xml => "text/xml;charset=utf-8",
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self.format {
            Format::Json => serde_json::to_vec(&self.body).unwrap_or_default(),
            Format::Xml => {
                let mut out = String::from("<?xml version='1.0' encoding='UTF-8'?>");
                xml_element(&mut out, &self.root, &Value::Object(self.body.clone()));
                out.into_bytes()
            }
        }
    }
}

/// `<name>value</name>`; an array is the element repeated once per item, as Aliyun lists
/// `SmsSendDetailDTOs.SmsSendDetailDTO[]`.
fn xml_element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            for item in items {
                xml_element(out, name, item);
            }
        }
        Value::Null => {}
        _ => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        xml_element(out, key, child);
                    }
                }
                Value::String(text) => escape_into(out, text),
                other => out.push_str(&other.to_string()),
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_nests_and_repeats() {
        let answer = Answer::ok(
            "QuerySendDetails",
            Format::Xml,
            "R",
            json!({"TotalCount": 2, "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"Content": "a<b"}, {"Content": "c"}]}}),
        );
        let xml = String::from_utf8(answer.to_bytes()).unwrap();
        assert!(
            xml.starts_with("<?xml version='1.0' encoding='UTF-8'?><QuerySendDetailsResponse>")
        );
        assert!(xml.contains("<SmsSendDetailDTOs><SmsSendDetailDTO><Content>a&lt;b</Content></SmsSendDetailDTO><SmsSendDetailDTO><Content>c</Content></SmsSendDetailDTO></SmsSendDetailDTOs>"));
        assert!(xml.contains("<TotalCount>2</TotalCount>"));
        assert!(xml.contains("<Code>OK</Code>"));
    }

    #[test]
    fn gateway_errors_have_host_id_and_error_root() {
        let err = ApiError::throttling();
        let answer = Answer::error(&err, Some("SendSms"), Format::Json, "R", "h");
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["HostId"], "h");
        assert_eq!(answer.root, "Error");
        let business = ApiError::business("isv.X", "m");
        let answer = Answer::error(&business, Some("SendSms"), Format::Json, "R", "h");
        assert!(answer.body.get("HostId").is_none());
        assert_eq!(answer.root, "SendSmsResponse");
    }
}
