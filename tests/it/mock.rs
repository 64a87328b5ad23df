//! Mock targets: wiremock servers that pass for a SCIM service at discovery,
//! so a test can make one endpoint hostile and see what the runner does.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Answers GET /ServiceProviderConfig as a minimal SCIM service does (every
/// optional feature off). Without it discovery finds no SCIM service there
/// and stops the run before any case.
pub async fn serve_discovery(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/ServiceProviderConfig"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": { "supported": false },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": false, "maxResults": 0 },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": false },
            "authenticationSchemes": [],
        })))
        .mount(server)
        .await;
}
