//! Logging on stderr, as detailed as `-v` asks; `FORMAE_LOG` overrides.

/// Starts logging at the level `verbose` (the count of `-v`) chooses.
pub(crate) fn init(verbose: u8) {
    // The SDK's request and response bodies (logged at its trace level) would carry
    // secrets; no level here turns them on.
    // aws-config warns once per provider it tries and fails (instance metadata, say) while
    // it looks for a region or credentials; formae says once what is missing instead.
    let level = match verbose {
        0 => "warn,aws_config=error",
        1 => "warn,aws_config=error,formae_runtime=debug,formae_cli=debug,formae_sandbox=debug,aws_smithy_runtime::client::retries=debug",
        _ => "info,formae_runtime=trace,formae_cli=trace,formae_sandbox=trace,aws_smithy_runtime=debug,aws_config=debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FORMAE_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)))
        .with_writer(std::io::stderr)
        .init();
}
