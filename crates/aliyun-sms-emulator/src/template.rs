//! SMS templates: their `${variable}` placeholders and how a message is rendered from them.

use std::collections::BTreeMap;

/// What a template is approved for; Aliyun checks verification-code templates harder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TemplateKind {
    /// 验证码: each variable must be 4–6 ASCII letters or digits, and the per-number
    /// limits apply.
    VerificationCode,
    /// 短信通知: free-text variables, no per-number limits in the emulator.
    Notification,
}

/// An approved template as the account holder sees it in the console.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Template {
    /// The template code callers send as `TemplateCode`, e.g. `SMS_154950909`.
    pub code: String,
    /// What it is approved for.
    pub kind: TemplateKind,
    /// The text with `${name}` placeholders, e.g. `您的验证码为${code}，5分钟内有效。`.
    pub content: String,
    /// An international / Hong Kong, Macao and Taiwan template (国际/港澳台消息): its numbers
    /// are always read as country code + number, so a bare `1` + ten digits is a North
    /// American number, not a mainland one.
    #[serde(default)]
    pub international: bool,
}

impl Template {
    /// A verification-code template.
    pub fn verification_code(code: impl Into<String>, content: impl Into<String>) -> Self {
        Template {
            code: code.into(),
            kind: TemplateKind::VerificationCode,
            content: content.into(),
            international: false,
        }
    }

    /// A notification template.
    pub fn notification(code: impl Into<String>, content: impl Into<String>) -> Self {
        Template {
            code: code.into(),
            kind: TemplateKind::Notification,
            content: content.into(),
            international: false,
        }
    }

    /// The same template, approved for international / HK, Macao and Taiwan messages.
    pub fn international(mut self) -> Self {
        self.international = true;
        self
    }

    /// The names of its `${name}` placeholders, in order of appearance, duplicates kept.
    pub fn variables(&self) -> Vec<&str> {
        let mut names = Vec::new();
        let mut rest = self.content.as_str();
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    names.push(&after[..end]);
                    rest = &after[end + 1..];
                }
                None => break,
            }
        }
        names
    }

    /// The text a phone shows: `【sign name】` and the content with each `${name}` replaced
    /// by its parameter (a placeholder without a parameter is left as it is).
    pub fn render(&self, sign_name: &str, params: &BTreeMap<String, String>) -> String {
        let mut text = format!("【{sign_name}】");
        let mut rest = self.content.as_str();
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            text.push_str(&rest[..start]);
            match params.get(&after[..end]) {
                Some(value) => text.push_str(value),
                None => text.push_str(&rest[start..start + 2 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        text.push_str(rest);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_render() {
        let t = Template::notification("SMS_1", "${name}您好，订单${order}已发货。${tail");
        assert_eq!(t.variables(), ["name", "order"]);
        let params = BTreeMap::from([
            ("name".to_string(), "张三".to_string()),
            ("order".to_string(), "A1".to_string()),
        ]);
        assert_eq!(
            t.render("阿里云", &params),
            "【阿里云】张三您好，订单A1已发货。${tail"
        );
    }

    #[test]
    fn render_keeps_unknown_placeholders() {
        let t = Template::verification_code("SMS_2", "code ${code} and ${x}");
        let params = BTreeMap::from([("code".to_string(), "1234".to_string())]);
        assert_eq!(t.render("S", &params), "【S】code 1234 and ${x}");
    }
}
