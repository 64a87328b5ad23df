//! Declared deviations: what a vendor documents about their server and will
//! not change (users deactivated on DELETE, say). A declaration does not
//! hide anything: the cases still run and the findings are still reported,
//! with their RFC text, as *declared*: in every report and in a count of
//! their own, failing the run only with `--fail-on declared`. A declaration
//! the run never saw the server act on is reported too, as not observed.

use crate::runner::model::TargetModel;
use crate::runner::outcome::{Exchange, Finding};
use crate::runner::target::{DeleteSemantics, Target};
use serde::Serialize;

/// One deviation a target file declares, for one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    /// Where it is written: `[resources.User] delete = "deactivates"`.
    pub key: String,
    /// The resource type it concerns: `User`, `Group`.
    pub resource: String,
    /// Where the target serves that resource type: `/Users`.
    pub endpoint: String,
    /// What the vendor says the server does.
    pub says: String,
    /// The requirements it departs from.
    pub requirements: Vec<String>,
}

/// The requirements a DELETE that only deactivates departs from (RFC 7644
/// §3.6: "MUST return a 404 ... for all operations associated with the
/// previously deleted resource"; "MUST omit the resource from future query
/// results"; it "SHOULD NOT consider the deleted resource in conflict
/// calculation").
pub const DELETE_DEACTIVATES: &[&str] = &[
    "rfc7644.3.6.delete",
    "rfc7644.3.6.delete-gone-404",
    "rfc7644.3.6.delete-omit-from-queries",
    "rfc7644.3.6.delete-no-conflict",
    "rfc7644.3.6.delete-recreate-username",
];

/// The deviations a target file declares, each at the endpoint the target
/// serves its resource type (discovery found it).
pub fn of_target(target: &Target, model: &TargetModel) -> Vec<Declaration> {
    target
        .resources
        .iter()
        .filter(|(_, d)| d.delete == DeleteSemantics::Deactivates)
        .map(|(name, _)| {
            let endpoint =
                model.resource_type(name).map_or_else(|| format!("/{name}s"), |rt| rt.endpoint.clone());
            Declaration::delete_deactivates(name, &endpoint)
        })
        .collect()
}

impl Declaration {
    pub fn delete_deactivates(resource: &str, endpoint: &str) -> Declaration {
        Declaration {
            key: format!("[resources.{resource}] delete = \"deactivates\""),
            resource: resource.to_string(),
            endpoint: format!("/{}", endpoint.trim_matches('/')),
            says: format!("DELETE of a {resource} sets active to false and keeps it, still served"),
            requirements: DELETE_DEACTIVATES.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether a request went to this resource type.
    pub fn is_about(&self, url: &str) -> bool {
        let path = url.split('?').next().unwrap_or("").to_ascii_lowercase();
        let endpoint = self.endpoint.to_ascii_lowercase();
        path.contains(&format!("{endpoint}/")) || path.ends_with(&endpoint)
    }

    /// Whether a finding of `case` is this deviation: it cites one of the
    /// requirements, about a request to this resource type.
    /// Whether it accepts `finding`, made by the case whose exchanges are `exchanges`.
    pub fn covers(&self, exchanges: &[Exchange], finding: &Finding) -> bool {
        if !self.requirements.contains(&finding.requirement.id) {
            return false;
        }
        match finding.exchange.and_then(|i| exchanges.get(i)) {
            Some(exchange) => self.is_about(&exchange.request.url),
            None => exchanges.iter().any(|e| self.is_about(&e.request.url)),
        }
    }
}

/// What became of one declaration in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclarationStatus {
    #[serde(flatten)]
    pub declaration: Declaration,
    /// The cases whose findings it accounts for.
    pub declared_in: Vec<String>,
    /// The cases that check one of its requirements on its resource type
    /// and found nothing: the server does not deviate as declared.
    pub not_observed_in: Vec<String>,
}

impl DeclarationStatus {
    /// Declared, but the server was seen to follow the RFC instead.
    pub fn not_observed(&self) -> bool {
        self.declared_in.is_empty() && !self.not_observed_in.is_empty()
    }
}
