//! One error type for every module. Its `Display` text becomes the `msg` of the
//! `{"failed": true}` result, so every variant says what went wrong and why.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The task's arguments are at fault (unknown parameter, wrong type, bad value).
    /// Nothing has been read from or written to the system when this is returned.
    #[error("{0}")]
    Invalid(String),

    /// A file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An external program could not be started or exited unsuccessfully.
    #[error("{0}")]
    Command(String),

    /// The module refuses the request, e.g. because it would harm the host.
    #[error("{0}")]
    Refused(String),

    /// A lockout guard refuses the change: `verdict` (`refused`: it would cut the session;
    /// `unknown`: the guard cannot show that the session survives) goes into the failed result
    /// as `lockout_check`, `reasons` as `lockout_risks`.
    #[error("{msg}")]
    Lockout {
        verdict: &'static str,
        msg: String,
        reasons: Vec<String>,
    },
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn refused(msg: impl Into<String>) -> Self {
        Error::Refused(msg.into())
    }

    pub fn io(op: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
