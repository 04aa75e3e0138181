//! JavaScript and TypeScript: AWS SDK v3 commands, document-client
//! commands, `Upload`, paginators, and SDK v2 clients and `DocumentClient`.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::calls::call;
use crate::sdk::table;
use crate::syntax::{each_node, named_children, parse_file, site, text};
use crate::value::{Gap, RawCall, Sym};

/// What one JavaScript/TypeScript file calls.
#[derive(Debug, Default)]
pub struct FileCalls {
    pub calls: Vec<RawCall>,
    pub gaps: Vec<Gap>,
    /// Relative module paths imported (`./db`), read too.
    pub imports: Vec<String>,
}

/// Where an imported name comes from: (package, imported name).
type Import = (String, String);

struct Reader<'s, 't> {
    source: &'s str,
    file: &'s str,
    imports: HashMap<String, Import>,
    bindings: HashMap<String, Sym>,
    /// Object literals assigned to each name, every one of them.
    objects: HashMap<String, Vec<Node<'t>>>,
}

/// The operation of a `@aws-sdk/lib-dynamodb` command or a v2
/// `DocumentClient` method.
fn document_operation(name: &str) -> Option<&'static str> {
    Some(match name {
        "Put" | "put" => "PutItem",
        "Get" | "get" => "GetItem",
        "Update" | "update" => "UpdateItem",
        "Delete" | "delete" => "DeleteItem",
        "Query" | "query" => "Query",
        "Scan" | "scan" => "Scan",
        "BatchGet" | "batchGet" => "BatchGetItem",
        "BatchWrite" | "batchWrite" => "BatchWriteItem",
        "TransactGet" | "transactGet" => "TransactGetItems",
        "TransactWrite" | "transactWrite" => "TransactWriteItems",
        "ExecuteStatement" => "ExecuteStatement",
        "BatchExecuteStatement" => "BatchExecuteStatement",
        "ExecuteTransaction" => "ExecuteTransaction",
        _ => return None,
    })
}

/// Reads one file.
pub fn read(source: &str, file: &str, typescript: bool) -> FileCalls {
    let mut out = FileCalls::default();
    let language: tree_sitter::Language = if typescript {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        tree_sitter_javascript::LANGUAGE.into()
    };
    let tree = match parse_file(source, &language, file) {
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
        imports: HashMap::new(),
        bindings: HashMap::new(),
        objects: HashMap::new(),
    };
    each_node(root, |node| reader.import(node, &mut out.imports));
    for _ in 0..3 {
        let mut bindings: HashMap<String, Sym> = HashMap::new();
        let mut objects: HashMap<String, Vec<Node<'_>>> = HashMap::new();
        each_node(root, |node| {
            for (name, value, object) in reader.assignments(node) {
                let joined = match bindings.remove(&name) {
                    Some(previous) => previous.join(value),
                    None => value,
                };
                bindings.insert(name.clone(), joined);
                let entry = objects.entry(name).or_default();
                // A name assigned something else than an object literal
                // somewhere: its object is not known there.
                entry.push(object.unwrap_or(node));
            }
        });
        reader.bindings = bindings;
        reader.objects = objects;
    }
    each_node(root, |node| reader.call(node, &mut out));
    out
}

impl<'s, 't> Reader<'s, 't> {
    fn text(&self, node: Node<'_>) -> &'s str {
        text(node, self.source)
    }

    fn string(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "string" => {
                let t = self.text(node);
                Some(
                    t.get(1..t.len().saturating_sub(1))
                        .unwrap_or("")
                        .to_string(),
                )
            }
            "template_string" => {
                if named_children(node)
                    .iter()
                    .any(|c| c.kind() == "template_substitution")
                {
                    None
                } else {
                    let t = self.text(node);
                    Some(
                        t.get(1..t.len().saturating_sub(1))
                            .unwrap_or("")
                            .to_string(),
                    )
                }
            }
            _ => None,
        }
    }

    /// The package of a `require('pkg')` (possibly awaited `import()`).
    fn required(&self, node: Node<'_>) -> Option<String> {
        let node = if matches!(node.kind(), "await_expression") {
            *named_children(node).first()?
        } else {
            node
        };
        if node.kind() != "call_expression" {
            return None;
        }
        let function = node.child_by_field_name("function")?;
        if !matches!(self.text(function), "require" | "import") {
            return None;
        }
        let arguments = node.child_by_field_name("arguments")?;
        self.string(*named_children(arguments).first()?)
    }

    fn import(&mut self, node: Node<'t>, local: &mut Vec<String>) {
        match node.kind() {
            "import_statement" => {
                let Some(source) = node
                    .child_by_field_name("source")
                    .and_then(|s| self.string(s))
                else {
                    return;
                };
                if source.starts_with('.') {
                    local.push(source.clone());
                }
                for clause in named_children(node)
                    .into_iter()
                    .filter(|c| c.kind() == "import_clause")
                {
                    for part in named_children(clause) {
                        match part.kind() {
                            "identifier" => {
                                self.imports.insert(
                                    self.text(part).to_string(),
                                    (source.clone(), "default".to_string()),
                                );
                            }
                            "namespace_import" => {
                                if let Some(name) = named_children(part).first() {
                                    self.imports.insert(
                                        self.text(*name).to_string(),
                                        (source.clone(), "*".to_string()),
                                    );
                                }
                            }
                            "named_imports" => {
                                for specifier in named_children(part) {
                                    let Some(name) = specifier.child_by_field_name("name") else {
                                        continue;
                                    };
                                    let alias =
                                        specifier.child_by_field_name("alias").unwrap_or(name);
                                    self.imports.insert(
                                        self.text(alias).to_string(),
                                        (source.clone(), self.text(name).to_string()),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            "variable_declarator" => {
                let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) else {
                    return;
                };
                // `require('pkg').Name`
                let (value, member) = if value.kind() == "member_expression" {
                    match (
                        value.child_by_field_name("object"),
                        value.child_by_field_name("property"),
                    ) {
                        (Some(o), Some(p)) => (o, Some(self.text(p).to_string())),
                        _ => (value, None),
                    }
                } else {
                    (value, None)
                };
                let Some(source) = self.required(value) else {
                    return;
                };
                if source.starts_with('.') {
                    local.push(source.clone());
                }
                match name.kind() {
                    "identifier" => {
                        let imported = member.unwrap_or_else(|| "default".to_string());
                        self.imports
                            .insert(self.text(name).to_string(), (source, imported));
                    }
                    "object_pattern" => {
                        for part in named_children(name) {
                            match part.kind() {
                                "shorthand_property_identifier_pattern" => {
                                    let n = self.text(part).to_string();
                                    self.imports.insert(n.clone(), (source.clone(), n));
                                }
                                "pair_pattern" => {
                                    if let (Some(k), Some(v)) = (
                                        part.child_by_field_name("key"),
                                        part.child_by_field_name("value"),
                                    ) {
                                        self.imports.insert(
                                            self.text(v).to_string(),
                                            (source.clone(), self.text(k).to_string()),
                                        );
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn assignments(&self, node: Node<'t>) -> Vec<(String, Sym, Option<Node<'t>>)> {
        let (left, right) = match node.kind() {
            "variable_declarator" => (
                node.child_by_field_name("name"),
                node.child_by_field_name("value"),
            ),
            "assignment_expression" => (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ),
            _ => return Vec::new(),
        };
        let (Some(left), Some(right)) = (left, right) else {
            return Vec::new();
        };
        match left.kind() {
            "identifier" | "member_expression" => {
                let object = self.object_literal(right);
                vec![(self.text(left).to_string(), self.eval(right), object)]
            }
            "object_pattern" if matches!(self.text(right), "process.env") => named_children(left)
                .into_iter()
                .filter(|p| p.kind() == "shorthand_property_identifier_pattern")
                .map(|p| {
                    (
                        self.text(p).to_string(),
                        Sym::Env(self.text(p).to_string()),
                        None,
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn object_literal(&self, node: Node<'t>) -> Option<Node<'t>> {
        match node.kind() {
            "object" => Some(node),
            "as_expression" | "satisfies_expression" | "parenthesized_expression" => {
                named_children(node)
                    .first()
                    .and_then(|n| self.object_literal(*n))
            }
            _ => None,
        }
    }

    /// The SDK package and name an identifier was imported as.
    fn imported(&self, node: Node<'_>) -> Option<&Import> {
        self.imports.get(self.text(node))
    }

    fn eval(&self, node: Node<'_>) -> Sym {
        match node.kind() {
            "string" | "template_string" => self.string(node).map_or(Sym::Unknown, Sym::Str),
            "null" | "undefined" => Sym::Nothing,
            "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression" => named_children(node)
                .first()
                .map_or(Sym::Unknown, |n| self.eval(*n)),
            "binary_expression" => {
                // `process.env.X || 'fallback'`: the variable.
                let operator = node.child_by_field_name("operator").map(|o| self.text(o));
                match (operator, node.child_by_field_name("left")) {
                    (Some("||" | "??"), Some(left)) => match self.eval(left) {
                        Sym::Env(v) => Sym::Env(v),
                        _ => Sym::Unknown,
                    },
                    _ => Sym::Unknown,
                }
            }
            "identifier" => {
                if let Some(bound) = self.bindings.get(self.text(node)) {
                    return bound.clone();
                }
                match self.imported(node) {
                    Some((package, _)) if package == "aws-sdk" => Sym::Namespace,
                    _ => Sym::Unknown,
                }
            }
            "member_expression" => {
                let t = self.text(node);
                if let Some(variable) = t.strip_prefix("process.env.") {
                    return Sym::Env(variable.to_string());
                }
                self.bindings.get(t).cloned().unwrap_or(Sym::Unknown)
            }
            "subscript_expression" => {
                let object = node.child_by_field_name("object").map(|o| self.text(o));
                let index = node
                    .child_by_field_name("index")
                    .and_then(|i| self.string(i));
                match (object, index) {
                    (Some("process.env"), Some(variable)) => Sym::Env(variable),
                    _ => Sym::Unknown,
                }
            }
            "new_expression" => self.eval_new(node),
            "call_expression" => {
                // `DynamoDBDocumentClient.from(client)`
                let Some(function) = node.child_by_field_name("function") else {
                    return Sym::Unknown;
                };
                if function.kind() == "member_expression"
                    && let (Some(object), Some(property)) = (
                        function.child_by_field_name("object"),
                        function.child_by_field_name("property"),
                    )
                    && self.text(property) == "from"
                    && let Some((package, name)) = self.imported(object)
                    && package == "@aws-sdk/lib-dynamodb"
                    && name == "DynamoDBDocumentClient"
                {
                    let client = Sym::Client("dynamodb".to_string());
                    let arguments = self.arguments(node);
                    return match arguments.first().map(|a| self.eval(*a)) {
                        Some(Sym::OwnCredentials(_)) => Sym::OwnCredentials(Box::new(client)),
                        _ => client,
                    };
                }
                Sym::Unknown
            }
            _ => Sym::Unknown,
        }
    }

    fn eval_new(&self, node: Node<'_>) -> Sym {
        let client = self.eval_new_client(node);
        // `new S3Client({ credentials: ... })`, v2 `new AWS.S3({ accessKeyId })`:
        // the client signs with credentials of its own.
        let config = self.arguments(node).first().copied();
        let own = matches!(client, Sym::Client(_) | Sym::DocumentClient)
            && ["credentials", "accessKeyId", "sessionToken"]
                .iter()
                .any(|key| config.and_then(|c| self.member(Some(c), key)).is_some());
        if own {
            Sym::OwnCredentials(Box::new(client))
        } else {
            client
        }
    }

    fn eval_new_client(&self, node: Node<'_>) -> Sym {
        let Some(constructor) = node.child_by_field_name("constructor") else {
            return Sym::Unknown;
        };
        let text = self.text(constructor);
        if constructor.kind() == "identifier" {
            let Some((package, name)) = self.imported(constructor) else {
                return Sym::Unknown;
            };
            if let Some(suffix) = package.strip_prefix("@aws-sdk/client-") {
                return table()
                    .service_of_js_package(suffix)
                    .map_or(Sym::Unknown, |s| Sym::Client(s.name.to_string()));
            }
            if let Some(class) = package.strip_prefix("aws-sdk/clients/") {
                if name == "DocumentClient" || (class == "dynamodb" && text == "DocumentClient") {
                    return Sym::DocumentClient;
                }
                return table()
                    .services
                    .iter()
                    .find(|s| {
                        s.service_id.replace('_', "").eq_ignore_ascii_case(class) || s.name == class
                    })
                    .map_or(Sym::Unknown, |s| Sym::Client(s.name.to_string()));
            }
            if package == "aws-sdk" {
                return table()
                    .service_of_js_v2_class(name)
                    .map_or(Sym::Unknown, |s| Sym::Client(s.name.to_string()));
            }
            return Sym::Unknown;
        }
        // `new AWS.S3()`, `new AWS.DynamoDB.DocumentClient()`.
        let parts: Vec<&str> = text.split('.').collect();
        let namespace = parts
            .first()
            .and_then(|p| self.imports.get(*p))
            .is_some_and(|(package, _)| package == "aws-sdk");
        if !namespace {
            return Sym::Unknown;
        }
        match parts.as_slice() {
            [_, "DynamoDB", "DocumentClient"] => Sym::DocumentClient,
            [_, class] => table()
                .service_of_js_v2_class(class)
                .map_or(Sym::Unknown, |s| Sym::Client(s.name.to_string())),
            _ => Sym::Unknown,
        }
    }

    /// The object literal a name holds where `use_site` reads it: the last
    /// assignment before it in the innermost function that assigns the
    /// name and encloses the use.
    fn object_of(&self, use_site: Node<'_>) -> Option<Node<'t>> {
        let assigned = self.objects.get(self.text(use_site))?;
        let scope_of = |node: Node<'_>| {
            let mut current = node.parent();
            while let Some(n) = current {
                if matches!(
                    n.kind(),
                    "function_declaration"
                        | "function_expression"
                        | "arrow_function"
                        | "method_definition"
                        | "function"
                ) {
                    return Some(n.byte_range());
                }
                current = n.parent();
            }
            None
        };
        let encloses = |scope: &Option<std::ops::Range<usize>>| match scope {
            None => true,
            Some(range) => range.contains(&use_site.start_byte()),
        };
        let best = assigned
            .iter()
            .filter(|n| encloses(&scope_of(**n)))
            .filter(|n| n.start_byte() < use_site.start_byte())
            .max_by_key(|n| (scope_of(**n).map_or(0, |r| r.start), n.start_byte()))?;
        (best.kind() == "object").then_some(*best)
    }

    /// The value of member `key` of an object literal argument (or of a
    /// name bound to one).
    fn member(&self, object: Option<Node<'_>>, key: &str) -> Option<Sym> {
        let object = object?;
        let object = match object.kind() {
            "identifier" => match self.object_of(object) {
                Some(node) => node,
                None => return Some(Sym::Unknown),
            },
            "object" => object,
            _ => return Some(Sym::Unknown),
        };
        let mut spread = false;
        for part in named_children(object) {
            match part.kind() {
                "pair" => {
                    let Some(k) = part.child_by_field_name("key") else {
                        continue;
                    };
                    let name = self.string(k).unwrap_or_else(|| self.text(k).to_string());
                    if name == key {
                        return part.child_by_field_name("value").map(|v| self.eval(v));
                    }
                }
                "shorthand_property_identifier" if self.text(part) == key => {
                    return Some(self.bindings.get(key).cloned().unwrap_or(Sym::Unknown));
                }
                "spread_element" => spread = true,
                _ => {}
            }
        }
        if spread { Some(Sym::Unknown) } else { None }
    }

    fn arguments<'n>(&self, node: Node<'n>) -> Vec<Node<'n>> {
        node.child_by_field_name("arguments")
            .map(|a| {
                named_children(a)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .collect()
            })
            .unwrap_or_default()
    }

    fn push(
        &self,
        out: &mut FileCalls,
        node: Node<'_>,
        service: &str,
        operation: &str,
        object: Option<Node<'_>>,
    ) {
        let Some(op) = table().by_name(service, operation) else {
            return;
        };
        let at = site(node, self.source, self.file);
        let argument = |member: &str| {
            if member == "Entries.EventBusName" {
                let entries = object
                    .and_then(|o| self.object_literal(o))
                    .and_then(|o| self.member_node(o, "Entries"))
                    .filter(|e| e.kind() == "array")?;
                let mut buses = named_children(entries).into_iter().map(|entry| {
                    self.member(Some(entry), "EventBusName")
                        .unwrap_or_else(|| Sym::Str("default".to_string()))
                });
                let first = buses.next()?;
                return Some(buses.fold(first, Sym::join));
            }
            if member == "TableName"
                && let Some(Sym::Unknown) | None = self.member(object, "TableName")
                && let Some(items) = self.request_items(object)
            {
                return Some(items);
            }
            self.member(object, member)
        };
        out.calls.push(call(at, op, &argument));
    }

    /// The table of a `RequestItems` object with one computed key
    /// (`{[process.env.TABLE]: ...}`).
    fn request_items(&self, object: Option<Node<'_>>) -> Option<Sym> {
        let object = object.filter(|o| o.kind() == "object")?;
        let items = named_children(object).into_iter().find(|p| {
            p.kind() == "pair"
                && p.child_by_field_name("key")
                    .is_some_and(|k| self.text(k) == "RequestItems")
        })?;
        let value = items
            .child_by_field_name("value")
            .filter(|v| v.kind() == "object")?;
        let pairs: Vec<Node<'_>> = named_children(value)
            .into_iter()
            .filter(|p| p.kind() == "pair")
            .collect();
        let [pair] = pairs.as_slice() else {
            return Some(Sym::Unknown);
        };
        let key = pair.child_by_field_name("key")?;
        Some(match key.kind() {
            "computed_property_name" => named_children(key)
                .first()
                .map_or(Sym::Unknown, |k| self.eval(*k)),
            _ => self
                .string(key)
                .map_or_else(|| Sym::Str(self.text(key).to_string()), Sym::Str),
        })
    }

    /// Whether a command built at `node` is sent, right there, by a client
    /// with credentials of its own (`client.send(new GetCommand(...))`).
    fn sent_with_own_credentials(&self, node: Node<'_>) -> bool {
        let Some(call) = node.parent().and_then(|a| a.parent()) else {
            return false;
        };
        call.kind() == "call_expression"
            && call
                .child_by_field_name("function")
                .filter(|f| f.kind() == "member_expression")
                .is_some_and(|f| {
                    f.child_by_field_name("property")
                        .is_some_and(|p| self.text(p) == "send")
                        && f.child_by_field_name("object")
                            .is_some_and(|o| matches!(self.eval(o), Sym::OwnCredentials(_)))
                })
    }

    fn call(&self, node: Node<'_>, out: &mut FileCalls) {
        let before = out.calls.len();
        let own = self.call_at(node, out);
        if own {
            for call in &mut out.calls[before..] {
                call.own_credentials = true;
            }
        }
    }

    /// Records the call at `node`; whether its client has credentials of
    /// its own.
    fn call_at(&self, node: Node<'_>, out: &mut FileCalls) -> bool {
        match node.kind() {
            "new_expression" => {
                let Some(constructor) = node.child_by_field_name("constructor") else {
                    return false;
                };
                let Some((package, name)) = self.imported(constructor) else {
                    return false;
                };
                let first = self.arguments(node).first().copied();
                if package == "@aws-sdk/lib-storage" && name == "Upload" {
                    let params = first.and_then(|o| self.member_node(o, "params"));
                    self.push(out, node, "s3", "PutObject", params);
                    return false;
                }
                let Some(command) = name.strip_suffix("Command") else {
                    return false;
                };
                if package == "@aws-sdk/lib-dynamodb" {
                    if let Some(op) = document_operation(command) {
                        self.push(out, node, "dynamodb", op, first);
                    }
                } else if let Some(suffix) = package.strip_prefix("@aws-sdk/client-")
                    && let Some(service) = table().service_of_js_package(suffix)
                {
                    self.push(out, node, service.name, command, first);
                }
                self.sent_with_own_credentials(node)
            }
            "call_expression" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return false;
                };
                let arguments = self.arguments(node);
                if function.kind() == "identifier" {
                    // `paginateListObjectsV2(config, input)`
                    if let Some((package, name)) = self.imported(function)
                        && let Some(op) = name.strip_prefix("paginate")
                    {
                        if package == "@aws-sdk/lib-dynamodb" {
                            if let Some(op) = document_operation(op) {
                                self.push(out, node, "dynamodb", op, arguments.get(1).copied());
                            }
                        } else if let Some(suffix) = package.strip_prefix("@aws-sdk/client-")
                            && let Some(service) = table().service_of_js_package(suffix)
                        {
                            self.push(out, node, service.name, op, arguments.get(1).copied());
                        }
                    }
                    return false;
                }
                if function.kind() != "member_expression" {
                    return false;
                }
                let (Some(object), Some(property)) = (
                    function.child_by_field_name("object"),
                    function.child_by_field_name("property"),
                ) else {
                    return false;
                };
                let method = self.text(property);
                let (client, own) = match self.eval(object) {
                    Sym::OwnCredentials(client) => (*client, true),
                    client => (client, false),
                };
                match client {
                    Sym::DocumentClient => {
                        if let Some(op) = document_operation(method) {
                            self.push(out, node, "dynamodb", op, arguments.first().copied());
                        }
                    }
                    Sym::Client(service) => {
                        if matches!(method, "send" | "destroy" | "middlewareStack" | "config") {
                            return false;
                        }
                        if service == "s3" && method == "upload" {
                            self.push(out, node, "s3", "PutObject", arguments.first().copied());
                            return false;
                        }
                        if service == "s3" && method == "getSignedUrl" {
                            if let Some(op) = arguments.first().and_then(|a| self.string(*a)) {
                                self.push(out, node, "s3", &op, arguments.get(1).copied());
                            }
                            return false;
                        }
                        self.push(out, node, &service, method, arguments.first().copied());
                    }
                    _ => {}
                }
                own
            }
            _ => false,
        }
    }

    fn member_node<'n>(&self, object: Node<'n>, key: &str) -> Option<Node<'n>> {
        if object.kind() != "object" {
            return None;
        }
        named_children(object).into_iter().find_map(|p| {
            (p.kind() == "pair"
                && p.child_by_field_name("key")
                    .is_some_and(|k| self.text(k) == key))
            .then(|| p.child_by_field_name("value"))
            .flatten()
        })
    }
}
