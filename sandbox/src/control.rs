//! The sandbox's control endpoints: delays, injected faults, crash drills, call counts,
//! what exists, and the answers AWS could not have given.

use crate::error::io;
use crate::{http, Delays, Sandbox, SandboxError};

impl Sandbox {
    /// Wipes every resource: moto's, the gap-filler's and PostgreSQL's databases.
    pub fn reset(&self) -> Result<(), SandboxError> {
        self.post("/moto-api/reset", "").map(|_| ())
    }

    /// Sets delays on a running sandbox.
    pub fn set_delays(&self, d: Delays) -> Result<(), SandboxError> {
        let body = format!(
            r#"{{"cluster_delay": {}, "instance_delay": {}, "service_delay": {}}}"#,
            d.cluster, d.instance, d.service
        );
        self.post("/_sandbox/config", &body).map(|_| ())
    }

    /// For `seconds` after a role is created, ECS refuses it as AWS does while IAM
    /// propagates ("ECS was unable to assume the role").
    pub fn set_iam_propagation(&self, seconds: f64) -> Result<(), SandboxError> {
        self.post("/_sandbox/config", &format!(r#"{{"iam_propagation": {seconds}}}"#)).map(|_| ())
    }

    /// Answers `share` of the AWS calls (chosen by `seed`) with a ThrottlingException or a
    /// 500 before carrying them out.
    pub fn set_faults(&self, share: f64, seed: u64) -> Result<(), SandboxError> {
        self.post("/_sandbox/config", &format!(r#"{{"fault_share": {share}, "fault_seed": {seed}}}"#)).map(|_| ())
    }

    /// Sets any of the sandbox's settings (`/_sandbox/config`) from a JSON object.
    pub fn configure(&self, settings: &str) -> Result<(), SandboxError> {
        self.post("/_sandbox/config", settings).map(|_| ())
    }

    /// The answers of the sandbox's own operations that AWS could not give, by the
    /// botocore service models: an undeclared error code, or a response outside the
    /// operation's output shape.
    pub fn violations(&self) -> Result<Vec<String>, SandboxError> {
        let v = self.get_json("/_sandbox/violations")?;
        Ok(v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default())
    }

    /// Panics, listing them, if the sandbox answered anything AWS could not have.
    pub fn assert_conformant(&self) {
        let v = self.violations().unwrap_or_else(|e| panic!("cannot ask the sandbox for violations: {e}"));
        assert!(v.is_empty(), "the sandbox answered as AWS could not:\n{}", v.join("\n"));
    }

    /// How many faults were injected, by kind.
    pub fn faults(&self) -> Result<serde_json::Value, SandboxError> {
        self.get_json("/_sandbox/faults")
    }

    /// What exists: express services, clusters, instances and PostgreSQL databases.
    pub fn inventory(&self) -> Result<serde_json::Value, SandboxError> {
        self.get_json("/_sandbox/inventory")
    }

    /// AWS calls counted since the last [`Sandbox::clear_calls`], by `service:Operation`.
    pub fn calls(&self) -> Result<serde_json::Value, SandboxError> {
        self.get_json("/_sandbox/calls")
    }

    /// Arms a crash drill: the sandbox sends SIGKILL to `pid` once it has carried out the
    /// `after_writes`-th mutating call, before answering it.
    pub fn arm_kill(&self, after_writes: usize, pid: u32) -> Result<(), SandboxError> {
        self.post("/_sandbox/kill", &format!("{{\"after_writes\": {after_writes}, \"pid\": {pid}}}")).map(|_| ())
    }

    /// How many mutating calls the sandbox carried out since a drill was armed (arm one
    /// that never fires, `arm_kill(usize::MAX, 0)`, to count a whole deploy's).
    pub fn drill_writes(&self) -> Result<u64, SandboxError> {
        Ok(self.get_json("/_sandbox/kill")?["writes"].as_u64().unwrap_or(0))
    }

    /// Restarts the call count.
    pub fn clear_calls(&self) -> Result<(), SandboxError> {
        self.post("/_sandbox/calls", "").map(|_| ())
    }

    fn get_json(&self, path: &str) -> Result<serde_json::Value, SandboxError> {
        let (_, body) = http::request(&self.endpoint, "GET", path, "").map_err(io("asking the sandbox"))?;
        serde_json::from_str(&body).map_err(|source| SandboxError::BadJson { path: path.to_owned(), source })
    }

    fn post(&self, path: &str, body: &str) -> Result<String, SandboxError> {
        let (code, text) = http::request(&self.endpoint, "POST", path, body).map_err(io("asking the sandbox"))?;
        if code == 200 {
            Ok(text)
        } else {
            Err(SandboxError::Refused { path: path.to_owned(), code, body: text })
        }
    }
}
