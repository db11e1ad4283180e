//! The generated crate as data: services, their resource types, nested structures and
//! enums, built from the schemas once; [`crate::emit`] only writes it out.

/// Every service and every typed reference.
#[derive(Debug, Default)]
pub struct Model {
    /// Services, by module name.
    pub services: Vec<Service>,
    /// Typed references (`RoleArn`), one per attribute some schema says a property holds.
    pub refs: Vec<RefType>,
}

impl Model {
    /// `(typed, all)`: the properties that take a typed reference, and all properties.
    pub fn typed_references(&self) -> (usize, usize) {
        let fields = self.services.iter().flat_map(|s| &s.items).flat_map(|i| match i {
            Item::Resource(r) => r.fields.as_slice(),
            Item::Struct(d) => d.fields.as_slice(),
            Item::Enum(_) => &[],
        });
        fields.fold((0, 0), |(typed, all), f| {
            let is_ref = matches!(&f.ty, Ty::Ref(_)) || matches!(&f.ty, Ty::List(t) if matches!(t.as_ref(), Ty::Ref(_)));
            (typed + usize::from(is_ref), all + 1)
        })
    }
}

/// A typed reference: the text of one attribute of one type.
#[derive(Debug, Clone)]
pub struct RefType {
    /// The Rust name.
    pub ident: String,
    /// The schemas' annotation it stands for (`AWS::IAM::Role.Arn`).
    pub format: String,
    /// Whether it is an ARN (it then fits where any ARN goes).
    pub arn: bool,
    /// The runtime's own type of that name, used instead of a new one.
    pub runtime: Option<&'static str>,
}

/// One AWS service: one module, one cargo feature.
#[derive(Debug)]
pub struct Service {
    /// The module and feature name (`s3`, `elastic_load_balancing_v2`).
    pub module: String,
    /// The service's name in type names (`S3`).
    pub name: String,
    /// What the module holds, in the order it is written.
    pub items: Vec<Item>,
}

/// One item of a service module.
#[derive(Debug)]
pub enum Item {
    /// A resource type.
    Resource(ResourceType),
    /// A nested structure.
    Struct(StructDef),
    /// A string enum.
    Enum(EnumDef),
}

/// A resource type: its properties, outputs and metadata.
#[derive(Debug)]
pub struct ResourceType {
    /// The Rust name.
    pub ident: String,
    /// CloudFormation's name (`AWS::SQS::Queue`).
    pub type_name: String,
    /// The schema's description.
    pub doc: String,
    /// The properties a stack sets.
    pub fields: Vec<Field>,
    /// What the cloud reports back.
    pub outputs: Vec<OutputField>,
    /// What the planner and the executor need.
    pub meta: Meta,
}

/// A nested structure (a schema definition or an inline object).
#[derive(Debug)]
pub struct StructDef {
    /// The Rust name.
    pub ident: String,
    /// The schema's description.
    pub doc: String,
    /// Its properties.
    pub fields: Vec<Field>,
}

/// A string enum.
#[derive(Debug)]
pub struct EnumDef {
    /// The Rust name.
    pub ident: String,
    /// The schema's description.
    pub doc: String,
    /// `(variant, text)` per value.
    pub values: Vec<(String, String)>,
}

/// One property.
#[derive(Debug)]
pub struct Field {
    /// The Rust field name (`db_cluster_identifier`, `r#type`).
    pub ident: String,
    /// The schema's name (`DBClusterIdentifier`).
    pub wire: String,
    /// The schema's description.
    pub doc: String,
    /// What it holds.
    pub ty: Ty,
    /// Whether a stack must set it.
    pub required: bool,
    /// What the compiler checks of a literal.
    pub rules: Vec<Rule>,
}

/// What a property holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// Text.
    Str,
    /// An integer.
    Int,
    /// A number.
    Num,
    /// A boolean.
    Bool,
    /// A JSON document (`format: json`, maps, unions).
    Json,
    /// An IAM policy document, typed by the runtime's `PolicyDocument`.
    Policy,
    /// A secret: write-only and named as one.
    Sensitive,
    /// A typed reference, by its ident in `refs`.
    Ref(String),
    /// An enum of the service, by ident.
    Enum(String),
    /// A structure of the service, by ident.
    Struct(String),
    /// A list.
    List(Box<Ty>),
}

/// A check of a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `minLength`/`maxLength`.
    Length(u64, u64),
    /// `minimum`/`maximum`.
    Range(f64, f64),
    /// `pattern`: the schema's text and what the compiler matches.
    Pattern(String, Vec<PatternNode>),
}

/// One step of a pattern, as the runtime's `literal::Node` takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternNode {
    /// One character within any of the inclusive ranges.
    Class(Vec<(char, char)>),
    /// The start of the text.
    Start,
    /// The end of the text.
    End,
    /// Any one of the branches.
    Alt(Vec<Vec<PatternNode>>),
    /// The body from `min` to `max` times (`u32::MAX` for no limit).
    Repeat(Vec<PatternNode>, u32, u32),
}

/// One output attribute.
#[derive(Debug)]
pub struct OutputField {
    /// The Rust field name.
    pub ident: String,
    /// The schema's name, under which the executor records it.
    pub wire: String,
    /// The schema's description.
    pub doc: String,
    /// What it holds.
    pub ty: Ty,
}

/// A type's metadata, property names as the schema spells them.
#[derive(Debug, Default)]
pub struct Meta {
    /// Properties whose change replaces the resource.
    pub create_only: Vec<String>,
    /// Properties never read back.
    pub write_only: Vec<String>,
    /// User-set properties of the primary identifier.
    pub identity: Vec<String>,
    /// The primary identifier.
    pub primary_identifier: Vec<String>,
    /// Read-only properties.
    pub read_only: Vec<String>,
    /// Arrays compared as sets.
    pub unordered: Vec<String>,
    /// `(is_list, property)` of the tags.
    pub tagging: Option<(bool, String)>,
    /// Whether an update handler exists.
    pub can_update: bool,
    /// Whether a list handler exists.
    pub can_list: bool,
    /// The create handler's timeout.
    pub timeout_minutes: u64,
    /// Required properties with write-only parts, sent with every update.
    pub sent_on_update: Vec<String>,
}
