//! The command line, as people run it: a failure to reach AWS (no credentials, a
//! mistyped region) fails fast with a hint and writes nothing; Ctrl-C during a deploy
//! lets what is in flight finish and be recorded, releases the lock, and the next
//! deploy finishes the job.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use formae_sandbox::{free_port, repo_root, Delays, Sandbox};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// The command line in `dir`, with an environment of only what is given (no profile,
/// no credentials, no instance metadata).
fn xtask(dir: &Path, env: &[(&str, &str)]) -> Command {
    // Empty AWS config files: no profile, and no warning that the files are missing.
    for f in ["no-aws-config", "no-aws-credentials"] {
        std::fs::write(dir.join(f), "").expect("an empty AWS config file");
    }
    let mut c = Command::new(XTASK);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    c
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A sandbox of one test's own, stopped when dropped.
struct Own {
    sandbox: Sandbox,
}

impl Own {
    fn start(test: &str, delays: Delays) -> Own {
        let dir = repo_root().join(format!("target/sandbox/test-{test}"));
        let _ = Sandbox::stop(&dir);
        let port = free_port().expect("a free port on 127.0.0.1");
        let sandbox = Sandbox::start(&dir, port, delays).unwrap_or_else(|e| panic!("the sandbox did not start: {e}"));
        Own { sandbox }
    }
}

impl Drop for Own {
    fn drop(&mut self) {
        let _ = Sandbox::stop(&self.sandbox.dir);
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = repo_root().join(format!("target/cli-tests/{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn a_deploy_without_credentials_fails_fast_with_a_hint_and_writes_nothing() {
    let dir = scratch("no-credentials");
    let started = Instant::now();
    let out = xtask(&dir, &[]).args(["deploy", "ecs-express-agent", "--yes", "--region", "us-east-1"]).output().expect("xtask runs");
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("no AWS credentials were found") && said.contains("AWS_PROFILE") && said.contains("nothing was changed"), "{said}");
    // A sentence, not the SDK's error chain.
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(!said.contains("CredentialsNotLoaded") && !said.contains("Error {"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert!(!dir.join(".formae").exists(), "state was written");
}

#[test]
fn a_mistyped_region_fails_fast_naming_the_region_it_meant() {
    let dir = scratch("wrong-region");
    let creds = [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "example")];
    let started = Instant::now();
    let out = xtask(&dir, &creds).args(["deploy", "ecs-express-agent", "--yes", "--region", "us-eest-1"]).output().expect("xtask runs");
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("`us-eest-1` is not an AWS region: did you mean `us-east-1`?") && said.contains("nothing was changed"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert!(!dir.join(".formae").exists(), "state was written");
}

/// SIGINT while the cluster is being created: nothing new starts, the cluster's create
/// finishes and is recorded, the lock is released, the command exits non-zero naming
/// what was interrupted; the next deploy creates the rest and nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_what_is_in_flight_records_it_and_releases_the_lock() {
    let env = Own::start("cli-interrupt", Delays { cluster: 3.0, instance: 1.0, service: 1.0 });
    let dir = scratch("interrupt");
    let sandbox = [
        ("AWS_ACCESS_KEY_ID", "sandbox"),
        ("AWS_SECRET_ACCESS_KEY", "sandbox"),
        ("FORMAE_DB_PASSWORD", "cli-test-password-1"),
    ];
    let deploy = |dir: &Path| {
        let mut c = xtask(dir, &sandbox);
        c.args(["deploy", "ecs-express-agent", "--yes", "--region", "us-east-1", "--endpoint-url", &env.sandbox.endpoint]);
        c
    };
    let child = deploy(&dir).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("xtask starts");
    // Interrupt once the cluster is being created (it takes 3 s in this sandbox).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // Cloud Control carries the create out in the sandbox's RDS, which lists it.
        let inventory = env.sandbox.inventory().unwrap();
        if inventory["clusters"] == serde_json::json!(["formae-db"]) {
            break;
        }
        assert!(Instant::now() < deadline, "the deploy never created the cluster: {inventory}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SAFETY: signalling a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().expect("xtask exits");
    let said = text(&out);
    assert!(!out.status.success(), "an interrupted deploy reported success: {said}");
    assert!(said.contains("Interrupted: starting nothing new"), "{said}");
    assert!(said.contains("interrupted"), "{said}");

    let status = xtask(&dir, &sandbox).args(["status", "ecs-express-agent", "--region", "us-east-1", "--endpoint-url", &env.sandbox.endpoint]).output().unwrap();
    let status = text(&status);
    assert!(!status.contains("Lock:"), "the lock was not released: {status}");
    assert!(!status.contains("Started and not finished"), "an operation was left pending: {status}");
    assert!(status.contains("db_cluster") && status.contains("formae-db"), "the cluster's create was not recorded: {status}");
    let inventory = env.sandbox.inventory().unwrap();
    assert!(inventory["express_services"].as_array().is_some_and(Vec::is_empty), "work started after the interrupt: {inventory}");

    let out = deploy(&dir).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let inventory = env.sandbox.inventory().unwrap();
    assert_eq!(inventory["clusters"], serde_json::json!(["formae-db"]));
    assert_eq!(inventory["express_services"].as_array().map(Vec::len), Some(1));
}

/// A new user's first hour with a stack of their own (billing-api: no region parameter,
/// its own health path), against a sandbox of this test's own that is not running:
/// `status` creates nothing; `plan --sandbox` starts the sandbox and uses its region;
/// parameters kept in formae.toml hold across runs and `--param` overrides them;
/// `--detailed-exitcode` tells changes from none; a mistyped `--param` gets a
/// did-you-mean; the drift hint repeats the flags given.
#[test]
fn a_first_stack_plans_and_deploys_against_a_sandbox_that_was_not_running() {
    let project = Project::new("first-hour", &[]);
    let (dir, sandbox_dir) = (&project.dir, &project.sandbox_dir);
    let run = |args: &[&str]| project.run(args);

    // Read-only: nothing is started, nothing is created.
    let (code, said) = run(&["status", "billing-api", "--sandbox"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("has no recorded state"), "{said}");
    assert!(!sandbox_dir.exists() && !dir.join(".formae").exists(), "status created files: {said}");

    std::fs::write(dir.join("formae.toml"), "[stacks.billing-api.params]\ncpu = 1024\nmemory = 2048\n").unwrap();
    let (code, said) = run(&["plan", "billing-api", "--sandbox", "--detailed-exitcode"]);
    assert_eq!(code, Some(2), "a plan with changes exits 2: {said}");
    assert!(said.contains("The sandbox is not running; starting it"), "{said}");
    assert!(said.contains("Plan: 5 to add, 0 to change, 0 to destroy."), "{said}");
    assert!(said.contains("cpu") && said.contains("1024"), "the kept parameters were not used: {said}");
    for noise in ["panicked", "IMDS", "signing region", "WARN"] {
        assert!(!said.contains(noise), "`{noise}` reached the user: {said}");
    }

    let (code, said) = run(&["deploy", "billing-api", "--sandbox", "--yes"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Check health passed: GET http://127.0.0.1") && said.contains("/healthz answered 200"), "{said}");

    // A plain plan keeps what formae.toml says: nothing to change.
    let (code, said) = run(&["plan", "billing-api", "--sandbox", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("No changes."), "{said}");

    // --param overrides the file; the check runs again after the service changes.
    let (code, said) = run(&["plan", "billing-api", "--sandbox", "--detailed-exitcode", "--param", "cpu=2048", "--param", "memory=4096"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("1024 -> 2048"), "{said}");
    assert!(said.contains("(because `api` changes, so it runs again)"), "{said}");
    assert!(said.contains("Plan: 0 to add, 2 to change, 0 to destroy."), "{said}");

    let (code, said) = run(&["plan", "billing-api", "--sandbox", "--param", "cpuu=2048"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("has no parameter `cpuu`: did you mean `cpu`?"), "{said}");

    // Everything deleted by hand: drift says so, and its hint keeps --sandbox and the params.
    Sandbox::find(sandbox_dir).expect("the sandbox runs").reset().unwrap();
    let (code, said) = run(&["drift", "billing-api", "--sandbox", "--param", "cpu=1024"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("`cargo xtask deploy billing-api --sandbox --param cpu=1024` restores the declaration"), "{said}");
}

/// A project directory whose `--sandbox` is a sandbox of its own (not yet running),
/// stopped when dropped; `run` runs the command line there with `extra` in its
/// environment and gives the exit code and everything printed.
struct Project {
    dir: std::path::PathBuf,
    sandbox_dir: std::path::PathBuf,
    env: Vec<(String, String)>,
}

impl Project {
    fn new(name: &str, extra: &[(&str, &str)]) -> Project {
        let dir = scratch(name);
        let sandbox_dir = dir.join("sandbox");
        let port = free_port().expect("a free port").to_string();
        let mut env = vec![("FORMAE_SANDBOX_DIR".to_owned(), sandbox_dir.display().to_string()), ("FORMAE_SANDBOX_PORT".to_owned(), port)];
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Project { dir, sandbox_dir, env }
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let out = xtask(&self.dir, &env).args(args).output().expect("xtask runs");
        (out.status.code(), text(&out))
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = Sandbox::stop(&self.sandbox_dir);
    }
}

/// No region from the flags, the stack, the environment or a profile: one sentence that
/// says what to set, and none of the SDK's warnings about instance metadata.
#[test]
fn no_region_anywhere_is_said_once_with_what_to_set() {
    let dir = scratch("no-region");
    let creds = [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "example")];
    let out = xtask(&dir, &creds).args(["plan", "billing-api"]).output().expect("xtask runs");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("no AWS region was found: pass --region REGION"), "{said}");
    assert!(said.contains("AWS_REGION"), "{said}");
    assert_eq!(said.trim().lines().count(), 1, "more than one line: {said}");
    assert!(!dir.join(".formae").exists(), "state was written");
}

/// The reviewed-plan workflow: `plan --out` writes a plan holding no secret; `deploy
/// --plan` applies exactly it without asking; the same file is refused once the state
/// changed, for other parameters, for another stack, and when damaged; nothing changes
/// on a refusal.
#[test]
fn a_saved_plan_is_applied_exactly_and_refused_once_anything_changed() {
    let password = "saved-plan-test-password-7f3a";
    let project = Project::new("saved-plan", &[("BILLING_API_KEY", password)]);
    let (dir, sandbox_dir) = (&project.dir, &project.sandbox_dir);
    let run = |args: &[&str]| project.run(args);
    let small = ["--param", "cpu=1024", "--param", "memory=2048"];
    let with = |cmd: &[&str], params: &[&str]| -> Vec<String> { cmd.iter().chain(params).map(|s| (*s).to_owned()).collect() };
    let run_v = |args: Vec<String>| run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let (code, said) = run_v(with(&["plan", "billing-api", "--sandbox", "--out", "first.plan"], &small));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Saved this plan to first.plan"), "{said}");
    let file = std::fs::read_to_string(dir.join("first.plan")).expect("the plan file");
    assert!(!file.contains(password), "the secret is in the plan file");

    // Another stack, and other parameters: refused, nothing created.
    let (code, said) = run(&["deploy", "ecs-express-agent", "--sandbox", "--plan", "first.plan"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("is for stack `billing-api`, not `ecs-express-agent`"), "{said}");
    let (code, said) = run(&["deploy", "billing-api", "--sandbox", "--plan", "first.plan", "--param", "cpu=2048", "--param", "memory=4096"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("its code or its parameters changed since"), "{said}");
    let inventory = Sandbox::find(sandbox_dir).expect("the sandbox runs").inventory().unwrap();
    for kind in ["express_services", "secrets", "roles"] {
        assert_eq!(inventory[kind], serde_json::json!([]), "a refused plan made {kind}: {inventory}");
    }

    // Damaged: refused.
    std::fs::write(dir.join("damaged.plan"), file.replace("\"create\"", "\"delete\"")).unwrap();
    let (code, said) = run_v(with(&["deploy", "billing-api", "--sandbox", "--plan", "damaged.plan"], &small));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("is corrupt"), "{said}");

    // Applied exactly, without a question (no --yes, no terminal).
    let (code, said) = run_v(with(&["deploy", "billing-api", "--sandbox", "--plan", "first.plan"], &small));
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("Apply complete") && said.contains("5 added"), "{said}");

    // The state changed since: the same file is refused.
    let (code, said) = run_v(with(&["deploy", "billing-api", "--sandbox", "--plan", "first.plan"], &small));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("changed since this plan was made"), "{said}");
    let (code, said) = run_v(with(&["plan", "billing-api", "--sandbox", "--detailed-exitcode"], &small));
    assert_eq!(code, Some(0), "the saved plan left something undone: {said}");
}
