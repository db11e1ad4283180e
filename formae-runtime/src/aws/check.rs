//! `Formae::Check::Http`: a post-deploy check that a URL answers with the expected status.

use serde::{Deserialize, Serialize};

use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// An HTTP GET of `url`, repeated until it answers `expect_status` or the timeout passes.
/// It owns nothing in the cloud; applying it runs the check.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HttpCheck {
    /// The URL to GET.
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
        sensitive: &[],
        identity: &["url"],
        outputs: HttpCheckOutputs::ATTRS,
    };
    type Outputs = HttpCheckOutputs;
    fn outputs(name: &'static str) -> HttpCheckOutputs {
        HttpCheckOutputs::new(name)
    }
}
