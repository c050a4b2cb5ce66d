//! A fault rule that could never fire is refused when it is added, saying what would.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::common::{demo, post_json, send};

async fn add(app: &axum::Router, rule: Value) -> (StatusCode, Value) {
    let r = send(app, post_json("/_mock/faults", &rule)).await;
    (r.status, r.json())
}

#[tokio::test]
async fn an_operation_the_api_does_not_have_is_refused_with_the_list() {
    let (app, _) = demo().await;
    for (api, operation, listed) in [
        ("luminate", "getUserGroup", "getUserGroups"),
        ("luminate", "MemberGroups.GET", "getGroupMembers"),
        ("smarteru", "getUserGroup", "updateUser"),
        ("smarteru", "login", "listGroups"),
        ("yourmembership", "getUserGroups", "MemberGroups.POST"),
        ("yourmembership", "MemberGroups", "PeopleGroups.GET"),
    ] {
        let (status, body) = add(
            &app,
            json!({"api": api, "operation": operation, "effect": {"vendor_error": "1"}}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{api} {operation}: {body}");
        assert_eq!(body["path"], "operation", "{body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.contains(operation) && error.contains(listed),
            "{error}"
        );
    }
    let (_, body) = add(
        &app,
        json!({"api": "yourmembership", "operation": "memberGroups.get", "effect": {"latency_ms": 1}}),
    )
    .await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("did you mean `MemberGroups.GET`"),
        "{body}"
    );
    assert_eq!(
        send(&app, crate::common::get("/_mock/faults")).await.json()["faults"],
        json!([])
    );
}

#[tokio::test]
async fn every_operation_a_vendor_journals_can_be_targeted() {
    let (app, _) = demo().await;
    for (api, operations) in [
        (
            "luminate",
            &[
                "login",
                "getLoginUrl",
                "loginTest",
                "logout",
                "getUser",
                "getUserGroups",
                "getSingleSignOnToken",
                "update",
                "createOrUpdate",
                "getGroupInfo",
                "listGroups",
                "getGroupMembers",
            ][..],
        ),
        (
            "smarteru",
            &[
                "getUserGroups",
                "getUser",
                "listUsers",
                "getGroup",
                "listGroups",
                "updateGroup",
                "updateUser",
            ][..],
        ),
        (
            "yourmembership",
            &[
                "Authenticate",
                "MemberGroups.GET",
                "MemberGroups.POST",
                "MemberGroups.PUT",
                "GroupTypes.GET",
                "MemberGroupTypes.GET",
                "Groups.GET",
                "PeopleGroups.GET",
            ][..],
        ),
    ] {
        for operation in operations {
            let (status, body) = add(
                &app,
                json!({"api": api, "operation": operation, "effect": {"latency_ms": 1}}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{api} {operation}: {body}");
        }
    }
}

#[tokio::test]
async fn a_mistyped_effect_lists_the_effects() {
    let (app, _) = demo().await;
    for effect in [
        json!({"latency": 10}),
        json!({"vendor_eror": "1"}),
        json!({"latency_ms": 10, "vendor_error": "1"}),
        json!({"drop_connection": true, "times": 1}),
        json!("latency_ms"),
        json!({}),
    ] {
        let (status, body) = add(&app, json!({"api": "luminate", "effect": effect})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{effect}: {body}");
        assert_eq!(body["path"], "effect", "{body}");
        let error = body["error"].as_str().unwrap();
        for shape in [
            "latency_ms",
            "vendor_error",
            "http_status",
            "retry_after",
            "drop_connection",
        ] {
            assert!(error.contains(shape), "{error}");
        }
        assert!(!error.contains("untagged"), "{error}");
    }
    let (status, body) = add(
        &app,
        json!({"api": "luminate", "effect": {"latency_ms": "ten"}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["path"], "effect.latency_ms", "{body}");
}
