//! The generator of `formae-aws`: reads the CloudFormation resource provider schemas that
//! the pinned `cfn-lint` package carries, checks them against the pinned digest, and
//! writes one module per service. `cargo xtask codegen` runs it; `--check` compares.

mod emit;
mod error;
mod manifests;
mod model;
mod names;
mod pattern;
mod policies;
mod refs;
mod samples;
mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

pub use error::CodegenError;

/// The package the schemas come from; the sandbox installs exactly this version.
pub const PACKAGE: &str = "cfn-lint 1.58.0";
/// The SHA-256 of the region index and every schema generated from, in type order.
pub const SCHEMAS_SHA256: &str = "ec7616f1a18dee4cc77ef6dba5fc16ba033a6fec538fd073d3eff0409c24049c";
/// The region whose index names the schemas.
const REGION: &str = "us-east-1";
/// Services on by default: those the repository's stacks use.
pub const DEFAULT_FEATURES: &[&str] = &["dynamodb", "ec2", "events", "iam", "kms", "lambda", "logs", "s3", "sns", "sqs", "ssm"];

/// The generated crate's files, by path relative to its directory.
pub type Files = BTreeMap<String, String>;

/// What a generation read and made.
pub struct Generated {
    /// The files.
    pub files: Files,
    /// How many types were generated, and how many the index lists.
    pub types: (usize, usize),
    /// How many services (modules and features) they fall in.
    pub services: usize,
    /// The digest of what was read.
    pub sha256: String,
    /// Properties (of types and their structures) that take a typed reference, and all
    /// properties.
    pub typed_references: (usize, usize),
}

/// Generates from the schemas directory of the installed `cfn-lint`
/// (`.../cfnlint/data/schemas`).
pub fn generate(schemas_dir: &Path) -> Result<Generated, CodegenError> {
    let read = |p: PathBuf| std::fs::read(&p).map_err(|source| CodegenError::Read { path: p, source });
    let index_path = schemas_dir.join("providers").join(format!("{REGION}.json"));
    let index_bytes = read(index_path.clone())?;
    let index: BTreeMap<String, String> =
        serde_json::from_slice(&index_bytes).map_err(|source| CodegenError::Parse { path: index_path, source })?;
    let version: Json = {
        let p = schemas_dir.join("version.json");
        serde_json::from_slice(&read(p.clone())?).map_err(|source| CodegenError::Parse { path: p, source })?
    };
    let schema_date = version.get("schema_date").and_then(Json::as_str).unwrap_or("unknown").to_owned();
    let mut hasher = Sha256::new();
    hasher.update(&index_bytes);
    let mut schemas = Vec::new();
    for (type_name, hash) in &index {
        let p = schemas_dir.join("resources").join(format!("{hash}.json"));
        let bytes = read(p.clone())?;
        hasher.update(&bytes);
        let schema: Json = serde_json::from_slice(&bytes).map_err(|source| CodegenError::Parse { path: p, source })?;
        // Cloud Control serves a type only with create, read and delete handlers.
        let handlers = schema.get("handlers");
        if ["create", "read", "delete"].iter().all(|h| handlers.and_then(|x| x.get(h)).is_some()) {
            schemas.push((type_name.clone(), schema));
        }
    }
    let sha256 = hex::encode(hasher.finalize());
    if SCHEMAS_SHA256 != "unpinned" && sha256 != SCHEMAS_SHA256 {
        return Err(CodegenError::Digest { found: sha256, pinned: SCHEMAS_SHA256 });
    }
    let model = schema::build(&schemas);
    let typed_references = model.typed_references();
    let origin = emit::Origin { package: PACKAGE, schema_date: schema_date.get(..10).unwrap_or(&schema_date), default_features: DEFAULT_FEATURES };
    Ok(Generated { files: emit::files(&model, &origin), types: (schemas.len(), index.len()), services: model.services.len(), sha256, typed_references })
}

/// Writes `files` under `dir`, removing generated sources no longer made.
pub fn write(dir: &Path, files: &Files) -> Result<(), CodegenError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| CodegenError::Write { path, source }
    };
    for stale in stale(dir, files) {
        let removed = if stale.is_dir() { std::fs::remove_dir_all(&stale) } else { std::fs::remove_file(&stale) };
        removed.map_err(io(&stale))?;
    }
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// The files under `dir` that differ from `files`, are missing, or are not generated.
pub fn differences(dir: &Path, files: &Files) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .filter(|(rel, text)| std::fs::read_to_string(dir.join(rel)).ok().as_deref() != Some(text.as_str()))
        .map(|(rel, _)| rel.clone())
        .collect();
    out.extend(stale(dir, files).iter().filter_map(|p| p.strip_prefix(dir).ok()).map(|p| p.display().to_string()));
    out
}

/// Generated paths no longer made: a source in `src/`, or a service's whole crate.
fn stale(dir: &Path, files: &Files) -> Vec<PathBuf> {
    let entries = |sub: &str| std::fs::read_dir(dir.join(sub)).into_iter().flatten().filter_map(Result::ok).map(|e| e.path());
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let sources = entries("src").filter(|p| p.extension().is_some_and(|e| e == "rs")).filter(|p| !files.contains_key(&format!("src/{}", name(p))));
    let services = entries("services").filter(|p| !files.contains_key(&format!("services/{}/Cargo.toml", name(p))));
    sources.chain(services).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_names_files_changed_missing_or_no_longer_generated() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let files: Files = [("Cargo.toml".to_owned(), "[package]\n".to_owned()), ("src/s3.rs".to_owned(), "pub struct Bucket;\n".to_owned())].into();
        write(dir.path(), &files).expect("written");
        assert!(differences(dir.path(), &files).is_empty());
        std::fs::write(dir.path().join("src/s3.rs"), "pub struct Bucket; // edited\n").expect("edited");
        std::fs::write(dir.path().join("src/old.rs"), "").expect("a stale module");
        std::fs::create_dir_all(dir.path().join("services/gone/src")).expect("a stale service");
        std::fs::write(dir.path().join("services/gone/Cargo.toml"), "").expect("a stale service");
        assert_eq!(differences(dir.path(), &files), vec!["src/s3.rs".to_owned(), "src/old.rs".to_owned(), "services/gone".to_owned()]);
        write(dir.path(), &files).expect("written again");
        assert!(differences(dir.path(), &files).is_empty(), "writing removes what is no longer generated");
        assert!(!dir.path().join("services/gone").exists());
    }
}
