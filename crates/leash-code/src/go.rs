//! Go: AWS SDK for Go v2 (`dynamodb.NewFromConfig(cfg)`,
//! `client.PutItem(ctx, &dynamodb.PutItemInput{...})`) and v1
//! (`dynamodb.New(sess)`, `client.PutItem(&dynamodb.PutItemInput{...})`,
//! `PutItemWithContext`).
//!
//! An operation's input is a struct of the service's package named after
//! the operation (`PutItemInput`), so a call of method `PutItem` given a
//! `&dynamodb.PutItemInput{...}` is that operation even when the client is
//! not traced; a call on a traced client with an input the reader cannot
//! see is the operation with its resource unresolved.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::calls::call;
use crate::sdk::table;
use crate::syntax::{each_node, named_children, parse_file, site, text};
use crate::value::{Gap, RawCall, Sym};

/// What one Go file calls.
#[derive(Debug, Default)]
pub struct FileCalls {
    pub calls: Vec<RawCall>,
    pub gaps: Vec<Gap>,
}

struct Reader<'s, 't> {
    source: &'s str,
    file: &'s str,
    /// Package name in the file → botocore service, for the SDK's service
    /// packages imported.
    packages: HashMap<String, &'static str>,
    /// Every value given to each name (package-level and local; Go code of
    /// one handler is small, and a name given two values is unknown).
    values: HashMap<&'s str, Vec<Node<'t>>>,
    /// Names declared with a client type (`var client *dynamodb.Client`).
    typed: HashMap<&'s str, &'static str>,
}

/// The service of an SDK import path: v2
/// `github.com/aws/aws-sdk-go-v2/service/NAME`, v1
/// `github.com/aws/aws-sdk-go/service/NAME`.
fn service_of_import(path: &str) -> Option<&'static str> {
    let rest = path
        .strip_prefix("github.com/aws/aws-sdk-go-v2/service/")
        .or_else(|| path.strip_prefix("github.com/aws/aws-sdk-go/service/"))?;
    if rest.contains('/') {
        return None;
    }
    table().service_of_sdk_package(rest).map(|s| s.name)
}

/// Reads one Go file.
pub fn read(source: &str, file: &str) -> FileCalls {
    let mut out = FileCalls::default();
    let tree = match parse_file(source, &tree_sitter_go::LANGUAGE.into(), file) {
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
        packages: HashMap::new(),
        values: HashMap::new(),
        typed: HashMap::new(),
    };
    each_node(root, |node| reader.declare(node));
    if reader.packages.is_empty() {
        return out;
    }
    each_node(root, |node| {
        if node.kind() == "call_expression" {
            reader.call(node, &mut out);
        }
    });
    out
}

impl<'s, 't> Reader<'s, 't> {
    fn text(&self, node: Node<'_>) -> &'s str {
        text(node, self.source)
    }

    fn string(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "interpreted_string_literal" => {
                let parts = named_children(node);
                if parts
                    .iter()
                    .any(|p| p.kind() != "interpreted_string_literal_content")
                {
                    return None;
                }
                Some(parts.iter().map(|p| self.text(*p)).collect())
            }
            "raw_string_literal" => {
                let t = self.text(node);
                t.get(1..t.len().saturating_sub(1)).map(str::to_string)
            }
            _ => None,
        }
    }

    /// The service of a client type (`*dynamodb.Client`, v1
    /// `*dynamodb.DynamoDB`).
    fn client_type(&self, ty: Node<'_>) -> Option<&'static str> {
        let ty = if ty.kind() == "pointer_type" {
            *named_children(ty).first()?
        } else {
            ty
        };
        if ty.kind() != "qualified_type" {
            return None;
        }
        let package = self.text(ty.child_by_field_name("package")?);
        let name = self.text(ty.child_by_field_name("name")?);
        let service = *self.packages.get(package)?;
        let v1_class = table()
            .service(service)
            .is_some_and(|s| s.service_id.replace('_', "").eq_ignore_ascii_case(name));
        (name == "Client" || v1_class).then_some(service)
    }

    fn declare(&mut self, node: Node<'t>) {
        match node.kind() {
            "import_spec" => {
                let Some(path) = node
                    .child_by_field_name("path")
                    .and_then(|p| self.string(p))
                else {
                    return;
                };
                let Some(service) = service_of_import(&path) else {
                    return;
                };
                let name = node.child_by_field_name("name").map_or_else(
                    || path.rsplit('/').next().unwrap_or("").to_string(),
                    |n| self.text(n).to_string(),
                );
                self.packages.insert(name, service);
            }
            "short_var_declaration" | "assignment_statement" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return;
                };
                let left = named_children(left);
                let right = named_children(right);
                // `a, err := f()`: the first name is the call's first
                // result.
                for (i, name) in left.iter().enumerate() {
                    if name.kind() != "identifier" {
                        continue;
                    }
                    let value = if left.len() == right.len() {
                        right.get(i)
                    } else if i == 0 {
                        right.first()
                    } else {
                        None
                    };
                    if let Some(value) = value {
                        self.values
                            .entry(self.text(*name))
                            .or_default()
                            .push(*value);
                    }
                }
            }
            "var_spec" | "const_spec" => {
                let mut cursor = node.walk();
                let names: Vec<Node<'t>> =
                    node.children_by_field_name("name", &mut cursor).collect();
                let ty = node.child_by_field_name("type");
                let values = node
                    .child_by_field_name("value")
                    .map(named_children)
                    .unwrap_or_default();
                for (i, name) in names.iter().enumerate() {
                    let name = self.text(*name);
                    if let Some(service) = ty.and_then(|t| self.client_type(t)) {
                        self.typed.insert(name, service);
                    }
                    if let Some(value) = values.get(i) {
                        self.values.entry(name).or_default().push(*value);
                    }
                }
            }
            _ => {}
        }
    }

    fn eval(&self, node: Node<'_>, depth: usize) -> Sym {
        if depth > 12 {
            return Sym::Unknown;
        }
        match node.kind() {
            "interpreted_string_literal" | "raw_string_literal" => {
                self.string(node).map_or(Sym::Unknown, Sym::Str)
            }
            "nil" => Sym::Nothing,
            "parenthesized_expression" => named_children(node)
                .first()
                .map_or(Sym::Unknown, |n| self.eval(*n, depth + 1)),
            // `&dynamodb.PutItemInput{...}`, `&name`
            "unary_expression" => node
                .child_by_field_name("operand")
                .map_or(Sym::Unknown, |n| self.eval(n, depth + 1)),
            "identifier" => {
                let name = self.text(node);
                if let Some(service) = self.typed.get(name) {
                    return Sym::Client((*service).to_string());
                }
                let Some(values) = self.values.get(name) else {
                    return Sym::Unknown;
                };
                values
                    .iter()
                    .map(|v| self.eval(*v, depth + 1))
                    .reduce(Sym::join)
                    .unwrap_or(Sym::Unknown)
            }
            "composite_literal" => self.input(node, depth).map_or(Sym::Unknown, |(_, m)| m),
            "call_expression" => self.eval_call(node, depth),
            _ => Sym::Unknown,
        }
    }

    /// An SDK input struct literal: its service and operation, and its
    /// members.
    fn input(&self, node: Node<'_>, depth: usize) -> Option<((&'static str, String), Sym)> {
        let ty = node.child_by_field_name("type")?;
        if ty.kind() != "qualified_type" {
            return None;
        }
        let service = *self
            .packages
            .get(self.text(ty.child_by_field_name("package")?))?;
        let name = self.text(ty.child_by_field_name("name")?);
        let operation = name.strip_suffix("Input")?;
        let mut members = Vec::new();
        for element in node
            .child_by_field_name("body")
            .map(named_children)
            .unwrap_or_default()
        {
            if element.kind() != "keyed_element" {
                continue;
            }
            let (Some(key), Some(value)) = (
                element.child_by_field_name("key"),
                element.child_by_field_name("value"),
            ) else {
                continue;
            };
            let value = named_children(value).first().copied().unwrap_or(value);
            members.push((self.text(key).to_string(), self.eval(value, depth + 1)));
        }
        Some(((service, operation.to_string()), Sym::Request(members)))
    }

    fn eval_call(&self, node: Node<'_>, depth: usize) -> Sym {
        let Some(function) = node.child_by_field_name("function") else {
            return Sym::Unknown;
        };
        let arguments: Vec<Node<'_>> = node
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        if function.kind() != "selector_expression" {
            return Sym::Unknown;
        }
        let (Some(operand), Some(field)) = (
            function.child_by_field_name("operand"),
            function.child_by_field_name("field"),
        ) else {
            return Sym::Unknown;
        };
        let package = self.text(operand);
        let method = self.text(field);
        if package == "os" && (method == "Getenv" || method == "LookupEnv") {
            return match arguments.first().map(|a| self.eval(*a, depth + 1)) {
                Some(Sym::Str(variable)) => Sym::Env(variable),
                _ => Sym::Unknown,
            };
        }
        // `aws.String(x)`, `jsii.String(x)`: a pointer to the value.
        if method == "String" && arguments.len() == 1 {
            return arguments
                .first()
                .map_or(Sym::Unknown, |a| self.eval(*a, depth + 1));
        }
        if let Some(service) = self.packages.get(package)
            && matches!(method, "NewFromConfig" | "New")
        {
            return Sym::Client((*service).to_string());
        }
        Sym::Unknown
    }

    /// The input given to a call: the first argument that is an input of
    /// the SDK, traced through names.
    fn given_input(&self, arguments: &[Node<'_>]) -> Option<(Option<(&'static str, String)>, Sym)> {
        for argument in arguments {
            let mut node = *argument;
            for _ in 0..4 {
                match node.kind() {
                    "unary_expression" | "parenthesized_expression" => {
                        match node
                            .child_by_field_name("operand")
                            .or_else(|| named_children(node).first().copied())
                        {
                            Some(inner) => node = inner,
                            None => break,
                        }
                    }
                    "identifier" => match self.values.get(self.text(node)).map(Vec::as_slice) {
                        Some([one]) => node = *one,
                        _ => break,
                    },
                    _ => break,
                }
            }
            if node.kind() == "composite_literal"
                && let Some((operation, members)) = self.input(node, 0)
            {
                return Some((Some(operation), members));
            }
        }
        None
    }

    fn call(&self, node: Node<'_>, out: &mut FileCalls) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        if function.kind() != "selector_expression" {
            return;
        }
        let (Some(operand), Some(field)) = (
            function.child_by_field_name("operand"),
            function.child_by_field_name("field"),
        ) else {
            return;
        };
        let arguments: Vec<Node<'_>> = node
            .child_by_field_name("arguments")
            .map(named_children)
            .unwrap_or_default();
        let method = self.text(field);
        // v1's `PutItemWithContext`, `PutItemRequest`, `ScanPages`.
        let stem = ["PagesWithContext", "WithContext", "Pages", "Request"]
            .iter()
            .find_map(|s| method.strip_suffix(s))
            .unwrap_or(method);
        let input = self.given_input(&arguments);
        // `dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{...})`
        if let Some(service) = self.packages.get(self.text(operand))
            && let Some(operation) = method
                .strip_prefix("New")
                .and_then(|m| m.strip_suffix("Paginator"))
        {
            let members = input.map(|(_, m)| m);
            self.push(out, node, service, operation, members);
            return;
        }
        if let Some((Some((service, operation)), members)) = &input
            && operation == stem
        {
            self.push(out, node, service, operation, Some(members.clone()));
            return;
        }
        if let Sym::Client(service) = self.eval(operand, 0)
            && table().by_name(&service, stem).is_some()
        {
            self.push(out, node, &service, stem, Some(Sym::Unknown));
        }
    }

    fn push(
        &self,
        out: &mut FileCalls,
        node: Node<'_>,
        service: &str,
        operation: &str,
        input: Option<Sym>,
    ) {
        let Some(op) = table().by_name(service, operation) else {
            return;
        };
        let at = site(node, self.source, self.file);
        let argument = |member: &str| match &input {
            Some(Sym::Request(members)) => {
                if member == "Entries.EventBusName" {
                    return Some(Sym::Unknown);
                }
                members
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(member))
                    .map(|(_, value)| value.clone())
            }
            Some(_) => Some(Sym::Unknown),
            None => None,
        };
        out.calls.push(call(at, op, &argument));
    }
}
