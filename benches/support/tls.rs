//! Certificates for the bench's own servers, made the way membermock makes its self-signed one
//! (rcgen, ECDSA P-256, ring provider, ALPN `http/1.1`), so a TLS handshake and record costs
//! the same on both sides of a comparison.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names membermock's generated certificate carries (a certificate of the same size).
const NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "secure2.convio.net",
    "api.smarteru.com",
    "ws.yourmembership.com",
];

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A self-signed server configuration and its certificate's PEM.
pub fn self_signed() -> (Arc<rustls::ServerConfig>, String) {
    let names: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![certified.cert.der().clone()];
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (Arc::new(config), certified.cert.pem())
}

/// A client that trusts exactly this certificate.
pub fn client_config(cert_pem: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut cert_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
