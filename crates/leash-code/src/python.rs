//! Python (boto3): clients, resources, paginators and S3 transfer helpers.

use std::collections::HashMap;

use tree_sitter::Node;

use crate::calls::call;
use crate::sdk::table;
use crate::syntax::{each_node, named_children, parse_file, site, text};
use crate::value::{Gap, RawCall, Sym};

/// What one Python file calls.
#[derive(Debug, Default)]
pub struct FileCalls {
    pub calls: Vec<RawCall>,
    pub gaps: Vec<Gap>,
    /// Modules imported by a plain name (`import x`, `from x import y`),
    /// first component: those found beside the file are read too.
    pub imports: Vec<String>,
}

struct Reader<'s> {
    source: &'s str,
    file: &'s str,
    bindings: HashMap<String, Sym>,
    /// The services whose clients the file creates.
    services: Vec<String>,
    /// Names imported from boto3 (`from boto3 import client`) and what
    /// they are there.
    boto3_names: HashMap<String, String>,
}

/// Reads one Python file.
pub fn read(source: &str, file: &str) -> FileCalls {
    let mut out = FileCalls::default();
    let tree = match parse_file(source, &tree_sitter_python::LANGUAGE.into(), file) {
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
        bindings: HashMap::new(),
        services: Vec::new(),
        boto3_names: HashMap::new(),
    };
    each_node(root, |node| {
        if node.kind() == "import_from_statement"
            && let Some(module) = node.child_by_field_name("module_name")
            && matches!(text(module, source), "boto3" | "boto3.session")
        {
            let mut cursor = node.walk();
            for name in node.children_by_field_name("name", &mut cursor) {
                let (imported, alias) = match name.kind() {
                    "aliased_import" => (
                        name.child_by_field_name("name").map(|n| text(n, source)),
                        name.child_by_field_name("alias").map(|n| text(n, source)),
                    ),
                    _ => (Some(text(name, source)), Some(text(name, source))),
                };
                if let (Some(imported), Some(alias)) = (imported, alias) {
                    reader
                        .boto3_names
                        .insert(alias.to_string(), imported.to_string());
                }
            }
        }
    });
    // Assignments, three rounds so that a name bound from another name
    // bound later in the file is known.
    for _ in 0..3 {
        let mut bindings: HashMap<String, Sym> = HashMap::new();
        each_node(root, |node| {
            for (name, value) in reader.assignments(node) {
                let joined = match bindings.remove(&name) {
                    Some(previous) => previous.join(value),
                    None => value,
                };
                bindings.insert(name, joined);
            }
        });
        reader.bindings = bindings;
    }
    let mut services = Vec::new();
    each_node(root, |node| {
        if node.kind() == "call"
            && let Sym::Client(service) = reader.eval(node)
            && !services.contains(&service)
        {
            services.push(service);
        }
    });
    reader.services = services;
    each_node(root, |node| match node.kind() {
        "call" => reader.call(node, &mut out),
        "import_statement" | "import_from_statement" => {
            if let Some(module) = node.child_by_field_name("module_name") {
                let name = text(module, source);
                if !name.starts_with('.') || name.len() > 1 {
                    let first = name.trim_start_matches('.').split('.').next().unwrap_or("");
                    out.imports.push(first.to_string());
                }
            } else {
                for child in named_children(node) {
                    if child.kind() == "dotted_name" {
                        out.imports.push(
                            text(child, source)
                                .split('.')
                                .next()
                                .unwrap_or("")
                                .to_string(),
                        );
                    }
                }
            }
        }
        _ => {}
    });
    out
}

impl<'s> Reader<'s> {
    fn text(&self, node: Node<'_>) -> &'s str {
        text(node, self.source)
    }

    /// The names a node binds and their values.
    fn assignments(&self, node: Node<'_>) -> Vec<(String, Sym)> {
        match node.kind() {
            "assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return Vec::new();
                };
                match left.kind() {
                    "identifier" | "attribute" => {
                        vec![(self.text(left).to_string(), self.eval(right))]
                    }
                    _ => Vec::new(),
                }
            }
            "with_item" => {
                // `with x as y`: y is unknown unless it is x itself.
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn string(&self, node: Node<'_>) -> Option<String> {
        if node.kind() != "string" {
            return None;
        }
        let mut content = String::new();
        for child in named_children(node) {
            match child.kind() {
                "string_content" => content.push_str(self.text(child)),
                "string_start" | "string_end" => {}
                _ => return None,
            }
        }
        Some(content)
    }

    /// The positional arguments and keyword arguments of a call.
    fn arguments<'t>(&self, node: Node<'t>) -> (Vec<Node<'t>>, Vec<(&'s str, Node<'t>)>) {
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        if let Some(arguments) = node.child_by_field_name("arguments") {
            for argument in named_children(arguments) {
                match argument.kind() {
                    "keyword_argument" => {
                        if let (Some(name), Some(value)) = (
                            argument.child_by_field_name("name"),
                            argument.child_by_field_name("value"),
                        ) {
                            keywords.push((self.text(name), value));
                        }
                    }
                    "comment" => {}
                    _ => positional.push(argument),
                }
            }
        }
        (positional, keywords)
    }

    fn environment_name(&self, node: Node<'_>) -> Option<String> {
        self.string(node)
    }

    fn eval(&self, node: Node<'_>) -> Sym {
        match node.kind() {
            "string" => self.string(node).map_or(Sym::Unknown, Sym::Str),
            "none" => Sym::Nothing,
            "parenthesized_expression" => named_children(node)
                .first()
                .map_or(Sym::Unknown, |n| self.eval(*n)),
            "identifier" => {
                let name = self.text(node);
                if name == "boto3" {
                    return Sym::Namespace;
                }
                self.bindings.get(name).cloned().unwrap_or(Sym::Unknown)
            }
            "attribute" => {
                if let Some(bound) = self.bindings.get(self.text(node)) {
                    return bound.clone();
                }
                let (Some(object), Some(attribute)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("attribute"),
                ) else {
                    return Sym::Unknown;
                };
                match (self.eval(object), self.text(attribute)) {
                    (Sym::SubResource(service, "Bucket", name), "objects") => {
                        Sym::SubResource(service, "Objects", name)
                    }
                    (Sym::Namespace, "session") => Sym::Namespace,
                    _ => Sym::Unknown,
                }
            }
            "subscript" => {
                let (Some(value), Some(subscript)) = (
                    node.child_by_field_name("value"),
                    node.child_by_field_name("subscript"),
                ) else {
                    return Sym::Unknown;
                };
                if matches!(self.text(value), "os.environ" | "environ") {
                    return self
                        .environment_name(subscript)
                        .map_or(Sym::Unknown, Sym::Env);
                }
                Sym::Unknown
            }
            "call" => self.eval_call(node),
            "await" => named_children(node)
                .first()
                .map_or(Sym::Unknown, |n| self.eval(*n)),
            _ => Sym::Unknown,
        }
    }

    fn eval_call(&self, node: Node<'_>) -> Sym {
        let Some(function) = node.child_by_field_name("function") else {
            return Sym::Unknown;
        };
        let (positional, keywords) = self.arguments(node);
        let first = |keyword: &str| {
            keywords
                .iter()
                .find(|(k, _)| *k == keyword)
                .map(|(_, v)| *v)
                .or_else(|| positional.first().copied())
        };
        let function_text = self.text(function);
        if matches!(
            function_text,
            "os.getenv" | "getenv" | "os.environ.get" | "environ.get"
        ) {
            return positional
                .first()
                .and_then(|n| self.environment_name(*n))
                .map_or(Sym::Unknown, Sym::Env);
        }
        if function_text == "str" {
            return positional.first().map_or(Sym::Unknown, |n| self.eval(*n));
        }
        // `from boto3 import client`: `client('s3')`.
        let (receiver, method) = if function.kind() == "identifier"
            && let Some(imported) = self.boto3_names.get(function_text)
        {
            (Sym::Namespace, imported.as_str())
        } else {
            if function.kind() != "attribute" {
                return Sym::Unknown;
            }
            let (Some(object), Some(attribute)) = (
                function.child_by_field_name("object"),
                function.child_by_field_name("attribute"),
            ) else {
                return Sym::Unknown;
            };
            (self.eval(object), self.text(attribute))
        };
        match (receiver, method) {
            (Sym::Namespace, "client") => first("service_name")
                .and_then(|n| self.string(n))
                .map_or(Sym::Unknown, Sym::Client),
            (Sym::Namespace, "resource") => first("service_name")
                .and_then(|n| self.string(n))
                .map_or(Sym::Unknown, Sym::Resource),
            (Sym::Namespace, "Session") => Sym::Namespace,
            (Sym::Client(service), "get_paginator") => positional
                .first()
                .and_then(|n| self.string(*n))
                .map_or(Sym::Unknown, |m| Sym::Paginator(service, m)),
            (Sym::Resource(service), kind @ ("Table" | "Bucket" | "Queue" | "Topic")) => {
                let kind: &'static str = match kind {
                    "Table" => "Table",
                    "Bucket" => "Bucket",
                    "Queue" => "Queue",
                    _ => "Topic",
                };
                let name = positional.first().map_or(Sym::Unknown, |n| self.eval(*n));
                Sym::SubResource(service, kind, Box::new(name))
            }
            (Sym::Resource(service), "Object") => {
                let name = first("bucket_name").map_or(Sym::Unknown, |n| self.eval(n));
                Sym::SubResource(service, "Object", Box::new(name))
            }
            (Sym::SubResource(service, "Bucket", name), "Object") => {
                Sym::SubResource(service, "Object", name)
            }
            (Sym::Resource(service), "get_queue_by_name") => {
                let name = first("QueueName").map_or(Sym::Unknown, |n| self.eval(n));
                Sym::SubResource(service, "QueueName", Box::new(name))
            }
            (Sym::SubResource(service, "Table", name), "batch_writer") => {
                Sym::SubResource(service, "BatchWriter", name)
            }
            _ => Sym::Unknown,
        }
    }

    fn call(&self, node: Node<'_>, out: &mut FileCalls) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        if function.kind() != "attribute" {
            return;
        }
        let (Some(object), Some(attribute)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let method = self.text(attribute);
        let (positional, keywords) = self.arguments(node);
        let keyword = |name: &str| {
            keywords
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| self.eval(*v))
        };
        let at = site(node, self.source, self.file);
        let receiver = self.eval(object);
        if matches!(receiver, Sym::Namespace) && matches!(method, "client" | "resource") {
            let name = keywords
                .iter()
                .find(|(k, _)| *k == "service_name")
                .map(|(_, v)| *v)
                .or_else(|| positional.first().copied());
            match name.and_then(|n| self.string(n)) {
                Some(service) if table().service(&service).is_none() => out.gaps.push(Gap {
                    site: Some(at),
                    reason: format!("service `{service}` is not in the SDK table"),
                }),
                Some(_) => {}
                None => out.gaps.push(Gap {
                    site: Some(at),
                    reason: "a client built from a service name the code computes".to_string(),
                }),
            }
            return;
        }
        let push = |out: &mut FileCalls,
                    service: &str,
                    op_method: &str,
                    argument: &dyn Fn(&str) -> Option<Sym>| {
            if let Some(operation) = table().by_method(service, op_method) {
                out.calls.push(call(at.clone(), operation, argument));
            }
        };
        let positional_at = |index: usize| positional.get(index).map(|n| self.eval(*n));
        match receiver {
            Sym::Client(service) => match (service.as_str(), method) {
                ("s3", "upload_file" | "upload_fileobj") => {
                    let bucket = keyword("Bucket").or_else(|| positional_at(1));
                    push(out, "s3", "put_object", &|m| {
                        if m == "Bucket" { bucket.clone() } else { None }
                    });
                }
                ("s3", "download_file" | "download_fileobj") => {
                    let bucket = keyword("Bucket").or_else(|| positional_at(0));
                    push(out, "s3", "get_object", &|m| {
                        if m == "Bucket" { bucket.clone() } else { None }
                    });
                }
                ("s3", "copy") => {
                    let bucket = keyword("Bucket").or_else(|| positional_at(1));
                    push(out, "s3", "copy_object", &|m| {
                        if m == "Bucket" { bucket.clone() } else { None }
                    });
                }
                (_, "generate_presigned_url" | "generate_presigned_post") => {
                    let client_method = if method == "generate_presigned_post" {
                        Some("put_object".to_string())
                    } else {
                        keywords
                            .iter()
                            .find(|(k, _)| *k == "ClientMethod")
                            .map(|(_, v)| *v)
                            .or_else(|| positional.first().copied())
                            .and_then(|n| self.string(n))
                    };
                    let params = keywords
                        .iter()
                        .find(|(k, _)| *k == "Params")
                        .map(|(_, v)| *v);
                    let bucket = if method == "generate_presigned_post" {
                        keyword("Bucket").or_else(|| positional_at(0))
                    } else {
                        params.and_then(|p| self.dict_member(p, "Bucket"))
                    };
                    match client_method {
                        Some(m) => push(out, &service, &m, &|member| {
                            if member == "Bucket" {
                                bucket.clone()
                            } else {
                                None
                            }
                        }),
                        None => out.gaps.push(Gap {
                            site: Some(at.clone()),
                            reason: "a presigned URL for an operation the code computes"
                                .to_string(),
                        }),
                    }
                }
                (_, "get_paginator" | "get_waiter" | "can_paginate" | "close") => {}
                _ => {
                    let args = |member: &str| self.argument(member, &keywords);
                    push(out, &service, method, &args);
                }
            },
            Sym::Paginator(service, op_method) if method == "paginate" => {
                let args = |member: &str| self.argument(member, &keywords);
                push(out, &service, &op_method, &args);
            }
            Sym::SubResource(service, kind, name) => {
                let name = *name;
                let op = match (kind, method) {
                    (
                        "Table",
                        "put_item" | "get_item" | "update_item" | "delete_item" | "query" | "scan",
                    ) => method,
                    ("BatchWriter", "put_item" | "delete_item") => "batch_write_item",
                    ("Bucket", "put_object" | "upload_file" | "upload_fileobj") => "put_object",
                    ("Bucket", "download_file" | "download_fileobj") => "get_object",
                    ("Bucket", "delete_objects") => "delete_objects",
                    ("Bucket", "copy") => "copy_object",
                    ("Objects", "all" | "filter" | "limit" | "page_size") => "list_objects",
                    ("Objects", "delete") => "delete_objects",
                    ("Object", "get" | "download_file" | "download_fileobj" | "load") => {
                        "get_object"
                    }
                    ("Object", "put" | "upload_file" | "upload_fileobj") => "put_object",
                    ("Object", "delete") => "delete_object",
                    ("Object", "copy_from") => "copy_object",
                    ("Queue" | "QueueName", "send_message") => "send_message",
                    ("Queue" | "QueueName", "send_messages") => "send_message_batch",
                    ("Queue" | "QueueName", "receive_messages") => "receive_message",
                    ("Queue" | "QueueName", "delete_messages") => "delete_message_batch",
                    ("Topic", "publish") => "publish",
                    _ => return,
                };
                if kind == "QueueName" {
                    // A queue found by name: the name, not a URL.
                    push(out, &service, op, &|_| Some(Sym::Unknown));
                } else {
                    push(out, &service, op, &|_| Some(name.clone()));
                }
            }
            Sym::Unknown if matches!(object.kind(), "identifier" | "attribute") => {
                // A client passed as an argument or kept where the reading
                // loses it: the one service of the file's clients that has
                // this method.
                let mut owners = self
                    .services
                    .iter()
                    .filter(|s| table().by_method(s, method).is_some());
                if let (Some(service), None) = (owners.next(), owners.next()) {
                    let args = |member: &str| self.argument(member, &keywords);
                    push(out, service, method, &args);
                }
            }
            _ => {}
        }
    }

    /// The value given for an input member: a keyword argument, or inside
    /// the dict of `RequestItems` (its first key names the table).
    fn argument(&self, member: &str, keywords: &[(&str, Node<'_>)]) -> Option<Sym> {
        if member == "Entries.EventBusName" {
            let entries = keywords
                .iter()
                .find(|(k, _)| *k == "Entries")
                .map(|(_, v)| *v)?;
            if entries.kind() != "list" {
                return Some(Sym::Unknown);
            }
            let mut buses = named_children(entries).into_iter().map(|entry| {
                self.dict_member(entry, "EventBusName")
                    .unwrap_or_else(|| Sym::Str("default".to_string()))
            });
            let first = buses.next()?;
            return Some(buses.fold(first, Sym::join));
        }
        if let Some((_, value)) = keywords.iter().find(|(k, _)| *k == member) {
            return Some(self.eval(*value));
        }
        if member == "TableName"
            && let Some((_, items)) = keywords.iter().find(|(k, _)| *k == "RequestItems")
        {
            return Some(self.dict_first_key(*items));
        }
        if keywords.iter().any(|(k, _)| k.starts_with("**")) {
            return Some(Sym::Unknown);
        }
        None
    }

    fn dict_member(&self, node: Node<'_>, key: &str) -> Option<Sym> {
        if node.kind() != "dictionary" {
            return None;
        }
        named_children(node).into_iter().find_map(|pair| {
            let k = pair.child_by_field_name("key")?;
            (self.string(k).as_deref() == Some(key))
                .then(|| pair.child_by_field_name("value").map(|v| self.eval(v)))
                .flatten()
        })
    }

    fn dict_first_key(&self, node: Node<'_>) -> Sym {
        let node = if node.kind() == "identifier" {
            return Sym::Unknown;
        } else {
            node
        };
        if node.kind() != "dictionary" {
            return Sym::Unknown;
        }
        let mut keys = named_children(node)
            .into_iter()
            .filter_map(|pair| pair.child_by_field_name("key"))
            .map(|k| self.eval(k));
        match (keys.next(), keys.next()) {
            (Some(key), None) => key,
            _ => Sym::Unknown,
        }
    }
}
