//! The CloudFormation document being built, and the intrinsic functions as JSON helpers.
//!
//! Sections and their entries keep insertion order (serde_json's `preserve_order`), and every caller
//! inserts in a fixed order, so the same project always gives the same bytes.

use serde_json::{json, Map, Value};

/// One resource: its type, properties and the resource-level attributes we use.
#[derive(Debug, Clone)]
pub struct Resource {
    kind: &'static str,
    condition: Option<String>,
    depends_on: Vec<String>,
    retain: bool,
    metadata: Option<Value>,
    properties: Map<String, Value>,
}

impl Resource {
    pub fn new(kind: &'static str) -> Self {
        Resource {
            kind,
            condition: None,
            depends_on: Vec::new(),
            retain: false,
            metadata: None,
            properties: Map::new(),
        }
    }

    /// Set a property (last write wins).
    pub fn prop(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.properties.insert(key.to_string(), value.into());
        self
    }

    /// Set a property only when there is a value.
    pub fn prop_opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.prop(key, v),
            None => self,
        }
    }

    pub fn depends_on(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if !self.depends_on.contains(&id) {
            self.depends_on.push(id);
        }
        self
    }

    pub fn condition(mut self, name: impl Into<String>) -> Self {
        self.condition = Some(name.into());
        self
    }

    /// DeletionPolicy and UpdateReplacePolicy Retain: the resource outlives the stack.
    pub fn retain(mut self) -> Self {
        self.retain = true;
        self
    }

    pub fn metadata(mut self, value: Value) -> Self {
        self.metadata = Some(value);
        self
    }

    fn into_value(self) -> Value {
        let mut out = Map::new();
        out.insert("Type".into(), self.kind.into());
        if let Some(condition) = self.condition {
            out.insert("Condition".into(), condition.into());
        }
        if !self.depends_on.is_empty() {
            out.insert("DependsOn".into(), json!(self.depends_on));
        }
        if self.retain {
            out.insert("DeletionPolicy".into(), "Retain".into());
            out.insert("UpdateReplacePolicy".into(), "Retain".into());
        }
        if let Some(metadata) = self.metadata {
            out.insert("Metadata".into(), metadata);
        }
        if !self.properties.is_empty() {
            out.insert("Properties".into(), Value::Object(self.properties));
        }
        Value::Object(out)
    }
}

/// A template under construction.
#[derive(Debug, Clone, Default)]
pub struct Template {
    description: String,
    parameters: Map<String, Value>,
    conditions: Map<String, Value>,
    resources: Map<String, Value>,
    outputs: Map<String, Value>,
    duplicates: Vec<String>,
}

impl Template {
    pub fn new(description: impl Into<String>) -> Self {
        Template {
            description: description.into(),
            ..Default::default()
        }
    }

    pub fn add_parameter(&mut self, id: &str, definition: Value) {
        self.parameters.entry(id).or_insert(definition);
    }

    pub fn has_parameter(&self, id: &str) -> bool {
        self.parameters.contains_key(id)
    }

    pub fn add_condition(&mut self, id: &str, definition: Value) {
        self.conditions.entry(id).or_insert(definition);
    }

    /// Add a resource. Logical ids are unique by construction (see `naming`); should two Compose
    /// names still meet in one id, the first resource stays and the id is reported by
    /// [`Template::duplicates`] so the build fails instead of silently dropping one.
    pub fn add(&mut self, id: impl Into<String>, resource: Resource) {
        let id = id.into();
        if self.resources.contains_key(&id) {
            self.duplicates.push(id);
            return;
        }
        self.resources.insert(id, resource.into_value());
    }

    /// Logical ids that were added more than once.
    pub fn duplicates(&self) -> &[String] {
        &self.duplicates
    }

    pub fn has_resource(&self, id: &str) -> bool {
        self.resources.contains_key(id)
    }

    pub fn add_output(&mut self, id: &str, description: &str, value: Value) {
        self.outputs.insert(
            id.to_string(),
            json!({ "Description": description, "Value": value }),
        );
    }

    pub fn into_value(self) -> Value {
        let mut out = Map::new();
        out.insert("AWSTemplateFormatVersion".into(), "2010-09-09".into());
        out.insert("Description".into(), self.description.into());
        for (key, section) in [
            ("Parameters", self.parameters),
            ("Conditions", self.conditions),
            ("Resources", self.resources),
            ("Outputs", self.outputs),
        ] {
            if !section.is_empty() {
                out.insert(key.into(), Value::Object(section));
            }
        }
        Value::Object(out)
    }
}

/// `{"Ref": id}`
pub fn r#ref(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`
pub fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`
pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// `{"Fn::Join": [separator, items]}`
pub fn join(separator: &str, items: Vec<Value>) -> Value {
    json!({ "Fn::Join": [separator, items] })
}

/// `{"Fn::If": [condition, then, else]}`
pub fn if_(condition: &str, then: Value, otherwise: Value) -> Value {
    json!({ "Fn::If": [condition, then, otherwise] })
}

/// `{"Fn::Select": [index, list]}`
pub fn select(index: usize, list: Value) -> Value {
    json!({ "Fn::Select": [index.to_string(), list] })
}

/// `{"Ref": "AWS::NoValue"}`: removes the property it is the value of.
pub fn no_value() -> Value {
    r#ref("AWS::NoValue")
}

/// `arn:${AWS::Partition}:...` for an AWS managed IAM policy.
pub fn managed_policy(path_and_name: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:iam::aws:policy/{path_and_name}"
    ))
}

/// The `[{Key, Value}]` tag list most resource types take.
pub fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect(),
    )
}

/// A tag value of a resource's `properties`: from `Tags: [{Key, Value}]`, or from a tag map
/// (EFS `FileSystemTags`/`AccessPointTags` lists, SSM's `Tags` map).
pub fn tag_value<'a>(properties: Option<&'a Value>, key: &str) -> Option<&'a str> {
    let properties = properties?;
    ["Tags", "FileSystemTags", "AccessPointTags"]
        .iter()
        .filter_map(|field| properties.get(*field))
        .find_map(|tags| match tags {
            Value::Array(items) => items.iter().find_map(|item| {
                (item.get("Key").and_then(Value::as_str) == Some(key))
                    .then(|| item.get("Value").and_then(Value::as_str))
                    .flatten()
            }),
            Value::Object(map) => map.get(key).and_then(Value::as_str),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_are_read_from_tag_lists_and_tag_maps() {
        let list = json!({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]});
        assert_eq!(tag_value(Some(&list), "b"), Some("2"));
        // SSM parameters carry their tags as a map.
        let map = json!({"Tags": {"a": "1"}});
        assert_eq!(tag_value(Some(&map), "a"), Some("1"));
        assert_eq!(tag_value(Some(&map), "b"), None);
        assert_eq!(tag_value(None, "a"), None);
    }

    #[test]
    fn sections_come_out_in_a_fixed_order_and_empty_ones_are_omitted() {
        let mut t = Template::new("demo");
        t.add("B", Resource::new("AWS::Logs::LogGroup"));
        t.add_parameter("P", json!({"Type": "String"}));
        t.add("A", Resource::new("AWS::ECS::Cluster").depends_on("B"));
        let v = t.into_value();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "AWSTemplateFormatVersion",
                "Description",
                "Parameters",
                "Resources"
            ]
        );
        let resources: Vec<_> = v["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(resources, ["B", "A"], "insertion order is output order");
        assert_eq!(v["Resources"]["A"]["DependsOn"], json!(["B"]));
        assert!(v["Resources"]["B"].get("Properties").is_none());
    }

    #[test]
    fn a_second_resource_under_one_id_is_reported_not_merged() {
        let mut t = Template::new("");
        t.add("X", Resource::new("AWS::SNS::Topic"));
        t.add("X", Resource::new("AWS::SQS::Queue"));
        assert_eq!(t.duplicates(), ["X"]);
        assert_eq!(t.into_value()["Resources"]["X"]["Type"], "AWS::SNS::Topic");
    }

    #[test]
    fn retain_sets_both_policies() {
        let mut t = Template::new("");
        t.add("Fs", Resource::new("AWS::EFS::FileSystem").retain());
        let v = t.into_value();
        assert_eq!(v["Resources"]["Fs"]["DeletionPolicy"], "Retain");
        assert_eq!(v["Resources"]["Fs"]["UpdateReplacePolicy"], "Retain");
    }

    #[test]
    fn intrinsics_have_the_documented_shape() {
        assert_eq!(r#ref("X"), json!({"Ref": "X"}));
        assert_eq!(get_att("X", "Arn"), json!({"Fn::GetAtt": ["X", "Arn"]}));
        assert_eq!(
            if_("C", json!(1), no_value()),
            json!({"Fn::If": ["C", 1, {"Ref": "AWS::NoValue"}]})
        );
        assert_eq!(
            select(2, r#ref("L")),
            json!({"Fn::Select": ["2", {"Ref": "L"}]})
        );
    }
}
