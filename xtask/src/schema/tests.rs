//! The generated files are fresh, the schema is form-ready, and it accepts exactly what the
//! connector's config loader accepts: the docs' examples, the schema's own examples and a table
//! of good and bad configs.

use super::*;

use aliyun_sms::config::ENV_SECURITY_TOKEN;

fn aliyun() -> &'static Provider {
    PROVIDERS.iter().find(|p| p.name == "aliyun-sms").unwrap()
}

/// Aliyun's schema file, exactly as `cargo xtask schema` writes it.
fn schema_text() -> String {
    schema_file(aliyun(), &aliyun().form_schema().unwrap()).unwrap()
}

/// Aliyun's schema as `cargo xtask schema` writes it.
fn schema() -> Value {
    serde_json::from_str(&schema_text()).unwrap()
}

/// Every provider's config schema, as `generate` takes them.
fn config_schemas() -> Vec<(&'static Provider, Value)> {
    PROVIDERS
        .iter()
        .map(|provider| (provider, provider.schema().unwrap()))
        .collect()
}

/// A draft-07 validator. `jsonschema` is built without its HTTP resolver (no default
/// features), so nothing is fetched: every `$ref` is local. `format: password` is a hint for
/// forms, not a format to check.
fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft7::options()
        .should_ignore_unknown_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("not a valid draft-07 schema: {e}"))
}

/// The loader's verdict in strict mode (where what would load with a warning, such as a stray
/// key, is refused: the schema describes a clean config), with no environment at all.
fn loader_accepts(config: &Value) -> Result<(), String> {
    (aliyun().load)(&config.to_string())
}

/// The schema's verdict, with its errors.
fn schema_accepts(validator: &jsonschema::Validator, config: &Value) -> Result<(), String> {
    let errors: Vec<String> = validator
        .iter_errors(config)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

fn minimal() -> Value {
    json!({
        "accessKeyId": "LTAI5tExampleKeyId01",
        "accessKeySecret": "example-secret",
        "signName": "Logto",
        "templates": [
            { "usageType": "Register", "templateCode": "SMS_1" },
            { "usageType": "SignIn", "templateCode": { "china": "SMS_2", "overseas": "SMS_3" } },
            { "usageType": "ForgotPassword", "templateCode": "SMS_4" },
            { "usageType": "Generic", "templateCode": "SMS_5" }
        ]
    })
}

/// [`minimal`] with `changes` at JSON pointers; `None` removes the value.
fn with(changes: &[(&str, Option<Value>)]) -> Value {
    let mut config = minimal();
    for (pointer, value) in changes {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let parent = config.pointer_mut(parent).unwrap();
        match (value, parent) {
            (Some(value), Value::Object(object)) => {
                object.insert(key.to_owned(), value.clone());
            }
            (None, Value::Object(object)) => {
                object.remove(key);
            }
            (Some(value), Value::Array(array)) => {
                let index = key.parse::<usize>().unwrap();
                if index == array.len() {
                    array.push(value.clone());
                } else {
                    array[index] = value.clone();
                }
            }
            (None, Value::Array(array)) => drop(array.remove(key.parse::<usize>().unwrap())),
            _ => panic!("{pointer}"),
        }
    }
    config
}

#[test]
fn generated_files_are_fresh() {
    if let Err(message) = generate(true) {
        panic!("{message}");
    }
}

#[test]
fn check_reports_a_changed_doc_comment_as_stale() {
    let root = workspace_root();
    let schema_path = aliyun().schema_path();
    let fresh = generated_files(&root, &config_schemas()).unwrap();
    assert!(stale_files(&root, &fresh).is_empty());

    // What a changed doc comment on `connectTimeoutMs` does, without touching the source.
    let mut changed = config_schemas();
    let description = changed[0]
        .1
        .pointer_mut("/properties/connectTimeoutMs/description")
        .unwrap();
    *description = format!("{} Changed.", description.as_str().unwrap()).into();
    let files = generated_files(&root, &changed).unwrap();
    let stale = stale_files(&root, &files);
    let paths: Vec<&str> = stale.iter().map(|(f, _)| f.path.as_str()).collect();
    // The schema and the English table change; the Chinese table has its own descriptions.
    assert_eq!(paths, [schema_path.as_str(), EN.path]);
    let message = stale_message(&stale);
    assert!(message.contains(&schema_path), "{message}");
    assert!(message.contains("first difference at line"), "{message}");
    assert!(
        message.contains("run `cargo xtask schema` and commit the result"),
        "{message}"
    );

    // A change that the Chinese table shows too (which usage types are required) stales all three.
    let mut changed = config_schemas();
    changed[0]
        .1
        .pointer_mut("/properties/templates/allOf/0/not/items/not/properties/usageType/const")
        .map(|usage| *usage = "MfaVerification".into())
        .unwrap();
    let files = generated_files(&root, &changed).unwrap();
    let stale: Vec<&str> = stale_files(&root, &files)
        .iter()
        .map(|(f, _)| f.path.as_str())
        .collect();
    assert_eq!(stale, [schema_path.as_str(), EN.path, ZH.path]);
}

#[test]
fn schema_is_draft07_and_form_ready() {
    let schema = schema();
    jsonschema::draft7::meta::validate(&schema).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema.get("$defs").is_none());
    let text = schema_text();
    assert!(
        text.starts_with("{\n  \"$comment\": \"Generated by `cargo xtask schema`"),
        "{text}"
    );
    assert!(
        !text.contains(form::ORDER),
        "the internal order keyword is left out"
    );

    let template = &schema["definitions"]["TemplateConfig"];
    let by_region = template["properties"]["templateCode"]["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|form| form["type"] == "object")
        .unwrap();
    for object in [&schema, template, by_region] {
        // No other keys: `additionalProperties`, or `propertyNames` where a deprecated key is
        // accepted without being a property.
        assert!(
            object["additionalProperties"] == false || object["propertyNames"].is_object(),
            "{object}"
        );
        for (name, property) in object["properties"].as_object().unwrap() {
            for keyword in ["title", "description"] {
                assert!(
                    property[keyword].as_str().is_some_and(|t| !t.is_empty()),
                    "{name} has no {keyword}"
                );
            }
            assert!(!property["description"].as_str().unwrap().contains('\n'));
            let free_text = property["type"] == "string" && property.get("oneOf").is_none();
            if free_text && strings(&object["required"]).contains(&name.as_str()) {
                assert_eq!(property["minLength"], 1, "{name}");
            }
            // Form libraries render a property by its own keywords: no `$ref`, no `allOf`.
            assert!(property.get("$ref").is_none(), "{name}");
            assert!(
                property.get("allOf").is_none() || name == "templates",
                "{name}"
            );
            assert!(property.get("deprecated").is_none(), "{name} is deprecated");
        }
    }
    // Plain text: no Markdown in what a form shows.
    let mut texts = Vec::new();
    collect_texts(&schema, &mut texts);
    assert!(texts.len() > 40);
    for text in texts {
        assert!(!text.contains('`'), "{text}");
    }

    let properties = &schema["properties"];
    for secret in ["accessKeySecret", "securityToken"] {
        assert_eq!(properties[secret]["writeOnly"], true, "{secret}");
        assert_eq!(properties[secret]["format"], "password", "{secret}");
        assert_eq!(properties[secret]["minLength"], 1, "{secret}");
    }
    // A console form stores the AccessKey: it has no environment to fall back on.
    assert_eq!(
        schema["required"],
        json!(["accessKeyId", "accessKeySecret", "signName", "templates"])
    );
    for name in ["accessKeyId", "accessKeySecret"] {
        assert_eq!(properties[name]["minLength"], 1, "{name}");
        let description = properties[name]["description"].as_str().unwrap();
        assert!(!description.contains("environment"), "{description}");
    }
    for (name, default) in [
        ("strictPhoneRegionNumberCheck", json!(false)),
        ("regionId", json!("cn-hangzhou")),
        ("signatureVersion", json!("v1")),
        ("connectTimeoutMs", json!(1000)),
        ("timeoutMs", json!(5000)),
        ("maxAttempts", json!(3)),
    ] {
        assert_eq!(properties[name]["default"], default, "{name}");
    }
    // A form that saved a default endpoint would override the one `regionId` picks.
    assert_eq!(properties["endpoint"].get("default"), None);
    for name in ["accessKeyId", "signName", "endpoint", "regionId"] {
        assert!(properties[name]["examples"].is_array(), "{name}");
    }
    assert!(schema["examples"].is_array());
    assert!(!text.contains("uint"), "Rust-only formats are gone");

    // Usage types and signature versions: labelled choices at the property, with their type.
    for (choice, count) in [
        (&template["properties"]["usageType"], UsageType::ALL.len()),
        (&properties["signatureVersion"], 2),
    ] {
        assert_eq!(choice["type"], "string", "{choice}");
        let choices = choice["oneOf"].as_array().unwrap();
        assert_eq!(choices.len(), count);
        for choice in choices {
            assert!(choice["const"].is_string(), "{choice}");
            assert!(choice["title"].is_string(), "{choice}");
            assert!(choice["description"].is_string(), "{choice}");
        }
    }
    assert_eq!(
        template["properties"]["usageType"]["oneOf"][1]["title"],
        "SignIn (sign-in)"
    );
    // Only the definitions something still refers to.
    let definitions: Vec<&String> = schema["definitions"].as_object().unwrap().keys().collect();
    assert_eq!(definitions, ["TemplateConfig"]);

    // The legacy `type`: accepted, checked, out of the form.
    assert!(template["properties"].get("type").is_none());
    assert_eq!(
        template["dependencies"]["type"]["properties"]["type"]["enum"],
        json!([0, 1, 2, 6, 7, null])
    );
    assert_eq!(
        template["propertyNames"]["enum"],
        json!(["templateCode", "type", "usageType"])
    );

    // `templateCode`: a string, or both `china` and `overseas` and nothing else.
    let forms = template["properties"]["templateCode"]["anyOf"]
        .as_array()
        .unwrap();
    assert_eq!(forms[0]["type"], "string");
    assert_eq!(by_region["required"], json!(["china", "overseas"]));

    // The required usage types, in the schema itself, each rule titled by what it refuses.
    let required: Vec<&str> = UsageType::REQUIRED.iter().map(|u| u.as_str()).collect();
    assert_eq!(required_usage_types(&schema), required);
    let rules = properties["templates"]["allOf"].as_array().unwrap();
    for (rule, usage) in rules.iter().zip(required) {
        assert!(rule["title"].as_str().unwrap().contains(usage), "{rule}");
    }
}

fn collect_texts<'v>(node: &'v Value, texts: &mut Vec<&'v str>) {
    match node {
        Value::Object(object) => {
            for (key, value) in object {
                match value {
                    Value::String(text) if key == "title" || key == "description" => {
                        texts.push(text)
                    }
                    _ => collect_texts(value, texts),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_texts(item, texts)),
        _ => {}
    }
}

/// The properties in the file, in the order the form libraries render them: the order of the
/// Rust fields (credentials, sign name, templates, then the optional settings), a template's
/// usage type first.
#[test]
fn schema_file_lists_properties_in_declaration_order() {
    let text = schema_text();
    let order_in_text = |indent: &str, names: &[&str]| -> Vec<usize> {
        names
            .iter()
            .map(|name| {
                text.find(&format!("\n{indent}\"{name}\": {{"))
                    .unwrap_or_else(|| panic!("{name} not found at indent {indent:?}"))
            })
            .collect()
    };
    let fields = field_order::<AliyunSmsConfig>().unwrap();
    let positions = order_in_text("    ", &fields);
    assert!(positions.is_sorted(), "{fields:?} at {positions:?}");
    assert_eq!(
        fields[..5],
        [
            "accessKeyId",
            "accessKeySecret",
            "securityToken",
            "signName",
            "templates"
        ]
    );
    let template = order_in_text("        ", &["usageType", "templateCode"]);
    assert!(template.is_sorted(), "{template:?}");
}

#[test]
fn shaping_needs_the_declaration_order_of_structs_with_optional_fields() {
    let mut schema = json!({
        "type": "object",
        "properties": { "b": { "type": "string" }, "a": { "type": "string" } },
        "required": ["b"]
    });
    let err = form::shape(&mut schema, &[], &[]).unwrap_err();
    assert!(err.contains("cannot tell the declaration order"), "{err}");
    let mut all_required = json!({
        "type": "object",
        "properties": { "b": { "type": "string" }, "a": { "type": "string" } },
        "required": ["b", "a"]
    });
    form::shape(&mut all_required, &[], &[]).unwrap();
    assert_eq!(all_required[form::ORDER], json!(["b", "a"]));
    let text = form::write(&all_required).unwrap();
    assert!(
        text.find("\"b\"").unwrap() < text.find("\"a\"").unwrap(),
        "{text}"
    );
}

/// What a ```json block of a guide is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Block {
    /// ```json: a config that the schema and the loader accept.
    Valid,
    /// ```json invalid: one that both refuse.
    Invalid,
    /// ```json env: one that the loader accepts with the AccessKey in the environment; the form
    /// schema refuses it for the missing AccessKey alone (a console form has no environment).
    FromEnv,
}

/// Every ```json block of both guides is judged by the schema and the loader as its fence says
/// (with the AccessKey in a stand-in environment).
#[test]
fn every_config_in_the_guides_is_judged_alike_by_schema_and_loader() {
    let validator = validator(&schema());
    let env = |name: &str| match name {
        ENV_ACCESS_KEY_ID => Some("LTAI5tFromTheEnvironment".to_owned()),
        ENV_ACCESS_KEY_SECRET => Some("secret-from-the-environment".to_owned()),
        ENV_SECURITY_TOKEN => Some("token-from-the-environment".to_owned()),
        _ => None,
    };
    for lang in [&EN, &ZH] {
        let guide = fs::read_to_string(workspace_root().join(lang.path)).unwrap();
        let blocks = json_blocks(&guide);
        let count = |kind| blocks.iter().filter(|(_, k, _)| *k == kind).count();
        assert!(count(Block::Valid) >= 3, "{}: too few examples", lang.path);
        assert!(count(Block::Invalid) >= 1, "{}", lang.path);
        assert!(count(Block::FromEnv) >= 1, "{}", lang.path);
        for (line, kind, text) in blocks {
            let at = format!("{}:{line}", lang.path);
            let config: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{at}: not JSON ({e}):\n{text}"));
            let by_schema = schema_accepts(&validator, &config);
            let by_loader = AliyunSmsConfig::from_value_with_env(&config, env);
            match kind {
                Block::Valid => {
                    by_schema.unwrap_or_else(|e| panic!("{at}: the schema refuses it:\n{e}"));
                    by_loader.unwrap_or_else(|e| panic!("{at}: the loader refuses it:\n{e}"));
                }
                Block::Invalid => {
                    assert!(by_schema.is_err(), "{at}: the schema accepts it");
                    assert!(by_loader.is_err(), "{at}: the loader accepts it");
                }
                Block::FromEnv => {
                    by_loader.unwrap_or_else(|e| panic!("{at}: the loader refuses it:\n{e}"));
                    let mut with_key = config.clone();
                    with_key["accessKeyId"] = json!("LTAI5tExample");
                    with_key["accessKeySecret"] = json!("example-secret");
                    assert!(by_schema.is_err(), "{at}: the form schema accepts it");
                    schema_accepts(&validator, &with_key)
                        .unwrap_or_else(|e| panic!("{at}: with the AccessKey:\n{e}"));
                }
            }
        }
    }
}

/// (line of the opening fence, kind, text) of each ```json block.
fn json_blocks(markdown: &str) -> Vec<(usize, Block, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Block, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut open {
            None => {
                let kind = match fence.strip_prefix("```").map(str::trim) {
                    Some("json") => Block::Valid,
                    Some("json invalid") => Block::Invalid,
                    Some("json env") => Block::FromEnv,
                    _ => continue,
                };
                open = Some((index + 1, kind, String::new()));
            }
            Some(_) if fence.starts_with("```") => blocks.extend(open.take()),
            Some((_, _, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(open.is_none(), "an unclosed ```json block");
    blocks
}

#[test]
fn the_schemas_own_examples_are_valid_configs() {
    let schema = schema();
    let validator = validator(&schema);
    let mut configs: Vec<Value> = schema["examples"].as_array().unwrap().clone();
    for (name, property) in schema["properties"].as_object().unwrap() {
        for example in property["examples"].as_array().into_iter().flatten() {
            configs.push(with(&[(&format!("/{name}"), Some(example.clone()))]));
        }
    }
    let template = &schema["definitions"]["TemplateConfig"]["properties"];
    for example in template["templateCode"]["examples"].as_array().unwrap() {
        configs.push(with(&[(
            "/templates/0/templateCode",
            Some(example.clone()),
        )]));
    }
    assert!(configs.len() >= 8);
    for config in configs {
        schema_accepts(&validator, &config).unwrap_or_else(|e| panic!("{config}: {e}"));
        loader_accepts(&config).unwrap_or_else(|e| panic!("{config}: {e}"));
    }
}

/// For every config here, "the schema accepts it" equals "the loader accepts it".
#[test]
fn schema_and_loader_agree_on_good_and_bad_configs() {
    let validator = validator(&schema());
    let every_usage_type: Vec<Value> = UsageType::ALL
        .iter()
        .map(|usage| json!({ "usageType": usage.as_str(), "templateCode": "SMS_1" }))
        .collect();
    let s = |v: &str| Some(json!(v));
    // (case, config, accepted)
    let cases: Vec<(&str, Value, bool)> = vec![
        ("minimal", minimal(), true),
        (
            "every setting",
            with(&[
                ("/securityToken", s("sts-token")),
                ("/strictPhoneRegionNumberCheck", Some(json!(true))),
                (
                    "/endpoint",
                    s("https://dysmsapi.ap-southeast-1.aliyuncs.com"),
                ),
                ("/regionId", s("ap-southeast-1")),
                ("/signatureVersion", s("v3")),
                ("/connectTimeoutMs", Some(json!(2000))),
                ("/timeoutMs", Some(json!(9000))),
                ("/maxAttempts", Some(json!(10))),
            ]),
            true,
        ),
        (
            "every usage type",
            with(&[("/templates", Some(json!(every_usage_type)))]),
            true,
        ),
        (
            "null security token",
            with(&[("/securityToken", Some(Value::Null))]),
            true,
        ),
        (
            "legacy type",
            with(&[
                ("/templates/0/type", Some(json!(6))),
                ("/templates/1/type", Some(Value::Null)),
            ]),
            true,
        ),
        (
            "loopback http endpoint",
            with(&[("/endpoint", s("http://127.0.0.1:8787"))]),
            true,
        ),
        (
            "localhost endpoint, trailing slash",
            with(&[("/endpoint", s("http://localhost:8787/"))]),
            true,
        ),
        (
            "https endpoint with a port",
            with(&[("/endpoint", s("https://sms.example.com:8443"))]),
            true,
        ),
        (
            "code with a space inside",
            with(&[("/templates/0/templateCode", s("SMS 1"))]),
            true,
        ),
        // Required usage types.
        (
            "missing required usage type",
            with(&[("/templates/0", None)]),
            false,
        ),
        (
            "missing Generic",
            with(&[("/templates/3/usageType", s("MfaVerification"))]),
            false,
        ),
        (
            "no templates",
            with(&[("/templates", Some(json!([])))]),
            false,
        ),
        ("templates left out", with(&[("/templates", None)]), false),
        (
            "templates not a list",
            with(&[("/templates", Some(json!({})))]),
            false,
        ),
        // Usage types.
        (
            "unknown usage type",
            with(&[("/templates/0/usageType", s("register"))]),
            false,
        ),
        (
            "usage type not a string",
            with(&[("/templates/0/usageType", Some(json!(1)))]),
            false,
        ),
        (
            "template without usage type",
            with(&[("/templates/0/usageType", None)]),
            false,
        ),
        // Strings.
        ("empty secret", with(&[("/accessKeySecret", s(""))]), false),
        (
            "access key id with a comma",
            with(&[("/accessKeyId", s("LTAI,5t"))]),
            false,
        ),
        (
            "STS access key id",
            with(&[("/accessKeyId", s("STS.NUx-5t_9"))]),
            true,
        ),
        (
            "token with a line break",
            with(&[("/securityToken", s("ab\ncd"))]),
            false,
        ),
        (
            "token in base64",
            with(&[("/securityToken", s("CAIS+/9a=="))]),
            true,
        ),
        (
            "blank secret",
            with(&[("/accessKeySecret", s("   "))]),
            false,
        ),
        (
            "secret with a trailing line break",
            with(&[("/accessKeySecret", s("secret\n"))]),
            false,
        ),
        (
            "empty AccessKey ID",
            with(&[("/accessKeyId", s(""))]),
            false,
        ),
        (
            "AccessKey ID with a leading space",
            with(&[("/accessKeyId", s(" LTAI5t"))]),
            false,
        ),
        (
            "empty security token",
            with(&[("/securityToken", s(""))]),
            false,
        ),
        ("empty sign name", with(&[("/signName", s(""))]), false),
        ("sign name left out", with(&[("/signName", None)]), false),
        (
            "sign name not a string",
            with(&[("/signName", Some(json!(1)))]),
            false,
        ),
        (
            "secret not a string",
            with(&[("/accessKeySecret", Some(json!(12345)))]),
            false,
        ),
        (
            "empty template code",
            with(&[("/templates/0/templateCode", s(""))]),
            false,
        ),
        // Extra keys.
        ("extra key", with(&[("/color", s("red"))]), false),
        ("misspelt key", with(&[("/accesKeyId", s("LTAI5t"))]), false),
        (
            "extra key in a template",
            with(&[("/templates/0/locale", s("en"))]),
            false,
        ),
        (
            "extra key in a template code",
            with(&[("/templates/1/templateCode/hk", s("SMS_9"))]),
            false,
        ),
        // templateCode shapes.
        (
            "template code as a list",
            with(&[("/templates/0/templateCode", Some(json!(["SMS_1"])))]),
            false,
        ),
        (
            "template code as a number",
            with(&[("/templates/0/templateCode", Some(json!(123)))]),
            false,
        ),
        (
            "template code null",
            with(&[("/templates/0/templateCode", Some(Value::Null))]),
            false,
        ),
        (
            "china without overseas",
            with(&[("/templates/1/templateCode/overseas", None)]),
            false,
        ),
        (
            "overseas empty",
            with(&[("/templates/1/templateCode/overseas", s(""))]),
            false,
        ),
        (
            "template code left out",
            with(&[("/templates/0/templateCode", None)]),
            false,
        ),
        // Other settings.
        (
            "unknown legacy type",
            with(&[("/templates/0/type", Some(json!(3)))]),
            false,
        ),
        (
            "signature version v2",
            with(&[("/signatureVersion", s("v2"))]),
            false,
        ),
        (
            "strict check as a string",
            with(&[("/strictPhoneRegionNumberCheck", s("yes"))]),
            false,
        ),
        (
            "strict check null",
            with(&[("/strictPhoneRegionNumberCheck", Some(Value::Null))]),
            false,
        ),
        (
            "endpoint null",
            with(&[("/endpoint", Some(Value::Null))]),
            false,
        ),
        (
            "plain http endpoint",
            with(&[("/endpoint", s("http://dysmsapi.aliyuncs.com"))]),
            false,
        ),
        (
            "endpoint with a path",
            with(&[("/endpoint", s("https://dysmsapi.aliyuncs.com/sms"))]),
            false,
        ),
        (
            "endpoint with a query",
            with(&[("/endpoint", s("https://dysmsapi.aliyuncs.com?a=1"))]),
            false,
        ),
        (
            "endpoint with a user",
            with(&[("/endpoint", s("https://me@dysmsapi.aliyuncs.com"))]),
            false,
        ),
        (
            "endpoint without a scheme",
            with(&[("/endpoint", s("dysmsapi.aliyuncs.com"))]),
            false,
        ),
        (
            "ftp endpoint",
            with(&[("/endpoint", s("ftp://dysmsapi.aliyuncs.com"))]),
            false,
        ),
        (
            "upper-case region",
            with(&[("/regionId", s("CN-Hangzhou"))]),
            false,
        ),
        ("empty region", with(&[("/regionId", s(""))]), false),
        (
            "connect timeout too short",
            with(&[("/connectTimeoutMs", Some(json!(999)))]),
            false,
        ),
        (
            "timeout too long",
            with(&[("/timeoutMs", Some(json!(120001)))]),
            false,
        ),
        (
            "timeout as a string",
            with(&[("/timeoutMs", s("5000"))]),
            false,
        ),
        (
            "no attempts",
            with(&[("/maxAttempts", Some(json!(0)))]),
            false,
        ),
        (
            "too many attempts",
            with(&[("/maxAttempts", Some(json!(11)))]),
            false,
        ),
        (
            "a whole number written with a fraction",
            with(&[("/timeoutMs", Some(json!(5000.0)))]),
            true,
        ),
        (
            "fractional attempts",
            with(&[("/maxAttempts", Some(json!(2.5)))]),
            false,
        ),
        (
            "negative timeout",
            with(&[("/connectTimeoutMs", Some(json!(-1000)))]),
            false,
        ),
        ("not an object", json!([]), false),
        // The AccessKey: a console form stores it (the loader here has no environment).
        (
            "AccessKey ID left out",
            with(&[("/accessKeyId", None)]),
            false,
        ),
        (
            "AccessKey secret left out",
            with(&[("/accessKeySecret", None)]),
            false,
        ),
        (
            "legacy type as text",
            with(&[("/templates/0/type", s("6"))]),
            false,
        ),
        (
            "a template that is not an object",
            with(&[("/templates/0", s("Register"))]),
            false,
        ),
    ];
    let mut disagreements = Vec::new();
    for (case, config, accepted) in &cases {
        let by_schema = schema_accepts(&validator, config);
        let by_loader = loader_accepts(config);
        if by_schema.is_ok() != *accepted || by_loader.is_ok() != *accepted {
            disagreements.push(format!(
                "{case}: expected {}, schema: {by_schema:?}, loader: {by_loader:?}",
                if *accepted { "accepted" } else { "refused" }
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// What draft-07 cannot say, so the schema accepts and only the loader refuses. A form shows
/// these when the connector loads the config; a gap closed later moves to the table above.
#[test]
fn known_gaps_between_schema_and_loader() {
    let validator = validator(&schema());
    let gaps = [
        // Each usage type at most once: draft-07 has `contains` but no `maxContains`.
        with(&[(
            "/templates/4",
            Some(json!({ "usageType": "SignIn", "templateCode": "SMS_6" })),
        )]),
        // `connectTimeoutMs` not more than `timeoutMs`: no comparison between two properties.
        with(&[
            ("/connectTimeoutMs", Some(json!(6000))),
            ("/timeoutMs", Some(json!(5000))),
        ]),
        // An endpoint only a URL parser refuses: the pattern checks the shape, not the port.
        with(&[(
            "/endpoint",
            Some(json!("https://dysmsapi.aliyuncs.com:99999")),
        )]),
    ];
    for config in gaps {
        schema_accepts(&validator, &config).unwrap_or_else(|e| panic!("{config}: {e}"));
        assert!(loader_accepts(&config).is_err(), "{config}");
    }
}

#[test]
fn field_order_is_the_declaration_order() {
    assert_eq!(
        field_order::<TemplateConfig>().unwrap(),
        ["usageType", "templateCode", "type"]
    );
    let fields = field_order::<AliyunSmsConfig>().unwrap();
    assert_eq!(
        fields[..4],
        [
            "accessKeyId",
            "accessKeySecret",
            "securityToken",
            "signName"
        ]
    );
    assert!(field_order::<String>().is_err());
}

#[test]
fn splice_keeps_the_rest_of_the_guide_and_needs_both_markers() {
    let guide = format!("# Guide\n\nbefore\n\n{BEGIN}\nold\n{END}\n\nafter\n");
    assert_eq!(
        splice(&guide, "new\n", "guide.md").unwrap(),
        format!("# Guide\n\nbefore\n\n{BEGIN}\nnew\n{END}\n\nafter\n")
    );
    let err = splice("# Guide\n", "new\n", "guide.md").unwrap_err();
    assert!(
        err.contains("guide.md has no line `<!-- BEGIN GENERATED"),
        "{err}"
    );
    let err = splice(&format!("{BEGIN}\n"), "new\n", "guide.md").unwrap_err();
    assert!(err.contains("END GENERATED"), "{err}");
}

#[test]
fn descriptions_become_plain_paragraphs() {
    assert_eq!(
        unwrap_lines("one\ntwo\n  three\n\nfour"),
        "one two three\n\nfour"
    );
}

/// Tencent's schema held to Tencent's loader, as Aliyun's is above.
mod tencent {
    use super::*;

    fn provider() -> &'static Provider {
        PROVIDERS.iter().find(|p| p.name == "tencent-sms").unwrap()
    }

    fn schema() -> Value {
        provider().form_schema().unwrap()
    }

    fn minimal() -> Value {
        json!({
            "accessKeyId": "AKIDexample",
            "accessKeySecret": "example-key",
            "signName": "腾讯云",
            "sdkAppId": "1400006666",
            "templates": [
                { "usageType": "Register", "templateCode": "1001" },
                { "usageType": "SignIn", "templateCode": "1002" },
                { "usageType": "ForgotPassword", "templateCode": "1003" },
                { "usageType": "Generic", "templateCode": "1004" }
            ]
        })
    }

    fn with(changes: &[(&str, Option<Value>)]) -> Value {
        let mut config = minimal();
        for (pointer, value) in changes {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let parent = config.pointer_mut(parent).unwrap();
            match (value, parent) {
                (Some(value), Value::Object(object)) => {
                    object.insert(key.to_owned(), value.clone());
                }
                (None, Value::Object(object)) => {
                    object.remove(key);
                }
                (Some(value), Value::Array(items)) => {
                    let index: usize = key.parse().unwrap();
                    if index < items.len() {
                        items[index] = value.clone();
                    } else {
                        items.push(value.clone());
                    }
                }
                (None, Value::Array(items)) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                _ => panic!("{pointer}"),
            }
        }
        config
    }

    fn loader_accepts(config: &Value) -> Result<(), String> {
        (provider().load)(&config.to_string())
    }

    #[test]
    fn the_schema_is_draft07_and_its_examples_load() {
        let schema = schema();
        jsonschema::draft7::meta::validate(&schema).unwrap();
        let validator = validator(&schema);
        let mut configs: Vec<Value> = schema["examples"].as_array().unwrap().clone();
        for (name, property) in schema["properties"].as_object().unwrap() {
            for example in property["examples"].as_array().into_iter().flatten() {
                configs.push(with(&[(&format!("/{name}"), Some(example.clone()))]));
            }
        }
        assert!(configs.len() >= 6);
        for config in configs {
            schema_accepts(&validator, &config).unwrap_or_else(|e| panic!("{config}: {e}"));
            loader_accepts(&config).unwrap_or_else(|e| panic!("{config}: {e}"));
        }
    }

    /// For every config here, "the schema accepts it" equals "the loader accepts it".
    #[test]
    fn schema_and_loader_agree_on_good_and_bad_configs() {
        let validator = validator(&schema());
        let s = |v: &str| Some(json!(v));
        let cases: Vec<(&str, Value, bool)> = vec![
            ("minimal", minimal(), true),
            (
                "every setting",
                with(&[
                    ("/securityToken", s("sts-token")),
                    ("/region", s("ap-singapore")),
                    ("/strictPhoneRegionNumberCheck", Some(json!(true))),
                    ("/endpoint", s("https://sms.intl.tencentcloudapi.com")),
                    ("/connectTimeoutMs", Some(json!(2000))),
                    ("/timeoutMs", Some(json!(9000))),
                    ("/maxAttempts", Some(json!(10))),
                ]),
                true,
            ),
            (
                "china and overseas IDs",
                with(&[(
                    "/templates/1/templateCode",
                    Some(json!({"china": "1002", "overseas": "2002"})),
                )]),
                true,
            ),
            (
                "an emulator",
                with(&[("/endpoint", s("http://127.0.0.1:8787"))]),
                true,
            ),
            ("no sdkAppId", with(&[("/sdkAppId", None)]), false),
            (
                "an sdkAppId with letters",
                with(&[("/sdkAppId", s("1400x"))]),
                false,
            ),
            ("an empty signName", with(&[("/signName", s(""))]), false),
            (
                "no Generic template",
                with(&[("/templates/3", None)]),
                false,
            ),
            (
                "only a china ID",
                with(&[("/templates/1/templateCode", Some(json!({"china": "1002"})))]),
                false,
            ),
            (
                "plain http elsewhere",
                with(&[("/endpoint", s("http://sms.tencentcloudapi.com"))]),
                false,
            ),
            (
                "a region in capitals",
                with(&[("/region", s("AP-GUANGZHOU"))]),
                false,
            ),
            (
                "a timeout too long",
                with(&[("/timeoutMs", Some(json!(120001)))]),
                false,
            ),
            (
                "no attempts",
                with(&[("/maxAttempts", Some(json!(0)))]),
                false,
            ),
        ];
        let mut disagreements = Vec::new();
        for (case, config, accepted) in cases {
            let by_schema = schema_accepts(&validator, &config);
            let by_loader = loader_accepts(&config);
            if by_schema.is_ok() != accepted || by_loader.is_ok() != accepted {
                disagreements.push(format!(
                    "{case}: expected accepted={accepted}, schema {by_schema:?}, loader {by_loader:?}"
                ));
            }
        }
        assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    }
}

/// Each factory of the registry has its schema generated, and each generated schema has its
/// factory: a provider added to the registry cannot be left out of the docs.
#[test]
fn every_registered_provider_has_its_schema_generated() {
    let registered: Vec<&str> = registry().ids().collect();
    let generated: Vec<&str> = PROVIDERS.iter().map(|p| p.id).collect();
    assert_eq!(registered, generated);
}
