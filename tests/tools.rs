//! The external tools the test suite drives, checked once so that a missing one shows in the
//! test summary: the XML schema checks skip quietly without `xmllint` outside CI, and this test
//! is where that skip becomes visible. A run that means to go without a tool says so:
//! `MEMBERMOCK_TEST_SKIP=xmllint` (comma-separated, also `python`, `node`, `curl` for the TLS
//! trust recipes in `tests/tls_trust.rs`).

#[path = "support/binary.rs"]
mod binary;

#[test]
fn xmllint_is_installed_so_the_xml_schema_checks_run() {
    let present = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        present || binary::skipped("xmllint"),
        "xmllint is not installed, so every XML schema check in this run was skipped: install \
         it (Debian/Ubuntu: apt-get install libxml2-utils; macOS: it comes with libxml2), or \
         skip the checks explicitly with MEMBERMOCK_TEST_SKIP=xmllint"
    );
}
