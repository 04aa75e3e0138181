//! What the analysis knows of an expression of the handler code.

/// An abstract value: enough to tell clients, resources and the names of
/// resources apart, and nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sym {
    /// A string known from the code.
    Str(String),
    /// The value of an environment variable of the function.
    Env(String),
    /// An SDK client of a botocore service.
    Client(String),
    /// A boto3 service resource (`boto3.resource('dynamodb')`).
    Resource(String),
    /// A boto3 sub-resource holding the name of what it stands for:
    /// (service, kind such as `Table`/`Bucket`/`Queue`/`Topic`, name).
    SubResource(String, &'static str, Box<Sym>),
    /// A paginator of a client: (service, method).
    Paginator(String, String),
    /// A JavaScript v2 `DocumentClient`.
    DocumentClient,
    /// The JavaScript v2 `aws-sdk` namespace, or Python's `boto3`.
    Namespace,
    /// A Java SDK v2 client builder (`S3Client.builder()...`) of a service.
    ClientBuilder(String),
    /// A Java SDK v2 request being built or built
    /// (`PutItemRequest.builder().tableName(t).build()`), or a Go SDK input
    /// struct: the members given, by name, in order.
    Request(Vec<(String, Sym)>),
    /// A Java `DynamoDbEnhancedClient` (or its builder).
    EnhancedClient,
    /// A client built with credentials of its own (JavaScript
    /// `new S3Client({credentials})`): its calls do not run as the
    /// function's role.
    OwnCredentials(Box<Sym>),
    /// `None`, `null`, `undefined`: what a name holds before it is set.
    Nothing,
    /// Anything else.
    Unknown,
}

impl Sym {
    /// Joins the values of several assignments to one name: the same value,
    /// or unknown.
    pub fn join(self, other: Sym) -> Sym {
        match (self, other) {
            (Sym::Nothing, x) | (x, Sym::Nothing) => x,
            (a, b) if a == b => a,
            _ => Sym::Unknown,
        }
    }
}

/// Where a call was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The file, relative to the template's folder.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
}

/// One SDK call found in the code, before tracing its resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCall {
    pub site: Site,
    /// botocore's service name.
    pub service: String,
    /// The API operation name, e.g. `PutItem`.
    pub operation: String,
    /// Whether the call acts on objects inside a bucket (`/key` part).
    pub object_level: bool,
    /// The value naming the call's resource; `None` when the operation
    /// takes none.
    pub target: Option<Sym>,
    /// Whether the client was built with credentials of its own, not the
    /// function's role.
    pub own_credentials: bool,
}

/// Something that kept a call or a file from being read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub site: Option<Site>,
    /// Lowercase, user text in backticks.
    pub reason: String,
}
