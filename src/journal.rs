//! The request journal (`GET`/`DELETE /_mock/requests`): one entry per vendor call, newest
//! last, in a ring bounded by entry count and by bytes, so memory stays flat however long the
//! mock runs and whatever the calls carry.
//!
//! Recording costs one allocation: the pipeline hands the call's facts and a writer of its
//! parameters to [`Journal::record`], which encodes everything variable-length (verb, path,
//! tenant, operation, vendor code, parameters) into one compact byte string. Secrets are masked
//! and long values cut **while** they are written, so a secret in a parameter never reaches
//! the journal's memory and nothing is copied twice. Entries are decoded only when the journal
//! is read.
//!
//! The start of each answer's body is kept too (the dashboard shows it). **[choice: answers
//! are masked when read]** It is copied as the vendor sent it, and its secrets (a login's
//! token, a session id) are masked by the one accessor that reads it, [`Entry::answer`]:
//! finding them means scanning the text, which would cost a vendor call about 6% more
//! instructions if done while recording, and those same tokens sit in the store's session
//! tables anyway. No route shows an answer any other way.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde::Serialize;

use crate::faults::Fired;
use crate::vendor::Api;

mod answer;
pub use answer::{is_answer_secret, mask as mask_answer};

/// What replaces a secret value in the journal.
pub const MASK: &str = "****";

/// **\[choice\]** Longest parameter value kept, in bytes; a longer one is cut at a character
/// boundary and ends with [`TRUNCATED`] and the full length.
pub const MAX_VALUE_BYTES: usize = 1024;

/// **\[choice\]** Most bytes of parameters kept per entry; the parameters after that are counted
/// in one `…` pair instead of kept.
pub const MAX_PARAM_BYTES: usize = 16 * 1024;

/// **\[choice\]** Default bound on the bytes all entries keep together (oldest dropped first).
pub const DEFAULT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// Marks a value the journal cut.
pub const TRUNCATED: &str = "…[truncated, ";

/// **\[choice\]** Most bytes of an answer body kept per entry (the dashboard shows them, as does
/// `GET /_mock/requests/{id}`): the start of the body, with its full length. 4 KiB holds every
/// answer a membership lookup gives; a long list is cut, and 10,000 entries of it stay within
/// the journal's byte bound.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024;

/// **\[choice\]** How many of the newest entries keep the start of their answer; an older entry
/// keeps its answer's content type and length only. The dashboard shows the answers of recent
/// calls; kept in all 10,000 entries of a full journal they more than doubled its memory
/// (lookups: ~600 bytes of answer against ~340 of the rest).
pub const ANSWER_ENTRIES: usize = 1000;

/// Parameter names (compared case-insensitively, `-` and `_` ignored) whose values are secrets.
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "secondaryapikey",
    "secretkey",
    "password",
    "loginpassword",
    "apipassword",
    "auth",
    "ssoauthtoken",
    "token",
    "jsessionid",
    "accountapi",
    "userapi",
    "xssid",
    "ssid",
    "sessionid",
    "consumersecret",
    "accesstoken",
    "noncetoken",
];

/// Whether a parameter of this name carries a secret. A dotted name (`User.Info.Password`, as
/// the SmarterU package is journaled) is judged by its last segment, at any depth.
pub fn is_secret(name: &str) -> bool {
    is_secret_name(name.as_bytes())
}

/// [`is_secret`] on the bytes of a name.
fn is_secret_name(name: &[u8]) -> bool {
    let leaf = name.rsplit(|b| *b == b'.').next().unwrap_or(name);
    // The name lower-cased without `-` and `_`, on the stack; no secret name is longer.
    let mut norm = [0u8; 24];
    let mut len = 0;
    for b in leaf.iter().copied().filter(|b| *b != b'-' && *b != b'_') {
        if len == norm.len() {
            return false;
        }
        norm[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let norm = &norm[..len];
    SECRET_NAMES.iter().any(|secret| secret.as_bytes() == norm)
}

/// A request path with its session-id path parameters (`;jsessionid=...`, as servlet clients
/// send) masked, for logs.
pub fn mask_path(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains(';') {
        return std::borrow::Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len());
    push_masked_path(&mut out, path);
    std::borrow::Cow::Owned(out)
}

fn push_masked_path(out: &mut String, path: &str) {
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let mut pieces = segment.split(';');
        out.push_str(pieces.next().unwrap_or_default());
        for p in pieces {
            out.push(';');
            match p.split_once('=') {
                Some((k, _)) if is_secret(k) => {
                    out.push_str(k);
                    out.push('=');
                    out.push_str(MASK);
                }
                _ => out.push_str(p),
            }
        }
    }
}

/// The facts of a finished call, borrowed from the pipeline.
pub struct Record<'a> {
    pub at: DateTime<Utc>,
    pub api: Api,
    pub tenant: Option<&'a str>,
    pub operation: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub vendor_code: Option<&'a str>,
    pub fault: Option<Fired>,
    pub duration_ms: f64,
    /// The answer's body, when the pipeline could read it without waiting.
    pub answer: Option<Answer<'a>>,
}

/// A call's answer as the pipeline hands it over: the journal keeps the start of the body
/// ([`MAX_ANSWER_BYTES`]), masked when read ([`Entry::answer`]).
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    /// Read back from an entry: the whole body's length (`body` is the start kept).
    whole: u32,
}

impl<'a> Answer<'a> {
    /// The answer of a call, for [`Record::answer`].
    pub fn new(content_type: Option<&'a str>, body: &'a [u8]) -> Answer<'a> {
        Answer {
            content_type,
            body,
            whole: 0,
        }
    }
}

/// Where a vendor writes a call's parameters for the journal: masked and bounded as they go.
pub struct Params<'a> {
    buf: &'a mut Vec<u8>,
    start: usize,
    left_out: usize,
}

impl Params<'_> {
    /// Keep one parameter; a secret's value is replaced by [`MASK`].
    pub fn push(&mut self, name: &str, value: &str) {
        if is_secret(name) {
            self.push_raw(name, MASK);
        } else {
            self.push_raw(name, value);
        }
    }

    /// Keep one parameter whose value the vendor already judged (masked or not).
    pub fn push_raw(&mut self, name: &str, value: &str) {
        let name = cut(name, MAX_VALUE_BYTES);
        let kept = cut(value, MAX_VALUE_BYTES);
        let cost = name.len() + kept.len() + 8 + if kept.len() < value.len() { 40 } else { 0 };
        if self.buf.len() - self.start + cost > MAX_PARAM_BYTES {
            self.left_out += 1;
            return;
        }
        put(self.buf, name);
        if kept.len() < value.len() {
            let mut marked = String::with_capacity(kept.len() + 40);
            marked.push_str(kept);
            marked.push_str(TRUNCATED);
            marked.push_str(&value.len().to_string());
            marked.push_str(" bytes]");
            put(self.buf, &marked);
        } else {
            put(self.buf, kept);
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn put(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

fn put_opt(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => put(buf, s),
        None => buf.extend_from_slice(&u32::MAX.to_le_bytes()),
    }
}

/// The answer's part of an entry: its content type and whole length, then (when there is an
/// answer) the start of its body as sent.
/// Every vendor answers UTF-8 text (it renders from a `String`), so the bytes are copied as
/// they are and checked only when read: a body that is not UTF-8 reads as no answer.
fn put_answer(buf: &mut Vec<u8>, answer: Option<Answer<'_>>) {
    let Some(a) = answer else {
        put_opt(buf, None);
        buf.extend_from_slice(&0u32.to_le_bytes());
        put_opt(buf, None);
        return;
    };
    put_opt(buf, a.content_type);
    let whole = u32::try_from(a.body.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&whole.to_le_bytes());
    let mut end = a.body.len().min(MAX_ANSWER_BYTES);
    if end < a.body.len() {
        // Cut before a character that does not fit whole.
        while end > 0 && a.body[end] & 0xC0 == 0x80 {
            end -= 1;
        }
    }
    let start = &a.body[..end];
    buf.extend_from_slice(&(start.len() as u32).to_le_bytes());
    buf.extend_from_slice(start);
}

/// Reads back what [`put`] wrote.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// What [`put_opt`] wrote, as bytes.
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.0.split_at_checked(4)?;
        let len = u32::from_le_bytes(len.try_into().ok()?);
        if len == u32::MAX {
            self.0 = rest;
            return None;
        }
        let (s, rest) = rest.split_at_checked(len as usize)?;
        self.0 = rest;
        Some(s)
    }

    fn opt(&mut self) -> Option<&'a str> {
        // Only whole `&str`s are written with `put`, so this holds.
        std::str::from_utf8(self.bytes()?).ok()
    }

    fn text(&mut self) -> &'a str {
        self.opt().unwrap_or_default()
    }

    fn u32(&mut self) -> u32 {
        match self.0.split_at_checked(4) {
            Some((n, rest)) => {
                self.0 = rest;
                u32::from_le_bytes(n.try_into().unwrap_or_default())
            }
            None => 0,
        }
    }
}

thread_local! {
    /// Each worker thread encodes entries here, then copies the result out in one allocation.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// One recorded call. Its variable-length facts live in `blob`: verb, path, tenant, operation,
/// vendor code, then the parameters (name, value)*, each length-prefixed.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub api: Api,
    pub status: u16,
    pub duration_ms: f64,
    pub fault: Option<Box<Fired>>,
    /// Shared, so that a reader's snapshot costs a count, not a copy.
    blob: Arc<[u8]>,
}

/// The decoded view of an [`Entry`].
pub struct View<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub tenant: Option<&'a str>,
    pub operation: &'a str,
    pub vendor_code: Option<&'a str>,
    /// The start of the answer's body as sent: read it masked, with [`Entry::answer`].
    answer: Option<Answer<'a>>,
    params: Reader<'a>,
}

/// The part of an answer an entry keeps, as [`Entry::answer`] shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeptAnswer<'a> {
    pub content_type: Option<&'a str>,
    /// The body's start, secrets masked ([`mask_answer`]).
    pub body: String,
    /// The whole body's length in bytes.
    pub bytes: u32,
    /// Whether `body` is only the start of it.
    pub truncated: bool,
}

impl Entry {
    pub fn view(&self) -> View<'_> {
        let mut r = Reader(&self.blob);
        View {
            method: r.text(),
            path: r.text(),
            tenant: r.opt(),
            operation: r.text(),
            vendor_code: r.opt(),
            answer: {
                let content_type = r.opt();
                let bytes = r.u32();
                r.bytes().map(|body| Answer {
                    content_type,
                    body,
                    whole: bytes,
                })
            },
            params: r,
        }
    }

    /// Parameters as name/value pairs (secrets already masked).
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut r = self.view().params;
        std::iter::from_fn(move || {
            let name = r.opt()?;
            Some((name, r.text()))
        })
    }

    /// The entry without the start of its answer body (content type and length stay), in one
    /// allocation; `None` when it keeps no body.
    fn without_answer(&self) -> Option<Arc<[u8]>> {
        let blob: &[u8] = &self.blob;
        // Where `view` found the body (after its length prefix) and the parameters: the cut
        // is the prefix and the body.
        let view = self.view();
        let body = view.answer?.body;
        let body_at = body.as_ptr() as usize - blob.as_ptr() as usize - 4;
        let rest_at = blob.len() - view.params.0.len();
        Some(SCRATCH.with(|scratch| {
            let mut buf = scratch.borrow_mut();
            buf.clear();
            buf.extend_from_slice(&blob[..body_at]);
            buf.extend_from_slice(&u32::MAX.to_le_bytes());
            buf.extend_from_slice(&blob[rest_at..]);
            Arc::from(buf.as_slice())
        }))
    }

    /// Bytes this entry holds on the heap and inline, for the journal's byte bound.
    fn cost(&self) -> usize {
        std::mem::size_of::<Entry>()
            + 2 * std::mem::size_of::<usize>()
            + self.blob.len()
            + self
                .fault
                .as_ref()
                .map_or(0, |_| std::mem::size_of::<Fired>())
    }
}

fn rfc3339_millis(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Pairs<'a>(&'a Entry);
        impl Serialize for Pairs<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                for pair in self.0.params() {
                    seq.serialize_element(&pair)?;
                }
                seq.end()
            }
        }
        let v = self.view();
        let mut st = s.serialize_struct("Entry", 12)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("time", &rfc3339_millis(&self.at))?;
        st.serialize_field("api", &self.api)?;
        st.serialize_field("tenant", &v.tenant)?;
        st.serialize_field("operation", v.operation)?;
        st.serialize_field("method", v.method)?;
        st.serialize_field("path", v.path)?;
        st.serialize_field("params", &Pairs(self))?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("vendor_code", &v.vendor_code)?;
        st.serialize_field(
            "fault",
            &self
                .fault
                .as_ref()
                .map(|f| serde_json::json!({ "rule": f.rule_id, "effect": f.effect })),
        )?;
        st.serialize_field("duration_ms", &self.duration_ms)?;
        st.end()
    }
}

impl Entry {
    /// The entry as `GET /_mock/requests` lists it, plus the start of its answer (`answer`:
    /// content type, body with secrets masked, whole length, whether cut; `null` when the
    /// answer was not kept): `GET /_mock/requests/{id}`.
    pub fn detail(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        value["answer"] = serde_json::to_value(self.answer()).unwrap_or_default();
        value
    }

    /// The start of the call's answer with its secrets masked, when it was kept: the only way
    /// an answer leaves the journal.
    pub fn answer(&self) -> Option<KeptAnswer<'_>> {
        let a = self.view().answer?;
        let text = std::str::from_utf8(a.body).ok()?;
        Some(KeptAnswer {
            content_type: a.content_type,
            body: answer::mask(a.content_type, text),
            bytes: a.whole,
            truncated: a.body.len() < a.whole as usize,
        })
    }
}

#[derive(Default)]
struct Ring {
    entries: VecDeque<Entry>,
    next_id: u64,
    bytes: usize,
}

#[derive(Clone)]
pub struct Journal {
    limit: usize,
    max_bytes: usize,
    ring: Arc<Mutex<Ring>>,
    live: Arc<Live>,
}

/// What a live feed ([`Journal::subscribe`]) waits on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tip {
    /// The id of the newest entry recorded while someone watched.
    pub newest: u64,
    /// How often the journal was cleared (`DELETE /_mock/requests`, `reset`).
    pub clears: u64,
    /// The server is stopping: feeds end, so that shutdown need not wait for them.
    pub closed: bool,
}

/// Live feeds of the journal: each [`Subscription`] is a receiver of `tip`. Recording pays
/// one relaxed atomic load (the channel's receiver count) while nobody watches; only with a
/// watcher does it touch the channel.
struct Live {
    tip: tokio::sync::watch::Sender<Tip>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            tip: tokio::sync::watch::Sender::new(Tip::default()),
        }
    }
}

/// One live feed of the journal: [`Subscription::changed`] wakes when entries were recorded
/// or the journal was cleared; read what is new with [`Journal::newer_than`]. Dropping it stops
/// the notifications it cost.
pub struct Subscription {
    rx: tokio::sync::watch::Receiver<Tip>,
}

impl Subscription {
    /// The tip now.
    pub fn tip(&self) -> Tip {
        *self.rx.borrow()
    }

    /// Wait until the tip moves; the new tip.
    pub async fn changed(&mut self) -> Tip {
        if self.rx.changed().await.is_err() {
            // The journal is gone: as good as closed.
            return Tip {
                closed: true,
                ..self.tip()
            };
        }
        *self.rx.borrow_and_update()
    }
}

/// Filters of `GET /_mock/requests`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub api: Option<String>,
    pub operation: Option<String>,
    pub tenant: Option<String>,
    /// Entries at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// The newest N matching entries.
    pub limit: Option<usize>,
    /// Entries with an id above this one (newer).
    pub after: Option<u64>,
    /// Entries with an id below this one (older).
    pub before: Option<u64>,
}

/// A filter of `GET /_mock/requests` that cannot be read: the parameter's name and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFilter {
    pub name: String,
    pub message: String,
}

impl Filter {
    /// The filters names, in the order the error for an unknown one lists them.
    pub const NAMES: &'static [&'static str] = &[
        "api",
        "operation",
        "tenant",
        "since",
        "limit",
        "after",
        "before",
    ];

    /// Read the query string of `GET /_mock/requests`; the first bad parameter is named.
    pub fn from_query(query: &str) -> Result<Filter, BadFilter> {
        let mut filter = Filter::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let bad = |message: String| BadFilter {
                name: name.to_string(),
                message,
            };
            if seen.iter().any(|s| *s == name) {
                return Err(bad(format!("`{name}` is given more than once")));
            }
            seen.push(name.to_string());
            match &*name {
                "api" => filter.api = Some(value.into_owned()),
                "operation" => filter.operation = Some(value.into_owned()),
                "tenant" => filter.tenant = Some(value.into_owned()),
                "since" => {
                    let at = DateTime::parse_from_rfc3339(&value)
                        .map_err(|e| bad(format!("not an RFC 3339 date-time (`{value}`): {e}")))?;
                    filter.since = Some(at.with_timezone(&Utc));
                }
                "limit" => {
                    let n = value
                        .parse::<usize>()
                        .map_err(|_| bad(format!("not a number of entries (`{value}`)")))?;
                    filter.limit = Some(n);
                }
                "after" | "before" => {
                    let id = value
                        .parse::<u64>()
                        .map_err(|_| bad(format!("not an entry id (`{value}`)")))?;
                    if name == "after" {
                        filter.after = Some(id);
                    } else {
                        filter.before = Some(id);
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "unknown filter `{name}`; the filters are {}",
                        Filter::NAMES.join(", ")
                    )))
                }
            }
        }
        Ok(filter)
    }
}

impl Journal {
    pub fn new(limit: usize) -> Journal {
        Journal::bounded(limit, DEFAULT_MAX_BYTES)
    }

    /// A journal keeping at most `limit` entries and about `max_bytes` bytes.
    pub fn bounded(limit: usize, max_bytes: usize) -> Journal {
        Journal {
            limit,
            max_bytes,
            ring: Arc::new(Mutex::new(Ring::default())),
            live: Arc::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Record a call; `params` writes its parameters.
    pub fn record(&self, r: Record<'_>, params: impl FnOnce(&mut Params<'_>)) {
        if self.limit == 0 {
            return;
        }
        let blob = SCRATCH.with(|scratch| {
            let mut buf = scratch.borrow_mut();
            buf.clear();
            put(&mut buf, r.method);
            if r.path.contains(';') {
                let mut masked = String::with_capacity(r.path.len());
                push_masked_path(&mut masked, r.path);
                put(&mut buf, &masked);
            } else {
                put(&mut buf, r.path);
            }
            put_opt(&mut buf, r.tenant);
            put(&mut buf, r.operation);
            put_opt(&mut buf, r.vendor_code);
            put_answer(&mut buf, r.answer);
            let start = buf.len();
            let mut sink = Params {
                buf: &mut buf,
                start,
                left_out: 0,
            };
            params(&mut sink);
            if sink.left_out > 0 {
                let note = format!("{} more parameters not kept", sink.left_out);
                put(sink.buf, "…");
                put(sink.buf, &note);
            }
            let blob: Arc<[u8]> = Arc::from(buf.as_slice());
            // A huge call must not leave a huge scratch buffer behind on this thread.
            if buf.capacity() > 4 * MAX_PARAM_BYTES {
                *buf = Vec::new();
            }
            blob
        });
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.next_id += 1;
        let id = ring.next_id;
        let entry = Entry {
            id,
            at: r.at,
            api: r.api,
            status: r.status,
            duration_ms: r.duration_ms,
            fault: r.fault.map(Box::new),
            blob,
        };
        ring.bytes += entry.cost();
        if ring.entries.len() == ring.entries.capacity() && ring.entries.len() < self.limit {
            // Grow in steps, never beyond the limit.
            let more = ring
                .entries
                .len()
                .max(16)
                .min(self.limit - ring.entries.len());
            ring.entries.reserve_exact(more);
        }
        ring.entries.push_back(entry);
        while ring.entries.len() > self.limit
            || (ring.bytes > self.max_bytes && ring.entries.len() > 1)
        {
            match ring.entries.pop_front() {
                Some(old) => ring.bytes -= old.cost(),
                None => break,
            }
        }
        // The entry that has just left the newest ANSWER_ENTRIES lets go of its answer.
        if let Some(i) = ring.entries.len().checked_sub(ANSWER_ENTRIES + 1) {
            if let Some(blob) = ring.entries[i].without_answer() {
                let before = ring.entries[i].cost();
                ring.entries[i].blob = blob;
                ring.bytes -= before - ring.entries[i].cost();
            }
        }
        drop(ring);
        // A subscriber counts itself before it reads the ring (under the lock): either it
        // reads this entry, or this load sees it.
        if self.live.tip.receiver_count() > 0 {
            self.live
                .tip
                .send_modify(|tip| tip.newest = tip.newest.max(id));
        }
    }

    pub fn clear(&self) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.entries.clear();
        ring.bytes = 0;
        drop(ring);
        self.live.tip.send_modify(|tip| tip.clears += 1);
    }

    /// Follow the journal as it grows (the dashboard's live view). Subscribe first, then read
    /// what is already there: nothing recorded in between is missed.
    pub fn subscribe(&self) -> Subscription {
        // Counts itself among the receivers (the count recording reads) before it reads.
        let mut rx = self.live.tip.subscribe();
        rx.mark_unchanged();
        Subscription { rx }
    }

    /// End every live feed: the server is stopping.
    pub fn close_feeds(&self) {
        self.live.tip.send_modify(|tip| tip.closed = true);
    }

    /// Entries with an id above `after`, oldest first: at most the newest `max` of them, and
    /// how many newer-than-`after` entries that left out.
    pub fn newer_than(&self, after: u64, max: usize) -> (Vec<Entry>, usize) {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let newer = ring.entries.iter().rev().take_while(|e| e.id > after);
        let mut out: Vec<Entry> = newer.clone().take(max).cloned().collect();
        let left_out = newer.count() - out.len();
        out.reverse();
        (out, left_out)
    }

    /// The entry with this id, while the ring keeps it.
    pub fn get(&self, id: u64) -> Option<Entry> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let first = ring.entries.front()?.id;
        // Ids are consecutive within the ring (only whole prefixes are dropped or cleared).
        let at = usize::try_from(id.checked_sub(first)?).ok()?;
        ring.entries.get(at).filter(|e| e.id == id).cloned()
    }

    pub fn len(&self) -> usize {
        self.ring
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the entries hold now.
    pub fn bytes(&self) -> usize {
        self.ring.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// Matching entries, oldest first: a snapshot that shares the entries' bytes with the ring
    /// (each costs a reference count, not a copy), so that it can be written out after the
    /// lock is released.
    pub fn query(&self, filter: &Filter) -> Vec<Entry> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let matching = ring.entries.iter().filter(|e| {
            let v = e.view();
            filter.api.as_deref().is_none_or(|a| e.api.name() == a)
                && filter.operation.as_deref().is_none_or(|o| v.operation == o)
                && filter.tenant.as_deref().is_none_or(|t| v.tenant == Some(t))
                && filter.since.is_none_or(|s| e.at >= s)
                && filter.after.is_none_or(|id| e.id > id)
                && filter.before.is_none_or(|id| e.id < id)
        });
        let mut out: Vec<Entry> = match filter.limit {
            Some(n) => {
                let mut newest: Vec<Entry> = matching.rev().take(n).cloned().collect();
                newest.reverse();
                newest
            }
            None => matching.cloned().collect(),
        };
        out.shrink_to_fit();
        out
    }
}

/// **\[choice\]** Bytes of JSON written per piece of a streamed journal answer.
const CHUNK_BYTES: usize = 64 * 1024;

/// `GET /_mock/requests` as JSON pieces of about 64 KiB, written one at a time as the client
/// reads them: `{"count":N,"limit":L,"requests":[entry,...]}`. However long the journal, the
/// answer costs the snapshot's references and one piece at a time.
pub fn json_pieces(entries: Vec<Entry>, limit: usize) -> impl Iterator<Item = bytes::Bytes> {
    let count = entries.len();
    let mut entries = entries.into_iter().peekable();
    let mut started = false;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut buf = Vec::with_capacity(CHUNK_BYTES + 1024);
        if !started {
            started = true;
            buf.extend_from_slice(
                format!("{{\"count\":{count},\"limit\":{limit},\"requests\":[").as_bytes(),
            );
        }
        while buf.len() < CHUNK_BYTES {
            let Some(entry) = entries.next() else {
                buf.extend_from_slice(b"]}");
                done = true;
                break;
            };
            // An entry is plain data: serializing it into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut buf, &entry);
            if entries.peek().is_some() {
                buf.push(b',');
            }
        }
        Some(bytes::Bytes::from(buf))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_in_path_parameters_are_masked() {
        assert_eq!(
            mask_path("/demo/site/CRConsAPI;jsessionid=ABC.app1"),
            "/demo/site/CRConsAPI;jsessionid=****"
        );
        assert_eq!(mask_path("/demo/site/SRConsAPI"), "/demo/site/SRConsAPI");
    }

    fn record(j: &Journal, op: &str, params: &[(&str, &str)]) {
        j.record(
            Record {
                at: Utc::now(),
                api: Api::Luminate,
                tenant: Some("demo"),
                operation: op,
                method: "POST",
                path: "/demo/site/SRConsAPI;jsessionid=S3CRET",
                status: 200,
                vendor_code: None,
                fault: None,
                duration_ms: 0.1,
                answer: None,
            },
            |p| {
                for (k, v) in params {
                    p.push(k, v);
                }
            },
        );
    }

    #[test]
    fn secrets_are_masked_whatever_their_spelling_and_depth() {
        for name in [
            "api_key",
            "login_password",
            "AccountAPI",
            "UserAPI",
            "X-SS-ID",
            "sso_auth_token",
            "JSESSIONID",
            "Password",
            "NONCE_TOKEN",
            "Parameters.User.Info.Password",
            "User.Info.Password",
        ] {
            assert!(is_secret(name), "{name}");
        }
        assert!(!is_secret("cons_id"));
        assert!(!is_secret("Password.Hint"));
        assert!(!is_secret("passwords"));
        let j = Journal::new(10);
        record(
            &j,
            "getUserGroups",
            &[
                ("api_key", "s3cret"),
                ("cons_id", "1"),
                ("A.B.Password", "pw"),
            ],
        );
        let e = &j.query(&Filter::default())[0];
        let params: Vec<_> = e.params().collect();
        assert_eq!(
            params,
            [("api_key", MASK), ("cons_id", "1"), ("A.B.Password", MASK)]
        );
        assert_eq!(e.view().path, "/demo/site/SRConsAPI;jsessionid=****");
        let json = serde_json::to_string(e).unwrap();
        assert!(!json.contains("s3cret") && !json.contains("S3CRET") && !json.contains("\"pw\""));
    }

    #[test]
    fn the_ring_keeps_only_the_newest_entries() {
        let j = Journal::new(3);
        for i in 0..10 {
            record(&j, &format!("op{i}"), &[]);
        }
        let entries = j.query(&Filter::default());
        let ops: Vec<&str> = entries.iter().map(|e| e.view().operation).collect();
        assert_eq!(ops, ["op7", "op8", "op9"]);
        let last = j.query(&Filter {
            limit: Some(1),
            ..Filter::default()
        });
        assert_eq!(last[0].view().operation, "op9");
    }

    #[test]
    fn a_zero_limit_turns_the_journal_off() {
        let j = Journal::new(0);
        record(&j, "x", &[]);
        assert!(j.is_empty());
    }

    #[test]
    fn long_values_are_cut_and_marked_and_many_parameters_are_counted() {
        let j = Journal::new(10);
        let long = "é".repeat(MAX_VALUE_BYTES);
        let many: Vec<(String, String)> = (0..5000)
            .map(|i| (format!("p{i}"), "x".repeat(100)))
            .collect();
        let mut params: Vec<(&str, &str)> = vec![("long", &long)];
        params.extend(many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        record(&j, "x", &params);
        let e = &j.query(&Filter::default())[0];
        let kept: Vec<_> = e.params().collect();
        assert!(kept[0].1.len() < MAX_VALUE_BYTES + 40);
        assert!(kept[0]
            .1
            .ends_with(&format!("{TRUNCATED}{} bytes]", long.len())));
        let (name, note) = kept.last().unwrap();
        assert_eq!(*name, "…");
        assert!(note.ends_with("more parameters not kept"), "{note}");
        assert!(e.blob.len() <= MAX_PARAM_BYTES + 200);
    }

    #[test]
    fn newer_entries_and_one_entry_are_found_by_id() {
        let j = Journal::new(5);
        for i in 0..8 {
            record(&j, &format!("op{i}"), &[]);
        }
        // The ring keeps ids 4..=8.
        let ids = |v: Vec<Entry>| v.iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(j.newer_than(6, 10).0), [7, 8]);
        let (newest, left_out) = j.newer_than(0, 2);
        assert_eq!((ids(newest), left_out), (vec![7, 8], 3));
        assert_eq!(j.get(4).unwrap().view().operation, "op3");
        assert!(j.get(3).is_none() && j.get(9).is_none());
        j.clear();
        assert!(j.get(8).is_none());
    }

    #[tokio::test]
    async fn a_subscription_wakes_for_new_entries_and_clears_and_costs_nothing_once_dropped() {
        let j = Journal::new(10);
        record(&j, "unwatched", &[]);
        assert_eq!(j.live.tip.borrow().newest, 0, "nobody watched");
        let mut sub = j.subscribe();
        record(&j, "watched", &[]);
        assert_eq!(sub.changed().await.newest, 2);
        j.clear();
        assert_eq!(sub.changed().await.clears, 1);
        j.close_feeds();
        assert!(sub.changed().await.closed);
        drop(sub);
        assert_eq!(j.live.tip.receiver_count(), 0);
        record(&j, "unwatched again", &[]);
        assert_eq!(j.live.tip.borrow().newest, 2, "nobody watched");
    }

    #[test]
    fn the_answer_is_kept_masked_and_cut_with_its_length() {
        let j = Journal::new(10);
        let body = format!(
            "{{\"token\":\"s3cret\",\"list\":\"{}\"}}",
            "x".repeat(MAX_ANSWER_BYTES)
        );
        j.record(
            Record {
                at: Utc::now(),
                api: Api::Luminate,
                tenant: None,
                operation: "login",
                method: "POST",
                path: "/",
                status: 200,
                vendor_code: None,
                fault: None,
                duration_ms: 0.1,
                answer: Some(Answer::new(Some("application/json"), body.as_bytes())),
            },
            |p| p.push("cons_id", "1"),
        );
        let e = &j.query(&Filter::default())[0];
        let a = e.answer().unwrap();
        assert_eq!(a.content_type, Some("application/json"));
        assert_eq!(a.bytes as usize, body.len());
        assert!(a.truncated);
        assert!(a.body.starts_with("{\"token\":\"****\",\"list\":\"xxx"));
        assert!(!a.body.contains("s3cret"));
        // The parameters after the answer read back whole.
        assert_eq!(e.params().collect::<Vec<_>>(), [("cons_id", "1")]);
        // A body that is not text reads as no answer, and the parameters still read.
        j.record(
            Record {
                at: Utc::now(),
                api: Api::Luminate,
                tenant: None,
                operation: "binary",
                method: "POST",
                path: "/",
                status: 200,
                vendor_code: None,
                fault: None,
                duration_ms: 0.1,
                answer: Some(Answer::new(None, &[0xff, 0xfe, b'x'])),
            },
            |p| p.push("cons_id", "2"),
        );
        let e = &j.query(&Filter::default())[1];
        assert!(e.answer().is_none());
        assert_eq!(e.params().collect::<Vec<_>>(), [("cons_id", "2")]);
        record(&j, "no answer", &[("a", "b")]);
        let e = &j.query(&Filter::default())[2];
        assert!(e.answer().is_none());
        assert_eq!(e.params().collect::<Vec<_>>(), [("a", "b")]);
    }

    #[test]
    fn only_the_newest_entries_keep_their_answers_and_the_bytes_add_up() {
        let j = Journal::new(ANSWER_ENTRIES + 10);
        let body = "{\"groups\":[1001,1002]}";
        for i in 0..ANSWER_ENTRIES + 5 {
            j.record(
                Record {
                    at: Utc::now(),
                    api: Api::Luminate,
                    tenant: Some("demo"),
                    operation: "getUserGroups",
                    method: "POST",
                    path: "/demo/site/SRConsAPI",
                    status: 200,
                    vendor_code: None,
                    fault: None,
                    duration_ms: 0.1,
                    answer: Some(Answer::new(Some("application/json"), body.as_bytes())),
                },
                |p| p.push("cons_id", &i.to_string()),
            );
        }
        let entries = j.query(&Filter::default());
        assert_eq!(entries.len(), ANSWER_ENTRIES + 5);
        for (i, e) in entries.iter().enumerate() {
            // Everything but the answer's body reads back as recorded.
            assert_eq!(
                e.params().collect::<Vec<_>>(),
                [("cons_id", &*i.to_string())]
            );
            assert_eq!(e.view().operation, "getUserGroups");
            assert_eq!(e.view().tenant, Some("demo"));
            let kept = e.answer().map(|a| a.body);
            if i < 5 {
                assert_eq!(kept, None, "entry {i}");
            } else {
                assert_eq!(kept.as_deref(), Some(body), "entry {i}");
            }
        }
        let sum: usize = entries.iter().map(|e| e.cost()).sum();
        assert_eq!(j.bytes(), sum);
    }

    #[test]
    fn the_streamed_answer_is_one_json_document_in_pieces() {
        let j = Journal::new(1000);
        let value = "v".repeat(MAX_VALUE_BYTES);
        for i in 0..300 {
            record(&j, &format!("op{i}"), &[("a", &value), ("b", &value)]);
        }
        let pieces: Vec<bytes::Bytes> = json_pieces(j.query(&Filter::default()), 1000).collect();
        assert!(pieces.len() > 5, "{}", pieces.len());
        assert!(pieces.iter().all(|p| p.len() < CHUNK_BYTES + 4096));
        let whole: Vec<u8> = pieces.concat();
        let doc: serde_json::Value = serde_json::from_slice(&whole).unwrap();
        assert_eq!(doc["count"], 300);
        assert_eq!(doc["limit"], 1000);
        assert_eq!(doc["requests"].as_array().unwrap().len(), 300);
        assert_eq!(doc["requests"][299]["operation"], "op299");
        let empty: Vec<u8> = json_pieces(Vec::new(), 5).collect::<Vec<_>>().concat();
        assert_eq!(empty, br#"{"count":0,"limit":5,"requests":[]}"#);
    }

    #[test]
    fn after_and_before_page_through_the_ids() {
        let j = Journal::new(100);
        for i in 0..10 {
            record(&j, &format!("op{i}"), &[]);
        }
        let ids = |f: Filter| -> Vec<u64> { j.query(&f).iter().map(|e| e.id).collect() };
        let page = |query: &str| ids(Filter::from_query(query).unwrap());
        assert_eq!(page("after=7"), [8, 9, 10]);
        assert_eq!(page("before=4"), [1, 2, 3]);
        assert_eq!(page("before=9&limit=2"), [7, 8]);
        assert_eq!(page("after=2&before=5"), [3, 4]);
        assert_eq!(Filter::from_query("after=x").unwrap_err().name, "after");
    }

    #[test]
    fn the_ring_is_bounded_by_bytes_too() {
        let j = Journal::bounded(1000, 64 * 1024);
        let value = "v".repeat(MAX_VALUE_BYTES);
        for _ in 0..500 {
            record(&j, "x", &[("a", &value), ("b", &value), ("c", &value)]);
        }
        assert!(j.bytes() <= 64 * 1024, "{}", j.bytes());
        assert!(j.len() < 500 && j.len() > 10, "{}", j.len());
    }
}
