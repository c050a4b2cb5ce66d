//! What the benchmarks share: the calls they measure, a lean HTTP/1.1 client, an accept loop
//! shaped like membermock's, the limit app, and self-signed certificates.

#![allow(dead_code)]

pub mod calls;
pub mod client;
pub mod process;
pub mod serve;
pub mod tls;
