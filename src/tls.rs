//! The HTTPS listener's certificate: the operator's (`--tls-cert`/`--tls-key`) or a self-signed
//! one made at start for the local names and the vendors' host names.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// Names the generated certificate is valid for (product.md §1).
pub const SELF_SIGNED_NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "secure2.convio.net",
    "api.smarteru.com",
    "ws.yourmembership.com",
];

/// A certificate and key ready for rustls, plus the PEM served at `/_mock/tls/cert.pem`.
pub struct TlsMaterial {
    pub config: Arc<ServerConfig>,
    pub cert_pem: String,
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, crate::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| crate::Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| crate::Error::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Make a self-signed certificate for [`SELF_SIGNED_NAMES`].
pub fn self_signed() -> Result<TlsMaterial, crate::Error> {
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|s| s.to_string()).collect();
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| crate::Error::Tls(e.to_string()))?;
    let cert_pem = certified.cert.pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = server_config(vec![certified.cert.der().clone()], key)?;
    Ok(TlsMaterial { config, cert_pem })
}

/// Load a PEM certificate chain and private key.
pub fn from_files(cert: &Path, key: &Path) -> Result<TlsMaterial, crate::Error> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| crate::Error::Tls(format!("cannot read {}: {e}", p.display())))
    };
    let cert_bytes = read(cert)?;
    let key_bytes = read(key)?;
    let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut cert_bytes.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| crate::Error::Tls(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(crate::Error::Tls(format!(
            "{}: no certificate found",
            cert.display()
        )));
    }
    let key_der = rustls_pemfile::private_key(&mut key_bytes.as_slice())
        .map_err(|e| crate::Error::Tls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| crate::Error::Tls(format!("{}: no private key found", key.display())))?;
    let config = server_config(chain, key_der)?;
    Ok(TlsMaterial {
        config,
        cert_pem: String::from_utf8_lossy(&cert_bytes).into_owned(),
    })
}
