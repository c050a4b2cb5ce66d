//! The response envelope (spec §2): `Result`, `Info`, `Errors`, in that order, always HTTP 200.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::store::smarteru::{GroupRow, UserRow};
use crate::wire::xml;

use super::methods::Reply;

/// **\[choice\]** The live service has sent `text/html;charset=UTF-8`; the mock says what the
/// body is.
pub const CONTENT_TYPE: &str = "text/xml; charset=UTF-8";

/// A small XML writer for `Info` content, writing into one buffer: free text goes in CDATA, an
/// empty value is a self-closed tag. Text and CDATA go through the shared [`crate::wire::xml`]
/// writer, so any stored value gives well-formed XML.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    fn open(&mut self, name: &str) {
        xml::push_open(&mut self.out, name);
    }

    fn close(&mut self, name: &str) {
        xml::push_close(&mut self.out, name);
    }

    /// `<name><![CDATA[value]]></name>`, or `<name/>` when the value is empty.
    pub fn cdata(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            self.empty(name);
        } else {
            self.open(name);
            xml::push_cdata(&mut self.out, value);
            self.close(name);
        }
        self
    }

    /// `<name>value</name>` with the value escaped: for flags, counts and codes.
    pub fn plain(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            self.empty(name);
        } else {
            self.open(name);
            xml::push_text(&mut self.out, value);
            self.close(name);
        }
        self
    }

    pub fn empty(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
        self
    }

    /// An element with children written by `f`; self-closed when `f` writes nothing.
    pub fn node(&mut self, name: &str, f: impl FnOnce(&mut Xml)) -> &mut Self {
        let start = self.out.len();
        self.open(name);
        let inner = self.out.len();
        f(self);
        if self.out.len() == inner {
            self.out.truncate(start);
            self.empty(name);
        } else {
            self.close(name);
        }
        self
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SmarterU>";

/// A method's `Info`.
pub fn info(reply: &Reply) -> Xml {
    let mut x = Xml::default();
    match reply {
        Reply::UserGroups(groups) => {
            x.node("UserGroups", |x| {
                for g in groups {
                    x.node("Group", |x| {
                        x.cdata("Name", &g.name)
                            .cdata("Identifier", g.identifier.as_deref().unwrap_or(""))
                            .plain("IsHomeGroup", if g.is_home { "Yes" } else { "No" });
                        // Always present (`<Permissions/>` when empty): the PHP client walks it
                        // unconditionally.
                        x.node("Permissions", |x| {
                            for p in g.permissions() {
                                x.cdata("Permission", p);
                            }
                        });
                    });
                }
            });
        }
        Reply::User {
            user,
            home_group,
            supervisors,
        } => write_user(
            &mut x,
            user,
            home_group.as_deref().unwrap_or(""),
            &supervisors.join(", "),
        ),
        Reply::Users(users) => {
            x.node("Users", |x| {
                for listed in users {
                    let u = &listed.user;
                    x.node("User", |x| {
                        x.cdata("ID", &u.id)
                            .cdata("Email", u.email.as_deref().unwrap_or(""))
                            .cdata("EmployeeID", u.employee_id.as_deref().unwrap_or(""))
                            .cdata("GivenName", &u.given_name)
                            .cdata("Surname", &u.surname)
                            .plain("Status", &u.status)
                            .empty("Title")
                            .empty("Division")
                            .cdata("HomeGroup", listed.home_group.as_deref().unwrap_or(""))
                            .plain("CreatedDate", &date(&u.created_date))
                            .plain("ModifiedDate", &date(&u.modified_date))
                            .empty("Teams");
                    });
                }
            });
        }
        Reply::Group(group) => write_group(&mut x, group),
        Reply::Groups(groups) => {
            x.node("Groups", |x| {
                for (name, id) in groups {
                    x.node("Group", |x| {
                        x.cdata("Name", name).cdata("GroupID", id);
                    });
                }
            });
        }
        Reply::GroupWritten { name, group_id } => {
            x.cdata("Group", name).cdata("GroupID", group_id);
        }
        Reply::UserWritten { email, employee_id } => {
            x.cdata("Email", email.as_deref().unwrap_or(""))
                .cdata("EmployeeID", employee_id.as_deref().unwrap_or(""));
        }
    }
    x
}

/// A `Success` envelope around `info`.
pub fn success(info: Xml) -> Response {
    let info = info.into_string();
    let mut body = String::with_capacity(DECLARATION.len() + info.len() + 80);
    body.push_str(DECLARATION);
    body.push_str("<Result>Success</Result><Info>");
    body.push_str(&info);
    body.push_str("</Info><Errors/></SmarterU>\n");
    envelope(body)
}

/// A `Failed` envelope with one error.
pub fn failure(code: &str, message: &str) -> Response {
    let mut body = String::with_capacity(256);
    body.push_str(DECLARATION);
    body.push_str("<Result>Failed</Result><Info/><Errors><Error><ErrorID>");
    xml::push_text(&mut body, code);
    body.push_str("</ErrorID><ErrorMessage>");
    xml::push_text(&mut body, message);
    body.push_str("</ErrorMessage></Error></Errors></SmarterU>\n");
    envelope(body)
}

fn envelope(body: String) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// SmarterU's date format: `2015-06-07 17:35:24.987`, from a stored RFC 3339 date.
pub fn date(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S%.3f")
                .to_string()
        })
        .unwrap_or_default()
}

/// **\[choice\]** What `getUser` says for profile fields the mock does not store.
mod profile_defaults {
    pub const LANGUAGE: &str = "English";
    pub const ALLOW_FEEDBACK: &str = "1";
    pub const AUTHENTICATION_TYPE: &str = "SmarterU";
    pub const SEND_MAIL_TO: &str = "Personal";
    pub const SEND_EMAIL_TO: &str = "Self";
    pub const SEND_WEEKLY_TASK_REMINDER: &str = "0";
    pub const SEND_WEEKLY_PROGRESS_SUMMARY: &str = "0";
}

fn write_user(x: &mut Xml, u: &UserRow, home_group: &str, supervisors: &str) {
    use profile_defaults as d;
    x.node("User", |x| {
        x.cdata("ID", &u.id)
            .cdata("Email", u.email.as_deref().unwrap_or(""))
            .cdata("EmployeeID", u.employee_id.as_deref().unwrap_or(""))
            .plain("CreatedDate", &date(&u.created_date))
            .plain("ModifiedDate", &date(&u.modified_date))
            .cdata("GivenName", &u.given_name)
            .cdata("Surname", &u.surname)
            .cdata("Language", d::LANGUAGE)
            .plain("AllowFeedback", d::ALLOW_FEEDBACK)
            .plain("Status", &u.status)
            .cdata("AuthenticationType", d::AUTHENTICATION_TYPE)
            .cdata("Timezone", &u.timezone)
            .empty("AlternateEmail")
            .cdata("HomeGroup", home_group)
            .empty("Organization")
            .empty("Title")
            .empty("Division")
            .cdata("Supervisor", supervisors)
            .empty("Birthdate")
            .empty("HireDate")
            .empty("TerminationDate")
            .empty("PhonePrimary")
            .empty("PhoneAlternate")
            .empty("PhoneMobile")
            .cdata("SendMailTo", d::SEND_MAIL_TO)
            .cdata("SendEmailTo", d::SEND_EMAIL_TO)
            .empty("Fax")
            .empty("Address1")
            .empty("Address2")
            .empty("City")
            .empty("PostalCode")
            .empty("Province")
            .empty("Country")
            .plain("SendWeeklyTaskReminder", d::SEND_WEEKLY_TASK_REMINDER)
            .plain("SendWeeklyProgressSummary", d::SEND_WEEKLY_PROGRESS_SUMMARY)
            .empty("Roles")
            .empty("CustomFields");
    });
}

/// The live service's element order (2015 recording), with the names today's clients read:
/// `CreatedDate`/`ModifiedDate` and `Tags2` (the PHP client walks `Tags2` unconditionally).
fn write_group(x: &mut Xml, g: &GroupRow) {
    x.node("Group", |x| {
        x.cdata("Name", &g.name)
            .cdata("GroupID", &g.group_id)
            .plain("CreatedDate", &date(&g.created_date))
            .plain("ModifiedDate", &date(&g.modified_date))
            .empty("Description")
            .empty("HomeGroupMessage")
            .empty("NotificationEmails")
            .plain("UserCount", &g.user_count.to_string())
            .plain("LearningModuleCount", "0")
            .empty("Tags2")
            .plain("Status", &g.status);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_survives_its_own_terminator_and_empty_values_self_close() {
        let mut x = Xml::default();
        x.cdata("A", "a]]>b").cdata("B", "").node("C", |_| {});
        assert_eq!(
            x.into_string(),
            "<A><![CDATA[a]]]]><![CDATA[>b]]></A><B/><C/>"
        );
    }

    #[test]
    fn dates_render_as_smarteru_does() {
        assert_eq!(date("2015-06-07T17:35:24.987Z"), "2015-06-07 17:35:24.987");
    }
}
