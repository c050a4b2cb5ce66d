//! Helpers shared by the integration tests: drive the real router in-process, compare whole
//! bodies with golden files, validate against `schemas/`.
//!
//! Golden files live under `tests/golden/`. A missing or different file fails the test; run
//! with `UPDATE_GOLDEN=1` to (re)write them, then review the diff.

#![allow(dead_code)]

pub mod browser;
pub mod net;

use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use membermock::vendor::Scheme;
use membermock::{AppState, ConnInfo};
use tower::ServiceExt;

/// A whole response, read.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("response body is UTF-8")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
}

/// A fresh app on the demo seed, in memory.
pub async fn demo() -> (Router, AppState) {
    let state = AppState::demo().await;
    (membermock::app(state.clone()), state)
}

/// Send one request through the router, as if it came over the plain-HTTP listener.
pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    send_over(app, req, Scheme::Http).await
}

/// Send one request as if it came over the given listener.
pub async fn send_over(app: &Router, mut req: Request<Body>, scheme: Scheme) -> Resp {
    req.extensions_mut().insert(ConnInfo {
        scheme,
        peer: "127.0.0.1:50000".parse().unwrap(),
    });
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body,
    }
}

/// `application/x-www-form-urlencoded` body from pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub fn post_form(uri: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form(pairs)))
        .unwrap()
}

pub fn post_json(uri: &str, json: &serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(json.to_string()))
        .unwrap()
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Compare `actual` with `tests/golden/<name>` byte for byte.
pub fn assert_golden(name: &str, actual: &str) {
    let path = repo_path("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "golden file {} is missing (run with UPDATE_GOLDEN=1 to create it)\nactual:\n{actual}",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the golden file\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// Validate a JSON value against `schemas/<schema>`.
pub fn assert_json_schema(schema: &str, instance: &serde_json::Value) {
    let path = repo_path("schemas").join(schema);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema_json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let validator = jsonschema::validator_for(&schema_json)
        .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{} rejects the instance:\n{}\ninstance: {instance}",
        path.display(),
        errors.join("\n")
    );
}

/// Whether a JSON value is valid against `schemas/<schema>` (for tests that expect rejection).
pub fn json_schema_accepts(schema: &str, instance: &serde_json::Value) -> bool {
    let path = repo_path("schemas").join(schema);
    let schema_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema_json)
        .unwrap()
        .is_valid(instance)
}

/// Validate an XML document against `schemas/<xsd>` with `xmllint` (libxml2-utils, which
/// `.ci/run` installs). Without xmllint the check is skipped here, except under CI, where it
/// fails; `tests/tools.rs` fails once for the whole run, naming the package, so that a skip
/// shows in the test summary rather than in captured output nobody reads.
pub fn assert_xml_schema(xsd: &str, xml: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let path = repo_path("schemas").join(xsd);
    assert!(path.exists(), "{} is missing", path.display());
    let child = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&path)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var_os("CI").is_none() => return,
        Err(e) => panic!("xmllint is required under CI: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{} rejects the document:\n{}\ndocument:\n{xml}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
