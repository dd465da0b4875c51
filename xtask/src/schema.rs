//! `cargo xtask schema`: each provider's config JSON Schema and the user guides' config types
//! tables, generated from the Rust config types (`crates/aliyun-sms/src/config.rs`,
//! `crates/tencent-sms/src/config.rs`), so that neither can drift from the code.
//!
//! The schema is JSON Schema draft-07, which form generators (react-jsonschema-form, JSON Forms)
//! handle best. Most of it comes from the types (doc comments and `#[schemars(...)]`
//! attributes); [`polish`] and [`require_usage_types`] add what the types cannot say, and
//! [`form::shape`] shapes it for forms rendered with no UI schema (the browser test in
//! `forms-test/` renders every provider's schema in both libraries). The tables are rendered
//! from the unshaped schema (the file format as the loader reads it), between the
//! `config-types` markers of each guide.

mod form;
mod tencent;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use aliyun_sms::config::{
    ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN, TemplateConfig,
};
use aliyun_sms::{AliyunSmsConfig, AliyunSmsFactory};
use connector_kit::{Registry, UsageType};
use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use serde::Deserialize;
use serde_json::{Value, json};
use tencent_sms::{TencentSmsConfig, TencentSmsFactory};

use form::FieldOrder;

/// A provider whose config schema `cargo xtask schema` writes, and the browser test renders:
/// one for each factory of [`registry`], which gives the schema.
pub struct Provider {
    /// The schema file is `docs/schema/{name}-config.schema.json`; the browser test's admin
    /// input is `xtask/forms/{name}.json`.
    pub name: &'static str,
    /// The connector id its factory has in the [`registry`].
    pub id: &'static str,
    /// The Rust config types, for the note at the top of the schema file.
    pub source: &'static str,
    /// Properties the form requires although the loader may read them from the environment.
    pub form_required: &'static [&'static str],
    /// The declaration order of each struct whose properties are not all required, by
    /// definition name (`""` for the config itself).
    pub field_orders: fn() -> Result<Vec<FieldOrder>, String>,
    /// The connector's loader on a config's text, in strict mode (a config that would load
    /// with a warning, such as one with a stray key, is not what a form should save), with no
    /// environment: `Err` lists every problem. The tests hold the schema to it.
    #[cfg(test)]
    pub load: fn(&str) -> Result<(), String>,
    /// The user guides whose config tables are generated from the schema (English, Chinese).
    guides: [&'static Guide; 2],
}

/// Every provider with a config schema.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "aliyun-sms",
        id: aliyun_sms::METADATA.id,
        source: "crates/aliyun-sms/src/config.rs",
        form_required: &["accessKeyId", "accessKeySecret"],
        field_orders: || Ok(vec![("", field_order::<AliyunSmsConfig>()?)]),
        #[cfg(test)]
        load: |text| {
            AliyunSmsConfig::load_with_env(text, &aliyun_sms::LoadOptions::strict(), |_| None)
                .map(drop)
                .map_err(|e| e.to_string())
        },
        guides: [&EN, &ZH],
    },
    Provider {
        name: "tencent-sms",
        id: tencent_sms::METADATA.id,
        source: "crates/tencent-sms/src/config.rs",
        form_required: &["accessKeyId", "accessKeySecret"],
        field_orders: || Ok(vec![("", field_order::<TencentSmsConfig>()?)]),
        #[cfg(test)]
        load: |text| {
            TencentSmsConfig::load_with_env(text, &tencent_sms::LoadOptions::strict(), |_| None)
                .map(drop)
                .map_err(|e| e.to_string())
        },
        guides: [&tencent::EN, &tencent::ZH],
    },
];

/// The connector factories whose config schemas are generated: the providers the `aliyun-sms`
/// command builds (a factory without an entry in [`PROVIDERS`] fails the xtask's tests).
pub fn registry() -> Registry {
    Registry::new()
        .with(AliyunSmsFactory)
        .and_then(|registry| registry.with(TencentSmsFactory))
        .expect("each factory has its own id")
}

impl Provider {
    /// The config's schema as its factory in the [`registry`] gives it (the loader's view:
    /// Markdown descriptions, credentials that may come from the environment not required),
    /// draft-07 and polished, with the usage types `templates` must hold.
    pub fn schema(&self) -> Result<Value, String> {
        let registry = registry();
        let factory = registry.factory(self.id).map_err(|e| e.to_string())?;
        let mut generator = SchemaSettings::draft07()
            .with_transform(RecursiveTransform(polish))
            .into_generator();
        let mut schema = factory.config_schema(&mut generator).to_value();
        require_usage_types(&mut schema)?;
        Ok(schema)
    }

    /// The schema file, from the workspace root.
    pub fn schema_path(&self) -> String {
        format!("docs/schema/{}-config.schema.json", self.name)
    }

    /// The schema for admin forms, as written to [`schema_path`](Self::schema_path) (with
    /// [`form::ORDER`] on each object, which the file leaves out).
    #[cfg(test)]
    pub fn form_schema(&self) -> Result<Value, String> {
        self.shape(self.schema()?)
    }

    /// The form schema from the config schema `schema`.
    fn shape(&self, mut schema: Value) -> Result<Value, String> {
        form::shape(&mut schema, self.form_required, &(self.field_orders)()?)?;
        Ok(schema)
    }
}
/// The generated tables go between these lines of each guide.
const BEGIN: &str = "<!-- BEGIN GENERATED: config-types -->";
const END: &str = "<!-- END GENERATED: config-types -->";

/// Settings that [`AliyunSmsConfig::from_json`] reads from the environment when they are left
/// out (the token only with an AccessKey ID from the environment): the tables say where else
/// they come from.
const ALIYUN_FROM_ENV: &[(&str, &str, Required)] = &[
    ("accessKeyId", ENV_ACCESS_KEY_ID, Required::Yes),
    ("accessKeySecret", ENV_ACCESS_KEY_SECRET, Required::Yes),
    ("securityToken", ENV_SECURITY_TOKEN, Required::No),
];

/// Whether a setting that may come from the environment is required.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Required {
    Yes,
    No,
}

/// Writes the generated files, or with `check` only compares them: `Err` names every stale one.
pub fn generate(check: bool) -> Result<(), String> {
    let root = workspace_root();
    let schemas = PROVIDERS
        .iter()
        .map(|provider| Ok((provider, provider.schema()?)))
        .collect::<Result<Vec<_>, String>>()?;
    let files = generated_files(&root, &schemas)?;
    let stale = stale_files(&root, &files);
    if check {
        if stale.is_empty() {
            println!("generated files are fresh");
            return Ok(());
        }
        return Err(stale_message(&stale));
    }
    for file in &files {
        if !stale.iter().any(|(s, _)| s.path == file.path) {
            println!("{}: up to date", file.path);
            continue;
        }
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", file.path))?;
        println!("{}: written", file.path);
    }
    Ok(())
}

/// A file as `cargo xtask schema` writes it.
#[derive(Debug)]
struct Generated {
    /// From the workspace root.
    path: String,
    contents: String,
}

fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// Every generated file, from each provider's config schema: its schema file, and its guides'
/// tables (the guides keep everything outside their markers).
fn generated_files(root: &Path, schemas: &[(&Provider, Value)]) -> Result<Vec<Generated>, String> {
    let mut files = Vec::new();
    for (provider, schema) in schemas {
        files.push(Generated {
            path: provider.schema_path(),
            contents: schema_file(provider, &provider.shape(schema.clone())?)?,
        });
    }
    // The send guard's config: not a provider's, but generated and checked the same way.
    files.push(Generated {
        path: send_guard::SCHEMA_PATH.to_owned(),
        contents: send_guard::config_schema_file(),
    });
    // The routing config, each provider entry one of this workspace's connectors.
    files.push(Generated {
        path: ROUTING_SCHEMA_PATH.to_owned(),
        contents: routing_schema_file()?,
    });
    for (provider, schema) in schemas {
        for lang in provider.guides {
            let guide = fs::read_to_string(root.join(lang.path))
                .map_err(|e| format!("cannot read {}: {e}", lang.path))?;
            files.push(Generated {
                path: lang.path.to_owned(),
                contents: splice(&guide, &tables(schema, lang)?, lang.path)?,
            });
        }
    }
    Ok(files)
}

/// The files whose checked-in contents differ from `files`, with those contents (`None`: the
/// file is missing).
fn stale_files<'g>(root: &Path, files: &'g [Generated]) -> Vec<(&'g Generated, Option<String>)> {
    files
        .iter()
        .map(|file| (file, fs::read_to_string(root.join(&file.path)).ok()))
        .filter(|(file, current)| current.as_deref() != Some(&file.contents))
        .collect()
}

fn stale_message(stale: &[(&Generated, Option<String>)]) -> String {
    let mut message = String::from(
        "generated files are stale (edited by hand, or the Rust config types or the generator \
         changed since they were generated):\n",
    );
    for (file, current) in stale {
        let where_ = match current {
            None => "missing".to_owned(),
            Some(current) => {
                let line = current
                    .lines()
                    .zip(file.contents.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| current.lines().count().min(file.contents.lines().count()));
                format!("first difference at line {}", line + 1)
            }
        };
        let _ = writeln!(message, "  {} ({where_})", file.path);
    }
    message.push_str("run `cargo xtask schema` and commit the result");
    message
}

/// Where the routing config's schema is written.
pub const ROUTING_SCHEMA_PATH: &str = "docs/schema/sms-routing-config.schema.json";

/// The routing config's schema (`connector_kit::RoutingFactory`) over the [`registry`]'s
/// providers, draft-07, with a `$comment` that it is generated.
fn routing_schema_file() -> Result<String, String> {
    use connector_kit::{ConnectorFactory, RoutingFactory};
    let mut generator = SchemaSettings::draft07()
        .with_transform(RecursiveTransform(polish))
        .into_generator();
    let schema = RoutingFactory::new(registry())
        .config_schema(&mut generator)
        .to_value();
    let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?;
    let rest = text.strip_prefix("{\n").ok_or("a schema is an object")?;
    let note = "Generated from connector_kit::RoutingFactory over this workspace's providers \
                by `cargo xtask schema`; do not edit.";
    Ok(format!(
        "{{\n  \"$comment\": {},\n{rest}\n",
        Value::from(note)
    ))
}

/// Applied to every subschema: descriptions as plain paragraphs (doc comments are wrapped at
/// 100 columns), a `title` on every choice that has none (a usage type is titled by its name),
/// and no Rust-only formats (`uint32`: `minimum`/`maximum` say it, and strict validators such
/// as Ajv reject unknown formats).
fn polish(schema: &mut Schema) {
    if let Some(Value::String(description)) = schema.get_mut("description") {
        *description = unwrap_lines(description);
    }
    if let (Some(Value::String(value)), None) = (schema.get("const"), schema.get("title")) {
        let title = value.clone();
        schema.insert("title".into(), title.into());
    }
    if let Some(Value::String(format)) = schema.get("format") {
        if format.starts_with("int") || format.starts_with("uint") {
            schema.remove("format");
        }
    }
}

/// Joins the lines of each paragraph.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `templates` must hold a template for each of [`UsageType::REQUIRED`], as the loader demands:
/// for each, "not (every template is for another usage type)", titled by what it forbids.
///
/// Not `contains`, which says the same: when it fails, Ajv (the validator of both form
/// libraries) also reports every template that does not match, and the forms show "must be equal
/// to constant" under each usage type the admin chose. `not` reports one error, at `templates`,
/// and react-jsonschema-form names it by the title of the failing schema: "'Templates without
/// ForgotPassword' must NOT be valid".
fn require_usage_types(schema: &mut Value) -> Result<(), String> {
    let templates = schema
        .pointer_mut("/properties/templates")
        .and_then(Value::as_object_mut)
        .ok_or("the schema has no `templates` property")?;
    let required = UsageType::REQUIRED.map(|usage| {
        json!({
            "title": format!("Templates without {usage}"),
            "description": format!("A template for {usage} is required."),
            "not": {
                "items": {
                    "not": {
                        "properties": { "usageType": { "const": usage.as_str() } },
                        "required": ["usageType"]
                    }
                }
            }
        })
    });
    templates.insert("allOf".into(), required.to_vec().into());
    Ok(())
}

/// A provider's schema file: its form schema after a note that it is generated (JSON has no
/// comments).
fn schema_file(provider: &Provider, form_schema: &Value) -> Result<String, String> {
    let mut schema = form_schema.clone();
    let note = format!(
        "Generated by `cargo xtask schema` from the Rust config types ({}); do not edit.",
        provider.source
    );
    schema
        .as_object_mut()
        .ok_or("the schema is not a JSON object")?
        .insert("$comment".into(), note.into());
    form::write(&schema)
}

/// `guide` with the text between its markers replaced by `generated`.
fn splice(guide: &str, generated: &str, path: &str) -> Result<String, String> {
    let missing = |marker: &str| {
        format!("{path} has no line `{marker}`: add it where the config types tables go")
    };
    let start = guide.find(BEGIN).ok_or_else(|| missing(BEGIN))? + BEGIN.len();
    let end = start + guide[start..].find(END).ok_or_else(|| missing(END))?;
    Ok(format!("{}\n{generated}{}", &guide[..start], &guide[end..]))
}

/// One guide's generated tables: where, in which words, and what the provider's config has.
pub(crate) struct Guide {
    /// The guide, from the workspace root.
    path: &'static str,
    /// The first line between the markers.
    note: &'static str,
    config: &'static str,
    template: &'static str,
    by_region: &'static str,
    usage_types: &'static str,
    /// The enumerations with a table of their own besides the usage types: definition name,
    /// row key prefix, heading.
    choices: &'static [(&'static str, &'static str, &'static str)],
    /// Settings the loader reads from the environment when they are left out.
    from_env: &'static [(&'static str, &'static str, Required)],
    /// The config's and a template's fields in declaration order.
    config_order: fn() -> Result<Vec<&'static str>, String>,
    template_order: fn() -> Result<Vec<&'static str>, String>,
    /// Name, type, required, default, description.
    object_header: [&'static str; 5],
    /// Value, required, description.
    choice_header: [&'static str; 3],
    yes: &'static str,
    no: &'static str,
    /// Followed by the environment variable.
    yes_or_env: &'static str,
    /// Followed by the environment variable (the STS token's).
    no_or_env: &'static str,
    /// After `string`, for a secret.
    secret: &'static str,
    or: &'static str,
    enum_string: &'static str,
    /// The descriptions by row key, in lists; `None` for the schema's own (English) ones.
    descriptions: Option<&'static [&'static [(&'static str, &'static str)]]>,
}

const EN: Guide = Guide {
    path: "docs/aliyun-sms.md",
    note: "_Generated by `cargo xtask schema` from the Rust config types, like [the JSON Schema](schema/aliyun-sms-config.schema.json) that admin consoles render the config form from; do not edit by hand._",
    config: "The config:",
    template: "Each entry of `templates` (`Template`):",
    by_region: "`templateCode` as an object (one code for mainland China, one for elsewhere):",
    usage_types: "`usageType` values:",
    choices: &[(
        "SignatureVersion",
        "signatureVersion.",
        "`signatureVersion` values:",
    )],
    from_env: ALIYUN_FROM_ENV,
    config_order: field_order::<AliyunSmsConfig>,
    template_order: field_order::<TemplateConfig>,
    object_header: ["Name", "Type", "Required", "Default", "Description"],
    choice_header: ["Value", "Required", "Description"],
    yes: "yes",
    no: "no",
    yes_or_env: "yes, or the environment variable",
    no_or_env: "no; with an AccessKey ID from the environment, the environment variable",
    secret: " (secret)",
    or: " or ",
    enum_string: "enum string",
    descriptions: None,
};

const ZH: Guide = Guide {
    path: "docs/aliyun-sms.zh-CN.md",
    note: "_以下表格由 `cargo xtask schema` 根据 Rust 配置类型生成（管理控制台据以渲染配置表单的 [JSON Schema](schema/aliyun-sms-config.schema.json) 也是），请勿手动编辑。_",
    config: "配置：",
    template: "`templates` 的每一项（`Template`）：",
    by_region: "对象形式的 `templateCode`（中国大陆号码一个，其他号码一个）：",
    usage_types: "`usageType` 的取值：",
    choices: &[(
        "SignatureVersion",
        "signatureVersion.",
        "`signatureVersion` 的取值：",
    )],
    from_env: ALIYUN_FROM_ENV,
    config_order: field_order::<AliyunSmsConfig>,
    template_order: field_order::<TemplateConfig>,
    object_header: ["名称", "类型", "必填", "默认值", "说明"],
    choice_header: ["取值", "必填", "说明"],
    yes: "是",
    no: "否",
    yes_or_env: "是，或环境变量",
    no_or_env: "否；AccessKey ID 来自环境变量时，读取环境变量",
    secret: "（密钥）",
    or: " 或 ",
    enum_string: "enum string",
    descriptions: Some(&[USAGE_TYPES_ZH, ZH_DESCRIPTIONS]),
};

/// The Chinese table descriptions, by row key. A row without one fails generation, and so does
/// a key without a row: when a doc comment in config.rs changes, update its line here too.
const ZH_DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "accessKeyId",
        "有权发送短信的阿里云 RAM 用户的 AccessKey ID（在阿里云控制台的「AccessKey 管理」中创建）。",
    ),
    (
        "accessKeySecret",
        "与 AccessKey ID 配对的 AccessKey Secret，不会出现在日志和错误信息中。",
    ),
    (
        "securityToken",
        "STS 安全令牌，仅用于 STS 临时凭证；使用普通 AccessKey 时不要填写。",
    ),
    (
        "signName",
        "已审核通过的短信签名名称，显示在每条短信的开头，例如 `Logto`。所有模板共用这个签名。",
    ),
    (
        "templates",
        "每个使用场景一个模板。`Register`、`SignIn`、`ForgotPassword` 和 `Generic` 为必填；没有专属模板的使用场景都使用 `Generic` 的模板。",
    ),
    (
        "strictPhoneRegionNumberCheck",
        "模板分别配置了国内和国际/港澳台模板 CODE 时，如何判断中国大陆号码。关闭：以 13–19 开头的 11 位裸号码也算中国大陆号码。开启：只有带国家码 86（`+86`、`0086`、`86`）的号码才算。",
    ),
    (
        "endpoint",
        "SendSms 的接入地址，例如 `https://dysmsapi.aliyuncs.com`，或某个地域的地址，例如 `https://dysmsapi.ap-southeast-1.aliyuncs.com`。不填时，使用阿里云 SDK 为 `regionId` 选用的地址（`cn-hangzhou` 及大多数其他地域为 `https://dysmsapi.aliyuncs.com`）。只写协议和主机；`http` 只允许用于本机回环地址（本地模拟器）。",
    ),
    (
        "regionId",
        "每个请求携带的 `RegionId`，例如 `cn-hangzhou` 或 `ap-southeast-1`；不填 `endpoint` 时，它也决定接入地址。",
    ),
    (
        "signatureVersion",
        "请求的签名方式：`v1`（HMAC-SHA1，与 Logto 相同）或 `v3`（ACS3-HMAC-SHA256，阿里云推荐新接入使用）。",
    ),
    (
        "connectTimeoutMs",
        "连接阿里云的最长等待时间，单位毫秒（1000 到 60000，且不大于 `timeoutMs`）。这样失败的连接什么也没有发出，因此会重试。",
    ),
    (
        "timeoutMs",
        "一次发送（含重试）最多用时，单位毫秒（1000 到 120000）。超时后短信可能已经发出，也可能没有，不会重发。",
    ),
    (
        "maxAttempts",
        "一条短信最多尝试几次（1 到 10）。只有阿里云在处理之前就拒绝的请求（限流、重复的随机数、无法建立的连接）才会重试，所以验证码绝不会重复送达。",
    ),
    (
        "templates[].usageType",
        "模板的使用场景。`Register`、`SignIn`、`ForgotPassword` 和 `Generic` 为必填；其他场景没有模板时使用 `Generic` 的模板。",
    ),
    (
        "templates[].templateCode",
        "已审核通过的模板 CODE，例如 `SMS_123456789`；或者中国大陆号码一个、其他号码一个。",
    ),
    (
        "templates[].type",
        "为兼容旧版 Logto 配置而接受（0、1、2、6 或 7），不会使用。",
    ),
    (
        "templateCode.china",
        "中国大陆号码使用的模板 CODE（国内消息）。",
    ),
    (
        "templateCode.overseas",
        "中国大陆以外号码使用的模板 CODE（国际/港澳台消息）。",
    ),
    (
        "signatureVersion.v1",
        "RPC 签名 V1（HMAC-SHA1），与 Logto 连接器相同：所有参数都在表单正文中。",
    ),
    (
        "signatureVersion.v3",
        "签名 V3（ACS3-HMAC-SHA256）：参数在表单正文中，签名在 `Authorization` 请求头中。",
    ),
];

/// The Chinese descriptions of the usage types, which every provider's guide shows.
pub(crate) const USAGE_TYPES_ZH: &[(&str, &str)] = &[
    ("usageType.Register", "注册：确认新账号手机号的验证码。"),
    ("usageType.SignIn", "登录：已有用户登录的验证码。"),
    (
        "usageType.ForgotPassword",
        "忘记密码：用户重置密码的验证码。",
    ),
    (
        "usageType.Generic",
        "通用：所有没有专属模板的使用场景都用它，管理控制台的测试短信也用它。",
    ),
    ("usageType.OrganizationInvitation", "邀请加入组织的验证码。"),
    (
        "usageType.UserPermissionValidation",
        "敏感操作之前确认用户身份的验证码。",
    ),
    (
        "usageType.BindNewIdentifier",
        "为账号绑定新手机号时的确认验证码。",
    ),
    ("usageType.MfaVerification", "完成多因素认证登录的验证码。"),
    (
        "usageType.BindMfa",
        "把手机号绑定为多因素认证方式时的确认验证码。",
    ),
];

/// The config types tables of one guide, rendered from the schema.
fn tables(schema: &Value, lang: &Guide) -> Result<String, String> {
    let mut tables = Tables {
        root: schema,
        lang,
        out: format!("\n{}\n", lang.note),
        described: Vec::new(),
    };
    tables.object(lang.config, "", schema, &(lang.config_order)()?)?;
    let template = tables.definition("TemplateConfig")?;
    tables.object(
        lang.template,
        "templates[].",
        template,
        &(lang.template_order)()?,
    )?;
    let by_region = tables
        .definition("TemplateCode")?
        .get("anyOf")
        .and_then(Value::as_array)
        .and_then(|codes| codes.iter().find(|code| code["type"] == "object"))
        .ok_or("TemplateCode has no object form")?;
    let order = strings(&by_region["required"]);
    tables.object(lang.by_region, "templateCode.", by_region, &order)?;
    let required = required_usage_types(schema);
    tables.choices(
        lang.usage_types,
        "usageType.",
        tables.definition("UsageType")?,
        Some(&required),
    )?;
    for (definition, prefix, heading) in lang.choices {
        tables.choices(heading, prefix, tables.definition(definition)?, None)?;
    }
    if let Some(descriptions) = lang.descriptions {
        for (key, _) in descriptions.iter().flat_map(|list| list.iter()) {
            if !tables.described.iter().any(|d| d == key) {
                return Err(format!(
                    "xtask/src/schema.rs: ZH_DESCRIPTIONS has `{key}`, which no table has any more; remove it"
                ));
            }
        }
    }
    Ok(tables.out)
}

struct Tables<'a> {
    root: &'a Value,
    lang: &'a Guide,
    out: String,
    /// The row keys written so far.
    described: Vec<String>,
}

impl<'a> Tables<'a> {
    fn definition(&self, name: &str) -> Result<&'a Value, String> {
        self.root
            .get("definitions")
            .and_then(|definitions| definitions.get(name))
            .ok_or_else(|| format!("the schema has no definition `{name}`"))
    }

    /// The definition a property refers to (alone or as the `allOf` that schemars wraps a
    /// `$ref` with a description in), or the property itself.
    fn resolve(&self, schema: &'a Value) -> Result<&'a Value, String> {
        let reference = schema.get("$ref").or_else(|| {
            schema
                .get("allOf")?
                .as_array()?
                .iter()
                .find_map(|s| s.get("$ref"))
        });
        match reference.and_then(Value::as_str) {
            None => Ok(schema),
            Some(reference) => reference
                .strip_prefix("#/definitions/")
                .ok_or_else(|| format!("unexpected $ref {reference}"))
                .and_then(|name| self.definition(name)),
        }
    }

    fn description(&mut self, key: &str, schema: &Value) -> Result<String, String> {
        self.described.push(key.to_owned());
        let text = match self.lang.descriptions {
            None => schema
                .get("description")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{key}` has no description: give it a doc comment"))?,
            Some(descriptions) => descriptions
                .iter()
                .flat_map(|list| list.iter())
                .find(|(k, _)| *k == key)
                .map(|(_, d)| *d)
                .ok_or_else(|| {
                    format!(
                        "{}: the Chinese descriptions have no description for `{key}`; add one (xtask/src/schema)",
                        self.lang.path
                    )
                })?,
        };
        Ok(cell(text))
    }

    /// One row per property of `object`, in `order`.
    fn object(
        &mut self,
        heading: &str,
        prefix: &str,
        object: &'a Value,
        order: &[&str],
    ) -> Result<(), String> {
        let properties = object
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("`{prefix}` has no properties"))?;
        let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
        let mut ordered = order.to_vec();
        names.sort_unstable();
        ordered.sort_unstable();
        if names != ordered {
            return Err(format!(
                "the fields {order:?} and the schema's properties {names:?} differ"
            ));
        }
        let required = strings(&object["required"]);
        let lang = self.lang;
        // A default column only where a property has a default.
        const DEFAULT_COLUMN: usize = 3;
        let defaults = properties.values().any(|p| p.get("default").is_some());
        let mut rows = vec![lang.object_header.map(str::to_owned).to_vec()];
        for &name in order {
            let property = &properties[name];
            let required = if required.contains(&name) {
                lang.yes.to_owned()
            } else if let Some((_, variable, required)) = lang
                .from_env
                .iter()
                .find(|(key, _, _)| prefix.is_empty() && *key == name)
            {
                let words = match required {
                    Required::Yes => lang.yes_or_env,
                    Required::No => lang.no_or_env,
                };
                format!("{words} `{variable}`")
            } else {
                lang.no.to_owned()
            };
            let default = match property.get("default") {
                None => String::new(),
                Some(Value::String(text)) => format!("`{text}`"),
                Some(value) => format!("`{value}`"),
            };
            let ty = self.type_of(property)?;
            let description = self.description(&format!("{prefix}{name}"), property)?;
            rows.push(vec![
                format!("`{name}`"),
                ty,
                required,
                default,
                description,
            ]);
        }
        if !defaults {
            rows.iter_mut()
                .for_each(|row| drop(row.remove(DEFAULT_COLUMN)));
        }
        self.table(heading, &rows);
        Ok(())
    }

    /// One row per `oneOf` choice of `definition`; with `required`, a column saying whether
    /// the value is one of those.
    fn choices(
        &mut self,
        heading: &str,
        prefix: &str,
        definition: &Value,
        required: Option<&[&str]>,
    ) -> Result<(), String> {
        const REQUIRED_COLUMN: usize = 1;
        let lang = self.lang;
        let choices = definition
            .get("oneOf")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("`{prefix}` has no choices"))?;
        let mut rows = vec![lang.choice_header.map(str::to_owned).to_vec()];
        for choice in choices {
            let value = choice
                .get("const")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("a `{prefix}` choice has no const"))?;
            let is_required = required.is_some_and(|r| r.contains(&value));
            let description = self.description(&format!("{prefix}{value}"), choice)?;
            let is_required = if is_required { lang.yes } else { lang.no };
            rows.push(vec![
                format!("`{value}`"),
                is_required.to_owned(),
                description,
            ]);
        }
        if required.is_none() {
            rows.iter_mut()
                .for_each(|row| drop(row.remove(REQUIRED_COLUMN)));
        }
        self.table(heading, &rows);
        Ok(())
    }

    /// A heading line, then a table whose first row is the header.
    fn table(&mut self, heading: &str, rows: &[Vec<String>]) {
        let _ = writeln!(self.out, "\n{heading}\n");
        for (i, row) in rows.iter().enumerate() {
            let _ = writeln!(self.out, "| {} |", row.join(" | "));
            if i == 0 {
                let _ = writeln!(self.out, "|{}", "---|".repeat(row.len()));
            }
        }
    }

    /// The type column: `string`, `integer, 1000–60000`, `Template[]`, `` `v1` \| `v3` ``...
    fn type_of(&self, property: &'a Value) -> Result<String, String> {
        let lang = self.lang;
        let target = self.resolve(property)?;
        if let Some(choices) = target.get("oneOf").and_then(Value::as_array) {
            let values: Vec<&Value> = choices.iter().filter_map(|c| c.get("const")).collect();
            return Ok(if values.len() <= 3 {
                alternatives(values)
            } else {
                lang.enum_string.to_owned()
            });
        }
        if let Some(forms) = target.get("anyOf").and_then(Value::as_array) {
            let forms: Result<Vec<String>, String> =
                forms.iter().map(|form| self.short_type(form)).collect();
            return Ok(forms?.join(lang.or));
        }
        if let Some(values) = target.get("enum").and_then(Value::as_array) {
            return Ok(alternatives(values.iter().filter(|v| !v.is_null())));
        }
        self.short_type(target)
    }

    fn short_type(&self, schema: &'a Value) -> Result<String, String> {
        let ty = match &schema["type"] {
            Value::String(ty) => ty.as_str(),
            Value::Array(types) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|ty| *ty != "null")
                .unwrap_or("null"),
            _ => return Err(format!("no type in {schema}")),
        };
        Ok(match ty {
            "array" => {
                let items = self.resolve(&schema["items"])?;
                let title = items["title"].as_str().ok_or("array items have no title")?;
                format!("{title}[]")
            }
            "object" => format!("`{{{}}}`", strings(&schema["required"]).join(", ")),
            "integer" | "number" => match (schema.get("minimum"), schema.get("maximum")) {
                (Some(min), Some(max)) => format!("{ty}, {min}–{max}"),
                _ => ty.to_owned(),
            },
            "string" if schema["writeOnly"] == true => format!("string{}", self.lang.secret),
            other => other.to_owned(),
        })
    }
}

/// `` `a` \| `b` `` (strings without their quotes).
fn alternatives<'v>(values: impl IntoIterator<Item = &'v Value>) -> String {
    values
        .into_iter()
        .map(|value| match value {
            Value::String(text) => format!("`{text}`"),
            other => format!("`{other}`"),
        })
        .collect::<Vec<_>>()
        .join(" \\| ")
}

/// Text for a table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The usage types the schema requires a template for (the `allOf` of `templates`).
fn required_usage_types(schema: &Value) -> Vec<&str> {
    schema
        .pointer("/properties/templates/allOf")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(|s| {
                    s.pointer("/not/items/not/properties/usageType/const")?
                        .as_str()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A struct's JSON field names in declaration order, as serde's derive lists them (the schema's
/// properties are sorted by name, which is no order for a table).
fn field_order<'de, T: Deserialize<'de>>() -> Result<Vec<&'static str>, String> {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut fields));
    if fields.is_empty() {
        return Err(format!(
            "{} does not deserialize as a struct",
            std::any::type_name::<T>()
        ));
    }
    Ok(fields.to_vec())
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(serde::de::Error::custom("field names recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod browser_tests;
#[cfg(test)]
mod tests;
