//! Minimal instances of each type, from its required properties, for the coverage test
//! the generator writes beside the crate (`tests/coverage.rs`).

use std::collections::HashMap;

use serde_json::{json, Map, Value as Json};

use crate::model::*;

/// The structures and enums of a service, by name.
pub struct Catalog<'a> {
    structs: HashMap<&'a str, &'a StructDef>,
    enums: HashMap<&'a str, &'a EnumDef>,
}

impl<'a> Catalog<'a> {
    /// The catalog of `service`.
    pub fn new(service: &'a Service) -> Self {
        let mut structs = HashMap::new();
        let mut enums = HashMap::new();
        for item in &service.items {
            match item {
                Item::Struct(s) => {
                    structs.insert(s.ident.as_str(), s);
                }
                Item::Enum(e) => {
                    enums.insert(e.ident.as_str(), e);
                }
                Item::Resource(_) => {}
            }
        }
        Catalog { structs, enums }
    }

    /// An object of the required `fields`, each with a sample value.
    pub fn object(&self, fields: &[Field], depth: usize) -> Json {
        let map: Map<String, Json> = fields.iter().filter(|f| f.required).map(|f| (f.wire.clone(), self.value(&f.ty, depth))).collect();
        Json::Object(map)
    }

    fn value(&self, ty: &Ty, depth: usize) -> Json {
        match ty {
            Ty::Str | Ty::Ref(_) | Ty::Sensitive => json!("x"),
            Ty::Int => json!(1),
            Ty::Num => json!(1.5),
            Ty::Bool => json!(true),
            Ty::Json => json!({ "Key": "value" }),
            Ty::Policy => json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "x" }] }),
            Ty::Enum(e) => self.enums.get(e.as_str()).and_then(|e| e.values.first()).map_or(json!("x"), |(_, text)| json!(text)),
            // Structures within structures are cut off deep down; what is cut off is empty.
            Ty::Struct(s) if depth < 8 => self.structs.get(s.as_str()).map_or(json!({}), |d| self.object(&d.fields, depth + 1)),
            Ty::Struct(_) => json!({}),
            Ty::List(item) => json!([self.value(item, depth)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_holds_the_required_properties_nested_and_listed() {
        let tag = StructDef {
            ident: "Tag".into(),
            doc: String::new(),
            fields: vec![
                Field { ident: "key".into(), wire: "Key".into(), doc: String::new(), ty: Ty::Str, required: true, rules: vec![] },
                Field { ident: "note".into(), wire: "Note".into(), doc: String::new(), ty: Ty::Str, required: false, rules: vec![] },
            ],
        };
        let kind = EnumDef { ident: "Kind".into(), doc: String::new(), values: vec![("Fifo".into(), "fifo".into())] };
        let service = Service { module: "x".into(), name: "X".into(), items: vec![Item::Struct(tag), Item::Enum(kind)] };
        let catalog = Catalog::new(&service);
        let fields = vec![
            Field { ident: "tags".into(), wire: "Tags".into(), doc: String::new(), ty: Ty::List(Box::new(Ty::Struct("Tag".into()))), required: true, rules: vec![] },
            Field { ident: "kind".into(), wire: "Kind".into(), doc: String::new(), ty: Ty::Enum("Kind".into()), required: true, rules: vec![] },
            Field { ident: "size".into(), wire: "Size".into(), doc: String::new(), ty: Ty::Int, required: false, rules: vec![] },
        ];
        assert_eq!(catalog.object(&fields, 0), json!({"Tags": [{"Key": "x"}], "Kind": "fifo"}));
    }
}
