//! Java: AWS SDK for Java 2.x clients (`S3Client.builder()...build()`,
//! `DynamoDbClient.create()`), their operations with request builders
//! (`PutItemRequest.builder().tableName(t).build()`) or consumer builders
//! (`r -> r.tableName(t)`), and the DynamoDB enhanced client's tables.
//!
//! Java is typed, so a variable, field or parameter declared with an SDK
//! client type holds a client of that service whatever it is assigned; a
//! name's other values are found in the innermost scope that declares it,
//! before the use.

use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use crate::calls::call;
use crate::sdk::{ServiceInfo, table};
use crate::syntax::{each_node, named_children, parse_file, site, text};
use crate::value::{Gap, RawCall, Sym};

/// What one Java file calls.
#[derive(Debug, Default)]
pub struct FileCalls {
    pub calls: Vec<RawCall>,
    pub gaps: Vec<Gap>,
    /// Imports that are not of the SDK or the JDK: `com.example.Utils`,
    /// `com.example.util.*`; read when they are files of the project.
    pub imports: Vec<String>,
    /// The simple names the file mentions (types, identifiers): classes of
    /// the same package it uses are read too.
    pub names: Vec<String>,
}

/// A declaration of a name: where it is visible and what it holds.
struct Declaration<'t> {
    /// The scope the name is visible in (a block, a method, a class body).
    scope: Range<usize>,
    /// Where it is declared.
    start: usize,
    /// The declared type (`S3Client`, `DynamoDbTable<Order>`).
    ty: Option<Node<'t>>,
    /// Values given: the initializer and later assignments.
    values: Vec<Node<'t>>,
    field: bool,
}

struct Reader<'s, 't> {
    source: &'s str,
    file: &'s str,
    /// Whether the file imports the SDK for Java 2.x.
    sdk: bool,
    declarations: HashMap<&'s str, Vec<Declaration<'t>>>,
}

/// The operation of a DynamoDB enhanced client table method
/// (`DynamoDbTable`,
/// https://sdk.amazonaws.com/java/api/latest/software/amazon/awssdk/enhanced/dynamodb/DynamoDbTable.html):
/// each is one call of the low-level operation of the same name.
fn table_operation(method: &str) -> Option<&'static str> {
    Some(match method {
        "putItem" => "PutItem",
        "getItem" => "GetItem",
        "updateItem" => "UpdateItem",
        "deleteItem" => "DeleteItem",
        "query" => "Query",
        "scan" => "Scan",
        "createTable" => "CreateTable",
        "deleteTable" => "DeleteTable",
        "describeTable" => "DescribeTable",
        _ => return None,
    })
}

/// The operation of a `DynamoDbEnhancedClient` method whose tables are in
/// its request.
fn enhanced_client_operation(method: &str) -> Option<&'static str> {
    Some(match method {
        "batchGetItem" => "BatchGetItem",
        "batchWriteItem" => "BatchWriteItem",
        "transactGetItems" => "TransactGetItems",
        "transactWriteItems" => "TransactWriteItems",
        _ => return None,
    })
}

/// The service of an SDK for Java 2.x client class: `DynamoDbClient`,
/// `S3AsyncClient`, `SfnClient` (the package name, capitalised, then
/// `Client` or `AsyncClient`).
fn client_class(class: &str) -> Option<&'static ServiceInfo> {
    let stem = class
        .strip_suffix("AsyncClient")
        .or_else(|| class.strip_suffix("Client"))?;
    if stem.is_empty() || stem == "DynamoDbEnhanced" {
        return None;
    }
    table().service_of_sdk_package(stem)
}

/// The simple name of a type (`DynamoDbTable<Order>` → `DynamoDbTable`).
fn type_name<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    let t = text(node, source);
    let t = t.split('<').next().unwrap_or(t);
    t.rsplit('.').next().unwrap_or(t).trim()
}

/// Reads one Java file.
pub fn read(source: &str, file: &str) -> FileCalls {
    let mut out = FileCalls::default();
    let tree = match parse_file(source, &tree_sitter_java::LANGUAGE.into(), file) {
        Ok(tree) => tree,
        Err(gap) => {
            out.gaps.push(gap);
            return out;
        }
    };
    let root = tree.root_node();
    let mut reader = Reader {
        source,
        file,
        sdk: false,
        declarations: HashMap::new(),
    };
    let mut names: Vec<String> = Vec::new();
    each_node(root, |node| match node.kind() {
        "import_declaration" => {
            let path = text(node, source)
                .trim_start_matches("import")
                .trim_start()
                .trim_start_matches("static ")
                .trim_end_matches(';')
                .replace(char::is_whitespace, "");
            if path.starts_with("software.amazon.awssdk.") {
                reader.sdk = true;
            } else if !["java.", "javax.", "com.amazonaws.", "org.", "com.google."]
                .iter()
                .any(|p| path.starts_with(p))
            {
                out.imports.push(path);
            }
        }
        "type_identifier" | "identifier" => {
            let name = text(node, source);
            if name.starts_with(|c: char| c.is_ascii_uppercase())
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
        _ => reader.declare(node),
    });
    out.names = names;
    // Assignments add values to the declaration they assign.
    each_node(root, |node| {
        if node.kind() == "assignment_expression"
            && let (Some(left), Some(right)) = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            )
        {
            let (name, this) = match left.kind() {
                "identifier" => (text(left, source), false),
                "field_access"
                    if left
                        .child_by_field_name("object")
                        .is_some_and(|o| o.kind() == "this") =>
                {
                    match left.child_by_field_name("field") {
                        Some(f) => (text(f, source), true),
                        None => return,
                    }
                }
                _ => return,
            };
            if let Some(index) = reader.declaration_index(name, left.start_byte(), this)
                && let Some(list) = reader.declarations.get_mut(name)
                && let Some(declaration) = list.get_mut(index)
            {
                declaration.values.push(right);
            }
        }
    });
    if !reader.sdk {
        return out;
    }
    each_node(root, |node| {
        if node.kind() == "method_invocation" {
            reader.call(node, &mut out);
        }
    });
    out
}

impl<'s, 't> Reader<'s, 't> {
    fn text(&self, node: Node<'_>) -> &'s str {
        text(node, self.source)
    }

    /// Records the names a node declares.
    fn declare(&mut self, node: Node<'t>) {
        match node.kind() {
            "field_declaration" | "local_variable_declaration" => {
                let field = node.kind() == "field_declaration";
                let Some(scope) = node.parent() else { return };
                let ty = node.child_by_field_name("type");
                let mut cursor = node.walk();
                for declarator in node.children_by_field_name("declarator", &mut cursor) {
                    let Some(name) = declarator.child_by_field_name("name") else {
                        continue;
                    };
                    let values = declarator
                        .child_by_field_name("value")
                        .into_iter()
                        .collect();
                    let name = text(name, self.source);
                    self.declarations
                        .entry(name)
                        .or_default()
                        .push(Declaration {
                            scope: scope.byte_range(),
                            start: declarator.start_byte(),
                            ty,
                            values,
                            field,
                        });
                }
            }
            "formal_parameter" | "catch_formal_parameter" => {
                // A parameter is visible in its method, constructor or
                // lambda.
                let mut scope = node.parent();
                while let Some(s) = scope {
                    if matches!(
                        s.kind(),
                        "method_declaration"
                            | "constructor_declaration"
                            | "lambda_expression"
                            | "catch_clause"
                    ) {
                        break;
                    }
                    scope = s.parent();
                }
                let (Some(scope), Some(name)) = (scope, node.child_by_field_name("name")) else {
                    return;
                };
                let name = text(name, self.source);
                self.declarations
                    .entry(name)
                    .or_default()
                    .push(Declaration {
                        scope: scope.byte_range(),
                        start: node.start_byte(),
                        ty: node.child_by_field_name("type"),
                        values: Vec::new(),
                        field: false,
                    });
            }
            _ => {}
        }
    }

    /// The declaration a name used at `at` refers to: the innermost local
    /// declared before it whose scope holds it, else the field (`this.x`:
    /// the field).
    fn declaration_index(&self, name: &str, at: usize, this: bool) -> Option<usize> {
        let list = self.declarations.get(name)?;
        let local = list
            .iter()
            .enumerate()
            .filter(|(_, d)| !this && !d.field && d.scope.contains(&at) && d.start <= at)
            .max_by_key(|(_, d)| (d.scope.start, d.start))
            .map(|(i, _)| i);
        local.or_else(|| {
            list.iter()
                .enumerate()
                .filter(|(_, d)| d.field && d.scope.contains(&at))
                .max_by_key(|(_, d)| d.scope.start)
                .map(|(i, _)| i)
        })
    }

    fn lookup(&self, name: &str, at: usize, this: bool, depth: usize) -> Sym {
        let Some(index) = self.declaration_index(name, at, this) else {
            return Sym::Unknown;
        };
        let Some(declaration) = self.declarations.get(name).and_then(|l| l.get(index)) else {
            return Sym::Unknown;
        };
        if let Some(ty) = declaration.ty {
            let class = type_name(ty, self.source);
            if class == "DynamoDbEnhancedClient" || class == "DynamoDbEnhancedAsyncClient" {
                return Sym::EnhancedClient;
            }
            if let Some(service) = client_class(class) {
                return Sym::Client(service.name.to_string());
            }
        }
        let mut values = declaration.values.iter();
        let Some(first) = values.next() else {
            return Sym::Unknown;
        };
        let first = self.eval(*first, depth + 1);
        values.fold(first, |joined, v| joined.join(self.eval(*v, depth + 1)))
    }

    fn string(&self, node: Node<'_>) -> Option<String> {
        if node.kind() != "string_literal" {
            return None;
        }
        let parts = named_children(node);
        if parts.iter().any(|p| p.kind() != "string_fragment") {
            return None;
        }
        Some(parts.iter().map(|p| self.text(*p)).collect())
    }

    fn eval(&self, node: Node<'_>, depth: usize) -> Sym {
        if depth > 12 {
            return Sym::Unknown;
        }
        match node.kind() {
            "string_literal" => self.string(node).map_or(Sym::Unknown, Sym::Str),
            "null_literal" => Sym::Nothing,
            "parenthesized_expression" | "cast_expression" => node
                .child_by_field_name("value")
                .or_else(|| named_children(node).last().copied())
                .map_or(Sym::Unknown, |n| self.eval(n, depth + 1)),
            "identifier" => self.lookup(self.text(node), node.start_byte(), false, depth),
            "field_access" => {
                let this = node
                    .child_by_field_name("object")
                    .is_some_and(|o| o.kind() == "this");
                match node.child_by_field_name("field") {
                    Some(field) if this => {
                        self.lookup(self.text(field), node.start_byte(), true, depth)
                    }
                    _ => Sym::Unknown,
                }
            }
            "method_invocation" => self.eval_invocation(node, depth),
            _ => Sym::Unknown,
        }
    }

    fn arguments<'n>(&self, node: Node<'n>) -> Vec<Node<'n>> {
        node.child_by_field_name("arguments")
            .map(|a| {
                named_children(a)
                    .into_iter()
                    .filter(|c| !matches!(c.kind(), "line_comment" | "block_comment"))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn eval_invocation(&self, node: Node<'_>, depth: usize) -> Sym {
        let Some(name) = node.child_by_field_name("name") else {
            return Sym::Unknown;
        };
        let method = self.text(name);
        let arguments = self.arguments(node);
        let Some(object) = node.child_by_field_name("object") else {
            return Sym::Unknown;
        };
        let object_text = self.text(object);
        if object_text == "System" && method == "getenv" {
            return match arguments.as_slice() {
                [variable] => match self.eval(*variable, depth + 1) {
                    Sym::Str(variable) => Sym::Env(variable),
                    _ => Sym::Unknown,
                },
                _ => Sym::Unknown,
            };
        }
        // A class named directly (not a variable of that name).
        let is_class = object.kind() == "identifier"
            && object_text.starts_with(|c: char| c.is_ascii_uppercase())
            && self
                .declaration_index(object_text, object.start_byte(), false)
                .is_none();
        if is_class {
            if object_text == "DynamoDbEnhancedClient"
                || object_text == "DynamoDbEnhancedAsyncClient"
            {
                return match method {
                    "builder" | "create" => Sym::EnhancedClient,
                    _ => Sym::Unknown,
                };
            }
            if let Some(service) = client_class(object_text) {
                return match method {
                    "builder" => Sym::ClientBuilder(service.name.to_string()),
                    "create" => Sym::Client(service.name.to_string()),
                    _ => Sym::Unknown,
                };
            }
            // `PutItemRequest.builder()`, `PutEventsRequestEntry.builder()`.
            if method == "builder" {
                return Sym::Request(Vec::new());
            }
            return Sym::Unknown;
        }
        match self.eval(object, depth + 1) {
            Sym::ClientBuilder(service) => match method {
                "build" => Sym::Client(service),
                _ => Sym::ClientBuilder(service),
            },
            Sym::EnhancedClient => match method {
                "table" => match arguments.first() {
                    Some(name) => Sym::SubResource(
                        "dynamodb".to_string(),
                        "Table",
                        Box::new(self.eval(*name, depth + 1)),
                    ),
                    None => Sym::Unknown,
                },
                "build" | "dynamoDbClient" | "extensions" => Sym::EnhancedClient,
                _ => Sym::Unknown,
            },
            Sym::Request(mut members) => match method {
                "build" | "toBuilder" | "builder" => Sym::Request(members),
                member => {
                    let value = arguments
                        .iter()
                        .map(|a| self.eval(*a, depth + 1))
                        .reduce(Sym::join)
                        .unwrap_or(Sym::Unknown);
                    members.push((member.to_string(), value));
                    Sym::Request(members)
                }
            },
            _ => Sym::Unknown,
        }
    }

    /// The request a call is given: a built request, a consumer builder
    /// lambda (`r -> r.tableName(t)`), or unknown.
    fn request(&self, argument: Option<Node<'_>>) -> Option<Sym> {
        let argument = argument?;
        if argument.kind() == "lambda_expression" {
            let parameter = argument.child_by_field_name("parameters")?;
            let parameter = match parameter.kind() {
                "identifier" => self.text(parameter),
                _ => named_children(parameter)
                    .first()
                    .map_or("", |p| self.text(*p))
                    .trim_matches(|c| c == '(' || c == ')'),
            };
            let body = argument.child_by_field_name("body")?;
            return Some(
                self.consumer_members(body, parameter)
                    .map_or(Sym::Unknown, Sym::Request),
            );
        }
        Some(self.eval(argument, 0))
    }

    /// The members a consumer builder lambda's body sets on `parameter`.
    fn consumer_members(&self, node: Node<'_>, parameter: &str) -> Option<Vec<(String, Sym)>> {
        match node.kind() {
            "identifier" if self.text(node) == parameter => Some(Vec::new()),
            "method_invocation" => {
                let object = node.child_by_field_name("object")?;
                let mut members = self.consumer_members(object, parameter)?;
                let name = self.text(node.child_by_field_name("name")?);
                let value = self
                    .arguments(node)
                    .iter()
                    .map(|a| self.eval(*a, 0))
                    .reduce(Sym::join)
                    .unwrap_or(Sym::Unknown);
                members.push((name.to_string(), value));
                Some(members)
            }
            _ => None,
        }
    }

    fn push(
        &self,
        out: &mut FileCalls,
        node: Node<'_>,
        service: &str,
        operation: &str,
        request: Option<Sym>,
    ) {
        let Some(op) = table().by_name(service, operation) else {
            return;
        };
        let at = site(node, self.source, self.file);
        let member_of = |members: &[(String, Sym)], wanted: &str| {
            members
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.clone())
                .reduce(Sym::join)
        };
        let argument = |member: &str| match &request {
            None => None,
            Some(Sym::Request(members)) => {
                if member == "Entries.EventBusName" {
                    return match member_of(members, "entries")? {
                        Sym::Request(entry) => Some(
                            member_of(&entry, "eventBusName")
                                .unwrap_or_else(|| Sym::Str("default".to_string())),
                        ),
                        _ => Some(Sym::Unknown),
                    };
                }
                member_of(members, member)
            }
            Some(Sym::SubResource(_, _, name)) if member == "TableName" => Some((**name).clone()),
            Some(_) => Some(Sym::Unknown),
        };
        out.calls.push(call(at, op, &argument));
    }

    fn call(&self, node: Node<'_>, out: &mut FileCalls) {
        let (Some(object), Some(name)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("name"),
        ) else {
            return;
        };
        let method = self.text(name);
        let first = self.arguments(node).first().copied();
        match self.eval(object, 0) {
            Sym::Client(service) => {
                // Convenience forms of one operation: `getObjectAsBytes`,
                // `listObjectsV2Paginator` (the paginator calls the
                // operation).
                let operation = [method, method.trim_end_matches("AsBytes")]
                    .into_iter()
                    .chain(method.strip_suffix("Paginator"))
                    .find(|m| table().by_name(&service, m).is_some());
                if let Some(operation) = operation {
                    self.push(out, node, &service, operation, self.request(first));
                }
            }
            Sym::SubResource(service, "Table", name) => {
                if let Some(operation) = table_operation(method) {
                    let table = Sym::SubResource(service.clone(), "Table", name);
                    self.push(out, node, &service, operation, Some(table));
                }
            }
            Sym::EnhancedClient => {
                if let Some(operation) = enhanced_client_operation(method) {
                    self.push(out, node, "dynamodb", operation, Some(Sym::Unknown));
                }
            }
            _ => {}
        }
    }
}
