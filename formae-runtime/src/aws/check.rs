//! `Formae::Check::Http`: a post-deploy check that a URL answers with the expected status.

use serde::{Deserialize, Serialize};

use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// An HTTP GET of `url`, repeated until it answers `expect_status` or the timeout passes.
/// It owns nothing in the cloud; applying it runs the check.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HttpCheck {
    /// The URL to GET; one without a scheme is an `https://` one, so a host name (an ECS
    /// Express service's endpoint) can be followed by its path.
    pub url: Value<String>,
    /// The status that passes; 200 if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_status: Option<Value<u16>>,
    /// How long to keep trying, in seconds; 300 if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<Value<u32>>,
}

impl Props for HttpCheck {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(HttpCheck: url);
}

crate::outputs! {
    /// Outputs of an [`HttpCheck`].
    HttpCheckOutputs {
        /// The status the URL answered with.
        status: u16,
    }
}

impl Resource for HttpCheck {
    const META: ResourceMeta = ResourceMeta {
        type_name: "Formae::Check::Http",
        create_only: &[],
        write_only: &[],
        identity: &["url"],
        outputs: HttpCheckOutputs::ATTRS,
        reruns_when_dependencies_change: true,
        is_check: true,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = HttpCheckOutputs;
    fn outputs(name: &'static str) -> HttpCheckOutputs {
        HttpCheckOutputs::new(name)
    }
}

#[cfg(feature = "aws")]
mod ops {
    use std::time::Duration;

    use async_trait::async_trait;
    use serde_json::json;

    use super::HttpCheck;
    use crate::exec::{optional, outputs, required, Applied, Cx, ExecError, Existing, Observed, Ops};
    use crate::resource::Resource;

    const TYPE: &str = HttpCheck::META.type_name;

    impl HttpCheck {
        /// GETs the URL until it answers the expected status or the timeout passes.
        pub async fn run(&self, cx: &Cx) -> Result<u16, ExecError> {
            let url = with_scheme(required(&self.url, "url", TYPE)?);
            let want = optional(&self.expect_status, "expect_status", TYPE)?.copied().unwrap_or(200);
            let limit = Duration::from_secs(u64::from(optional(&self.timeout_seconds, "timeout_seconds", TYPE)?.copied().unwrap_or(300)));
            let last = std::sync::Mutex::new(String::from("no answer yet"));
            // Each new answer is shown while the check waits, so a wrong path (a 404 on
            // the first try) is seen at once rather than at the timeout.
            let note = |text: String| {
                if let Ok(mut l) = last.lock() {
                    if *l != text {
                        crate::engine::note(format!("GET {url}: {text}"));
                        *l = text;
                    }
                }
            };
            let result = cx
                .wait_for(&format!("GET {url} answering {want}"), limit, || {
                    let (url, note) = (url.clone(), &note);
                    async move {
                        match cx.http.get(&url).send().await {
                            Ok(r) if r.status().as_u16() == want => Ok(Some(want)),
                            Ok(r) => {
                                note(format!("it answered {}", r.status()));
                                Ok(None)
                            }
                            Err(e) => {
                                note(format!("it could not be reached: {e}"));
                                Ok(None)
                            }
                        }
                    }
                })
                .await;
            // Only the message is lost with a poisoned lock; the check's result is not.
            let last = last.lock().map(|l| l.clone()).unwrap_or_default();
            result.map_err(|_| ExecError::Check(format!("GET {url} did not answer {want} within {} s; {last}", limit.as_secs())))
        }
    }

    /// `url` as given if it names its scheme, else over HTTPS.
    pub(crate) fn with_scheme(url: &str) -> String {
        if url.contains("://") { url.to_owned() } else { format!("https://{url}") }
    }

    #[async_trait]
    impl Ops for HttpCheck {
        async fn create(&self, cx: &Cx, _name: &str) -> Result<Applied, ExecError> {
            let status = self.run(cx).await?;
            let url = required(&self.url, "url", TYPE)?.clone();
            Ok(Applied { cloud_id: url, outputs: outputs([("status", json!(status))]) })
        }

        async fn update(&self, cx: &Cx, name: &str, _cloud_id: &str, _prior: Option<&Self>) -> Result<Applied, ExecError> {
            self.create(cx, name).await
        }

        async fn delete(_cx: &Cx, _cloud_id: &str, _prior: Option<&Self>) -> Result<(), ExecError> {
            Ok(())
        }

        async fn find(&self, _cx: &Cx) -> Result<Option<Existing>, ExecError> {
            // A check makes nothing in the cloud.
            Ok(None)
        }

        async fn exists(_cx: &Cx, _cloud_id: &str, _prior: Option<&Self>) -> Result<bool, ExecError> {
            Ok(false)
        }

        /// A check makes nothing in the cloud, so nothing can drift.
        async fn read(_cx: &Cx, _cloud_id: &str, _prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
            Ok(Some(Vec::new()))
        }
    }
}

#[cfg(all(test, feature = "aws"))]
mod tests {
    #[test]
    fn a_url_without_a_scheme_is_https_and_one_with_a_scheme_is_kept() {
        assert_eq!(super::ops::with_scheme("agent.ecs.us-east-1.on.aws/api/v1/health"), "https://agent.ecs.us-east-1.on.aws/api/v1/health");
        assert_eq!(super::ops::with_scheme("http://127.0.0.1:4566/_express/default/agent/health"), "http://127.0.0.1:4566/_express/default/agent/health");
    }
}
