//! The browser test: every provider's schema file rendered with no UI schema by
//! react-jsonschema-form and JSON Forms in headless Chromium (`forms-test/`), filled in as an
//! admin does from `xtask/forms/{provider}.json`; what the forms save is judged by the
//! provider's loader. Screenshots go to `<target dir>/forms-test/screenshots/`.
//!
//! It needs Node.js, `npm ci` in `forms-test/` and Debian's `chromium` (`.ci/run` installs them).
//! Without them it fails when `CI` is set, and otherwise skips with a message.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// Longer than the driver needs (about a minute per provider on 2 cores), short of a hang.
const DRIVER_DEADLINE: Duration = Duration::from_secs(600);
const LIBRARIES: [&str; 2] = ["rjsf", "jsonforms"];
/// The most messages a form may show for one mistake: in a summary, at the field, and the
/// browser's or the page's own.
const MAX_MESSAGES: usize = 3;

#[test]
fn every_schema_makes_forms_that_save_what_the_loader_accepts() {
    let root = workspace_root();
    let Some(chromium) = prerequisites(&root) else {
        return;
    };
    let out = target_dir().join("forms-test");
    fs::create_dir_all(&out).unwrap();

    let mut schemas = Vec::new();
    for provider in PROVIDERS {
        let fixture = root.join(format!("xtask/forms/{}.json", provider.name));
        let admin: Value =
            serde_json::from_str(&fs::read_to_string(&fixture).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}: write down what an admin types into {}'s form",
                    fixture.display(),
                    provider.name
                )
            }))
            .unwrap();
        schemas.push(json!({
            "name": provider.name,
            "file": root.join(provider.schema_path()),
            "admin": admin,
        }));
    }
    let job = json!({ "outDir": out, "chromium": chromium, "schemas": schemas });
    let job_path = out.join("job.json");
    fs::write(&job_path, job.to_string()).unwrap();

    let started = Instant::now();
    run_driver(&root, &job_path);
    let report: Value =
        serde_json::from_str(&fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    eprintln!(
        "forms-test: {} scenarios in {:.1} s (bundling {:.1} s); screenshots in {}",
        report["results"].as_array().map_or(0, Vec::len),
        started.elapsed().as_secs_f64(),
        report["bundleMs"].as_f64().unwrap_or_default() / 1000.0,
        out.join("screenshots").display()
    );

    let mut failures = Vec::new();
    if report["refusedRequests"] != json!([]) {
        failures.push(format!(
            "the pages asked for more than loopback: {}",
            report["refusedRequests"]
        ));
    }
    for provider in PROVIDERS {
        let admin = &job["schemas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == provider.name)
            .unwrap()["admin"];
        let schema = provider.form_schema().unwrap();
        for library in LIBRARIES {
            let results: Vec<&Value> = report["results"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["schema"] == provider.name && r["library"] == library)
                .collect();
            let mut check = Check {
                at: format!("{} in {library}", provider.name),
                failures: &mut failures,
            };
            check.forms(provider, &schema, admin, &results);
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Every schema file comes from a provider, so the browser test renders every one.
#[test]
fn every_schema_file_belongs_to_a_provider() {
    let root = workspace_root();
    let mut files: Vec<String> = fs::read_dir(root.join("docs/schema"))
        .unwrap()
        .map(|entry| {
            format!(
                "docs/schema/{}",
                entry.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    let mut expected: Vec<String> = PROVIDERS.iter().map(Provider::schema_path).collect();
    // The send guard's schema is generated beside them, but it is not a provider's form.
    expected.push(send_guard::SCHEMA_PATH.to_owned());
    expected.push(super::ROUTING_SCHEMA_PATH.to_owned());
    expected.sort();
    assert_eq!(files, expected);
    for provider in PROVIDERS {
        let fixture = root.join(format!("xtask/forms/{}.json", provider.name));
        assert!(fixture.exists(), "{} is missing", fixture.display());
    }
}

struct Check<'a> {
    at: String,
    failures: &'a mut Vec<String>,
}

impl Check<'_> {
    fn fail(&mut self, scenario: &str, what: impl std::fmt::Display) {
        self.failures
            .push(format!("{} ({scenario}): {what}", self.at));
    }

    fn forms(&mut self, provider: &Provider, schema: &Value, admin: &Value, results: &[&Value]) {
        let scenario = |name: &str| results.iter().find(|r| r["scenario"] == name).copied();
        let mut expected = vec!["empty".into(), "choices".into(), "complete".into()];
        for wrong in admin["incomplete"].as_array().into_iter().flatten() {
            expected.push(wrong["case"].as_str().unwrap().to_owned());
        }
        for name in &expected {
            match scenario(name) {
                None => self.fail(name, "not played"),
                Some(result) => {
                    if let Some(error) = result["error"].as_str() {
                        self.fail(name, format!("could not be played: {error}"));
                    }
                    if result["problems"] != json!([]) {
                        self.fail(name, format!("the page reported {}", result["problems"]));
                    }
                    self.choices(name, schema, &result["choices"]);
                }
            }
        }
        if let Some(empty) = scenario("empty") {
            self.layout(schema, &empty["layout"]);
        }
        if let Some(choices) = scenario("choices") {
            let offered: Vec<&String> = choices["choices"]
                .as_object()
                .map(|c| c.keys().collect())
                .unwrap_or_default();
            let fields = choice_fields(schema);
            if offered != fields.iter().collect::<Vec<_>>() {
                self.fail(
                    "choices",
                    format!("opened the choices at {offered:?}, the schema has {fields:?}"),
                );
            }
        }
        if let Some(complete) = scenario("complete") {
            self.saved(provider, schema, &admin["complete"], complete);
        }
        for wrong in admin["incomplete"].as_array().into_iter().flatten() {
            let name = wrong["case"].as_str().unwrap();
            if let Some(result) = scenario(name) {
                self.refused(provider, admin, wrong, result);
            }
        }
    }

    /// The empty form shows every top-level field, labelled by its title, in the schema's order,
    /// and the secrets in masked inputs.
    fn layout(&mut self, schema: &Value, layout: &Value) {
        let order = strings(&schema[form::ORDER]);
        let fields = layout.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut last = None;
        for name in order {
            let Some(field) = fields.iter().find(|f| f["name"] == name) else {
                self.fail("empty", format!("`{name}` is not in the layout"));
                continue;
            };
            let Some(position) = field["position"].as_u64() else {
                self.fail(
                    "empty",
                    format!("no field labelled {} (`{name}`)", field["title"]),
                );
                continue;
            };
            if last.is_some_and(|last| position < last) {
                self.fail(
                    "empty",
                    format!("`{name}` is shown before the field declared before it"),
                );
            }
            last = Some(position);
            let secret = schema["properties"][name]["format"] == "password";
            if secret && field["input"] != "password" {
                self.fail(
                    "empty",
                    format!("the secret `{name}` is shown in a {} input", field["input"]),
                );
            }
        }
    }

    /// Each choice offered exactly the titles of the schema's choices, in order.
    fn choices(&mut self, scenario: &str, schema: &Value, choices: &Value) {
        for (pointer, offered) in choices.as_object().into_iter().flatten() {
            let Some(property) = property_at(schema, pointer) else {
                self.fail(scenario, format!("no property at {pointer}"));
                continue;
            };
            let titles: Vec<&str> = property["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|choice| choice["title"].as_str())
                .collect();
            if strings(offered) != titles {
                self.fail(
                    scenario,
                    format!("{pointer} offered {offered}, the schema's choices are {titles:?}"),
                );
            }
        }
    }

    /// The form saved once, a config that the loader accepts, holding everything the admin typed
    /// and, for the rest, the schema's defaults.
    fn saved(&mut self, provider: &Provider, schema: &Value, typed: &Value, result: &Value) {
        if result.get("error").is_some() {
            return; // Reported: not played to the end.
        }
        if result["saves"] != 1 {
            self.fail(
                "complete",
                format!(
                    "the form did not save (saves: {}); on screen: {}",
                    result["saves"], result["messages"]
                ),
            );
            return;
        }
        let text = result["saved"].as_str().unwrap_or_default();
        if let Err(problems) = (provider.load)(text) {
            self.fail(
                "complete",
                format!("the loader refuses what the form saved:\n{problems}\n{text}"),
            );
        }
        let Ok(saved) = serde_json::from_str::<Value>(text) else {
            self.fail("complete", format!("saved no JSON: {text}"));
            return;
        };
        if let Some(difference) = holds(&saved, typed, "") {
            self.fail(
                "complete",
                format!("the saved config does not hold what was typed: {difference}\n{text}"),
            );
        }
        for (name, value) in saved.as_object().into_iter().flatten() {
            if typed.get(name).is_none() && schema["properties"][name].get("default") != Some(value)
            {
                self.fail(
                    "complete",
                    format!(
                        "the form saved `{name}`: {value}, which is neither typed nor the default"
                    ),
                );
            }
        }
    }

    /// The form refused to save, with a message that names what is missing; the loader refuses
    /// the same config.
    fn refused(&mut self, provider: &Provider, admin: &Value, wrong: &Value, result: &Value) {
        let name = wrong["case"].as_str().unwrap_or_default();
        if result.get("error").is_some() {
            return; // Reported: not played to the end.
        }
        if result["saves"] != 0 {
            self.fail(name, format!("the form saved it: {}", result["saved"]));
        }
        let names = wrong["names"].as_str().unwrap_or_default();
        let messages = strings(&result["messages"]);
        if names.is_empty() || !messages.iter().any(|m| m.contains(names)) {
            self.fail(
                name,
                format!("no message on screen names {names:?}: {messages:?}"),
            );
        }
        // One mistake, a few messages about it: no noise under the fields filled correctly.
        if messages.len() > MAX_MESSAGES {
            self.fail(
                name,
                format!("one mistake, {} messages: {messages:?}", messages.len()),
            );
        }
        let pointer = wrong["remove"].as_str().or(wrong["clear"].as_str());
        let config = match pointer {
            Some(pointer) => without(&admin["complete"], pointer),
            None => admin["complete"].clone(),
        };
        if (provider.load)(&config.to_string()).is_ok() {
            self.fail(
                name,
                "the loader accepts it, the forms should not refuse it",
            );
        }
    }
}

/// The pointers of the choices an admin meets first: at the top, and in an item of each list
/// (`/templates/*/usageType`), sorted.
fn choice_fields(schema: &Value) -> Vec<String> {
    let is_choice = |property: &Value| {
        property["oneOf"]
            .as_array()
            .is_some_and(|choices| choices.iter().all(|c| c.get("const").is_some()))
    };
    let mut fields = Vec::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let property = resolve(schema, property).unwrap_or(property);
        if is_choice(property) {
            fields.push(format!("/{name}"));
        }
        let items = resolve(schema, &property["items"]).unwrap_or(&Value::Null);
        for (inner, item) in items["properties"].as_object().into_iter().flatten() {
            if is_choice(resolve(schema, item).unwrap_or(item)) {
                fields.push(format!("/{name}/*/{inner}"));
            }
        }
    }
    fields.sort();
    fields
}

/// Where `expected` is not part of `actual`: every key of an expected object is in the actual
/// one with a value that holds it; arrays hold each other item by item.
fn holds(actual: &Value, expected: &Value, at: &str) -> Option<String> {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => expected.iter().find_map(|(k, v)| {
            let at = format!("{at}/{k}");
            match actual.get(k) {
                None => Some(format!("{at} is missing")),
                Some(a) => holds(a, v, &at),
            }
        }),
        (Value::Array(actual), Value::Array(expected)) if actual.len() == expected.len() => actual
            .iter()
            .zip(expected)
            .enumerate()
            .find_map(|(i, (a, e))| holds(a, e, &format!("{at}/{i}"))),
        _ if actual == expected => None,
        _ => Some(format!("{at} is {actual}, typed {expected}")),
    }
}

/// `value` without what `pointer` points at.
fn without(value: &Value, pointer: &str) -> Value {
    let mut value = value.clone();
    if let Some((parent, key)) = pointer.rsplit_once('/') {
        match value.pointer_mut(parent) {
            Some(Value::Object(object)) => drop(object.remove(key)),
            Some(Value::Array(items)) => {
                if let Ok(index) = key.parse::<usize>() {
                    if index < items.len() {
                        items.remove(index);
                    }
                }
            }
            _ => {}
        }
    }
    value
}

/// The property schema at a data pointer such as `/templates/*/usageType`.
fn property_at<'s>(schema: &'s Value, pointer: &str) -> Option<&'s Value> {
    let mut node = schema;
    for key in pointer.split('/').skip(1) {
        node = resolve(schema, node)?;
        node = if key == "*" || key.parse::<usize>().is_ok() {
            node.get("items")?
        } else {
            node.get("properties")?.get(key)?
        };
    }
    resolve(schema, node)
}

fn resolve<'s>(root: &'s Value, mut schema: &'s Value) -> Option<&'s Value> {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        schema = root.pointer(reference.strip_prefix('#')?)?;
    }
    Some(schema)
}

/// The Chromium to drive, or `None` (after saying so) when something the test needs is missing
/// and `CI` is not set.
fn prerequisites(root: &Path) -> Option<PathBuf> {
    let chromium =
        PathBuf::from(std::env::var("FORMS_TEST_CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut missing = Vec::new();
    if !node {
        missing.push("Node.js (`node`)".to_owned());
    }
    if !chromium.exists() {
        missing.push(format!(
            "Chromium at {} (`apt-get install chromium`, or set FORMS_TEST_CHROMIUM)",
            chromium.display()
        ));
    }
    if !root
        .join("forms-test/node_modules/playwright-core")
        .exists()
    {
        missing.push("forms-test/node_modules (`npm ci` in forms-test/)".to_owned());
    }
    if missing.is_empty() {
        return Some(chromium);
    }
    let message = format!(
        "the browser test of the config forms needs {}",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{message} (CI is set: .ci/run installs them)");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {message}; .ci/run installs them !!!!!!!!\n");
    None
}

fn run_driver(root: &Path, job: &Path) {
    let mut child = Command::new("node")
        .arg(root.join("forms-test/driver.mjs"))
        .arg(job)
        .current_dir(root.join("forms-test"))
        .stdin(Stdio::null())
        .spawn()
        .expect("node runs");
    let deadline = Instant::now() + DRIVER_DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the forms driver took more than {DRIVER_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the forms driver failed: {status}");
}

/// The Cargo target directory this test binary was built in (`target/debug/deps/xtask-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
}
