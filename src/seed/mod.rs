//! The seed document (product.md §3): Rust types, parsing with JSON-path errors, validation of
//! references, and the demo seed compiled into the binary.
//!
//! The same document shape is read by `--seed` and `POST /_mock/seed` and written by
//! `GET /_mock/state`. `schemas/seed.schema.json` describes it for other tools; a test keeps the
//! two in step.
//!
//! **[choice]** A tenant (Luminate site, SmarterU account, YM client) named in a document
//! replaces the stored tenant with the same key whole — its groups, people and sessions — so a
//! test that seeds its own tenant always starts from exactly what it sent. Other tenants are
//! untouched.
//!
//! One file per vendor holds that vendor's part of the document and its checks
//! ([`luminate`], [`smarteru`], [`yourmembership`]); their types are re-exported here, so
//! `crate::seed::Site` and `crate::seed::OtherConsLookup` name them.

pub mod luminate;
pub mod smarteru;
pub mod yourmembership;

pub use luminate::*;
pub use smarteru::*;
pub use yourmembership::*;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The demo seed, compiled in from `seed/` (product.md §5), applied in this order.
pub const DEMO_SEED: &[(&str, &str)] = &[
    (
        "seed/luminate.json",
        include_str!("../../seed/luminate.json"),
    ),
    (
        "seed/smarteru.json",
        include_str!("../../seed/smarteru.json"),
    ),
    (
        "seed/yourmembership.json",
        include_str!("../../seed/yourmembership.json"),
    ),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub luminate: Option<LuminateSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smarteru: Option<SmarterUSeed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yourmembership: Option<YourMembershipSeed>,
}

// ---------------------------------------------------------------- parsing and validation

/// A seed problem, with the JSON path of the first bad field (`luminate.sites[0].groups[1].id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SeedError {}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> SeedError {
    SeedError {
        path: path.into(),
        message: message.into(),
    }
}

impl SeedDoc {
    /// Parse and validate one document.
    pub fn parse(bytes: &[u8]) -> Result<SeedDoc, SeedError> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let doc: SeedDoc = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            err(path, e.into_inner().to_string())
        })?;
        doc.validate()?;
        Ok(doc)
    }

    /// Reference and uniqueness checks serde cannot express.
    pub fn validate(&self) -> Result<(), SeedError> {
        if let Some(lum) = &self.luminate {
            luminate::validate(lum)?;
        }
        if let Some(su) = &self.smarteru {
            smarteru::validate(su)?;
        }
        if let Some(ym) = &self.yourmembership {
            yourmembership::validate(ym)?;
        }
        Ok(())
    }
}

pub(crate) fn non_empty(path: &str, value: &str) -> Result<(), SeedError> {
    if value.trim().is_empty() {
        return Err(err(path, "must not be empty"));
    }
    Ok(())
}

pub(crate) fn unique<K: std::hash::Hash + Eq>(
    seen: &mut HashSet<K>,
    key: K,
    path: impl FnOnce() -> String,
    what: &str,
) -> Result<(), SeedError> {
    if !seen.insert(key) {
        return Err(err(path(), format!("duplicate {what}")));
    }
    Ok(())
}

pub(crate) fn validate_rfc3339(path: &str, value: &Option<String>) -> Result<(), SeedError> {
    if let Some(v) = value {
        chrono::DateTime::parse_from_rfc3339(v)
            .map_err(|e| err(path, format!("not an RFC 3339 date-time: {e}")))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- sources

/// One loaded seed file: where it came from and its bytes (for the health endpoint's digest).
#[derive(Debug, Clone)]
pub struct SeedSource {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The seed the server starts from: the documents in order, their sources and a digest.
#[derive(Debug, Clone)]
pub struct Seed {
    pub sources: Vec<String>,
    pub sha256: String,
    pub docs: Vec<SeedDoc>,
}

impl Seed {
    pub fn from_sources(sources: Vec<SeedSource>) -> Result<Seed, SeedError> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        let mut docs = Vec::with_capacity(sources.len());
        for src in &sources {
            hasher.update(&src.bytes);
            let doc = SeedDoc::parse(&src.bytes).map_err(|e| SeedError {
                path: e.path,
                message: format!("{}: {}", src.name, e.message),
            })?;
            docs.push(doc);
        }
        Ok(Seed {
            sources: sources.into_iter().map(|s| s.name).collect(),
            sha256: hex::encode(hasher.finalize()),
            docs,
        })
    }

    /// The demo seed compiled into the binary.
    pub fn demo() -> Seed {
        let sources = DEMO_SEED
            .iter()
            .map(|(name, text)| SeedSource {
                name: format!("builtin:{name}"),
                bytes: text.as_bytes().to_vec(),
            })
            .collect();
        Seed::from_sources(sources).expect("the compiled-in demo seed is valid (tested)")
    }

    /// Load `--seed` paths: files as given, folders as their `*.json` files in name order.
    pub fn load(paths: &[PathBuf]) -> Result<Seed, SeedError> {
        let mut sources = Vec::new();
        for path in paths {
            for file in seed_files(path)? {
                let bytes = std::fs::read(&file)
                    .map_err(|e| err("", format!("cannot read {}: {e}", file.display())))?;
                sources.push(SeedSource {
                    name: file.display().to_string(),
                    bytes,
                });
            }
        }
        Seed::from_sources(sources)
    }
}

fn seed_files(path: &Path) -> Result<Vec<PathBuf>, SeedError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| err("", format!("cannot read folder {}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seed_parses_and_validates() {
        let seed = Seed::demo();
        assert_eq!(seed.docs.len(), DEMO_SEED.len());
        assert_eq!(seed.sha256.len(), 64);
    }

    #[test]
    fn an_unknown_field_is_named_by_its_path() {
        let e = SeedDoc::parse(br#"{"luminate":{"sites":[{"org":"x","api_key":"k","grups":[]}]}}"#)
            .unwrap_err();
        assert_eq!(e.path, "luminate.sites[0].grups");
        assert!(e.message.contains("unknown field `grups`"), "{}", e.message);
    }

    #[test]
    fn a_dangling_group_reference_is_named_by_its_path() {
        let e = SeedDoc::parse(
            br#"{"luminate":{"sites":[{"org":"x","api_key":"k","groups":[{"id":1001,"label":"A"}],
                "constituents":[{"cons_id":1,"groups":[1001,1002]}]}]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "luminate.sites[0].constituents[0].groups[1]");
    }

    #[test]
    fn a_wrong_type_is_named_by_its_path() {
        let e = SeedDoc::parse(
            br#"{"yourmembership":{"clients":[{"client_id":"x","api_key":"k","api_password":"p"}]}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "yourmembership.clients[0].client_id");
    }

    #[test]
    fn the_default_account_name_hides_the_key() {
        let name = default_account_name("secret-key");
        assert!(name.starts_with("su-") && name.len() == 11);
        assert!(!name.contains("secret"));
    }
}
