//! The seed document (product.md §3): Rust types, parsing with JSON-path errors, validation of
//! references, and the demo seed compiled into the binary.
//!
//! The same document shape is read by `--seed` and `POST /_mock/seed` and written by
//! `GET /_mock/state`. `schemas/seed.schema.json` describes it for other tools; a test keeps the
//! two in step.
//!
//! **\[choice\]** A tenant (Luminate site, SmarterU account, YM client) named in a document
//! replaces the stored tenant with the same key whole — its groups, people and sessions — so a
//! test that seeds its own tenant always starts from exactly what it sent. Other tenants are
//! untouched.
//!
//! **\[choice\]** A tenant's `"generate"` section adds synthetic people after its declared ones
//! (see [`generate`]); `--generate N` gives every tenant of the start-up seed that has no
//! section of its own N generated people.
//!
//! A document reaches the store piece by piece ([`Piece`]: a tenant opens, then its head and
//! its people in batches): from a parsed document, or streamed from the bytes of a seed file
//! at start-up ([`SeedPlan`], `stream.rs`), so a million people never sit in memory as one
//! document. Both ways run every record through the same checks (`SectionCheck` and the
//! per-tenant checks in each vendor's file), and a document the stream refuses is parsed
//! again to name the error exactly as `POST /_mock/seed` does.
//!
//! One file per vendor holds that vendor's part of the document and its checks
//! ([`luminate`], [`smarteru`], [`yourmembership`]); their types are re-exported here, so
//! `crate::seed::Site` and `crate::seed::OtherConsLookup` name them.

pub mod generate;
pub mod luminate;
pub mod smarteru;
mod stream;
pub mod yourmembership;

pub use generate::Generate;
pub use luminate::*;
pub use smarteru::*;
pub use yourmembership::*;

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
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

/// The sets that check a tenant's people for duplicates: a million entries each at start-up,
/// so a quick hash (FxHash, as in rustc) rather than SipHash. Seeds are the operator's own
/// input; there is nobody to defend against.
pub(crate) type FastSet<T> = std::collections::HashSet<T, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// How a tenant's checks remember names for duplicate checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// The names themselves (a parsed document: every answer exact).
    Exact,
    /// 64-bit hashes of the names (a streamed document: no allocation per person, a
    /// fraction of the memory). A collision reads as a duplicate; the document is then
    /// parsed whole and checked exactly (`SeedPlan::feed`), so a collision costs time, never
    /// a wrong answer. Only for duplicate checks: a set that answers "does it exist" stays
    /// exact.
    Hashed,
}

/// A set of names for duplicate checks (see [`Names`]), compared as given or case-folded.
#[derive(Debug)]
pub(crate) enum NameSet {
    Exact(FastSet<String>),
    Hashed(FastSet<u64>),
}

impl NameSet {
    pub(crate) fn new(names: Names) -> NameSet {
        match names {
            Names::Exact => NameSet::Exact(FastSet::default()),
            Names::Hashed => NameSet::Hashed(FastSet::default()),
        }
    }

    fn hash(name: &str, fold_case: bool) -> u64 {
        #[cfg(test)]
        if tests::COLLIDE.with(|c| c.get()) {
            return 0;
        }
        let mut h = FxHasher::default();
        if fold_case {
            for c in name.chars().flat_map(char::to_lowercase) {
                h.add(u64::from(c));
            }
        } else {
            h.write(name.as_bytes());
        }
        h.add(name.len() as u64);
        h.finish()
    }

    /// `false` when the name is there already.
    pub(crate) fn insert(&mut self, name: &str, fold_case: bool) -> bool {
        match self {
            NameSet::Exact(set) if fold_case => set.insert(name.to_lowercase()),
            NameSet::Exact(set) => set.insert(name.to_string()),
            NameSet::Hashed(set) => set.insert(Self::hash(name, fold_case)),
        }
    }

    pub(crate) fn contains(&self, name: &str, fold_case: bool) -> bool {
        match self {
            NameSet::Exact(set) if fold_case => set.contains(&name.to_lowercase()),
            NameSet::Exact(set) => set.contains(name),
            NameSet::Hashed(set) => set.contains(&Self::hash(name, fold_case)),
        }
    }
}

/// Who a person check is about: a declared person (their position in the tenant's list) or
/// a generated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Declared(usize),
    Generated(u64),
}

/// The path of a person: `luminate.sites[0].constituents[3]`, or the tenant's `generate`.
pub(crate) fn person_path(tenant: &str, list: &str, at: At) -> String {
    match at {
        At::Declared(i) => format!("{tenant}.{list}[{i}]"),
        At::Generated(_) => format!("{tenant}.generate"),
    }
}

/// An error about a person's `field` (`.user_name`, or `""` for the person).
pub(crate) fn person_err(
    tenant: &str,
    list: &str,
    at: At,
    field: &str,
    message: impl Into<String>,
) -> SeedError {
    let message = message.into();
    match at {
        At::Declared(_) => err(format!("{}{field}", person_path(tenant, list, at)), message),
        At::Generated(k) => err(
            person_path(tenant, list, at),
            match field.strip_prefix('.') {
                Some(field) => format!("generated person {k}, {field}: {message}"),
                None => format!("generated person {k}: {message}"),
            },
        ),
    }
}

// ---------------------------------------------------------------- to the store

/// People per [`Piece`] of a tenant.
pub(crate) const BATCH: usize = 2048;

/// A tenant's people on their way to the sink, [`BATCH`] to a [`Piece`] (`piece` wraps them:
/// `Piece::Constituents`, `Piece::Users`, `Piece::Members`).
pub(crate) struct Batch<T> {
    people: Vec<T>,
    piece: fn(Vec<T>) -> Piece,
}

impl<T> Batch<T> {
    pub(crate) fn new(piece: fn(Vec<T>) -> Piece) -> Batch<T> {
        Batch {
            people: Vec::new(),
            piece,
        }
    }

    /// Add one; a full batch goes to the sink.
    pub(crate) fn push<S: Sink>(&mut self, sink: &mut S, person: T) -> Result<(), S::Error> {
        self.people.push(person);
        if self.people.len() >= BATCH {
            let full = std::mem::replace(&mut self.people, Vec::with_capacity(BATCH));
            sink.put((self.piece)(full))?;
        }
        Ok(())
    }

    /// Send what is left.
    pub(crate) fn flush<S: Sink>(&mut self, sink: &mut S) -> Result<(), S::Error> {
        if self.people.is_empty() {
            return Ok(());
        }
        sink.put((self.piece)(std::mem::take(&mut self.people)))
    }
}

/// A piece of seed on its way to the store (`store::seed::Loader` applies it). A tenant opens
/// (the stored tenant with the same key goes), then its head and its people follow in either
/// order, people in batches; the head holds the tenant's own fields and groups, its people
/// list empty.
#[derive(Debug)]
pub enum Piece {
    SiteOpen {
        org: String,
    },
    SiteHead(Box<Site>),
    Constituents(Vec<Constituent>),
    AccountOpen {
        key: String,
        /// Users join groups by name.
        groups: Vec<SmarterUGroup>,
    },
    AccountHead {
        /// The account's position in its document, to name it in an error.
        index: usize,
        account: Box<Account>,
    },
    Users(Vec<SmarterUUser>),
    ClientOpen {
        client_id: i64,
        /// Members join groups by code.
        groups: Vec<YmGroup>,
    },
    ClientHead(Box<Client>),
    Members(Vec<Member>),
}

impl Piece {
    /// People the piece brings (0 for a tenant's own fields).
    pub fn people(&self) -> usize {
        match self {
            Piece::Constituents(v) => v.len(),
            Piece::Users(v) => v.len(),
            Piece::Members(v) => v.len(),
            _ => 0,
        }
    }
}

/// Where pieces go. A check failing on the way is a [`SeedError`], hence the conversion.
pub trait Sink {
    type Error: From<SeedError>;
    fn put(&mut self, piece: Piece) -> Result<(), Self::Error>;
}

/// One tenant on its way to a [`Sink`], once opened: its head (own fields and groups), then
/// its people one by one, then the generated ones and the checks that need them all. The
/// whole-document path (`<vendor>::feed`) and the streaming reader (`stream.rs`) drive each
/// vendor's feed through it alike.
pub(crate) trait TenantFeed: Sized {
    /// The tenant as the seed document spells it (`Site`).
    type Head;
    /// One of its people (`Constituent`).
    type Person;
    /// The checks across the vendor's whole section (e.g. unique tenant keys).
    type Section;

    fn head<S: Sink>(
        &mut self,
        sink: &mut S,
        section: &mut Self::Section,
        head: Self::Head,
    ) -> Result<(), S::Error>;
    fn person<S: Sink>(
        &mut self,
        sink: &mut S,
        at: At,
        person: Self::Person,
    ) -> Result<(), S::Error>;
    fn finish<S: Sink>(self, sink: &mut S) -> Result<(), S::Error>;

    /// Open the tenant from its whole head (what opens it: Luminate's org; a SmarterU key and
    /// groups; a YM client id and groups), `index` naming it in errors.
    fn open_from<S: Sink>(
        sink: &mut S,
        index: usize,
        head: &Self::Head,
        generate: Option<Generate>,
        names: Names,
    ) -> Result<Self, S::Error>;

    /// The rest of an opened tenant when its people are in hand: head, people, finish.
    fn run<S: Sink>(
        mut self,
        sink: &mut S,
        section: &mut Self::Section,
        head: Self::Head,
        people: Vec<Self::Person>,
    ) -> Result<(), S::Error> {
        self.head(sink, section, head)?;
        for (i, person) in people.into_iter().enumerate() {
            self.person(sink, At::Declared(i), person)?;
        }
        self.finish(sink)
    }
}

impl SeedDoc {
    /// Send the document to `sink`, piece by piece, generated people after each tenant's own
    /// (`generate` for tenants without a section of their own).
    pub fn feed<S: Sink>(self, sink: &mut S, generate: Option<Generate>) -> Result<(), S::Error> {
        if let Some(lum) = self.luminate {
            luminate::feed(lum, sink, generate)?;
        }
        if let Some(su) = self.smarteru {
            smarteru::feed(su, sink, generate)?;
        }
        if let Some(ym) = self.yourmembership {
            yourmembership::feed(ym, sink, generate)?;
        }
        Ok(())
    }
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

/// A seed read and parsed whole: the documents in order, their sources and a digest. What
/// tests and `AppState::new` start from; the binary starts from a [`SeedPlan`], which reads
/// nothing until the store needs seeding and never holds the whole document.
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

/// What the state was made from, as `/_mock/health` tells it: the seed's sources and digest,
/// and the `--generate` instruction. Kept in the store (`mm_meta`), so a restart on an existing
/// `--db` can tell it without reading the seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeedInfo {
    pub sources: Vec<String>,
    /// SHA-256 of the sources' bytes in order; empty when unknown (a database made by an
    /// older membermock).
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generate>,
}

/// The seed the server starts from, not yet read: the store's bulk loader reads, parses and
/// applies it in one pass when (and only when) the store needs seeding.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    sources: PlanSources,
    /// `--generate`: people for every tenant without a `"generate"` section of its own.
    pub generate: Option<Generate>,
}

#[derive(Debug, Clone)]
enum PlanSources {
    /// Read while loading.
    Unread(Vec<Unread>),
    /// Parsed and checked already (a [`Seed`]).
    Parsed {
        names: Vec<String>,
        sha256: String,
        docs: Vec<SeedDoc>,
    },
}

#[derive(Debug, Clone)]
enum Unread {
    Builtin {
        name: &'static str,
        text: &'static str,
    },
    File(PathBuf),
}

impl From<Seed> for SeedPlan {
    fn from(seed: Seed) -> SeedPlan {
        SeedPlan {
            sources: PlanSources::Parsed {
                names: seed.sources,
                sha256: seed.sha256,
                docs: seed.docs,
            },
            generate: None,
        }
    }
}

/// Why feeding a plan stopped: the seed, or the sink (which knows why).
#[derive(Debug)]
pub enum FeedError<E> {
    Seed(SeedError),
    Sink(E),
}

impl SeedPlan {
    /// The demo seed compiled into the binary.
    pub fn demo() -> SeedPlan {
        SeedPlan {
            sources: PlanSources::Unread(
                DEMO_SEED
                    .iter()
                    .map(|(name, text)| Unread::Builtin { name, text })
                    .collect(),
            ),
            generate: None,
        }
    }

    /// `--seed` paths: files as given, folders as their `*.json` files in name order (listed
    /// now, read when loading).
    pub fn files(paths: &[PathBuf]) -> Result<SeedPlan, SeedError> {
        let mut files = Vec::new();
        for path in paths {
            files.extend(seed_files(path)?.into_iter().map(Unread::File));
        }
        Ok(SeedPlan {
            sources: PlanSources::Unread(files),
            generate: None,
        })
    }

    pub fn with_generate(mut self, generate: Option<Generate>) -> SeedPlan {
        self.generate = generate;
        self
    }

    /// Read, check and send every document to `sink` in order. A document the streaming
    /// reader rejects is parsed again whole, so the error names the same path as
    /// `POST /_mock/seed` would.
    pub fn feed<S: Sink>(self, sink: &mut S) -> Result<SeedInfo, FeedError<S::Error>> {
        use sha2::{Digest, Sha256};
        let generate = self.generate;
        let mut separate = stream::Separate(sink);
        match self.sources {
            PlanSources::Parsed {
                names,
                sha256,
                docs,
            } => {
                for doc in docs {
                    doc.feed(&mut separate, generate).map_err(FeedError::from)?;
                }
                Ok(SeedInfo {
                    sources: names,
                    sha256,
                    generate,
                })
            }
            PlanSources::Unread(unread) => {
                let mut hasher = Sha256::new();
                let mut names = Vec::with_capacity(unread.len());
                for source in unread {
                    let (name, streamed) = match &source {
                        Unread::Builtin { name, text } => {
                            hasher.update(text.as_bytes());
                            let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
                            (
                                format!("builtin:{name}"),
                                stream::feed_from(&mut de, separate.0, generate),
                            )
                        }
                        Unread::File(path) => {
                            let cannot = |e: std::io::Error| {
                                FeedError::Seed(err(
                                    "",
                                    format!("cannot read {}: {e}", path.display()),
                                ))
                            };
                            // Read as it is parsed: the file is never in memory whole.
                            let file = std::fs::File::open(path).map_err(cannot)?;
                            let mut reader = std::io::BufReader::with_capacity(
                                1 << 20,
                                Hashing {
                                    inner: file,
                                    hasher: &mut hasher,
                                },
                            );
                            let mut de = serde_json::Deserializer::from_reader(&mut reader);
                            let streamed = stream::feed_from(&mut de, separate.0, generate);
                            // The digest covers the whole file, whatever follows the document.
                            std::io::copy(&mut reader, &mut std::io::sink()).map_err(cannot)?;
                            (path.display().to_string(), streamed)
                        }
                    };
                    if let Err(e) = streamed {
                        match FeedError::from(e) {
                            FeedError::Seed(_) => {
                                let bytes = match &source {
                                    Unread::Builtin { text, .. } => text.as_bytes().to_vec(),
                                    Unread::File(path) => std::fs::read(path).map_err(|e| {
                                        FeedError::Seed(err(
                                            "",
                                            format!("cannot read {}: {e}", path.display()),
                                        ))
                                    })?,
                                };
                                let named = |e: SeedError| SeedError {
                                    path: e.path,
                                    message: format!("{name}: {}", e.message),
                                };
                                match SeedDoc::parse(&bytes) {
                                    Err(exact) => return Err(FeedError::Seed(named(exact))),
                                    // A collision of name hashes (or an unreadable file) gets
                                    // here: apply the parsed document instead (it replaces the
                                    // tenants the stream sent).
                                    Ok(doc) => {
                                        doc.feed(&mut separate, generate).map_err(|e| {
                                            match FeedError::from(e) {
                                                FeedError::Seed(e) => FeedError::Seed(named(e)),
                                                sink => sink,
                                            }
                                        })?;
                                    }
                                }
                            }
                            sink => return Err(sink),
                        }
                    }
                    names.push(name);
                }
                Ok(SeedInfo {
                    sources: names,
                    sha256: hex::encode(hasher.finalize()),
                    generate,
                })
            }
        }
    }
}

/// A reader that hashes what passes through it.
struct Hashing<'h, R> {
    inner: R,
    hasher: &'h mut sha2::Sha256,
}

impl<R: std::io::Read> std::io::Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl<E> From<stream::StreamError<E>> for FeedError<E> {
    fn from(e: stream::StreamError<E>) -> Self {
        match e {
            stream::StreamError::Seed(e) => FeedError::Seed(e),
            stream::StreamError::Sink(e) => FeedError::Sink(e),
        }
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

    thread_local! {
        /// Every name hash the same: to walk the collision path.
        pub(super) static COLLIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Remembers the pieces' kinds.
    #[derive(Default)]
    struct Record(Vec<String>);

    impl Sink for Record {
        type Error = SeedError;
        fn put(&mut self, piece: Piece) -> Result<(), SeedError> {
            self.0.push(match piece {
                Piece::SiteOpen { org } => format!("site {org}"),
                Piece::Constituents(c) => format!("{} constituents", c.len()),
                Piece::AccountOpen { key, .. } => format!("account {key}"),
                Piece::ClientOpen { client_id, .. } => format!("client {client_id}"),
                _ => "head or people".into(),
            });
            Ok(())
        }
    }

    #[test]
    fn a_name_hash_collision_while_streaming_falls_back_to_the_parsed_document() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = DEMO_SEED
            .iter()
            .map(|(name, text)| {
                let path = dir.path().join(Path::new(name).file_name().unwrap());
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        let mut plain = Record::default();
        SeedPlan::files(&files).unwrap().feed(&mut plain).unwrap();
        COLLIDE.with(|c| c.set(true));
        let mut collided = Record::default();
        let fed = SeedPlan::files(&files).unwrap().feed(&mut collided);
        COLLIDE.with(|c| c.set(false));
        fed.unwrap();
        // The streamed demo site stopped at its second constituent; the parsed document
        // opened it again, whole.
        let opened = |r: &Record, what: &str| r.0.iter().filter(|p| *p == what).count();
        assert_eq!(opened(&plain, "site demo"), 1);
        assert_eq!(opened(&collided, "site demo"), 2);
        assert!(collided.0.ends_with(&plain.0[plain.0.len() - 3..]));
    }

    #[test]
    fn name_sets_fold_case_exactly_or_hashed() {
        for names in [Names::Exact, Names::Hashed] {
            let mut set = NameSet::new(names);
            assert!(set.insert("Ada.Lovelace", true));
            assert!(!set.insert("ada.LOVELACE", true));
            assert!(set.contains("ADA.lovelace", true));
            assert!(set.insert("E-1", false));
            assert!(set.insert("e-1", false));
            assert!(!set.contains("E-2", false));
        }
    }

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
