//! A template's functions, their code, and what the code calls, traced to
//! the template's resources.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use leash_iac::{ParameterDefaults, ResolveContext, Template, resolve_with};
use leash_policy::{Member, Span, Value, ValueKind};

use crate::sdk::{actions_of, table};
use crate::value::{Gap, RawCall, Site, Sym};
use crate::{go, java, javascript, python};

/// The language a function's code is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Java,
    Go,
}

/// One SDK call of a function, with what it needs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Need {
    pub function: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// `service.method`, e.g. `dynamodb.put_item`.
    pub call: String,
    pub actions: Vec<String>,
    /// The resource's ARN as the template would write it, or null.
    pub resource: Option<String>,
    /// The logical id of the template resource the call acts on.
    pub resource_id: Option<String>,
    /// Whether the resource is known (or the action takes none).
    pub resolved: bool,
    /// Why the resource is not resolved, or why none is needed.
    pub reason: Option<String>,
    /// Whether the call's client has credentials of its own: the call does
    /// not run as the function's role.
    pub own_credentials: bool,
}

/// A function and what its code calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionNeeds {
    pub function: String,
    pub language: Option<Language>,
    /// Files read, relative to the template's folder.
    pub files: Vec<String>,
    pub needs: Vec<Need>,
    /// What kept calls from being found.
    pub gaps: Vec<Gap>,
}

impl FunctionNeeds {
    /// Every call found and resolved, and no gap.
    pub fn complete(&self) -> bool {
        self.gaps.is_empty() && self.needs.iter().all(|n| n.resolved)
    }
}

/// What each Lambda function of `template` (read from `template_path`)
/// calls.
pub fn template_needs(template: &Template, template_path: &Path) -> Vec<FunctionNeeds> {
    let folder = template_path.parent().unwrap_or(Path::new("."));
    template
        .resources
        .iter()
        .filter(|r| {
            matches!(
                r.resource_type.node.as_str(),
                "AWS::Serverless::Function" | "AWS::Lambda::Function"
            )
        })
        .map(|r| function_needs(template, template_path, folder, r))
        .collect()
}

fn str_prop<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn function_needs(
    template: &Template,
    template_path: &Path,
    folder: &Path,
    resource: &leash_iac::Resource,
) -> FunctionNeeds {
    let properties = &resource.properties;
    let function = resource.logical_id.node.clone();
    let runtime = str_prop(properties, "Runtime").unwrap_or("");
    let mut result = FunctionNeeds {
        function: function.clone(),
        language: None,
        files: Vec::new(),
        needs: Vec::new(),
        gaps: Vec::new(),
    };
    let build_method = resource
        .metadata
        .as_ref()
        .and_then(|m| str_prop(m, "BuildMethod"))
        .unwrap_or("");
    let language = if runtime.starts_with("python") {
        Some(Language::Python)
    } else if runtime.starts_with("nodejs") {
        Some(Language::JavaScript)
    } else if runtime.starts_with("java") {
        Some(Language::Java)
    } else if runtime.starts_with("go")
        || (runtime.starts_with("provided") && build_method == "go1.x")
    {
        // A Go function on an OS-only runtime is built by `sam build` with
        // `Metadata: BuildMethod: go1.x`.
        Some(Language::Go)
    } else {
        None
    };
    let Some(mut language) = language else {
        let reason = if runtime.is_empty() {
            "no `Runtime` (a container image or a custom runtime): the code is not read".to_string()
        } else {
            format!(
                "runtime `{runtime}`: leash reads Python, JavaScript/TypeScript, Java and Go code only"
            )
        };
        result.gaps.push(Gap { site: None, reason });
        return result;
    };
    let template_name = template_path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let inline = str_prop(properties, "InlineCode").or_else(|| {
        properties
            .get("Code")
            .and_then(|c| c.get("ZipFile"))
            .and_then(Value::as_str)
    });
    let mut raw: Vec<RawCall> = Vec::new();
    if let Some(code) = inline {
        // The code's first line is the one after the block scalar's `|`.
        let code_value = properties
            .get("InlineCode")
            .or_else(|| properties.get("Code").and_then(|c| c.get("ZipFile")));
        let line_offset = template.source.as_deref().map_or(0, |s| {
            line_of(s, code_value.map_or(Span::default(), |v| v.span).start)
        });
        let file = template_name.clone();
        let gaps_before = result.gaps.len();
        let mut calls = read_file(language, code, &file, &mut result.gaps).0;
        for c in &mut calls {
            c.site.line += line_offset;
        }
        for gap in &mut result.gaps[gaps_before..] {
            if let Some(site) = &mut gap.site {
                site.line += line_offset;
            }
        }
        raw.extend(calls);
        result.files.push(file);
    } else {
        let code_uri = str_prop(properties, "CodeUri").or_else(|| {
            properties
                .get("Code")
                .and_then(|c| c.get("S3Key"))
                .and_then(Value::as_str)
        });
        let handler = str_prop(properties, "Handler").unwrap_or("");
        // Without `CodeUri`, `sam build` takes the template's folder.
        let code_uri = code_uri.unwrap_or(".");
        if code_uri.starts_with("s3://")
            || properties
                .get("CodeUri")
                .is_some_and(|c| c.as_str().is_none())
        {
            result.gaps.push(Gap {
                site: None,
                reason: "the code is in S3, not in the repository".to_string(),
            });
            return result;
        }
        let code_dir = folder.join(code_uri);
        if matches!(language, Language::Java | Language::Go) {
            let compiled = if language == Language::Java {
                java_files(folder, &code_dir, code_uri, handler, &mut result)
            } else {
                go_files(folder, &code_dir, code_uri, &mut result)
            };
            raw.extend(compiled);
            result.language = Some(language);
            result.needs = raw
                .into_iter()
                .map(|c| trace(template, resource, &function, c))
                .collect();
            return result;
        }
        let Some((module, _)) = handler.rsplit_once('.') else {
            result.gaps.push(Gap {
                site: None,
                reason: format!("handler `{handler}` names no module"),
            });
            return result;
        };
        let candidates: &[(&str, Language)] = match language {
            Language::Python => &[("py", Language::Python)],
            _ => &[
                ("js", Language::JavaScript),
                ("mjs", Language::JavaScript),
                ("cjs", Language::JavaScript),
                ("ts", Language::TypeScript),
            ],
        };
        let module_path = if language == Language::Python {
            module.replace('.', "/")
        } else {
            module.to_string()
        };
        // `CodeUri` may name the handler's file itself.
        let single = code_dir.is_file().then(|| {
            let lang = if code_dir.extension().is_some_and(|e| e == "ts") {
                Language::TypeScript
            } else {
                language
            };
            (code_dir.clone(), lang)
        });
        let found = single.or_else(|| {
            candidates.iter().find_map(|(ext, lang)| {
                let path = code_dir.join(format!("{module_path}.{ext}"));
                path.is_file().then_some((path, *lang))
            })
        });
        let Some((entry, entry_language)) = found else {
            result.gaps.push(Gap {
                site: None,
                reason: format!("handler module `{module_path}` not found in `{code_uri}`"),
            });
            return result;
        };
        language = entry_language;
        let mut queue: Vec<(PathBuf, Language)> = vec![(entry, language)];
        let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
        while let Some((path, lang)) = queue.pop() {
            if seen.contains(&path) {
                continue;
            }
            if seen.len() >= MAX_FILES {
                result.gaps.push(too_many_files(&path, folder));
                continue;
            }
            seen.insert(path.clone());
            let shown = relative(&path, folder);
            let Ok(code) = std::fs::read_to_string(&path) else {
                result.gaps.push(Gap {
                    site: None,
                    reason: format!("`{shown}` cannot be read"),
                });
                continue;
            };
            let (calls, imports) = read_file(lang, &code, &shown, &mut result.gaps);
            raw.extend(calls);
            result.files.push(shown);
            let dir = path.parent().unwrap_or(Path::new("."));
            for import in imports {
                if let Some(found) = local_module(lang, dir, &code_dir, &import) {
                    queue.push(found);
                }
            }
        }
    }
    result.language = Some(language);
    result.needs = raw
        .into_iter()
        .map(|c| trace(template, resource, &function, c))
        .collect();
    result
}

/// The most files read for one function: the handler and what it uses.
const MAX_FILES: usize = 20;

fn too_many_files(path: &Path, folder: &Path) -> Gap {
    Gap {
        site: None,
        reason: format!(
            "`{}` is not read: the function's code uses more than {MAX_FILES} files",
            relative(path, folder)
        ),
    }
}

/// The Java source root of a function: `CodeUri` as a Maven or Gradle
/// project (`src/main/java`), or, when `CodeUri` is the built archive
/// (`target/app.zip`, `build/distributions/app.zip`), the project around
/// it up to the template's folder.
fn java_roots(folder: &Path, code_dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if code_dir.is_dir() {
        roots.push(code_dir.join("src/main/java"));
        roots.push(code_dir.to_path_buf());
    } else {
        let mut dir = code_dir.parent();
        while let Some(d) = dir {
            if ["pom.xml", "build.gradle", "build.gradle.kts"]
                .iter()
                .any(|f| d.join(f).is_file())
            {
                roots.push(d.join("src/main/java"));
            }
            if d == folder || d.as_os_str().is_empty() {
                break;
            }
            dir = d.parent();
        }
    }
    roots
}

/// Reads a Java function: the handler's class (`Handler:
/// package.Class::method`), then the classes of the project it imports or
/// names from its own package.
fn java_files(
    folder: &Path,
    code_dir: &Path,
    code_uri: &str,
    handler: &str,
    result: &mut FunctionNeeds,
) -> Vec<RawCall> {
    let class = handler.split("::").next().unwrap_or("");
    let class_path = format!("{}.java", class.replace('.', "/"));
    let roots = java_roots(folder, code_dir);
    let found = roots
        .iter()
        .find(|root| root.join(&class_path).is_file())
        .map(|root| (root.clone(), root.join(&class_path)))
        .or_else(|| {
            // javac does not require a class's folder to match its package:
            // the file of that name that declares the handler's package.
            let (package, simple) = class.rsplit_once('.').unwrap_or(("", class));
            roots.iter().find_map(|root| {
                declaring_file(root, &format!("{simple}.java"), package, 0)
                    .map(|file| (root.clone(), file))
            })
        });
    let Some((root, entry)) = found else {
        result.gaps.push(Gap {
            site: None,
            reason: format!("handler class `{class}` not found in `{code_uri}` (as `src/main/java/{class_path}`)"),
        });
        return Vec::new();
    };
    let mut raw = Vec::new();
    let mut queue: Vec<PathBuf> = vec![entry];
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(path) = queue.pop() {
        if seen.contains(&path) {
            continue;
        }
        if seen.len() >= MAX_FILES {
            result.gaps.push(too_many_files(&path, folder));
            continue;
        }
        seen.insert(path.clone());
        let shown = relative(&path, folder);
        let Ok(code) = std::fs::read_to_string(&path) else {
            result.gaps.push(Gap {
                site: None,
                reason: format!("`{shown}` cannot be read"),
            });
            continue;
        };
        let read = java::read(&code, &shown);
        result.gaps.extend(read.gaps);
        raw.extend(read.calls);
        result.files.push(shown);
        for import in &read.imports {
            if let Some(package) = import.strip_suffix(".*") {
                let dir = root.join(package.replace('.', "/"));
                queue.extend(java_sources(&dir));
            } else {
                let file = root.join(format!("{}.java", import.replace('.', "/")));
                if file.is_file() {
                    queue.push(file);
                }
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        for name in &read.names {
            let file = dir.join(format!("{name}.java"));
            if file.is_file() {
                queue.push(file);
            }
        }
    }
    raw
}

/// The file named `name` under `dir` whose `package` declaration is
/// `package` (the default package: none).
fn declaring_file(dir: &Path, name: &str, package: &str, depth: usize) -> Option<PathBuf> {
    if depth > 12 {
        return None;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if let Some(found) = declaring_file(&path, name, package, depth + 1) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name)
            && let Ok(code) = std::fs::read_to_string(&path)
        {
            let declared = code
                .lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix("package "))
                .map_or("", |p| p.trim_end_matches(';').trim());
            if declared == package {
                return Some(path);
            }
        }
    }
    None
}

/// The `.java` files of a folder, sorted.
fn java_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "java"))
        .collect();
    files.sort();
    files
}

/// Reads a Go function: every `.go` file of its `CodeUri` folder (the
/// `main` package `sam build` compiles; `Handler` is the binary's name),
/// tests excepted.
fn go_files(
    folder: &Path,
    code_dir: &Path,
    code_uri: &str,
    result: &mut FunctionNeeds,
) -> Vec<RawCall> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(code_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "go") && !p.to_string_lossy().ends_with("_test.go")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        result.gaps.push(Gap {
            site: None,
            reason: format!("no `.go` file in `{code_uri}`"),
        });
        return Vec::new();
    }
    let mut raw = Vec::new();
    for path in files.iter().take(MAX_FILES) {
        let shown = relative(path, folder);
        let Ok(code) = std::fs::read_to_string(path) else {
            result.gaps.push(Gap {
                site: None,
                reason: format!("`{shown}` cannot be read"),
            });
            continue;
        };
        let read = go::read(&code, &shown);
        result.gaps.extend(read.gaps);
        raw.extend(read.calls);
        result.files.push(shown);
    }
    for path in files.iter().skip(MAX_FILES) {
        result.gaps.push(too_many_files(path, folder));
    }
    raw
}

fn line_of(source: &str, offset: usize) -> usize {
    source
        .get(..offset)
        .map_or(0, |s| s.matches('\n').count() + 1)
}

fn relative(path: &Path, folder: &Path) -> String {
    let path: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let folder: PathBuf = folder
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    path.strip_prefix(&folder)
        .unwrap_or(&path)
        .to_string_lossy()
        .into_owned()
}

/// A module imported from the same folder (or the code's root folder).
fn local_module(
    language: Language,
    dir: &Path,
    root: &Path,
    import: &str,
) -> Option<(PathBuf, Language)> {
    match language {
        Language::Python => [dir, root].iter().find_map(|d| {
            let file = d.join(format!("{import}.py"));
            let package = d.join(import).join("__init__.py");
            if file.is_file() {
                Some((file, Language::Python))
            } else if package.is_file() {
                Some((package, Language::Python))
            } else {
                None
            }
        }),
        _ => {
            if !import.starts_with('.') {
                return None;
            }
            let base = dir.join(import);
            if base.is_file() {
                let lang = if import.ends_with(".ts") {
                    Language::TypeScript
                } else {
                    Language::JavaScript
                };
                return Some((base, lang));
            }
            for (ext, lang) in [
                ("js", Language::JavaScript),
                ("mjs", Language::JavaScript),
                ("cjs", Language::JavaScript),
                ("ts", Language::TypeScript),
            ] {
                let stem = import.trim_end_matches(".js");
                let file = dir.join(format!("{stem}.{ext}"));
                if file.is_file() {
                    return Some((file, lang));
                }
                let index = dir.join(stem).join(format!("index.{ext}"));
                if index.is_file() {
                    return Some((index, lang));
                }
            }
            None
        }
    }
}

fn read_file(
    language: Language,
    code: &str,
    file: &str,
    gaps: &mut Vec<Gap>,
) -> (Vec<RawCall>, Vec<String>) {
    match language {
        Language::Python => {
            let read = python::read(code, file);
            gaps.extend(read.gaps);
            (read.calls, read.imports)
        }
        Language::JavaScript | Language::TypeScript => {
            let read = javascript::read(code, file, language == Language::TypeScript);
            gaps.extend(read.gaps);
            (read.calls, read.imports)
        }
        Language::Java => {
            let read = java::read(code, file);
            gaps.extend(read.gaps);
            (read.calls, Vec::new())
        }
        Language::Go => {
            let read = go::read(code, file);
            gaps.extend(read.gaps);
            (read.calls, Vec::new())
        }
    }
}

/// The call's resource, through the function's environment, to the
/// template.
fn trace(
    template: &Template,
    function: &leash_iac::Resource,
    function_id: &str,
    call: RawCall,
) -> Need {
    let method = table()
        .by_name(&call.service, &call.operation)
        .map_or_else(|| call.operation.clone(), |o| o.method.to_string());
    let actions = table()
        .by_name(&call.service, &call.operation)
        .map(actions_of)
        .unwrap_or_default();
    let Site { file, line, column } = call.site;
    let own_credentials = call.own_credentials;
    let mut need = Need {
        function: function_id.to_string(),
        file,
        line,
        column,
        call: format!("{}.{method}", call.service),
        actions,
        resource: None,
        resource_id: None,
        resolved: false,
        reason: None,
        own_credentials,
    };
    if let Some(source) = table()
        .by_name(&call.service, &call.operation)
        .and_then(crate::sdk::not_authorized_by_iam)
    {
        need.resolved = true;
        need.reason = Some(format!(
            "IAM does not authorize this operation: it needs no permission of the role ({source})"
        ));
        return need;
    }
    let Some(target) = call.target else {
        need.resolved = true;
        need.reason = Some("the action applies to no specific resource (`*`)".to_string());
        return need;
    };
    let logical_id = match &target {
        Sym::Env(variable) => {
            let value = function
                .properties
                .get("Environment")
                .and_then(|e| e.get("Variables"))
                .and_then(|v| v.get(variable));
            match value {
                None => Err(format!(
                    "environment variable `{variable}` is not set on the function"
                )),
                Some(value) => {
                    match reference_target(value).filter(|id| template.resource(id).is_some()) {
                        Some(id) => Ok(id),
                        None => {
                            // A name written in the template (a literal, a
                            // parameter, a `Fn::Sub`): the name, with symbols
                            // for what only deployment knows.
                            let context = ResolveContext {
                                parameter_defaults: ParameterDefaults::Unknown,
                                ..ResolveContext::default()
                            };
                            let resolution = resolve_with(value, template, &context);
                            match resolution.value.as_str() {
                                Some(text) if resolution.unresolved.is_empty() => {
                                    let text = template.symbols.display(text);
                                    return literal(
                                        template,
                                        need,
                                        &call.service,
                                        &call.operation,
                                        &text,
                                        call.object_level,
                                    );
                                }
                                _ => Err(format!(
                                    "environment variable `{variable}` names no resource of the template"
                                )),
                            }
                        }
                    }
                }
            }
        }
        Sym::Str(text) => {
            return literal(
                template,
                need,
                &call.service,
                &call.operation,
                text,
                call.object_level,
            );
        }
        _ => Err("the resource's name is computed by the code".to_string()),
    };
    match logical_id {
        Err(reason) => need.reason = Some(reason),
        Ok(id) => {
            match arn_of(template, &id) {
                Some(arn) => {
                    let arn = if call.object_level {
                        format!("{arn}/*")
                    } else {
                        arn
                    };
                    need.resource = Some(arn);
                    need.resolved = true;
                }
                None => need.reason = Some(format!("`{id}` has no ARN leash can write")),
            }
            need.resource_id = Some(id);
        }
    }
    need
}

/// The logical id a `Ref`, `Fn::GetAtt` or a `Fn::Sub` of one name points
/// at.
fn reference_target(value: &Value) -> Option<String> {
    if let Some(target) = value.get("Ref").and_then(Value::as_str) {
        return Some(target.to_string());
    }
    if let Some(attribute) = value.get("Fn::GetAtt") {
        if let Some(text) = attribute.as_str() {
            return text.split('.').next().map(str::to_string);
        }
        return attribute.as_array()?.first()?.as_str().map(str::to_string);
    }
    let sub = value.get("Fn::Sub")?.as_str()?;
    let inner = sub.strip_prefix("${")?.strip_suffix('}')?;
    (!inner.contains("${")).then(|| inner.split('.').next().unwrap_or(inner).to_string())
}

/// The resource's ARN with the template's symbols, as the template writes
/// it.
fn arn_of(template: &Template, id: &str) -> Option<String> {
    let span = Span::default();
    let string = |s: &str| Value::new(ValueKind::String(s.to_string()), span);
    let member = |key: &str, value: Value| Member {
        key: leash_policy::Spanned::new(key.to_string(), span),
        value,
    };
    let get_att = Value::new(
        ValueKind::Object(vec![member(
            "Fn::GetAtt",
            Value::new(ValueKind::Array(vec![string(id), string("Arn")]), span),
        )]),
        span,
    );
    let by_ref = Value::new(ValueKind::Object(vec![member("Ref", string(id))]), span);
    // Parameters are symbols, as for the names the environment gives: a
    // default is what one deployment uses, not the value.
    let context = ResolveContext {
        parameter_defaults: ParameterDefaults::Unknown,
        ..ResolveContext::default()
    };
    for value in [get_att, by_ref] {
        if let Some(text) = resolve_with(&value, template, &context).value.as_str()
            && text.starts_with("arn:")
        {
            return Some(template.symbols.display(text));
        }
    }
    None
}

/// A resource the code or the environment names by a literal: its ARN when
/// the name fills the one name of the action's resource type.
fn literal(
    template: &Template,
    mut need: Need,
    service: &str,
    operation: &str,
    text: &str,
    object_level: bool,
) -> Need {
    let arn = if text.starts_with("arn:") {
        Some(text.to_string())
    } else if let Some(rest) = text.strip_prefix("https://sqs.") {
        // A queue URL: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME
        let mut parts = rest.split('/');
        let host = parts.next().unwrap_or("");
        let region = host.split('.').next().unwrap_or("");
        match (parts.next(), parts.next()) {
            (Some(account), Some(name)) if !region.is_empty() => Some(format!(
                "arn:${{AWS::Partition}}:sqs:{region}:{account}:{name}"
            )),
            _ => None,
        }
    } else if service.starts_with("bedrock") && is_inference_profile(text) {
        need.reason = Some(format!(
            "`{text}` is an inference profile: the models and regions it routes to are not known offline"
        ));
        return need;
    } else if service == "secretsmanager" {
        // A secret's ARN ends in `-` and six random characters; a policy
        // names it by its name and `-??????`
        // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html).
        arn_from_template(service, operation, &format!("{text}-??????"))
    } else if service == "ssm" {
        // A parameter's ARN names it without its leading `/`
        // (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html).
        arn_from_template(service, operation, text.strip_prefix('/').unwrap_or(text))
    } else {
        arn_from_template(service, operation, text)
    };
    match arn {
        Some(arn) => {
            // The name of a resource of the template (`TableName: Orders`
            // and the code's `"Orders"`): that resource.
            need.resource_id = template
                .resources
                .iter()
                .map(|r| r.logical_id.node.as_str())
                .find(|id| arn_of(template, id).is_some_and(|a| a == arn))
                .map(str::to_string)
                .or_else(|| resource_named(template, service, text));
            need.resource = Some(if object_level {
                format!("{arn}/*")
            } else {
                arn
            });
            need.resolved = true;
        }
        None => {
            need.reason = Some(format!(
                "the code names `{text}`, and leash cannot tell its ARN"
            ));
        }
    }
    need
}

/// The template resource of the call's service whose name property
/// (`TableName`, `BucketName`, `QueueName`, `Name`, ...) is `text`, the
/// name the code or the environment gives (an ARN or a queue URL: its last
/// part). Parameters are symbols on both sides, so `!Ref BucketNameParam`
/// in the environment names the bucket whose `BucketName` is that
/// parameter.
fn resource_named(template: &Template, service: &str, text: &str) -> Option<String> {
    let name = text
        .rsplit(['/', ':'])
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or(text);
    // The CloudFormation namespaces of each botocore service.
    let namespaces: &[&str] = match service {
        "dynamodb" => &["AWS::DynamoDB::", "AWS::Serverless::SimpleTable"],
        "s3" => &["AWS::S3::"],
        "sqs" => &["AWS::SQS::"],
        "sns" => &["AWS::SNS::"],
        "lambda" => &["AWS::Lambda::Function", "AWS::Serverless::Function"],
        "stepfunctions" => &[
            "AWS::StepFunctions::StateMachine",
            "AWS::Serverless::StateMachine",
        ],
        "secretsmanager" => &["AWS::SecretsManager::Secret"],
        "ssm" => &["AWS::SSM::Parameter"],
        "firehose" => &["AWS::KinesisFirehose::"],
        "kinesis" => &["AWS::Kinesis::Stream"],
        "events" => &["AWS::Events::EventBus"],
        _ => return None,
    };
    const NAME_PROPERTIES: &[&str] = &[
        "TableName",
        "BucketName",
        "QueueName",
        "TopicName",
        "FunctionName",
        "StateMachineName",
        "Name",
        "DeliveryStreamName",
    ];
    let context = ResolveContext {
        parameter_defaults: ParameterDefaults::Unknown,
        ..ResolveContext::default()
    };
    template
        .resources
        .iter()
        .filter(|r| {
            namespaces
                .iter()
                .any(|n| r.resource_type.node.starts_with(n))
        })
        .find(|r| {
            NAME_PROPERTIES.iter().any(|p| {
                r.properties.get(p).is_some_and(|value| {
                    let resolution = resolve_with(value, template, &context);
                    resolution.unresolved.is_empty()
                        && resolution.value.as_str().is_some_and(|v| {
                            let v = template.symbols.display(v);
                            v == text || v == name || v.trim_start_matches('/') == name
                        })
                })
            })
        })
        .map(|r| r.logical_id.node.clone())
}

/// The ARN template of the operation's resource type with its one name
/// placeholder filled in.
fn arn_from_template(service: &str, operation: &str, name: &str) -> Option<String> {
    let op = table().by_name(service, operation)?;
    let action_name = actions_of(op).into_iter().next()?;
    let catalog = leash_catalog::catalog();
    let action = catalog.action(&action_name)?;
    let resource_type = if op.service == "s3" {
        "bucket"
    } else if op.service.starts_with("bedrock") {
        "foundation-model"
    } else {
        let types = action.resource_types();
        types
            .iter()
            .find(|r| r.required())
            .or(types.first())?
            .resource_type()
    };
    let template = catalog
        .service(action.service())?
        .resource_type(resource_type)?
        .arn_template();
    let mut out = template
        .replace("${Partition}", "${AWS::Partition}")
        .replace("${Region}", "${AWS::Region}")
        .replace("${Account}", "${AWS::AccountId}");
    let placeholders = out.matches("${").count() - out.matches("${AWS::").count();
    if placeholders != 1 {
        return None;
    }
    // The one placeholder that is not `${AWS::...}`: its start and end.
    let mut position = out.find("${")?;
    while out.get(position..)?.starts_with("${AWS::") {
        position += out.get(position + 2..)?.find("${")? + 2;
    }
    let end = position + out.get(position..)?.find('}')? + 1;
    out.replace_range(position..end, name);
    Some(out)
}

/// A cross-region inference profile id (`us.anthropic.claude-...`).
fn is_inference_profile(model: &str) -> bool {
    let prefix = model.split('.').next().unwrap_or("");
    model.matches('.').count() >= 2
        && matches!(
            prefix,
            "us" | "eu" | "apac" | "global" | "us-gov" | "ca" | "jp" | "au"
        )
}
