//! `cargo xtask bench`: the numbers users compare, measured the same way every time and
//! written to BENCHMARKS.md. Synthetic stacks are generated as `stack!` invocations into a
//! project under `target/bench/synth/` (so they never slow the normal build), built
//! against the shared target directory, and every measurement runs as a whole process.

use std::fmt::Write as _;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use formae_sandbox::{free_port, repo_root, Delays, Sandbox};

use formae_cli::Failure;

/// One measured process.
struct Sample {
    wall: Duration,
    peak_kb: u64,
    stdout: String,
}

/// Median, min and max of a measurement, and the peak memory over its runs.
struct Stat {
    median: f64,
    min: f64,
    max: f64,
    peak_mb: f64,
}

impl Stat {
    fn of(ms: &[f64], peak_kb: u64) -> Stat {
        let mut v = ms.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let median = if v.is_empty() { 0.0 } else { v[v.len() / 2] };
        Stat { median, min: v.first().copied().unwrap_or(0.0), max: v.last().copied().unwrap_or(0.0), peak_mb: peak_kb as f64 / 1024.0 }
    }
    fn ms_row(&self) -> String {
        format!("{:.1} | {:.1} - {:.1} | {:.1}", self.median, self.min, self.max, self.peak_mb)
    }
    fn s_row(&self) -> String {
        format!("{:.2} | {:.2} - {:.2} | {:.1}", self.median / 1000.0, self.min / 1000.0, self.max / 1000.0, self.peak_mb)
    }
}

/// Runs `cmd` to completion, measuring its wall time and peak resident memory.
fn measure(cmd: &mut Command) -> Result<Sample, Failure> {
    let start = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| Failure::msg(format!("cannot run {cmd:?}: {e}")))?;
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut stdout);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, zero is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is a child of this process that has not been waited for.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if r < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(Failure::msg(format!("{cmd:?} failed:\n{stderr}")));
    }
    Ok(Sample { wall, peak_kb: usage.ru_maxrss as u64, stdout })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s.trim().lines().last().unwrap_or("{}")).unwrap_or_default()
}

/// The synthetic stack shapes.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Secret i's value refers to secret i-1's ARN; after every 10th secret a role whose
    /// inline policy names that secret.
    Chain,
    /// Independent secrets.
    Wide,
    /// Independent SSM parameters: a generated type, deployed through Cloud Control.
    WideCloudControl,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Chain => "chain",
            Shape::Wide => "wide",
            Shape::WideCloudControl => "wide_cc",
        }
    }

    fn source(self, n: usize) -> String {
        let mut s = String::from("use formae_macros::stack;\nuse formae_runtime::prelude::*;\n\nstack! {\n");
        if self == Shape::WideCloudControl {
            s = s.replace("use formae_runtime::prelude::*;", "use formae_aws::ssm;");
        }
        let _ = writeln!(s, "    /// {}-{n}: a synthetic benchmark stack.", self.name());
        let _ = writeln!(s, "    pub stack Synthetic = \"{}-{n}\" {{", self.name());
        for i in 0..n {
            if self == Shape::WideCloudControl {
                let _ = writeln!(s, "        resource p{i} = ssm::Parameter {{ name: \"/wide-cc-{n}/p{i}\", r#type: ssm::ParameterType::String, value: \"v{i}\" }};");
                continue;
            }
            let value = match (self, i) {
                (Shape::Chain, i) if i > 0 => format!("template!(\"{{s{}.arn}}\")", i - 1),
                // A secret's value comes from a source, never a literal.
                _ => "SecretSource::env(\"BENCH_SECRET\")".to_owned(),
            };
            let _ = writeln!(s, "        resource s{i} = Secret {{ name: \"{}-s{i}\", secret_string: {value} }};", self.name());
            if self == Shape::Chain && i % 10 == 9 {
                let _ = writeln!(
                    s,
                    "        resource r{i} = Role {{ role_name: \"chain-r{i}\", assume_role_policy: PolicyDocument {{ statements: [Statement {{ effect: Effect::Allow, principals: [Principal::service(\"ecs-tasks.amazonaws.com\")], actions: [\"sts:AssumeRole\"] }}] }}, policies: [InlinePolicy {{ name: \"read\", document: PolicyDocument {{ statements: [Statement {{ effect: Effect::Allow, actions: [\"secretsmanager:GetSecretValue\"], resources: [s{i}.arn] }}] }} }}] }};"
                );
            }
        }
        s.push_str("    }\n}\n\nfn main() {\n    formae_bench_synth::run(Synthetic::ENTRY);\n}\n");
        s
    }
}

struct Bench {
    root: PathBuf,
    synth: PathBuf,
    runs: usize,
    quick: bool,
    sizes: Vec<usize>,
    out: String,
    misses: Vec<String>,
}

/// Runs the benchmarks and writes BENCHMARKS.md.
pub fn run(quick: bool) -> Result<(), Failure> {
    let root = repo_root();
    let mut b = Bench {
        synth: root.join("target/bench/synth"),
        root,
        runs: if quick { 3 } else { 5 },
        quick,
        sizes: if quick { vec![100, 1000] } else { vec![100, 1000, 10_000] },
        out: String::new(),
        misses: Vec::new(),
    };
    let started = Instant::now();
    b.generate()?;
    b.build()?;
    eprintln!("built in {:.0} s", started.elapsed().as_secs_f64());
    b.header()?;
    let phase = Instant::now();
    b.plans()?;
    eprintln!("plans measured in {:.0} s", phase.elapsed().as_secs_f64());
    let phase = Instant::now();
    b.deploys()?;
    eprintln!("deploys measured in {:.0} s", phase.elapsed().as_secs_f64());
    let phase = Instant::now();
    // Compiling from scratch cleans the project's binaries; deploys have run by then.
    b.compiles()?;
    b.build()?;
    b.generated_builds()?;
    eprintln!("compiles measured in {:.0} s", phase.elapsed().as_secs_f64());
    b.targets();
    let _ = writeln!(b.out, "\nThe whole run took {:.0} s.", started.elapsed().as_secs_f64());
    fs::write(b.root.join("BENCHMARKS.md"), &b.out)?;
    println!("{}", b.out);
    Ok(())
}

impl Bench {
    /// The wide stacks deployed by parallelism: a quick run takes 100 resources, since at
    /// parallelism 1, 1,000 take over a minute and a half.
    fn wide_size(&self) -> usize {
        if self.quick { 100 } else { 1000 }
    }

    fn bin(&self, name: &str) -> PathBuf {
        self.root.join("target/debug").join(name)
    }

    fn cargo(&self) -> Command {
        let mut c = crate::repo::cargo();
        c.env("CARGO_TARGET_DIR", self.root.join("target")).current_dir(&self.synth);
        c
    }

    fn generate(&self) -> Result<(), Failure> {
        let root = self.root.display();
        fs::create_dir_all(self.synth.join("src/bin"))?;
        let manifest = format!(
            r#"# Generated by `cargo xtask bench`; not part of the workspace.
[package]
name = "formae-bench-synth"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
formae-macros = {{ path = "{root}/formae-macros" }}
formae-runtime = {{ path = "{root}/formae-runtime" }}
formae-stacks = {{ path = "{root}/stacks" }}
formae-aws = {{ path = "{root}/formae-aws", default-features = false, features = ["ssm"] }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros", "time", "sync", "signal", "process", "io-util", "net"] }}
# As the workspace's xtask has it: the same features on shared crates (tracing-core, log)
# let this project reuse the AWS SDK already built for `cargo xtask`.
tracing-subscriber = {{ version = "0.3.19", features = ["env-filter"] }}
bitflags = {{ version = "2.13", features = ["std"] }}

[workspace]

# The workspace's profiles, so dependencies built for it are reused.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
opt-level = 1
debug = false

[profile.dev.package.formae-runtime]
opt-level = 2

[profile.dev.package.formae-core]
opt-level = 2

[profile.dev.package.formae-store]
opt-level = 2

[profile.dev.package.formae-plan]
opt-level = 2

[profile.dev.package.formae-engine]
opt-level = 2

[profile.dev.package.serde_json]
opt-level = 3

[profile.dev.package.indexmap]
opt-level = 3

[profile.dev.package.hashbrown]
opt-level = 3

[profile.dev.package.libsqlite3-sys]
opt-level = 3

[profile.dev.package.sha2]
opt-level = 3
"#
        );
        write_if_changed(&self.synth.join("Cargo.toml"), &manifest)?;
        // The workspace's versions, so its built dependencies are reused.
        write_if_changed(&self.synth.join("Cargo.lock"), &fs::read_to_string(self.root.join("Cargo.lock"))?)?;
        write_if_changed(&self.synth.join("src/lib.rs"), &fs::read_to_string(self.root.join("xtask/bench/worker.rs"))?)?;
        write_if_changed(
            &self.synth.join("src/bin/flagship.rs"),
            "fn main() {\n    formae_bench_synth::run(formae_stacks::EcsExpressAgent::ENTRY);\n}\n",
        )?;
        for shape in [Shape::Chain, Shape::Wide] {
            for &n in &[100, 1000, 10_000] {
                write_if_changed(&self.synth.join(format!("src/bin/{}_{n}.rs", shape.name())), &shape.source(n))?;
            }
        }
        for &n in &[100, 1000] {
            write_if_changed(&self.synth.join(format!("src/bin/wide_cc_{n}.rs")), &Shape::WideCloudControl.source(n))?;
        }
        Ok(())
    }

    fn build(&self) -> Result<(), Failure> {
        eprintln!("building the benchmark project (synthetic stacks up to {} resources)", self.sizes.last().copied().unwrap_or(0) * 11 / 10);
        let mut c = self.cargo();
        c.args(["build", "--quiet", "--bin", "flagship"]);
        for shape in ["chain", "wide"] {
            for n in &self.sizes {
                c.args(["--bin", &format!("{shape}_{n}")]);
            }
        }
        c.args(["--bin", &format!("wide_cc_{}", self.wide_size())]);
        let status = c.status()?;
        if !status.success() {
            return Err(Failure::msg("building the benchmark project failed"));
        }
        Ok(())
    }

    fn header(&mut self) -> Result<(), Failure> {
        let date = Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]).output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
        let mem = fs::read_to_string("/proc/meminfo").ok().and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<f64>().unwrap_or(0.0) / 1024.0 / 1024.0)).unwrap_or(0.0);
        let rustc = Command::new("rustc").arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
        let moto = formae_sandbox::pinned("moto").unwrap_or_default();
        let _ = writeln!(self.out, "# Benchmarks\n");
        let _ = writeln!(self.out, "Written by `cargo xtask bench{}` on {date}.\n", if self.quick { " --quick" } else { "" });
        let _ = writeln!(self.out, "- Machine: {cores} cores, {mem:.1} GiB memory");
        let _ = writeln!(self.out, "- Versions: formae {}, {rustc}, sandbox {moto}", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(self.out, "- Each row: the median of {} runs, the range, and the peak resident memory of the measured process.", self.runs);
        let _ = writeln!(self.out, "- Builds use the dev profile, as `cargo xtask` does (dependencies at opt-level 1; the planner at 2; serde_json, its maps, SQLite and sha2 at 3).");
        Ok(())
    }

    fn plans(&mut self) -> Result<(), Failure> {
        let _ = writeln!(self.out, "\n## Plan, as a whole process\n");
        let _ = writeln!(self.out, "Building the stack from its parameters, loading recorded state from the embedded store, planning.\n");
        let _ = writeln!(self.out, "| stack | resources | state | median ms | min - max ms | peak MB |\n| --- | --- | --- | --- | --- | --- |");
        let work = self.root.join("target/bench/state");
        fs::create_dir_all(&work)?;
        for shape in [Shape::Chain, Shape::Wide] {
            for n in self.sizes.clone() {
                let bin = self.bin(&format!("{}_{n}", shape.name()));
                let db = work.join(format!("{}-{n}.db", shape.name()));
                let _ = fs::remove_file(&db);
                measure(Command::new(&bin).arg("prepare").arg(&db))?;
                for full in [false, true] {
                    let (mut times, mut peak, mut resources) = (Vec::new(), 0, 0);
                    for _ in 0..self.runs {
                        let mut c = Command::new(&bin);
                        c.arg("plan");
                        if full {
                            c.arg(&db);
                        }
                        let s = measure(&mut c)?;
                        let j = json(&s.stdout);
                        resources = j["resources"].as_u64().unwrap_or(0);
                        let expected = if full { 0 } else { resources };
                        if j["changes"].as_u64() != Some(expected) {
                            return Err(Failure::msg(format!("{} planned {} changes, expected {expected}", bin.display(), j["changes"])));
                        }
                        times.push(ms(s.wall));
                        peak = peak.max(s.peak_kb);
                    }
                    let stat = Stat::of(&times, peak);
                    let state = if full { "full, no changes" } else { "empty" };
                    let _ = writeln!(self.out, "| {}-{n} | {resources} | {state} | {} |", shape.name(), stat.ms_row());
                    if shape == Shape::Chain && n == 10_000 && (stat.median > 100.0 || stat.peak_mb > 100.0) {
                        self.misses.push(format!("plan of chain-10000 ({state}): {:.0} ms and {:.0} MB against 100 ms and 100 MB", stat.median, stat.peak_mb));
                    }
                }
            }
        }
        Ok(())
    }

    /// Times `cargo build` of `bin` after `prepare`, and (for the edit loop) the plan after.
    fn compile_runs(&mut self, label: &str, bin: &str, file: &Path, from: &str, to: &str) -> Result<(), Failure> {
        let original = fs::read_to_string(file)?;
        if !original.contains(from) {
            return Err(Failure::msg(format!("{} does not contain {from}", file.display())));
        }
        let restore = Restore { path: file.to_owned(), text: original.clone() };
        // From scratch: the stack's crate and the binary, dependencies already built.
        self.scratch_runs(label, bin, if self.quick { 1 } else { self.runs })?;
        // The loop users live in: change one property, rebuild, plan.
        let (mut times, mut peak) = (Vec::new(), 0);
        for i in 0..self.runs {
            let text = if i % 2 == 0 { original.replacen(from, to, 1) } else { original.clone() };
            fs::write(file, text)?;
            let start = Instant::now();
            let b = measure(self.cargo().args(["build", "--quiet", "--bin", bin]))?;
            let p = measure(Command::new(self.bin(bin)).arg("plan"))?;
            times.push(ms(start.elapsed()));
            peak = peak.max(b.peak_kb).max(p.peak_kb);
        }
        drop(restore);
        let stat = Stat::of(&times, peak);
        let _ = writeln!(self.out, "| {label} | one property changed, rebuild and plan | {} |", stat.s_row());
        let target = match bin {
            "flagship" => Some(2500.0),
            "chain_1000" => Some(3000.0),
            _ => None,
        };
        if let Some(target) = target.filter(|t| stat.median > *t) {
            self.misses.push(format!("edit-rebuild-plan of {label}: {:.2} s against {:.1} s", stat.median / 1000.0, target / 1000.0));
        }
        // Leave the build matching the restored source.
        measure(self.cargo().args(["build", "--quiet", "--bin", bin]))?;
        Ok(())
    }

    /// Times `runs` builds of `bin` from scratch: its package cleaned, dependencies built.
    fn scratch_runs(&mut self, label: &str, bin: &str, runs: usize) -> Result<Stat, Failure> {
        let package = if bin == "flagship" { "formae-stack-ecs-express-agent" } else { "formae-bench-synth" };
        let (mut times, mut peak) = (Vec::new(), 0);
        for _ in 0..runs {
            let mut clean = self.cargo();
            clean.args(["clean", "--quiet", "-p", package]);
            measure(&mut clean)?;
            let s = measure(self.cargo().args(["build", "--quiet", "--bin", bin]))?;
            times.push(ms(s.wall));
            peak = peak.max(s.peak_kb);
        }
        let stat = Stat::of(&times, peak);
        let _ = writeln!(self.out, "| {label} | from scratch | {} |", stat.s_row());
        Ok(stat)
    }

    fn compiles(&mut self) -> Result<(), Failure> {
        let _ = writeln!(self.out, "\n## Compile\n");
        let _ = writeln!(self.out, "The stack's crate and the binary that links it (the flagship's links the AWS SDK); peak memory is the largest process of the build.\n");
        let _ = writeln!(self.out, "| stack | build | median s | min - max s | peak MB |\n| --- | --- | --- | --- | --- |");
        let flagship = self.root.join("stacks/ecs-express-agent/src/lib.rs");
        self.compile_runs("ecs-express-agent", "flagship", &flagship, "health_check_path: \"/api/v1/health\"", "health_check_path: \"/api/v1/health/\"")?;
        let chain = self.synth.join("src/bin/chain_1000.rs");
        self.compile_runs("chain-1000", "chain_1000", &chain, "name: \"chain-s0\"", "name: \"chain-s0-edited\"")?;
        if !self.quick {
            // Once: it takes minutes.
            let stat = self.scratch_runs("chain-10000", "chain_10000", 1)?;
            if stat.median > 60_000.0 {
                self.misses.push(format!("chain-10000 from scratch: {:.0} s against 60 s", stat.median / 1000.0));
            }
        }
        Ok(())
    }

    /// Builds from scratch, each in an empty target directory of its own: a stack crate
    /// using 10 services of generated types (with every dependency), then every service.
    fn generated_builds(&mut self) -> Result<(), Failure> {
        let _ = writeln!(self.out, "\n## Generated types (`formae-aws`), from scratch\n");
        let _ = writeln!(self.out, "Each build in an empty target directory, every dependency included; one run each. Memory is the machine's in use above what it used before the build (cargo runs two compilers at once on 2 cores), and the largest single process. serverless-app's crate turns on the 10 services it uses.\n");
        let _ = writeln!(self.out, "| build | s | peak MB in use | largest process MB |\n| --- | --- | --- | --- |");
        let dir = self.root.join("target/bench/scratch");
        let builds: [(&str, &[&str], f64, Option<f64>); 2] = [
            ("a stack of 10 services (serverless-app)", &["build", "--quiet", "-p", "formae-stack-serverless-app"], 60.0, None),
            ("every service (`--features all`)", &["build", "--quiet", "-p", "formae-aws", "--features", "all"], 900.0, Some(6144.0)),
        ];
        for (label, args, target_s, target_mb) in builds {
            let _ = fs::remove_dir_all(&dir);
            let mut c = crate::repo::cargo();
            c.env("CARGO_TARGET_DIR", &dir).current_dir(&self.root).args(args);
            let sampler = MemorySampler::start();
            let s = measure(&mut c)?;
            let in_use_mb = sampler.stop();
            let secs = s.wall.as_secs_f64();
            let _ = writeln!(self.out, "| {label} | {secs:.0} | {in_use_mb:.0} | {:.0} |", s.peak_kb as f64 / 1024.0);
            if secs > target_s {
                self.misses.push(format!("{label} from scratch: {secs:.0} s against {target_s:.0} s"));
            }
            if let Some(mb) = target_mb.filter(|mb| in_use_mb > *mb) {
                self.misses.push(format!("{label} from scratch: {in_use_mb:.0} MB in use against {mb:.0} MB"));
            }
        }
        let _ = fs::remove_dir_all(&dir);
        Ok(())
    }

    fn deploys(&mut self) -> Result<(), Failure> {
        let dir = self.root.join("target/bench/sandbox");
        let _ = Sandbox::stop(&dir);
        let sandbox = Sandbox::start(&dir, free_port()?, Delays::default())?;
        let guard = StopSandbox(dir.clone());
        let db = dir.join("bench-state.db");
        let deploy = |bin: &Path, parallelism: usize| -> Result<(f64, u64), Failure> {
            let s = measure(Command::new(bin).arg("deploy").arg(&sandbox.endpoint).arg(&db).arg(parallelism.to_string()))?;
            let j = json(&s.stdout);
            Ok((j["wall_ms"].as_f64().unwrap_or(0.0), s.peak_kb))
        };
        let fresh = |s: &Sandbox| -> Result<(), Failure> {
            s.reset()?;
            let _ = fs::remove_file(&db);
            Ok(())
        };
        let flagship = self.bin("flagship");

        let _ = writeln!(self.out, "\n## Deploy of the flagship into the sandbox\n");
        let _ = writeln!(self.out, "Delays keep the cluster creating 3 s, the instance 2 s and the service 2 s; the critical path they imply (cluster, then instance, then database, config, execution role, service) is 7 s. Waits poll every 50 ms.\n");
        let _ = writeln!(self.out, "| delays | median s | min - max s | peak MB | wall / critical path |\n| --- | --- | --- | --- | --- |");
        for (label, delays, critical) in [("3 s / 2 s / 2 s", Delays { cluster: 3.0, instance: 2.0, service: 2.0 }, Some(7000.0)), ("none", Delays::default(), None)] {
            let (mut times, mut peak) = (Vec::new(), 0);
            for _ in 0..self.runs {
                fresh(&sandbox)?;
                sandbox.set_delays(delays)?;
                let (t, p) = deploy(&flagship, 10)?;
                times.push(t);
                peak = peak.max(p);
            }
            let stat = Stat::of(&times, peak);
            let ratio = critical.map(|c| format!("{:.2}", stat.median / c)).unwrap_or_else(|| "-".into());
            let _ = writeln!(self.out, "| {label} | {} | {ratio} |", stat.s_row());
            match critical {
                Some(c) if stat.median > 1.1 * c => self.misses.push(format!("flagship deploy with delays: {:.2}x the critical path against 1.1x", stat.median / c)),
                None if stat.median > 1500.0 => self.misses.push(format!("flagship deploy without delays: {:.2} s against 1.5 s", stat.median / 1000.0)),
                _ => {}
            }
        }

        let _ = writeln!(self.out, "\n## No-op redeploy\n");
        let _ = writeln!(self.out, "A deploy with nothing to change, after a full deploy: AWS calls by kind, counted by the sandbox.\n");
        let _ = writeln!(self.out, "| stack | resources | reads | writes | median ms | min - max ms | peak MB |\n| --- | --- | --- | --- | --- | --- | --- |");
        let wide = self.bin("wide_1000");
        for (label, bin, resources) in [("ecs-express-agent", &flagship, 10u64), ("wide-1000", &wide, 1000)] {
            fresh(&sandbox)?;
            sandbox.set_delays(Delays::default())?;
            deploy(bin, 10)?;
            let (mut times, mut peak, mut reads, mut writes) = (Vec::new(), 0, 0, 0);
            for _ in 0..self.runs {
                sandbox.clear_calls()?;
                let (t, p) = deploy(bin, 10)?;
                times.push(t);
                peak = peak.max(p);
                let calls = sandbox.calls()?;
                let (r, w) = count_calls(&calls);
                reads = reads.max(r);
                writes = writes.max(w);
            }
            let stat = Stat::of(&times, peak);
            let _ = writeln!(self.out, "| {label} | {resources} | {reads} | {writes} | {} |", stat.ms_row());
            if writes > 0 || reads > resources {
                self.misses.push(format!("no-op redeploy of {label}: {writes} writes and {reads} reads for {resources} resources"));
            }
        }

        let n = self.wide_size();
        let wide_par = self.bin(&format!("wide_{n}"));
        let _ = writeln!(self.out, "\n## wide-{n} into the sandbox by parallelism\n");
        let _ = writeln!(self.out, "| parallelism | median s | min - max s | peak MB |\n| --- | --- | --- | --- |");
        let runs = if self.quick { 1 } else { self.runs };
        let mut secrets_at_10 = 0.0;
        for par in [1, 10, 50] {
            let (mut times, mut peak) = (Vec::new(), 0);
            for _ in 0..runs {
                fresh(&sandbox)?;
                let (t, p) = deploy(&wide_par, par)?;
                times.push(t);
                peak = peak.max(p);
            }
            let stat = Stat::of(&times, peak);
            if par == 10 {
                secrets_at_10 = stat.median;
            }
            let _ = writeln!(self.out, "| {par} | {} |", stat.s_row());
        }

        let _ = writeln!(self.out, "\n## A Cloud Control type against secrets\n");
        let _ = writeln!(self.out, "wide-{n} of SSM parameters (a generated type, created through Cloud Control and polled until done) against wide-{n} of secrets (the hand-written executor), both at parallelism 10, without delays.\n");
        let _ = writeln!(self.out, "| stack | median s | min - max s | peak MB | against secrets |\n| --- | --- | --- | --- | --- |");
        let (mut times, mut peak) = (Vec::new(), 0);
        for _ in 0..runs {
            fresh(&sandbox)?;
            let (t, p) = deploy(&self.bin(&format!("wide_cc_{n}")), 10)?;
            times.push(t);
            peak = peak.max(p);
        }
        let stat = Stat::of(&times, peak);
        let ratio = if secrets_at_10 > 0.0 { stat.median / secrets_at_10 } else { 0.0 };
        let _ = writeln!(self.out, "| wide_cc-{n} | {} | {ratio:.2}x |", stat.s_row());
        if ratio > 1.2 {
            self.misses.push(format!("wide-{n} through Cloud Control: {ratio:.2}x wide-{n} of secrets against 1.2x"));
        }
        drop(guard);
        Ok(())
    }

    fn targets(&mut self) {
        let _ = writeln!(self.out, "\n## Targets\n");
        if self.misses.is_empty() {
            let _ = writeln!(self.out, "Every target measured here is met.");
        } else {
            let _ = writeln!(self.out, "Not met in this run:\n");
            for m in &self.misses {
                let _ = writeln!(self.out, "- {m}");
            }
        }
    }
}

/// The machine's memory in use above where it stood when sampling started, at its peak.
struct MemorySampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl MemorySampler {
    fn available_kb() -> u64 {
        let info = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let line = info.lines().find(|l| l.starts_with("MemAvailable:")).unwrap_or_default();
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
    }

    fn start() -> MemorySampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let base = Self::available_kb();
            let mut low = base;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                low = low.min(Self::available_kb());
                std::thread::sleep(Duration::from_millis(200));
            }
            base.saturating_sub(low)
        });
        MemorySampler { stop, thread }
    }

    /// Stops sampling; the peak in MB.
    fn stop(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or(0) as f64 / 1024.0
    }
}

/// Reads and writes among counted AWS calls (`service:Operation` -> count).
fn count_calls(calls: &serde_json::Value) -> (u64, u64) {
    let mut reads = 0;
    let mut writes = 0;
    for (k, v) in calls.as_object().into_iter().flatten() {
        let op = k.split(':').nth(1).unwrap_or("");
        let n = v.as_u64().unwrap_or(0);
        // The sandbox counts a Data API statement that only reads as `Execute:SELECT`.
        if ["Describe", "Get", "List"].iter().any(|p| op.starts_with(p)) || k.ends_with(":SELECT") {
            reads += n;
        } else {
            writes += n;
        }
    }
    (reads, writes)
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), Failure> {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text)?;
    }
    Ok(())
}

/// Puts a source file back as it was, whatever happens.
struct Restore {
    path: PathBuf,
    text: String,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = fs::write(&self.path, &self.text);
    }
}

struct StopSandbox(PathBuf);

impl Drop for StopSandbox {
    fn drop(&mut self) {
        let _ = Sandbox::stop(&self.0);
    }
}
