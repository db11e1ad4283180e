//! `formae.toml`: project settings. Its `[state]` section picks where state is kept:
//!
//! ```toml
//! [state]
//! backend = "aurora"            # "sqlite" (the default), "postgres" or "aurora"
//!
//! [state.sqlite]
//! path = ".formae/state.db"
//!
//! [state.postgres]
//! url = "postgresql://formae@db.internal:5432/formae"   # the password: FORMAE_STATE_PASSWORD
//! # TLS: ?sslmode=disable|require|verify-full (the default off this machine)&sslrootcert=CA.pem
//!
//! [state.aurora]                # the guide's terms
//! cluster_arn = "arn:aws:rds:us-east-1:123456789012:cluster:formae-db"
//! secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:formae-db-credentials"
//! database = "formae"
//! region = "us-east-1"
//! ```
//!
//! Its `[stacks.<name>.params]` sections keep a stack's parameters, as Pulumi keeps a
//! stack's configuration, so that a plain redeploy keeps them; `--param` overrides them:
//!
//! ```toml
//! [stacks.ecs-express-agent.params]
//! cpu = 1024
//! memory = 2048
//! ```
//!
//! Environment variables override the file (`FORMAE_STATE_BACKEND`, `FORMAE_STATE_PATH`,
//! `FORMAE_STATE_URL`, `FORMAE_STATE_CLUSTER_ARN`, `FORMAE_STATE_SECRET_ARN`,
//! `FORMAE_STATE_DATABASE`, `FORMAE_STATE_REGION`), and the command line overrides both.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use formae_runtime::exec::Target;
use formae_runtime::store::{DataApiStore, PostgresStore, SqliteStore, StateStore, StoreError};

/// The settings file's name, looked for in the current directory.
pub const FILE_NAME: &str = "formae.toml";

/// The settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The settings file that could not be read.
        path: String,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has unknown or mistyped keys.
    #[error("{path}: {message}")]
    Parse {
        /// The settings file that does not parse.
        path: String,
        /// What is wrong in it, as the TOML parser says.
        message: String,
    },
    /// A setting is missing or wrong.
    #[error("{0}")]
    Invalid(String),
}

/// Where state is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// SQLite in one file.
    #[default]
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
    /// Aurora through the RDS Data API.
    Aurora,
}

impl std::str::FromStr for Backend {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "aurora" | "auroradataapi" => Ok(Backend::Aurora),
            other => Err(ConfigError::Invalid(format!("unknown state backend `{other}`; use sqlite, postgres or aurora"))),
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Aurora => "aurora",
        })
    }
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where state is kept.
    #[serde(default)]
    pub state: StateConfig,
    /// Per stack, by its name: parameters kept between runs.
    #[serde(default)]
    pub stacks: std::collections::BTreeMap<String, StackConfig>,
    /// The file these settings came from, if any.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// `[stacks.<name>]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackConfig {
    /// `[stacks.<name>.params]`: parameter values, as strings, numbers or booleans.
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, toml::Value>,
}

impl Config {
    /// The parameters `formae.toml` keeps for `stack`, as `key=value` pairs in the form
    /// `--param` takes them.
    pub fn params(&self, stack: &str) -> Result<Vec<(String, String)>, ConfigError> {
        let Some(s) = self.stacks.get(stack) else { return Ok(Vec::new()) };
        let file = self.file.as_deref().map(|f| f.display().to_string()).unwrap_or_else(|| FILE_NAME.to_owned());
        s.params
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => {
                        return Err(ConfigError::Parse {
                            path: file.clone(),
                            message: format!("[stacks.{stack}.params] {k} is of type {}: write it as a string, a number or a boolean", other.type_str()),
                        })
                    }
                };
                Ok((k.clone(), text))
            })
            .collect()
    }
}

/// `[state]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// The backend in use.
    #[serde(default)]
    pub backend: Backend,
    /// `[state.sqlite]`.
    #[serde(default)]
    pub sqlite: SqliteConfig,
    /// `[state.postgres]`.
    #[serde(default)]
    pub postgres: PostgresConfig,
    /// `[state.aurora]`.
    #[serde(default)]
    pub aurora: AuroraConfig,
}

/// `[state.sqlite]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqliteConfig {
    /// The file; relative paths are from the directory holding `formae.toml`.
    pub path: Option<PathBuf>,
}

/// `[state.postgres]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// A `postgresql://` URL or `key=value` settings, without a password.
    pub url: Option<String>,
}

/// `[state.aurora]`, in the guide's terms.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuroraConfig {
    /// The cluster's ARN.
    pub cluster_arn: Option<String>,
    /// The ARN of the secret holding the database credentials.
    pub secret_arn: Option<String>,
    /// The database.
    pub database: Option<String>,
    /// The cluster's region; else the deploy's.
    pub region: Option<String>,
}

impl Config {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.display().to_string(), message: e.to_string() })?;
        config.file = Some(path.to_owned());
        if let (Some(p), Some(dir)) = (&config.state.sqlite.path, path.parent()) {
            if p.is_relative() {
                config.state.sqlite.path = Some(dir.join(p));
            }
        }
        Ok(config)
    }

    /// `explicit` if given, else `formae.toml` in `dir` if it exists, else the defaults;
    /// then the environment's overrides.
    pub fn find(explicit: Option<&Path>, dir: &Path) -> Result<Config, ConfigError> {
        let mut config = match explicit {
            Some(p) => Config::read(p)?,
            None if dir.join(FILE_NAME).is_file() => Config::read(&dir.join(FILE_NAME))?,
            None => Config::default(),
        };
        config.state.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }
}

impl StateConfig {
    /// Applies `FORMAE_STATE_*` overrides read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(b) = var("FORMAE_STATE_BACKEND") {
            self.backend = b.parse()?;
        }
        if let Some(v) = var("FORMAE_STATE_PATH") {
            self.sqlite.path = Some(v.into());
        }
        if let Some(v) = var("FORMAE_STATE_URL") {
            self.postgres.url = Some(v);
        }
        let a = &mut self.aurora;
        for (key, slot) in [
            ("FORMAE_STATE_CLUSTER_ARN", &mut a.cluster_arn),
            ("FORMAE_STATE_SECRET_ARN", &mut a.secret_arn),
            ("FORMAE_STATE_DATABASE", &mut a.database),
            ("FORMAE_STATE_REGION", &mut a.region),
        ] {
            if let Some(v) = var(key) {
                *slot = Some(v);
            }
        }
        Ok(())
    }

    /// Checks that `backend`'s settings are all there, before anything connects.
    pub fn check(&self, backend: Backend) -> Result<(), ConfigError> {
        let missing = |what: &str, env: &str| {
            ConfigError::Invalid(format!("the {backend} state backend needs `{what}` in [state.{backend}] of {FILE_NAME} (or {env})"))
        };
        match backend {
            Backend::Sqlite => Ok(()),
            Backend::Postgres => {
                let url = self.postgres.url.as_deref().ok_or_else(|| missing("url", "FORMAE_STATE_URL"))?;
                if url_has_password(url) {
                    return Err(ConfigError::Invalid(format!(
                        "[state.postgres] url holds a password; remove it and set FORMAE_STATE_PASSWORD (or PGPASSWORD) instead, so {FILE_NAME} can be committed"
                    )));
                }
                // sslmode and sslrootcert, before anything connects.
                PostgresStore::check_url(url).map_err(|e| ConfigError::Invalid(e.to_string()))
            }
            Backend::Aurora => {
                let a = &self.aurora;
                let cluster = a.cluster_arn.as_deref().ok_or_else(|| missing("cluster_arn", "FORMAE_STATE_CLUSTER_ARN"))?;
                let secret = a.secret_arn.as_deref().ok_or_else(|| missing("secret_arn", "FORMAE_STATE_SECRET_ARN"))?;
                a.database.as_deref().ok_or_else(|| missing("database", "FORMAE_STATE_DATABASE"))?;
                if !cluster.starts_with("arn:") || !cluster.contains(":rds:") || !cluster.contains(":cluster:") {
                    return Err(ConfigError::Invalid(format!("[state.aurora] cluster_arn `{cluster}` is not an Aurora cluster ARN (arn:aws:rds:REGION:ACCOUNT:cluster:NAME)")));
                }
                if !secret.starts_with("arn:") || !secret.contains(":secretsmanager:") {
                    return Err(ConfigError::Invalid(format!("[state.aurora] secret_arn `{secret}` is not a Secrets Manager ARN")));
                }
                Ok(())
            }
        }
    }

    /// Opens `backend` (the configured one unless given), with `default_sqlite` when no
    /// path is set and `target` for the Data API's region, endpoint and credentials.
    pub async fn open(&self, backend: Option<Backend>, default_sqlite: &Path, target: &Target) -> Result<Arc<dyn StateStore>, OpenError> {
        let backend = backend.unwrap_or(self.backend);
        self.check(backend)?;
        Ok(match backend {
            Backend::Sqlite => Arc::new(SqliteStore::open(self.sqlite.path.as_deref().unwrap_or(default_sqlite)).await?),
            Backend::Postgres => Arc::new(PostgresStore::connect(self.postgres.url.as_deref().unwrap_or_default()).await?),
            Backend::Aurora => {
                let a = &self.aurora;
                let mut t = target.clone();
                if a.region.is_some() {
                    t.region.clone_from(&a.region);
                }
                let conf = t.sdk_config().await;
                Arc::new(
                    DataApiStore::connect(&conf, a.cluster_arn.as_deref().unwrap_or_default(), a.secret_arn.as_deref().unwrap_or_default(), a.database.as_deref().unwrap_or_default())
                        .await?,
                )
            }
        })
    }
}

/// Opening a store failed: its settings, or the store itself.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The settings are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store refused or could not be reached.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn url_has_password(url: &str) -> bool {
    if let Some(rest) = url.strip_prefix("postgresql://").or_else(|| url.strip_prefix("postgres://")) {
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        return authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.contains(':'));
    }
    url.split_whitespace().any(|kv| kv.starts_with("password="))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        toml::from_str::<Config>(text).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_three_backends_in_the_guides_terms() {
        let c = parse(
            r#"
            [state]
            backend = "aurora"
            [state.aurora]
            cluster_arn = "arn:aws:rds:us-east-1:123456789012:cluster:formae-db"
            secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:formae-db-credentials"
            database = "formae"
            region = "us-east-1"
            [state.postgres]
            url = "postgresql://formae@db:5432/formae"
            "#,
        )
        .unwrap();
        assert_eq!(c.state.backend, Backend::Aurora);
        c.state.check(Backend::Aurora).unwrap();
        c.state.check(Backend::Postgres).unwrap();
        assert_eq!(c.state.aurora.database.as_deref(), Some("formae"));
    }

    #[test]
    fn unknown_keys_and_backends_are_refused() {
        let e = parse("[state]\nbackend = \"sqlite\"\npassword = \"x\"\n").unwrap_err();
        assert!(e.contains("unknown field `password`"), "{e}");
        let e = parse("[state]\nbackend = \"dynamo\"\n").unwrap_err();
        assert!(e.contains("unknown variant `dynamo`"), "{e}");
    }

    #[test]
    fn a_password_in_the_url_is_refused() {
        for url in ["postgresql://formae:hunter2@db/formae", "host=db user=formae password=hunter2"] {
            let mut s = StateConfig::default();
            s.postgres.url = Some(url.into());
            let e = s.check(Backend::Postgres).unwrap_err().to_string();
            assert!(e.contains("holds a password") && !e.contains("hunter2"), "{e}");
        }
        let mut s = StateConfig::default();
        s.postgres.url = Some("postgresql://formae@db/formae".into());
        s.check(Backend::Postgres).unwrap();
    }

    #[test]
    fn the_postgres_tls_settings_are_checked_before_connecting() {
        let mut s = StateConfig::default();
        s.postgres.url = Some("postgresql://formae@db/formae?sslmode=prefer".into());
        let e = s.check(Backend::Postgres).unwrap_err().to_string();
        assert!(e.contains("sslmode `prefer`") && e.contains("disable, require or verify-full"), "{e}");
        s.postgres.url = Some("postgresql://formae@db/formae?sslmode=verify-full&sslrootcert=global-bundle.pem".into());
        s.check(Backend::Postgres).unwrap();
    }

    #[test]
    fn missing_settings_name_the_key_and_the_variable() {
        let s = StateConfig::default();
        let e = s.check(Backend::Aurora).unwrap_err().to_string();
        assert!(e.contains("cluster_arn") && e.contains("FORMAE_STATE_CLUSTER_ARN"), "{e}");
        let e = s.check(Backend::Postgres).unwrap_err().to_string();
        assert!(e.contains("url") && e.contains("FORMAE_STATE_URL"), "{e}");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let mut s = parse("[state]\nbackend = \"sqlite\"\n").unwrap().state;
        s.apply_env(|k| match k {
            "FORMAE_STATE_BACKEND" => Some("postgres".into()),
            "FORMAE_STATE_URL" => Some("host=/tmp user=postgres".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.backend, Backend::Postgres);
        assert_eq!(s.postgres.url.as_deref(), Some("host=/tmp user=postgres"));
        let e = s.apply_env(|k| (k == "FORMAE_STATE_BACKEND").then(|| "mongo".into())).unwrap_err().to_string();
        assert!(e.contains("unknown state backend `mongo`"), "{e}");
    }

    #[test]
    fn a_stacks_parameters_are_kept_in_the_file() {
        let c = parse("[stacks.billing-api.params]\ncpu = 1024\nimage = \"app:2\"\npublic = true\n").unwrap();
        assert_eq!(
            c.params("billing-api").unwrap(),
            vec![("cpu".to_owned(), "1024".to_owned()), ("image".to_owned(), "app:2".to_owned()), ("public".to_owned(), "true".to_owned())]
        );
        assert!(c.params("other").unwrap().is_empty());
        let e = parse("[stacks.s.params]\nlist = [1]\n").unwrap().params("s").unwrap_err().to_string();
        assert!(e.contains("[stacks.s.params] list is of type array"), "{e}");
    }
}
