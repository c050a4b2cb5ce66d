//! Reading a seed document as a stream: people go to the store in batches as they are parsed,
//! and the document as a whole never exists in memory.
//!
//! The people lists (`constituents`, `users`, `members`) are read element by element with the
//! record types' own serde derive; every other field of a tenant is collected and checked with
//! the tenant's derive at the end of its object, so unknown fields, types and defaults are
//! exactly the parsed document's. A tenant streams when the fields the store needs to place
//! its people (the tenant key; for SmarterU and YourMembership also the groups) come before
//! them, as in every document the mock writes; otherwise its people are held until the
//! tenant's object ends.
//!
//! This reader only has to *detect* a bad document: the caller parses a rejected document
//! again with [`SeedDoc::parse`](super::SeedDoc::parse), so an error names the same JSON path
//! whichever way the document came in.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::generate::Generate;
use super::{luminate, smarteru, yourmembership, At, Names, Piece, SeedError, Sink, TenantFeed};

/// Why a streamed document stopped: the document (its syntax, types or checks), or the sink.
#[derive(Debug)]
pub(crate) enum StreamError<E> {
    Seed(SeedError),
    Sink(E),
}

impl<E> From<SeedError> for StreamError<E> {
    fn from(e: SeedError) -> Self {
        StreamError::Seed(e)
    }
}

/// The caller's sink, with its failures kept apart from the document's.
pub(crate) struct Separate<'s, S>(pub(crate) &'s mut S);

impl<S: Sink> Sink for Separate<'_, S> {
    type Error = StreamError<S::Error>;
    fn put(&mut self, piece: Piece) -> Result<(), Self::Error> {
        self.0.put(piece).map_err(StreamError::Sink)
    }
}

struct Ctx<'s, S: Sink> {
    sink: Separate<'s, S>,
    generate: Option<Generate>,
    /// The real reason when a visitor stops serde with a placeholder error.
    failure: Option<StreamError<S::Error>>,
}

impl<S: Sink> Ctx<'_, S> {
    fn stop<E: de::Error>(&mut self, e: StreamError<S::Error>) -> E {
        let message = match &e {
            StreamError::Seed(e) => e.to_string(),
            StreamError::Sink(_) => "the store stopped".to_string(),
        };
        self.failure = Some(e);
        E::custom(message)
    }
}

/// Stream one document's bytes to `sink`; `generate` applies to tenants without a section of
/// their own.
#[cfg(test)]
pub(crate) fn feed<S: Sink>(
    bytes: &[u8],
    sink: &mut S,
    generate: Option<Generate>,
) -> Result<(), StreamError<S::Error>> {
    feed_from(
        &mut serde_json::Deserializer::from_slice(bytes),
        sink,
        generate,
    )
}

/// Stream one document, read by `de` (from bytes in memory, or from a file as it is read), to
/// `sink`.
pub(crate) fn feed_from<'de, R: serde_json::de::Read<'de>, S: Sink>(
    de: &mut serde_json::Deserializer<R>,
    sink: &mut S,
    generate: Option<Generate>,
) -> Result<(), StreamError<S::Error>> {
    let mut ctx = Ctx {
        sink: Separate(sink),
        generate,
        failure: None,
    };
    // Like `SeedDoc::parse`, nothing after the document is looked at.
    let parsed = DocSeed { ctx: &mut ctx }.deserialize(de);
    match parsed {
        Ok(()) => Ok(()),
        Err(e) => Err(ctx
            .failure
            .take()
            .unwrap_or_else(|| StreamError::Seed(super::err("", e.to_string())))),
    }
}

// ------------------------------------------------------------------ the document

struct DocSeed<'a, 's, S: Sink> {
    ctx: &'a mut Ctx<'s, S>,
}

impl<'de, S: Sink> DeserializeSeed<'de> for DocSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

const SECTIONS: &[&str] = &["luminate", "smarteru", "yourmembership"];

impl<'de, S: Sink> Visitor<'de> for DocSeed<'_, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a seed document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = [false; 3];
        while let Some(key) = map.next_key::<String>()? {
            let Some(at) = SECTIONS.iter().position(|s| *s == key) else {
                return Err(de::Error::unknown_field(&key, SECTIONS));
            };
            if std::mem::replace(&mut seen[at], true) {
                return Err(de::Error::duplicate_field(SECTIONS[at]));
            }
            match at {
                0 => map.next_value_seed(SectionSeed::<Lum, S>::new(self.ctx))?,
                1 => map.next_value_seed(SectionSeed::<Su, S>::new(self.ctx))?,
                _ => map.next_value_seed(SectionSeed::<Ym, S>::new(self.ctx))?,
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ one vendor's section

/// What the streaming reader needs to know of a vendor.
trait Tenant {
    /// The tenant list's key in the section (`sites`).
    const LIST: &'static str;
    /// The people list's key in a tenant (`constituents`).
    const PEOPLE: &'static str;
    type Head: DeserializeOwned;
    type Person: DeserializeOwned;
    type Feed: TenantFeed<Head = Self::Head, Person = Self::Person, Section = Self::Section>;
    type Section: Default;

    /// Open the tenant from the fields read so far, when they say enough.
    fn open_early<S: Sink>(
        sink: &mut S,
        index: usize,
        fields: &Map<String, Value>,
        generate: Option<Generate>,
    ) -> Result<Option<Self::Feed>, S::Error>;
}

/// A field read so far, when it has the expected type.
fn field<T: DeserializeOwned>(fields: &Map<String, Value>, key: &str) -> Option<T> {
    fields.get(key).and_then(|v| T::deserialize(v).ok())
}

struct Lum;

impl Tenant for Lum {
    const LIST: &'static str = "sites";
    const PEOPLE: &'static str = "constituents";
    type Head = luminate::Site;
    type Person = luminate::Constituent;
    type Feed = luminate::SiteFeed;
    type Section = luminate::SectionCheck;

    fn open_early<S: Sink>(
        sink: &mut S,
        index: usize,
        fields: &Map<String, Value>,
        generate: Option<Generate>,
    ) -> Result<Option<Self::Feed>, S::Error> {
        match field::<String>(fields, "org") {
            Some(org) => {
                luminate::SiteFeed::open(sink, index, org, generate, Names::Hashed).map(Some)
            }
            None => Ok(None),
        }
    }
}

struct Su;

impl Tenant for Su {
    const LIST: &'static str = "accounts";
    const PEOPLE: &'static str = "users";
    type Head = smarteru::Account;
    type Person = smarteru::SmarterUUser;
    type Feed = smarteru::AccountFeed;
    type Section = smarteru::SectionCheck;

    fn open_early<S: Sink>(
        sink: &mut S,
        index: usize,
        fields: &Map<String, Value>,
        generate: Option<Generate>,
    ) -> Result<Option<Self::Feed>, S::Error> {
        match (
            field::<String>(fields, "account_api_key"),
            field::<Vec<smarteru::SmarterUGroup>>(fields, "groups"),
        ) {
            (Some(key), Some(groups)) => {
                smarteru::AccountFeed::open(sink, index, key, groups, generate, Names::Hashed)
                    .map(Some)
            }
            _ => Ok(None),
        }
    }
}

struct Ym;

impl Tenant for Ym {
    const LIST: &'static str = "clients";
    const PEOPLE: &'static str = "members";
    type Head = yourmembership::Client;
    type Person = yourmembership::Member;
    type Feed = yourmembership::ClientFeed;
    type Section = yourmembership::SectionCheck;

    fn open_early<S: Sink>(
        sink: &mut S,
        index: usize,
        fields: &Map<String, Value>,
        generate: Option<Generate>,
    ) -> Result<Option<Self::Feed>, S::Error> {
        match (
            field::<i64>(fields, "client_id"),
            field::<Vec<yourmembership::YmGroup>>(fields, "groups"),
        ) {
            (Some(client_id), Some(groups)) => yourmembership::ClientFeed::open(
                sink,
                index,
                client_id,
                groups,
                generate,
                Names::Hashed,
            )
            .map(Some),
            _ => Ok(None),
        }
    }
}

/// `{"sites": [...]}`
struct SectionSeed<'a, 's, T, S: Sink> {
    ctx: &'a mut Ctx<'s, S>,
    vendor: PhantomData<T>,
}

impl<'a, 's, T, S: Sink> SectionSeed<'a, 's, T, S> {
    fn new(ctx: &'a mut Ctx<'s, S>) -> Self {
        SectionSeed {
            ctx,
            vendor: PhantomData,
        }
    }
}

impl<'de, T: Tenant, S: Sink> DeserializeSeed<'de> for SectionSeed<'_, '_, T, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Tenant, S: Sink> Visitor<'de> for SectionSeed<'_, '_, T, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with `{}`", T::LIST)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key != T::LIST {
                return Err(de::Error::unknown_field(&key, &[T::LIST]));
            }
            if std::mem::replace(&mut seen, true) {
                return Err(de::Error::duplicate_field(T::LIST));
            }
            map.next_value_seed(TenantsSeed::<T, S> {
                ctx: &mut *self.ctx,
                vendor: PhantomData,
            })?;
        }
        Ok(())
    }
}

/// `[ tenant, ... ]`
struct TenantsSeed<'a, 's, T, S: Sink> {
    ctx: &'a mut Ctx<'s, S>,
    vendor: PhantomData<T>,
}

impl<'de, T: Tenant, S: Sink> DeserializeSeed<'de> for TenantsSeed<'_, '_, T, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Tenant, S: Sink> Visitor<'de> for TenantsSeed<'_, '_, T, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", T::LIST)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut section = T::Section::default();
        let mut index = 0;
        while seq
            .next_element_seed(TenantSeed::<T, S> {
                ctx: &mut *self.ctx,
                section: &mut section,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

/// One tenant object: its fields collected, its people streamed (or held, see the module doc).
struct TenantSeed<'a, 's, T: Tenant, S: Sink> {
    ctx: &'a mut Ctx<'s, S>,
    section: &'a mut T::Section,
    index: usize,
}

impl<'de, T: Tenant, S: Sink> DeserializeSeed<'de> for TenantSeed<'_, '_, T, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Tenant, S: Sink> Visitor<'de> for TenantSeed<'_, '_, T, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a tenant object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let mut fields = Map::new();
        let mut feed: Option<T::Feed> = None;
        let mut held: Option<Vec<T::Person>> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == T::PEOPLE {
                if feed.is_some() || held.is_some() {
                    return Err(de::Error::duplicate_field(T::PEOPLE));
                }
                match T::open_early(&mut ctx.sink, self.index, &fields, ctx.generate) {
                    Ok(Some(mut open)) => {
                        map.next_value_seed(PeopleSeed::<T, S> {
                            ctx: &mut *ctx,
                            feed: &mut open,
                        })?;
                        feed = Some(open);
                    }
                    Ok(None) => held = Some(map.next_value()?),
                    Err(e) => return Err(ctx.stop(e)),
                }
            } else {
                if fields.contains_key(&key) {
                    return Err(de::Error::custom(format!("duplicate field `{key}`")));
                }
                let value: Value = map.next_value()?;
                fields.insert(key, value);
            }
        }
        let head: T::Head =
            serde_json::from_value(Value::Object(fields)).map_err(de::Error::custom)?;
        let finished = (|| {
            let feed = match feed {
                Some(feed) => feed,
                // Its people were held: open it from its whole head.
                None => T::Feed::open_from(
                    &mut ctx.sink,
                    self.index,
                    &head,
                    ctx.generate,
                    Names::Hashed,
                )?,
            };
            let people = held.unwrap_or_default();
            feed.run(&mut ctx.sink, self.section, head, people)
        })();
        finished.map_err(|e| ctx.stop(e))
    }
}

/// `[ person, ... ]`, each to the tenant's feed as soon as it is read.
struct PeopleSeed<'a, 's, T: Tenant, S: Sink> {
    ctx: &'a mut Ctx<'s, S>,
    feed: &'a mut T::Feed,
}

impl<'de, T: Tenant, S: Sink> DeserializeSeed<'de> for PeopleSeed<'_, '_, T, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Tenant, S: Sink> Visitor<'de> for PeopleSeed<'_, '_, T, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", T::PEOPLE)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(person) = seq.next_element::<T::Person>()? {
            if let Err(e) = self
                .feed
                .person(&mut self.ctx.sink, At::Declared(i), person)
            {
                return Err(self.ctx.stop(e));
            }
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{SeedDoc, DEMO_SEED};

    /// Takes every piece and forgets it.
    struct Nowhere;

    impl Sink for Nowhere {
        type Error = SeedError;
        fn put(&mut self, _: Piece) -> Result<(), SeedError> {
            Ok(())
        }
    }

    /// Every variant of `doc` with one change: a field removed, a value of another type, a
    /// list element repeated, a number or a string changed to another value of its type.
    fn variants(doc: &Value) -> Vec<Value> {
        fn walk(v: &Value, rebuild: &dyn Fn(Value) -> Value, out: &mut Vec<Value>) {
            match v {
                Value::Object(map) => {
                    for (k, child) in map {
                        let mut without = map.clone();
                        without.remove(k);
                        out.push(rebuild(Value::Object(without)));
                        let key = k.clone();
                        let map = map.clone();
                        walk(
                            child,
                            &|new| {
                                let mut m = map.clone();
                                m.insert(key.clone(), new);
                                rebuild(Value::Object(m))
                            },
                            out,
                        );
                    }
                }
                Value::Array(list) => {
                    for (i, child) in list.iter().enumerate() {
                        let mut repeated = list.clone();
                        repeated.push(child.clone());
                        out.push(rebuild(Value::Array(repeated)));
                        let list = list.clone();
                        walk(
                            child,
                            &|new| {
                                let mut l = list.clone();
                                l[i] = new;
                                rebuild(Value::Array(l))
                            },
                            out,
                        );
                    }
                }
                Value::String(s) => {
                    out.push(rebuild(Value::from(7)));
                    out.push(rebuild(Value::from("")));
                    out.push(rebuild(Value::from(format!("{s}x"))));
                }
                Value::Number(_) => {
                    out.push(rebuild(Value::from("7")));
                    out.push(rebuild(Value::from(0)));
                    out.push(rebuild(Value::from(999_999)));
                }
                Value::Bool(b) => {
                    out.push(rebuild(Value::from(!b)));
                    out.push(rebuild(Value::from("true")));
                }
                Value::Null => out.push(rebuild(Value::from(1))),
            }
        }
        let mut out = Vec::new();
        walk(doc, &|v| v, &mut out);
        out
    }

    #[test]
    fn the_stream_accepts_exactly_what_the_parser_accepts() {
        let mut checked = 0;
        let mut refused = 0;
        for (_, text) in DEMO_SEED {
            let doc: Value = serde_json::from_str(text).unwrap();
            for variant in variants(&doc) {
                let bytes = variant.to_string().into_bytes();
                let parsed = SeedDoc::parse(&bytes);
                let streamed = feed(&bytes, &mut Nowhere, None);
                assert_eq!(
                    parsed.is_ok(),
                    streamed.is_ok(),
                    "{variant}\nparsed: {:?}\nstreamed: {:?}",
                    parsed.err(),
                    streamed.err()
                );
                checked += 1;
                refused += usize::from(parsed.is_err());
            }
        }
        assert!(
            checked > 1000 && refused > 300,
            "{checked} variants, {refused} refused"
        );
    }
}
