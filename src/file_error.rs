//! What is wrong with a file the user gave (a target file, waivers, a
//! baseline report, a seed): where, and why, so the message points at the
//! line to fix. Commands turn it into a usage error (exit 2).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", at(.path, *.line))]
    Invalid { path: PathBuf, line: Option<usize>, message: String },
}

impl FileError {
    /// Reads `path`, or says which file could not be read.
    pub fn read(path: &Path) -> Result<String, FileError> {
        std::fs::read_to_string(path).map_err(|source| FileError::Read { path: path.to_path_buf(), source })
    }

    /// `message` about the whole of `path`.
    pub fn invalid(path: &Path, message: impl Into<String>) -> FileError {
        FileError::Invalid { path: path.to_path_buf(), line: None, message: message.into() }
    }

    /// `message` about line `line` (1-based) of `path`.
    pub fn at_line(path: &Path, line: usize, message: impl Into<String>) -> FileError {
        FileError::Invalid { path: path.to_path_buf(), line: Some(line), message: message.into() }
    }

    /// The line the problem is on, when it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            FileError::Read { .. } => None,
            FileError::Invalid { line, .. } => *line,
        }
    }
}

fn at(path: &Path, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{}:{line}", path.display()),
        None => path.display().to_string(),
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |before| before.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_reads_as_file_line_and_message() {
        let e = FileError::at_line(Path::new("acme.toml"), 3, "[auth] takes one of: bearer_env");
        assert_eq!(e.to_string(), "acme.toml:3: [auth] takes one of: bearer_env");
        assert_eq!(e.line(), Some(3));
        let whole = FileError::invalid(Path::new("waivers.yaml"), "not YAML");
        assert_eq!(whole.to_string(), "waivers.yaml: not YAML");
    }

    #[test]
    fn an_unreadable_file_keeps_the_cause() {
        let e = FileError::read(Path::new("/nonexistent/scimitar/target.toml")).unwrap_err();
        assert!(e.to_string().starts_with("cannot read /nonexistent/scimitar/target.toml: "), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
    }
}
