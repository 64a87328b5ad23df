//! What `scimitar coverage` shows of the client's side: every client
//! requirement of the catalogue, with the audit case that judges it, or why
//! no audit of a client's requests can see it.

use super::rules;
use crate::suite::Suite;
use crate::suite::requirement::Requirement;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ClientCoverage {
    /// Client requirements an audit judges.
    pub audited: usize,
    /// Of those, the ones an audit case judges (all, or a test fails).
    pub covered: usize,
    /// Client requirements no audit can see, each with its reason.
    pub unaudited: usize,
    pub entries: Vec<ClientEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientEntry {
    pub requirement: Requirement,
    /// The audit case that judges it: `audit::patch::patchop_schema`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

impl ClientCoverage {
    pub fn of(suite: &Suite) -> ClientCoverage {
        let entries: Vec<ClientEntry> = suite
            .catalogue
            .values()
            .filter(|r| r.client)
            .map(|r| ClientEntry {
                requirement: r.clone(),
                case: rules::of(&r.id).map(|rule| format!("audit::{}", rule.case)),
            })
            .collect();
        let audited = entries.iter().filter(|e| e.requirement.unaudited.is_none()).count();
        let covered =
            entries.iter().filter(|e| e.requirement.unaudited.is_none() && e.case.is_some()).count();
        ClientCoverage { audited, covered, unaudited: entries.len() - audited, entries }
    }

    /// Client requirements an audit could see that no case judges.
    pub fn uncovered(&self) -> impl Iterator<Item = &ClientEntry> {
        self.entries.iter().filter(|e| e.requirement.unaudited.is_none() && e.case.is_none())
    }
}
