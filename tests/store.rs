//! The store's checks at start, on the real binary: a `--db` file another process holds, one a
//! newer membermock made, and one this process cannot write are each refused with a message that
//! says what to do, before `membermock ready` and without touching the file. And a `--db` name
//! is a file name, even one SQLite would read as a URI.

#[path = "support/binary.rs"]
mod binary;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::{Duration, Instant};

use binary::{command, http_json, skipped, Binary};

/// A database file as this build leaves it after a clean stop.
fn made_by_this_build(dir: &Path) -> PathBuf {
    let db = dir.join("state.db");
    let bin = Binary::start(&["--db", db.to_str().unwrap(), "--tls-listen", "off"]);
    let (status, _) = bin.terminate();
    assert!(status.success(), "the first run stopped with {status}");
    db
}

/// `membermock --db DB` with pretty logs and no HTTPS (nothing written beside the database).
fn on(db: &Path) -> Command {
    let mut cmd = command(&["--tls-listen", "off", "--log-format", "pretty"]);
    cmd.arg("--db").arg(db);
    cmd
}

/// Run `cmd` to the end of a start that fails: its exit code and what it logged. Panics if it
/// becomes ready instead.
fn refused(mut cmd: Command) -> (i32, String) {
    let mut child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut logged = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let ready = line.contains("ready in");
                logged.push(line);
                if ready {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("it started:\n{}", logged.join("\n"));
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("neither ready nor gone after 30 s:\n{}", logged.join("\n"));
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), logged.join("\n"))
}

fn user_version(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn a_database_from_a_newer_membermock_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let db = made_by_this_build(dir.path());
    let known = user_version(&db);
    let future = known + 1;
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", future)
        .unwrap();
    let bytes = std::fs::read(&db).unwrap();

    let (code, stderr) = refused(on(&db));
    assert_eq!(code, 1, "{stderr}");
    let message = format!(
        "membermock failed: database: {} was made by a newer membermock (schema version \
         {future}, this build knows up to {known}): use a newer membermock or another --db file",
        db.display()
    );
    assert!(
        stderr.contains(&message),
        "`{message}` missing from:\n{stderr}"
    );
    assert_eq!(stderr.matches("membermock failed").count(), 1, "{stderr}");
    assert!(std::fs::read(&db).unwrap() == bytes, "the file changed");
    assert_eq!(user_version(&db), future);
}

fn locked_message(db: &Path) -> String {
    format!(
        "membermock failed: database: {} is locked by another process: another membermock runs \
         on the same --db file, or another program is using the database. Stop it, or start this \
         one with another --db file",
        db.display()
    )
}

#[test]
fn a_second_membermock_on_the_same_db_is_refused_and_the_first_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let first = Binary::start(&["--db", db.to_str().unwrap(), "--tls-listen", "off"]);
    let site = r#"{"luminate":{"sites":[{"org":"first","api_key":"k"}]}}"#;
    assert_eq!(http_json(first.http, "POST", "/_mock/seed", site).0, 200);

    let (code, stderr) = refused(on(&db));
    assert_eq!(code, 1, "{stderr}");
    let message = locked_message(&db);
    assert!(
        stderr.contains(&message),
        "`{message}` missing from:\n{stderr}"
    );
    assert_eq!(stderr.matches("membermock failed").count(), 1, "{stderr}");

    // The first one still reads, writes and resets its own state.
    let (status, state) = http_json(first.http, "GET", "/_mock/state", "");
    assert_eq!(status, 200);
    assert!(state.contains(r#""org":"first""#), "{state}");
    let later = r#"{"luminate":{"sites":[{"org":"later","api_key":"k"}]}}"#;
    assert_eq!(http_json(first.http, "POST", "/_mock/seed", later).0, 200);
    assert_eq!(http_json(first.http, "POST", "/_mock/reset", "").0, 200);
    let (status, health) = http_json(first.http, "GET", "/_mock/health", "");
    assert_eq!(status, 200, "{health}");
    let (status, _) = first.terminate();
    assert!(status.success());

    // Once it has stopped, the file opens again.
    let again = Binary::start(&["--db", db.to_str().unwrap(), "--tls-listen", "off"]);
    assert_eq!(again.banner["luminate_sites"], 2, "{}", again.banner);
}

#[test]
fn a_database_another_program_is_using_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = made_by_this_build(dir.path());
    // A reader in the middle of a transaction, as the sqlite3 shell or a database browser.
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM lum_site", [], |r| r.get(0))
        .unwrap();

    let (code, stderr) = refused(on(&db));
    assert_eq!(code, 1, "{stderr}");
    let message = locked_message(&db);
    assert!(
        stderr.contains(&message),
        "`{message}` missing from:\n{stderr}"
    );

    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    Binary::start(&["--db", db.to_str().unwrap(), "--tls-listen", "off"]);
}

#[cfg(unix)]
/// `cmd` run as user and group 65534 (nobody) through `setpriv`, for a test run as root, whom
/// file permissions do not stop; `None` when `setpriv` is missing.
fn as_nobody(cmd: &Command) -> Option<Command> {
    let found = Command::new("setpriv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        return None;
    }
    let mut nobody = Command::new("setpriv");
    nobody
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => nobody.env(key, value),
            None => nobody.env_remove(key),
        };
    }
    Some(nobody)
}

#[cfg(unix)]
#[test]
fn a_database_this_process_cannot_write_is_refused_before_ready() {
    use std::os::unix::fs::{chown, PermissionsExt};
    let set_mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o755);
    // (what is read-only, the message)
    let cases = [
        (
            "the file",
            "is read-only to this process (its permissions, or a read-only mount)",
        ),
        ("its folder", "its folder is read-only to this process"),
    ];
    for (i, (what, says)) in cases.into_iter().enumerate() {
        let folder = dir.path().join(format!("case{i}"));
        std::fs::create_dir(&folder).unwrap();
        let db = made_by_this_build(&folder);
        if what == "the file" {
            set_mode(&db, 0o444);
        } else {
            set_mode(&folder, 0o555);
        }
        let bytes = std::fs::read(&db).unwrap();

        let mut cmd = on(&db);
        let writable_anyway = std::fs::OpenOptions::new().append(true).open(&db).is_ok()
            && std::fs::File::create(folder.join("probe")).is_ok();
        if writable_anyway {
            // Root: permissions do not stop it, so run the binary as nobody, the files theirs.
            let _ = std::fs::remove_file(folder.join("probe"));
            for path in [&folder, &db] {
                chown(path, Some(65534), Some(65534)).unwrap();
            }
            match as_nobody(&cmd) {
                Some(nobody) => cmd = nobody,
                None if skipped("setpriv") => {
                    eprintln!(
                        "SKIPPED {what}: this test runs as root, whom permissions do not stop, \
                         and setpriv (util-linux) is not there to run membermock as nobody"
                    );
                    continue;
                }
                None => panic!(
                    "{what}: this test runs as root, whom permissions do not stop: it needs \
                     setpriv (Debian: apt-get install util-linux) to run membermock as nobody, \
                     or MEMBERMOCK_TEST_SKIP=setpriv to go without"
                ),
            }
        }
        let (code, stderr) = refused(cmd);
        assert_eq!(code, 1, "{what}: {stderr}");
        assert!(
            stderr.contains(says),
            "{what}: `{says}` missing from:\n{stderr}"
        );
        assert!(
            stderr.contains(&db.display().to_string()),
            "{what}: the file is not named:\n{stderr}"
        );
        assert!(stderr.contains("hint: UID "), "{what}: no hint:\n{stderr}");
        assert_eq!(stderr.matches("membermock failed").count(), 1, "{stderr}");
        assert!(
            std::fs::read(&db).unwrap() == bytes,
            "{what}: the file changed"
        );
        set_mode(&folder, 0o755);
    }
}

#[test]
fn a_db_path_that_starts_with_file_colon_is_that_file_not_an_sqlite_uri() {
    let dir = tempfile::tempdir().unwrap();
    let in_dir = |args: &[&str]| {
        let mut cmd = command(args);
        cmd.current_dir(dir.path());
        Binary::spawn(cmd)
    };
    let first = in_dir(&["--db", "file:state.db", "--tls-listen", "off"]);
    let site = r#"{"luminate":{"sites":[{"org":"kept","api_key":"k"}]}}"#;
    assert_eq!(http_json(first.http, "POST", "/_mock/seed", site).0, 200);
    let (status, _) = first.terminate();
    assert!(status.success());

    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["file:state.db"], "SQLite read the name as a URI");

    let again = in_dir(&["--db", "file:state.db", "--tls-listen", "off"]);
    let (status, state) = http_json(again.http, "GET", "/_mock/state", "");
    assert_eq!(status, 200);
    assert!(state.contains(r#""org":"kept""#), "{state}");
}

#[test]
fn a_reset_whose_seed_fails_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = made_by_this_build(dir.path());
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"luminate":{"sites":[{"org":"half","api_key":"k"},{"org":5}]}}"#,
    )
    .unwrap();

    let mut cmd = on(&db);
    cmd.arg("--reset").arg("--seed").arg(&bad);
    let (code, stderr) = refused(cmd);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("luminate.sites[1].org"), "{stderr}");

    // The demo data it held is there, and nothing was left beside it.
    let again = Binary::start(&["--db", db.to_str().unwrap(), "--tls-listen", "off"]);
    assert_eq!(again.banner["luminate_sites"], 2, "{}", again.banner);
    let (_, state) = http_json(again.http, "GET", "/_mock/state", "");
    assert!(!state.contains(r#""org":"half""#), "{state}");
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.contains("before-reset"))
        .collect();
    files.sort();
    assert!(files.is_empty(), "{files:?}");
}
