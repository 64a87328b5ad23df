//! A small blocking client for talking to an in-process reference server.

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::header::HeaderMap;
use scimitar::faults::{Fault, FaultSet};
use scimitar::scim::quirks::{Idp, Leniency};
use scimitar::server::{Auth, ReferenceServer, ServerConfig};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

pub struct Api {
    pub server: ReferenceServer,
    pub client: Client,
    pub base: String,
    pub token: Option<String>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a SCIM error envelope with this status and scimType.
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) -> &Resp {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], json!(status.to_string()), "{}", self.text);
        assert_eq!(self.body.get("scimType").and_then(Value::as_str), scim_type, "{}", self.text);
        assert!(self.header("content-type").is_some_and(|c| c.starts_with("application/scim+json")));
        self
    }

    pub fn detail(&self) -> &str {
        self.body["detail"].as_str().unwrap_or_default()
    }
}

impl Api {
    pub fn start() -> Api {
        Api::with(ServerConfig::new(Auth::bearer(TOKEN)))
    }

    pub fn with_faults(faults: &[Fault]) -> Api {
        Api::with(ServerConfig::new(Auth::bearer(TOKEN)).with_faults(FaultSet::of(faults)))
    }

    pub fn lenient(idps: &[Idp]) -> Api {
        Api::with(ServerConfig::new(Auth::bearer(TOKEN)).with_leniency(Leniency::for_idps(idps)))
    }

    pub fn with(config: ServerConfig) -> Api {
        let token = match &config.auth {
            Auth::Credentials { bearer, .. } => bearer.first().cloned(),
            Auth::None => None,
        };
        let server = ReferenceServer::start(config).expect("reference server starts");
        let base = server.base_url();
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("client builds");
        Api { server, client, base, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("valid method");
        let mut rb = self.client.request(method, self.url(path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    pub fn send(&self, rb: RequestBuilder) -> Resp {
        let response = rb.send().expect("request completes");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, text, body }
    }

    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let mut rb = self.request(method, path);
        if let Some(b) = body {
            rb = rb.header("Content-Type", "application/scim+json").body(b.to_string());
        }
        self.send(rb)
    }

    pub fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.call("POST", path, Some(body))
    }

    pub fn put(&self, path: &str, body: &Value) -> Resp {
        self.call("PUT", path, Some(body))
    }

    pub fn patch(&self, path: &str, ops: Value) -> Resp {
        self.call("PATCH", path, Some(&json!({ "schemas": [PATCH_OP], "Operations": ops })))
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.call("DELETE", path, None)
    }

    /// Creates a user and returns its id.
    pub fn user(&self, user_name: &str) -> String {
        let r = self.post("/Users", &json!({ "schemas": [USER], "userName": user_name }));
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    pub fn user_with(&self, body: Value) -> String {
        let r = self.post("/Users", &body);
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    /// Creates a group with these member ids and returns its id.
    pub fn group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
        let r = self.post("/Groups", &json!({ "schemas": [GROUP], "displayName": name, "members": members }));
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    /// `GET /Users?...` with the query string encoded.
    pub fn list(&self, endpoint: &str, params: &[(&str, &str)]) -> Resp {
        let url = reqwest::Url::parse_with_params(&self.url(endpoint), params).expect("valid url");
        let mut rb = self.client.get(url);
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        self.send(rb)
    }

    pub fn user_names(&self, params: &[(&str, &str)]) -> Vec<String> {
        let r = self.list("/Users", params);
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["Resources"]
            .as_array()
            .expect("Resources")
            .iter()
            .map(|u| u["userName"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}
