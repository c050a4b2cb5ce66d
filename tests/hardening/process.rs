//! The real binary under pressure: memory per dribbling connection, and an accept loop out of
//! file descriptors.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::binary::{self, Binary};

/// Resident set size of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// CPU time (user + system) a process has used, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat(5); the name was field 2.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn many_tiny_chunks_cost_their_length_not_a_read_buffer_each() {
    // A long body timeout: what is measured is the memory a dribbling body holds while it
    // is still allowed to arrive.
    let bin = Binary::start(&["--body-timeout", "60s"]);
    let before = rss_kib(bin.pid());
    let stop = Instant::now() + Duration::from_secs(2);
    let dribblers: Vec<_> = (0..16)
        .map(|_| {
            let addr = bin.http;
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                s.write_all(
                    b"POST /demo/site/SRConsAPI HTTP/1.1\r\nHost: localhost\r\n\
                      Content-Type: application/x-www-form-urlencoded\r\n\
                      Transfer-Encoding: chunked\r\n\r\n",
                )
                .unwrap();
                while Instant::now() < stop {
                    s.write_all(b"1\r\na\r\n").unwrap();
                    std::thread::sleep(Duration::from_millis(1));
                }
                s
            })
        })
        .collect();
    let streams: Vec<TcpStream> = dribblers.into_iter().map(|t| t.join().unwrap()).collect();
    let grown = rss_kib(bin.pid()).saturating_sub(before);
    drop(streams);
    // 16 connections and about 30,000 chunks: a few hundred KiB of body. Each chunk kept its
    // own read buffer before (about 40 MiB here).
    assert!(grown < 8 * 1024, "RSS grew by {grown} KiB");
}

#[test]
fn out_of_file_descriptors_the_accept_loop_backs_off_and_says_why() {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n 64 && exec \"$0\"")
        .arg(env!("CARGO_BIN_EXE_membermock"));
    let template = binary::command(&["--tls-listen", "off"]);
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let bin = Binary::spawn(cmd);
    // More connections than descriptors: the kernel completes them; the server cannot accept.
    let held: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(bin.http).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let ticks = cpu_ticks(bin.pid());
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(bin.pid()) - ticks;
    // A spinning loop uses the whole second (100 ticks); backing off, almost nothing.
    assert!(used < 30, "{used} ticks of CPU in 1 s");
    drop(held);
    // Descriptors free again: it serves.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answered = std::panic::catch_unwind(|| binary::http_get(bin.http, "/_mock/health"));
        if let Ok((200, _)) = answered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no answer after the descriptors were freed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let logged = bin.logged().join("\n");
    assert!(logged.contains("cannot accept connections"), "{logged}");
    assert!(logged.contains("Too many open files"), "{logged}");
    assert_eq!(
        logged.matches("cannot accept connections").count(),
        1,
        "{logged}"
    );
}
