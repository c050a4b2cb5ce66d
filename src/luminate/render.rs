//! Luminate's wire format: a [`Reply`] or an error written straight into the response body as
//! XML (the default) or JSON.
//!
//! This module owns every byte rule of the vendor's format: the XML declaration, namespace and
//! `xsi:schemaLocation`, string-typed JSON scalars, `xsi:nil` ↔ `null`, and the
//! one-object-versus-array rule for every list.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::seed::JsonContentType;
use crate::store::luminate::{ConsRow, GroupInfoRow};
use crate::vendor::VendorCode;
use crate::wire::{json, xml};

use super::errors::LumError;
use super::methods::{LoggedIn, Reply, UserField, LOGOUT_MESSAGE, ROUTING_ID};

pub const NAMESPACE: &str = "http://convio.com/crm/v1.0";
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
pub const SCHEMA_LOCATION: &str =
    "http://convio.com/crm/v1.0 http://service.convio.net/xmlschema/crm.public.v1.xsd";

/// **\[choice\]** Content types (the live server's are not pinned down by its docs); JSON's
/// media type can be switched to `text/plain` per site.
pub const XML_CONTENT_TYPE: &str = "text/xml;charset=UTF-8";
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";
pub const JSON_AS_TEXT_CONTENT_TYPE: &str = "text/plain;charset=UTF-8";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

/// A document being written: the same calls make XML or JSON.
pub struct Doc {
    out: String,
    format: Format,
    root: &'static str,
    /// JSON: whether the object being written already has a member (needs a comma).
    has_member: bool,
}

impl Doc {
    pub fn new(format: Format, root: &'static str) -> Doc {
        let mut out = String::with_capacity(512);
        match format {
            Format::Xml => {
                out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
                out.push_str(root);
                out.push_str(" xmlns=\"");
                out.push_str(NAMESPACE);
                out.push_str("\" xmlns:xsi=\"");
                out.push_str(XSI);
                out.push_str("\" xsi:schemaLocation=\"");
                out.push_str(SCHEMA_LOCATION);
                out.push_str("\">");
            }
            Format::Json => {
                out.push_str("{\"");
                out.push_str(root);
                out.push_str("\":{");
            }
        }
        Doc {
            out,
            format,
            root,
            has_member: false,
        }
    }

    pub fn finish(mut self) -> String {
        match self.format {
            Format::Xml => xml::push_close(&mut self.out, self.root),
            Format::Json => self.out.push_str("}}"),
        }
        self.out
    }

    /// `"name":` (after a comma when needed).
    fn key(&mut self, name: &str) {
        if self.has_member {
            self.out.push(',');
        }
        self.has_member = true;
        self.out.push('"');
        self.out.push_str(name);
        self.out.push_str("\":");
    }

    fn open(&mut self, name: &str) {
        xml::push_open(&mut self.out, name);
    }

    fn close(&mut self, name: &str) {
        xml::push_close(&mut self.out, name);
    }

    /// A text field (every scalar is a string in Luminate's JSON).
    pub fn text(&mut self, name: &str, value: &str) {
        match self.format {
            Format::Xml => {
                self.open(name);
                xml::push_text(&mut self.out, value);
                self.close(name);
            }
            Format::Json => {
                self.key(name);
                json::push_str(&mut self.out, value);
            }
        }
    }

    /// A number field, written as text.
    pub fn int(&mut self, name: &str, value: i64) {
        let mut buf = itoa::Buffer::new();
        self.text(name, buf.format(value));
    }

    /// A text field that may be nil: `xsi:nil="true"` in XML, `null` in JSON.
    pub fn opt(&mut self, name: &str, value: Option<&str>) {
        match (value, self.format) {
            (Some(v), _) => self.text(name, v),
            (None, Format::Xml) => {
                self.out.push('<');
                self.out.push_str(name);
                self.out.push_str(" xsi:nil=\"true\"/>");
            }
            (None, Format::Json) => {
                self.key(name);
                self.out.push_str("null");
            }
        }
    }

    /// A nested object whose fields `f` writes.
    pub fn object(&mut self, name: &str, f: impl FnOnce(&mut Doc)) {
        match self.format {
            Format::Xml => {
                self.open(name);
                f(self);
                self.close(name);
            }
            Format::Json => {
                self.key(name);
                self.members(f);
            }
        }
    }

    /// `{...}` in JSON, with its own comma state.
    fn members(&mut self, f: impl FnOnce(&mut Doc)) {
        self.out.push('{');
        let outer = std::mem::replace(&mut self.has_member, false);
        f(self);
        self.has_member = outer;
        self.out.push('}');
    }

    /// A list of objects: repeated elements in XML; in JSON absent (none), a bare object (one)
    /// or an array (more), the vendor's rule.
    pub fn list<T>(&mut self, name: &str, items: &[T], mut item: impl FnMut(&mut Doc, &T)) {
        match self.format {
            Format::Xml => {
                for i in items {
                    self.object(name, |d| item(d, i));
                }
            }
            Format::Json => match items {
                [] => {}
                [one] => self.object(name, |d| item(d, one)),
                many => {
                    self.key(name);
                    self.out.push('[');
                    for (n, i) in many.iter().enumerate() {
                        if n > 0 {
                            self.out.push(',');
                        }
                        self.members(|d| item(d, i));
                    }
                    self.out.push(']');
                }
            },
        }
    }
}

/// How to send an answer: format, the site's JSON content type, and whether errors must be
/// answered with HTTP 200 (`suppress_response_codes=true`).
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub json_content_type: JsonContentType,
    pub suppress_response_codes: bool,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            format: Format::Xml,
            json_content_type: JsonContentType::ApplicationJson,
            suppress_response_codes: false,
        }
    }
}

/// The body of a successful answer.
pub fn reply_body(format: Format, reply: &Reply) -> String {
    match reply {
        Reply::Login(l) => login(format, l),
        Reply::LoginUrl {
            url,
            token,
            jsessionid,
        } => {
            // **[choice]** Element order (the page's XML example is empty; its JSON example is
            // in hash order).
            let mut d = Doc::new(format, "getLoginUrlResponse");
            d.text("url", url);
            d.text("token", token);
            d.text("routing_id", ROUTING_ID);
            d.text("JSESSIONID", jsessionid);
            d.finish()
        }
        Reply::Logout => {
            // M/logout_method.html: the root is `loginResponse`.
            let mut d = Doc::new(format, "loginResponse");
            d.text("message", LOGOUT_MESSAGE);
            d.finish()
        }
        Reply::SingleSignOnToken {
            token,
            cons_id,
            nonce,
            jsessionid,
        } => {
            // The older page's XML example starts `token`, `cons_id`; **[choice]** the fields the
            // current page adds (nonce, routing id, session) follow.
            let mut d = Doc::new(format, "getSingleSignOnTokenResponse");
            d.text("token", token);
            d.int("cons_id", *cons_id);
            d.text("nonce", nonce);
            d.text("routing_id", ROUTING_ID);
            d.text("JSESSIONID", jsessionid);
            d.finish()
        }
        Reply::User(cons) => {
            let mut d = Doc::new(format, "getConsResponse");
            cons_fields(&mut d, cons, true);
            d.finish()
        }
        Reply::UserGroups(groups) => {
            let mut d = Doc::new(format, "getConsGroupsResponse");
            d.list("group", groups, |d, g| {
                d.int("id", g.id);
                d.text("label", &g.label);
            });
            d.finish()
        }
        Reply::Saved {
            root,
            cons_id,
            created,
        } => {
            // `updateConsResponse` {cons_id, message "User updated."} as clients read it;
            // **[choice]** "User created." for a new record.
            let mut d = Doc::new(format, root);
            d.int("cons_id", *cons_id);
            d.text(
                "message",
                if *created {
                    "User created."
                } else {
                    "User updated."
                },
            );
            d.finish()
        }
        Reply::EmailValid(valid) => {
            // **[choice]** isEmailValid's answer (no public page or client shows one).
            let mut d = Doc::new(format, "isEmailValidResponse");
            d.text("valid", if *valid { "true" } else { "false" });
            d.finish()
        }
        Reply::UserFields(fields) => {
            let mut d = Doc::new(format, "listConsFieldsResponse");
            d.list("field", fields, |d, f| user_field(d, f));
            d.finish()
        }
        Reply::Transactions => Doc::new(format, "getConsTransactionsResponse").finish(),
        Reply::GroupMembers(members) => {
            let mut d = Doc::new(format, "getGroupMembersResponse");
            d.list("member", members, |d, c| cons_fields(d, c, false));
            d.finish()
        }
        Reply::GroupInfo(group) => {
            let mut d = Doc::new(format, "getGroupInfoResponse");
            d.object("groupInfo", |d| group_info(d, group));
            d.finish()
        }
        Reply::Groups(groups) => {
            // **[choice]** `listGroupsResponse` > `groupInfo` records (the page's response
            // example is not public; the records are getGroupInfo's).
            let mut d = Doc::new(format, "listGroupsResponse");
            d.list("groupInfo", groups, group_info);
            d.finish()
        }
    }
}

/// `loginResponse`, M/loginTest_method.html's elements in its order: `login` fills the
/// session fields, `loginTest` leaves them nil.
fn login(format: Format, l: &LoggedIn) -> String {
    let mut d = Doc::new(format, "loginResponse");
    d.int("cons_id", l.cons_id);
    d.int("timestamp", l.timestamp);
    d.opt("signature", l.signature.as_deref());
    d.opt("token", l.token.as_deref());
    d.text("login_test_url", &l.login_test_url);
    d.opt("nonce", l.nonce.as_deref());
    d.opt("JSESSIONID", l.jsessionid.as_deref());
    d.opt("routing_id", l.routing_id);
    d.finish()
}

fn cons_fields(d: &mut Doc, c: &ConsRow, with_user_name: bool) {
    d.int("cons_id", c.cons_id);
    d.opt("member_id", c.member_id.as_deref());
    if with_user_name {
        d.opt("user_name", c.user_name.as_deref());
    }
    // The getUser example: `<name><title xsi:nil="true"/><first>…</first><last>…</last></name>`.
    d.object("name", |d| {
        d.opt("title", None);
        d.opt("first", c.first_name.as_deref());
        d.opt("last", c.last_name.as_deref());
    });
    d.object("email", |d| {
        d.opt("primary_address", c.primary_email.as_deref());
    });
}

/// **\[choice\]** A `listConsFieldsResponse` field: `name`, `label`, `valueType`, `maxChars`,
/// `required`, `isUserModifiable`, `group` (the elements clients read; the order is the mock's).
fn user_field(d: &mut Doc, f: &UserField) {
    d.text("name", f.name);
    d.text("label", f.label);
    d.text("valueType", f.value_type);
    if let Some(n) = f.max_chars {
        d.int("maxChars", n as i64);
    }
    d.text("required", if f.required { "true" } else { "false" });
    d.text(
        "isUserModifiable",
        if f.modifiable { "true" } else { "false" },
    );
    d.text("group", f.group);
}

/// `groupInfo` as M/getGroupInfo_method.html and M/createGroup_method.html show it, in the XML
/// example's order: id, name, description, four timestamps, groupMode, securityMode,
/// numMembers, numActiveMembers, emailStats, securityCategory, groupType.
///
/// **\[choice\]** What the mock does not keep: the timestamps and the security category are nil;
/// `groupMode` and `securityMode` are the example's `STATIC_REBUILDABLE` and `ADMINISTRATOR`;
/// every member is active; `numSendable` counts members with an e-mail address, the other
/// e-mail counters are 0. Timestamp and counter order inside the example is inferred.
fn group_info(d: &mut Doc, g: &GroupInfoRow) {
    d.int("id", g.id);
    d.text("name", &g.name);
    d.opt("description", g.description.as_deref());
    d.opt("createTimestamp", None);
    d.opt("modifyTimestamp", None);
    d.opt("lastBuildTimestamp", None);
    d.opt("statsUpdateTimestamp", None);
    d.text("groupMode", "STATIC_REBUILDABLE");
    d.text("securityMode", "ADMINISTRATOR");
    d.int("numMembers", g.members);
    d.int("numActiveMembers", g.members);
    d.object("emailStats", |d| {
        d.int("numSendable", g.sendable);
        d.int("numOptedOut", 0);
        d.int("numSoftBounce", 0);
        d.int("numHardBounce", 0);
    });
    d.opt("securityCategory", None);
    match &g.group_type {
        Some((id, name)) => d.object("groupType", |d| {
            d.int("id", *id);
            d.text("name", name);
        }),
        None => d.opt("groupType", None),
    }
}

/// The `errorResponse` body.
pub fn error_body(format: Format, e: &LumError) -> String {
    let mut d = Doc::new(format, "errorResponse");
    d.text("code", e.code());
    d.text("message", e.message());
    d.finish()
}

pub fn success(style: Style, reply: &Reply) -> Response {
    body_response(style, StatusCode::OK, reply_body(style.format, reply))
}

/// The `errorResponse` envelope for `e`, carrying its vendor code for the journal.
pub fn error(style: Style, e: &LumError) -> Response {
    let status = if style.suppress_response_codes {
        StatusCode::OK
    } else {
        e.status()
    };
    if let Some(p) = e.parameter() {
        tracing::debug!(
            code = e.code(),
            parameter = p,
            "luminate: a parameter was refused"
        );
    }
    let mut response = body_response(style, status, error_body(style.format, e));
    response
        .extensions_mut()
        .insert(VendorCode(e.code().to_string()));
    response
}

fn body_response(style: Style, status: StatusCode, body: String) -> Response {
    let content_type = match (style.format, style.json_content_type) {
        (Format::Xml, _) => XML_CONTENT_TYPE,
        (Format::Json, JsonContentType::ApplicationJson) => JSON_CONTENT_TYPE,
        (Format::Json, JsonContentType::TextPlain) => JSON_AS_TEXT_CONTENT_TYPE,
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// HTTP 302 to `location` (already validated as a header value).
pub fn redirect(location: HeaderValue, error: Option<&LumError>) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    response.headers_mut().insert(header::LOCATION, location);
    if let Some(e) = error {
        response
            .extensions_mut()
            .insert(VendorCode(e.code().to_string()));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::luminate::GroupRow;

    fn groups(n: usize) -> Reply {
        Reply::UserGroups(
            (0..n)
                .map(|i| GroupRow {
                    id: 1001 + i as i64,
                    label: "A & <B>".into(),
                })
                .collect(),
        )
    }

    #[test]
    fn json_lists_are_absent_for_none_an_object_for_one_and_an_array_for_more() {
        assert_eq!(
            reply_body(Format::Json, &groups(0)),
            r#"{"getConsGroupsResponse":{}}"#
        );
        assert_eq!(
            reply_body(Format::Json, &groups(1)),
            r#"{"getConsGroupsResponse":{"group":{"id":"1001","label":"A & <B>"}}}"#
        );
        assert_eq!(
            reply_body(Format::Json, &groups(2)),
            r#"{"getConsGroupsResponse":{"group":[{"id":"1001","label":"A & <B>"},{"id":"1002","label":"A & <B>"}]}}"#
        );
    }

    #[test]
    fn xml_escapes_text() {
        let xml = reply_body(Format::Xml, &groups(1));
        assert!(xml.contains("<group><id>1001</id><label>A &amp; &lt;B&gt;</label></group>"));
        assert!(xml.ends_with("</getConsGroupsResponse>"));
    }

    #[test]
    fn nil_is_xsi_nil_in_xml_and_null_in_json() {
        let cons = Reply::User(ConsRow {
            cons_id: 1,
            member_id: None,
            primary_email: Some("a@b".into()),
            user_name: None,
            first_name: None,
            last_name: None,
            api_admin: false,
            group_management: false,
        });
        assert!(reply_body(Format::Xml, &cons).contains(r#"<member_id xsi:nil="true"/>"#));
        assert_eq!(
            reply_body(Format::Json, &cons),
            r#"{"getConsResponse":{"cons_id":"1","member_id":null,"user_name":null,"name":{"title":null,"first":null,"last":null},"email":{"primary_address":"a@b"}}}"#
        );
    }
}
