//! The CloudFormation / SAM template model: parameters, conditions,
//! mappings, SAM Globals and resources, each keeping its spans.
//!
//! For: [`read_template`], which reads JSON or YAML text into a
//! [`Template`] and applies SAM's Globals to the resources they cover. Not
//! for: intrinsic functions (see `resolve`) or policies (see `extract`).
//!
//! Template anatomy: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html>,
//! SAM Globals: <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy-globals.html>.

use leash_policy::json::{JsonErrorKind, parse_json};
use leash_policy::symbol::{SymbolKind, SymbolTable};
use leash_policy::{Member, Span, Spanned, Value, ValueKind};

use crate::yaml::parse_yaml;

/// What kind of problem stopped reading a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateErrorKind {
    /// The text is not JSON or YAML (or uses a tag CloudFormation rejects).
    Syntax,
    /// Nesting deeper than the limit.
    TooDeep,
    /// Input (or alias expansion) larger than the limit.
    TooLarge,
    /// Well-formed, but not a template (empty, not a mapping, no `Resources`).
    NotATemplate,
}

/// Why a text could not be read as a template, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub kind: TemplateErrorKind,
    /// Byte range into the template text (empty at a single position).
    pub span: Span,
    /// Lowercase, no trailing period, user text in backticks.
    pub message: String,
}

impl TemplateError {
    pub fn new(kind: TemplateErrorKind, span: Span, message: impl Into<String>) -> Self {
        TemplateError {
            kind,
            span,
            message: message.into(),
        }
    }
}

/// The syntax a template was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TemplateFormat {
    Json,
    Yaml,
}

/// A template parameter (`Parameters.NAME`).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: Spanned<String>,
    /// `Type`, e.g. `String`, `CommaDelimitedList`, `AWS::SSM::Parameter::Value<String>`.
    pub parameter_type: Option<String>,
    pub default: Option<Value>,
    /// `AllowedValues`, as written (a list of values a given value must be
    /// one of).
    pub allowed_values: Option<Value>,
    /// The whole declaration.
    pub span: Span,
}

/// A named entry of `Conditions` or `Mappings`.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedValue {
    pub name: Spanned<String>,
    pub value: Value,
}

/// One entry of `Resources`.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub logical_id: Spanned<String>,
    /// `Type`, e.g. `AWS::IAM::Role`, `AWS::Serverless::Function` (empty
    /// when missing or not a string).
    pub resource_type: Spanned<String>,
    /// `Properties` (SAM Globals already merged in); an empty object
    /// spanning the resource when there is none.
    pub properties: Value,
    pub metadata: Option<Value>,
    /// `Condition`: the name of the condition that creates the resource.
    pub condition: Option<Spanned<String>>,
    /// The whole resource declaration.
    pub span: Span,
}

/// A CloudFormation or SAM template, read with spans into its text.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub format: TemplateFormat,
    /// The whole document as read (Globals not merged).
    pub root: Value,
    /// Whether `Transform` names `AWS::Serverless-2016-10-31`.
    pub is_sam: bool,
    pub parameters: Vec<Parameter>,
    pub conditions: Vec<NamedValue>,
    pub mappings: Vec<NamedValue>,
    /// SAM `Globals`, as written.
    pub globals: Option<Value>,
    pub resources: Vec<Resource>,
    /// The text the template was read from, when known: policies written
    /// as JSON strings inside it are mapped back into it character by
    /// character (without it, their findings point at the whole string).
    pub source: Option<std::sync::Arc<str>>,
    /// The values known only at deployment that resolution met, shared by
    /// every resolution of this template (and its clones), so the same
    /// `${OrdersTable}` is the same symbol in every policy.
    pub symbols: Symbols,
}

/// A template's [`SymbolTable`], shared between resolutions (and threads).
#[derive(Clone, Debug, Default)]
pub struct Symbols(std::sync::Arc<std::sync::Mutex<SymbolTable>>);

impl Symbols {
    fn lock(&self) -> std::sync::MutexGuard<'_, SymbolTable> {
        // A panic elsewhere while holding the lock leaves the table whole
        // (interning pushes after every check): keep using it.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The character standing for `kind`; `None` when the table is full.
    pub fn intern(&self, kind: SymbolKind) -> Option<char> {
        self.lock().intern(kind)
    }

    /// A copy of the table as it is now.
    pub fn table(&self) -> SymbolTable {
        self.lock().clone()
    }

    /// `text` with each symbol written as the template writes it
    /// (`${AWS::AccountId}`, `${OrdersTable}`).
    pub fn display(&self, text: &str) -> String {
        self.lock().display(text).into_owned()
    }
}

impl PartialEq for Symbols {
    fn eq(&self, other: &Self) -> bool {
        // One lock at a time: two threads comparing in opposite orders
        // must not wait on each other.
        std::sync::Arc::ptr_eq(&self.0, &other.0) || self.table() == *other.lock()
    }
}

impl Eq for Symbols {}

impl Template {
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().rev().find(|p| p.name.node == name)
    }

    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .rev()
            .find(|r| r.logical_id.node == logical_id)
    }

    pub fn condition(&self, name: &str) -> Option<&Value> {
        self.conditions
            .iter()
            .rev()
            .find(|c| c.name.node == name)
            .map(|c| &c.value)
    }

    pub fn mapping(&self, name: &str) -> Option<&Value> {
        self.mappings
            .iter()
            .rev()
            .find(|m| m.name.node == name)
            .map(|m| &m.value)
    }
}

/// Reads a CloudFormation or SAM template from JSON or YAML text.
///
/// Text whose first character (after white space and a byte order mark) is
/// `{` is read as JSON first; if that fails and YAML (a superset) reads it,
/// the YAML reading is kept, else the JSON error is reported.
pub fn read_template(text: &str) -> Result<Template, TemplateError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let (root, format) = if trimmed.starts_with('{') {
        match parse_json(text) {
            Ok(value) => (value, TemplateFormat::Json),
            Err(json_error) => match parse_yaml(text) {
                Ok(value) => (value, TemplateFormat::Yaml),
                Err(_) => {
                    let kind = match json_error.kind {
                        JsonErrorKind::TooDeep => TemplateErrorKind::TooDeep,
                        JsonErrorKind::TooLarge => TemplateErrorKind::TooLarge,
                        JsonErrorKind::Syntax | JsonErrorKind::InvalidUtf8 => {
                            TemplateErrorKind::Syntax
                        }
                    };
                    return Err(TemplateError::new(
                        kind,
                        json_error.span,
                        json_error.message,
                    ));
                }
            },
        }
    } else {
        (parse_yaml(text)?, TemplateFormat::Yaml)
    };
    let mut template = template_from_value(root, format)?;
    template.source = Some(text.into());
    Ok(template)
}

/// Builds the model from an already-read document.
pub fn template_from_value(root: Value, format: TemplateFormat) -> Result<Template, TemplateError> {
    check_reserved_characters(&root)?;
    if root.as_object().is_none() {
        return Err(TemplateError::new(
            TemplateErrorKind::NotATemplate,
            root.span,
            format!("a template is a mapping, but this is {}", root.kind_name()),
        ));
    }
    let is_sam = match root.get("Transform") {
        Some(transform) => match &transform.kind {
            ValueKind::String(name) => name == SAM_TRANSFORM,
            ValueKind::Array(items) => items.iter().any(|i| i.as_str() == Some(SAM_TRANSFORM)),
            _ => false,
        },
        None => false,
    };
    let parameters = members(&root, "Parameters")
        .iter()
        .map(|m| Parameter {
            name: m.key.clone(),
            parameter_type: m
                .value
                .get("Type")
                .and_then(Value::as_str)
                .map(str::to_string),
            default: m.value.get("Default").cloned(),
            allowed_values: m.value.get("AllowedValues").cloned(),
            span: m.key.span.join(m.value.span),
        })
        .collect();
    let named = |section: &str| -> Vec<NamedValue> {
        members(&root, section)
            .iter()
            .map(|m| NamedValue {
                name: m.key.clone(),
                value: m.value.clone(),
            })
            .collect()
    };
    let conditions = named("Conditions");
    let mappings = named("Mappings");
    let globals = root.get("Globals").cloned();
    let Some(resources_value) = root.get("Resources") else {
        return Err(TemplateError::new(
            TemplateErrorKind::NotATemplate,
            Span::new(root.span.start, root.span.start),
            "the template has no `Resources` section",
        ));
    };
    // CloudFormation's `Resources` is a mapping of logical ids (left empty,
    // `Resources:` reads as null: a template with nothing in it, as some
    // scaffolds are); anything else is not a template leash can read, and
    // must not pass unread.
    let resource_members = match &resources_value.kind {
        ValueKind::Null => &[][..],
        _ => resources_value.as_object().unwrap_or(&[]),
    };
    if !matches!(resources_value.kind, ValueKind::Null | ValueKind::Object(_)) {
        return Err(TemplateError::new(
            TemplateErrorKind::NotATemplate,
            resources_value.span,
            format!(
                "`Resources` is {}, not a mapping of logical ids to resources",
                resources_value.kind_name()
            ),
        ));
    }
    let resources = resource_members
        .iter()
        .map(|m| read_resource(m, globals.as_ref(), is_sam))
        .collect();
    Ok(Template {
        format,
        is_sam,
        parameters,
        conditions,
        mappings,
        globals,
        resources,
        root,
        source: None,
        symbols: Symbols::default(),
    })
}

/// Refuses a document that contains a character leash uses for symbols
/// (`leash_policy::symbol`): resolution could not tell it from a value
/// known only at deployment.
fn check_reserved_characters(value: &Value) -> Result<(), TemplateError> {
    let reserved = |text: &str, span: Span| match leash_policy::symbol::first_symbol(text) {
        Some(_) => Err(TemplateError::new(
            TemplateErrorKind::Syntax,
            span,
            "a string holds a character of Unicode's Supplementary Private Use Area-B (U+100000..U+10FFFD), which leash reserves for values known only at deployment",
        )),
        None => Ok(()),
    };
    match &value.kind {
        ValueKind::String(text) => reserved(text, value.span),
        ValueKind::Array(items) => items.iter().try_for_each(check_reserved_characters),
        ValueKind::Object(members) => members.iter().try_for_each(|m| {
            reserved(&m.key.node, m.key.span)?;
            check_reserved_characters(&m.value)
        }),
        _ => Ok(()),
    }
}

const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

fn members<'a>(root: &'a Value, section: &str) -> &'a [Member] {
    root.get(section).and_then(Value::as_object).unwrap_or(&[])
}

fn read_resource(member: &Member, globals: Option<&Value>, is_sam: bool) -> Resource {
    let declaration = &member.value;
    let span = member.key.span.join(declaration.span);
    let resource_type = match declaration.get("Type") {
        Some(value) => Spanned::new(value.as_str().unwrap_or("").to_string(), value.span),
        None => Spanned::new(String::new(), member.key.span),
    };
    let mut properties = declaration
        .get("Properties")
        .cloned()
        .unwrap_or_else(|| Value::new(ValueKind::Object(Vec::new()), member.key.span));
    if is_sam
        && let Some(section) = globals_section(&resource_type.node)
        && let Some(global) = globals.and_then(|g| g.get(section))
    {
        properties = merge_globals(global, &properties);
    }
    Resource {
        logical_id: member.key.clone(),
        resource_type,
        properties,
        metadata: declaration.get("Metadata").cloned(),
        condition: declaration
            .get("Condition")
            .and_then(|c| c.as_str().map(|s| Spanned::new(s.to_string(), c.span))),
        span,
    }
}

/// The Globals section that applies to a SAM resource type.
fn globals_section(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::Serverless::Function" => "Function",
        "AWS::Serverless::Api" => "Api",
        "AWS::Serverless::HttpApi" => "HttpApi",
        "AWS::Serverless::SimpleTable" => "SimpleTable",
        "AWS::Serverless::StateMachine" => "StateMachine",
        "AWS::Serverless::LayerVersion" => "LayerVersion",
        _ => return None,
    })
}

/// SAM's Globals rules: a primitive (or intrinsic function) in the
/// resource replaces the global one; maps merge key by key, recursively;
/// lists are concatenated, global entries first. See "Overridable
/// properties" in the SAM Globals page cited in the module doc.
fn merge_globals(global: &Value, local: &Value) -> Value {
    match (&global.kind, &local.kind) {
        (ValueKind::Object(global_members), ValueKind::Object(local_members))
            if !is_intrinsic(global) && !is_intrinsic(local) =>
        {
            let mut merged: Vec<Member> = Vec::new();
            for g in global_members {
                match local_members
                    .iter()
                    .rev()
                    .find(|l| l.key.node == g.key.node)
                {
                    Some(l) => merged.push(Member {
                        key: l.key.clone(),
                        value: merge_globals(&g.value, &l.value),
                    }),
                    None => merged.push(g.clone()),
                }
            }
            for l in local_members {
                if !global_members.iter().any(|g| g.key.node == l.key.node) {
                    merged.push(l.clone());
                }
            }
            Value::new(ValueKind::Object(merged), local.span)
        }
        (ValueKind::Array(global_items), ValueKind::Array(local_items)) => {
            let mut items = global_items.clone();
            items.extend(local_items.iter().cloned());
            Value::new(ValueKind::Array(items), local.span)
        }
        _ => local.clone(),
    }
}

/// Whether a value is one intrinsic function call (`{"Ref": ...}`,
/// `{"Fn::...": ...}`).
pub fn is_intrinsic(value: &Value) -> bool {
    match value.as_object() {
        Some([member]) => member.key.node == "Ref" || member.key.node.starts_with("Fn::"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SAM: &str = "\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: prod
Globals:
  Function:
    Runtime: python3.12
    Timeout: 3
    Layers: [!Ref L1]
    Environment:
      Variables:
        TABLE: t
        STAGE: !Ref Stage
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 10
      Layers: [!Ref L2]
      Environment:
        Variables:
          TABLE: mine
  Bucket:
    Type: AWS::S3::Bucket
";

    #[test]
    fn reads_sections_and_merges_globals_by_sam_rules() {
        let template = read_template(SAM).unwrap();
        assert!(template.is_sam);
        assert_eq!(template.format, TemplateFormat::Yaml);
        assert_eq!(
            template
                .parameter("Stage")
                .unwrap()
                .default
                .as_ref()
                .unwrap()
                .as_str(),
            Some("prod")
        );
        let function = template.resource("Fn").unwrap();
        let properties = &function.properties;
        // Primitive: the resource's own value wins.
        assert_eq!(
            properties.get("Timeout").unwrap().kind,
            ValueKind::Number("10".into())
        );
        // Missing locally: taken from Globals.
        assert_eq!(
            properties.get("Runtime").unwrap().as_str(),
            Some("python3.12")
        );
        // Lists: global entries first, then the resource's.
        let layers = properties.get("Layers").unwrap().as_array().unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].get("Ref").unwrap().as_str(), Some("L1"));
        // Maps: merged key by key.
        let variables = properties
            .get("Environment")
            .unwrap()
            .get("Variables")
            .unwrap();
        assert_eq!(variables.get("TABLE").unwrap().as_str(), Some("mine"));
        assert!(variables.get("STAGE").is_some());
        // Globals apply only to SAM resource types.
        let bucket = template.resource("Bucket").unwrap();
        assert_eq!(bucket.properties.as_object().unwrap().len(), 0);
    }

    #[test]
    fn json_templates_read_through_the_json_reader() {
        let text = r#"{"Resources": {"R": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}}}}"#;
        let template = read_template(text).unwrap();
        assert_eq!(template.format, TemplateFormat::Json);
        assert_eq!(template.resources[0].resource_type.node, "AWS::S3::Bucket");
        assert!(!template.is_sam);
    }

    #[test]
    fn not_a_template_is_an_error_with_a_span() {
        assert_eq!(
            read_template("- a\n").unwrap_err().kind,
            TemplateErrorKind::NotATemplate
        );
        assert_eq!(
            read_template("a: 1\n").unwrap_err().kind,
            TemplateErrorKind::NotATemplate
        );
        let error = read_template("{\"Resources\": [}").unwrap_err();
        assert_eq!(error.kind, TemplateErrorKind::Syntax);
    }
}
