//! A saved target: `scimitar run --target acme.toml`. It names environment
//! variables, never secrets, and declares what the vendor documents about
//! the server. It is read strictly: an unknown key, a value out of range, a
//! contradiction or an unset variable is an error naming the file and line.

use super::target::{DeleteSemantics, Limits, ResourceDeclaration, Target, TargetAuth};
use crate::file_error::{FileError, line_of};
use crate::suite::capability::Capability;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Every key a target file takes, as `run --help` and the README show it.
pub const EXAMPLE: &str = r#"url = "https://api.example.com/scim/v2"    # the base URL, path prefix included

[auth]                          # one of: bearer_env; basic_env; header + header_env
bearer_env = "ACME_SCIM_TOKEN"  # the environment variable holding the bearer token
# basic_env = "ACME_BASIC"      # holds "user:password", or an API key alone
# header = "X-API-Key"          # a header carrying the credential ...
# header_env = "ACME_API_KEY"   # ... and the variable holding its value

[headers]                       # sent with every request
X-Tenant = "acme-staging"

[capabilities]                  # override what discovery finds
assume = ["bulk"]
deny = ["sort"]

[limits]                        # the run stays within these
rate = 10                       # requests per second (a lower --rate wins)
max_page_size = 100             # no request asks for a larger page (count)

[resources.User]                # what the vendor documents per resource type
delete = "deactivates"          # DELETE sets active to false and keeps the user

[resources.Group]
delete = "deletes"              # the default
max_members_per_patch = 200     # larger membership changes are split over several PATCHes

[vars]                          # values for {{name}} in suites
domain = "example.com""#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    url: Spanned<String>,
    #[serde(default)]
    auth: Option<Spanned<AuthTable>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    capabilities: CapabilitiesTable,
    #[serde(default)]
    limits: LimitsTable,
    #[serde(default)]
    resources: BTreeMap<Spanned<String>, ResourceTable>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthTable {
    bearer_env: Option<Spanned<String>>,
    basic_env: Option<Spanned<String>>,
    header: Option<String>,
    header_env: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CapabilitiesTable {
    #[serde(default)]
    assume: Vec<Spanned<Capability>>,
    #[serde(default)]
    deny: Vec<Spanned<Capability>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsTable {
    rate: Option<Spanned<f64>>,
    max_page_size: Option<Spanned<i64>>,
    // Declared per resource type now; kept here only to say where they went.
    delete: Option<Spanned<toml::Value>>,
    max_members_per_patch: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceTable {
    #[serde(default)]
    delete: DeleteSemantics,
    max_members_per_patch: Option<Spanned<i64>>,
}

/// A target file read and checked, with where it came from.
#[derive(Debug)]
pub struct TargetFile {
    path: PathBuf,
    text: String,
    file: File,
}

impl TargetFile {
    pub fn load(path: &Path) -> Result<TargetFile, FileError> {
        TargetFile::parse(path, FileError::read(path)?)
    }

    pub fn parse(path: &Path, text: String) -> Result<TargetFile, FileError> {
        let file: File = match toml::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                return Err(FileError::Invalid {
                    path: path.to_path_buf(),
                    line: e.span().map(|s| line_of(&text, s.start)),
                    message: e.message().trim_end().to_string(),
                });
            }
        };
        let loaded = TargetFile { path: path.to_path_buf(), text, file };
        loaded.check()?;
        Ok(loaded)
    }

    /// `acme.toml:12`: where a byte of the file is.
    fn at(&self, offset: usize) -> String {
        format!("{}:{}", self.path.display(), line_of(&self.text, offset))
    }

    /// What is wrong at byte `offset` of the file.
    fn invalid(&self, offset: usize, message: String) -> FileError {
        FileError::at_line(&self.path, line_of(&self.text, offset), message)
    }

    /// What can be checked without the environment or the server.
    fn check(&self) -> Result<(), FileError> {
        let f = &self.file;
        if let Err(e) = super::target::parse_base_url(f.url.get_ref()) {
            return Err(self.invalid(f.url.span().start, format!("url = {e}")));
        }
        let limits = &f.limits;
        if let Some(moved) = &limits.delete {
            return Err(self.invalid(
                moved.span().start,
                format!(
                    "[limits] delete is declared per resource type now: write [resources.User] delete = {}",
                    moved.get_ref()
                ),
            ));
        }
        if let Some(moved) = &limits.max_members_per_patch {
            return Err(self.invalid(moved.span().start, format!("[limits] max_members_per_patch is declared per resource type now: write [resources.Group] max_members_per_patch = {}",
                moved.get_ref())));
        }
        if let Some(rate) = &limits.rate
            && !(rate.get_ref().is_finite() && *rate.get_ref() > 0.0)
        {
            return Err(self.invalid(
                rate.span().start,
                format!("[limits] rate = {}: requests per second must be above 0", rate.get_ref()),
            ));
        }
        if let Some(size) = &limits.max_page_size {
            self.positive("[limits] max_page_size", size, "a page holds at least one resource")?;
        }
        for assumed in &f.capabilities.assume {
            if let Some(denied) = f.capabilities.deny.iter().find(|d| d.get_ref() == assumed.get_ref()) {
                return Err(self.invalid(
                    assumed.span().start,
                    format!(
                        "[capabilities] assumes and denies {} (denied at line {})",
                        assumed.get_ref(),
                        line_of(&self.text, denied.span().start)
                    ),
                ));
            }
        }
        let mut seen: Vec<&Spanned<String>> = Vec::new();
        for (name, table) in &f.resources {
            if let Some(first) = seen.iter().find(|s| s.get_ref().eq_ignore_ascii_case(name.get_ref())) {
                return Err(self.invalid(
                    name.span().start,
                    format!(
                        "[resources.{}] declares {} again (first at line {})",
                        name.get_ref(),
                        first.get_ref(),
                        line_of(&self.text, first.span().start)
                    ),
                ));
            }
            seen.push(name);
            if let Some(n) = &table.max_members_per_patch {
                let key = format!("[resources.{}] max_members_per_patch", name.get_ref());
                self.positive(&key, n, "a PATCH carries at least one member value")?;
            }
        }
        if let Some(auth) = &f.auth {
            let a = auth.get_ref();
            let ways =
                [a.bearer_env.is_some(), a.basic_env.is_some(), a.header.is_some() || a.header_env.is_some()];
            let complete_header = a.header.is_some() == a.header_env.is_some();
            if ways.iter().filter(|w| **w).count() != 1 || !complete_header {
                return Err(self.invalid(
                    auth.span().start,
                    "[auth] takes one of: bearer_env; basic_env; or header with header_env".to_string(),
                ));
            }
        }
        Ok(())
    }

    fn positive(&self, key: &str, value: &Spanned<i64>, why: &str) -> Result<(), FileError> {
        if *value.get_ref() >= 1 && u32::try_from(*value.get_ref()).is_ok() {
            return Ok(());
        }
        Err(self.invalid(value.span().start, format!("{key} = {}: {why}", value.get_ref())))
    }

    /// The target, its secrets read from the environment.
    pub fn into_target(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, FileError> {
        let read = |var: &Spanned<String>, key: &str| {
            env(var.get_ref()).filter(|v| !v.is_empty()).ok_or_else(|| {
                self.invalid(
                    var.span().start,
                    format!(
                        "[auth] {key} names the environment variable {}, which is not set",
                        var.get_ref()
                    ),
                )
            })
        };
        let auth = match self.file.auth.as_ref().map(Spanned::get_ref) {
            None => TargetAuth::None,
            Some(AuthTable { bearer_env: Some(var), .. }) => TargetAuth::Bearer(read(var, "bearer_env")?),
            Some(AuthTable { basic_env: Some(var), .. }) => TargetAuth::basic(&read(var, "basic_env")?),
            Some(AuthTable { header: Some(name), header_env: Some(var), .. }) => {
                let value = read(var, "header_env")?;
                TargetAuth::named_header(name, &value)
                    .map_err(|e| self.invalid(var.span().start, e.to_string()))?
            }
            Some(_) => unreachable!("checked when the file was read"),
        };
        let resources = self
            .file
            .resources
            .iter()
            .map(|(name, table)| {
                let declaration = ResourceDeclaration {
                    delete: table.delete,
                    max_members_per_patch: table.max_members_per_patch.as_ref().map(|n| *n.get_ref() as u32),
                    declared_at: Some(self.at(name.span().start)),
                };
                (name.get_ref().clone(), declaration)
            })
            .collect();
        let limits = Limits {
            rate: self.file.limits.rate.as_ref().map(|r| *r.get_ref()),
            max_page_size: self.file.limits.max_page_size.as_ref().map(|n| *n.get_ref() as u32),
        };
        Ok(Target {
            base_url: self.file.url.get_ref().clone(),
            auth,
            headers: self.file.headers.clone().into_iter().collect(),
            assume: self.file.capabilities.assume.iter().map(|c| *c.get_ref()).collect(),
            deny: self.file.capabilities.deny.iter().map(|c| *c.get_ref()).collect(),
            limits,
            resources,
            vars: self.file.vars.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TargetFile, FileError> {
        TargetFile::parse(Path::new("acme.toml"), text.to_string())
    }

    #[test]
    fn the_documented_example_is_a_valid_file_and_reads_its_secret_from_the_environment() {
        let file = parse(EXAMPLE).unwrap();
        let target =
            file.into_target(&|v| (v == "ACME_SCIM_TOKEN").then(|| "t0ken-value".to_string())).unwrap();
        assert_eq!(target.auth, TargetAuth::Bearer("t0ken-value".into()));
        assert_eq!(target.deny, [Capability::Sort]);
        assert_eq!(target.limits, Limits { rate: Some(10.0), max_page_size: Some(100) });
        let user = target.resource("user").unwrap();
        assert_eq!(user.delete, DeleteSemantics::Deactivates);
        assert_eq!(user.declared_at.as_deref(), Some("acme.toml:20"));
        assert_eq!(target.resource("Group").unwrap().max_members_per_patch, Some(200));
        assert_eq!(target.headers, [("X-Tenant".to_string(), "acme-staging".to_string())]);
        assert!(!format!("{:?}", target.auth).contains("t0ken"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let cases = [
            ("url = \"https://x\"\n[capabilities]\nassume = [\"teleport\"]", "acme.toml:3: ", "teleport"),
            ("url = \"https://x\"\nurll = 1", "acme.toml:2: ", "urll"),
            ("url = \"https://x\"\n[resources.User]\ndelete = \"archives\"", "acme.toml:3: ", "archives"),
            ("url = \"https://x\"\n[resources.User]\ndeletes = \"deactivates\"", "acme.toml:3: ", "deletes"),
            ("url = \"https://x\"\n[limits]\nmax_page_size = 0", "acme.toml:3: ", "at least one resource"),
            ("url = \"https://x\"\n[limits]\nrate = -1", "acme.toml:3: ", "above 0"),
            (
                "url = \"https://x\"\n[resources.Group]\nmax_members_per_patch = 0",
                "acme.toml:3: ",
                "at least one member",
            ),
            (
                "url = \"https://x\"\n\n[limits]\ndelete = \"deactivates\"",
                "acme.toml:4: ",
                "[resources.User] delete",
            ),
            (
                "url = \"https://x\"\n[limits]\nmax_members_per_patch = 200",
                "acme.toml:3: ",
                "[resources.Group]",
            ),
            (
                "url = \"https://x\"\n[capabilities]\nassume = [\"bulk\"]\ndeny = [\"bulk\"]",
                "acme.toml:3: ",
                "assumes and denies bulk (denied at line 4)",
            ),
            ("url = \"https://x\"\n[resources.User]\n[resources.user]", "acme.toml:3: ", "first at line 2"),
            ("url = \"https://x\"\n[auth]\nbearer_env = \"A\"\nbasic_env = \"B\"", "acme.toml:2: ", "one of"),
            ("url = \"https://x\"\n[auth]\nheader = \"X-Key\"", "acme.toml:2: ", "header with header_env"),
        ];
        for (text, at, says) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.starts_with(at) && e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn an_unset_variable_names_the_file_the_key_and_the_variable() {
        let file = parse("url = \"https://x\"\n[auth]\nbearer_env = \"MISSING\"").unwrap();
        let e = file.into_target(&|_| None).unwrap_err().to_string();
        assert_eq!(
            e,
            "acme.toml:3: [auth] bearer_env names the environment variable MISSING, which is not set"
        );
    }
}
