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

/// Which numbers a template may be sent to: Aliyun approves mainland China templates (国内消息)
/// and international / Hong Kong, Macao and Taiwan templates (国际/港澳台消息) separately.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum TemplateRegion {
    /// 国内消息: mainland China numbers only; another number is refused with
    /// `isv.SMS_TEMPLATE_ILLEGAL`, as Aliyun refuses it.
    Mainland,
    /// 国际/港澳台消息: numbers outside mainland China, always read as country code + number
    /// (a bare `1` + ten digits is a North American number); a mainland number is refused with
    /// `isv.DOMESTIC_NUMBER_NOT_SUPPORTED`.
    International,
    /// Either, numbers read as a mainland template reads them. Aliyun has no such template: it
    /// is the default of [`Template::verification_code`] and [`Template::notification`], so a
    /// test account need not say; the demo account's templates each have their region.
    #[default]
    Any,
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
    /// Which numbers it may be sent to.
    #[serde(default)]
    pub region: TemplateRegion,
}

impl Template {
    /// A verification-code template.
    pub fn verification_code(code: impl Into<String>, content: impl Into<String>) -> Self {
        Template {
            code: code.into(),
            kind: TemplateKind::VerificationCode,
            content: content.into(),
            region: TemplateRegion::Any,
        }
    }

    /// A notification template.
    pub fn notification(code: impl Into<String>, content: impl Into<String>) -> Self {
        Template {
            code: code.into(),
            kind: TemplateKind::Notification,
            content: content.into(),
            region: TemplateRegion::Any,
        }
    }

    /// The same template, approved for mainland China numbers only.
    pub fn mainland(mut self) -> Self {
        self.region = TemplateRegion::Mainland;
        self
    }

    /// The same template, approved for international / HK, Macao and Taiwan messages.
    pub fn international(mut self) -> Self {
        self.region = TemplateRegion::International;
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
