//! Which properties hold an IAM policy document: those take the runtime's typed
//! `PolicyDocument` instead of free JSON.

use serde_json::Value as Json;

/// Names that hold a whole IAM policy document wherever a schema leaves them free JSON.
const NAMES: &[&str] = &[
    "Policy",
    "KeyPolicy",
    "ResourcePolicy",
    "AccessPolicy",
    "AccessPolicies",
    "FileSystemPolicy",
    "InlinePolicy",
    "ModelPackageGroupPolicy",
    "NamespaceResourcePolicy",
    "S3AccessPolicy",
];

/// Types whose property of such a name holds a document in another language.
const NOT_IAM: &[&str] = &[
    // A core network policy: segments and routes, not statements.
    "AWS::NetworkManager::CoreNetwork",
];

/// Whether property `wire` of `type_name`, described by `node`, holds an IAM policy
/// document: free JSON (an object, or an object or its text) under a policy's name.
pub fn holds_policy(type_name: &str, wire: &str, node: &Json) -> bool {
    let free_object = match node.get("type") {
        Some(Json::String(t)) => t == "object",
        Some(Json::Array(a)) => a.iter().any(|t| t == "object") && a.iter().all(|t| t == "object" || t == "string"),
        _ => false,
    } && node.get("properties").is_none();
    let named = wire.ends_with("PolicyDocument") || wire.ends_with("PolicyText") || NAMES.contains(&wire);
    free_object && named && !NOT_IAM.contains(&type_name)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::holds_policy;

    #[test]
    fn policy_documents_are_known_by_name_and_free_json() {
        let free = json!({"type": ["object", "string"]});
        assert!(holds_policy("AWS::IAM::Role", "AssumeRolePolicyDocument", &free));
        assert!(holds_policy("AWS::KMS::Key", "KeyPolicy", &free));
        assert!(holds_policy("AWS::S3::BucketPolicy", "PolicyDocument", &json!({"type": "object"})));
        assert!(!holds_policy("AWS::SNS::Subscription", "FilterPolicy", &free), "a filter policy is no IAM document");
        assert!(!holds_policy("AWS::SSM::Document", "PolicyDocument", &json!({"type": "string"})), "text stays text");
        assert!(!holds_policy("AWS::X::Y", "Policy", &json!({"type": "object", "properties": {"A": {}}})), "a modelled object is a structure");
        assert!(!holds_policy("AWS::NetworkManager::CoreNetwork", "PolicyDocument", &free));
    }
}
