//! The control endpoint's TLS: a certificate authority of the cluster's own,
//! made once per cluster directory, that clients pin.
//!
//! Rules:
//! - The first `devnet up` of a cluster makes a CA and a server certificate
//!   signed by it (rcgen, ECDSA P-256). `control.pem` is the CA's
//!   certificate: public, what a client trusts and nothing else (the
//!   pin). `control-key.pem` (mode 0600) is the server's certificate and
//!   key. The CA's key is thrown away once it has signed, so nothing can
//!   sign another certificate that the pin accepts.
//! - The server certificate names `devnet-control`, not an address: the
//!   endpoint may be reached by any address (loopback, a LAN address, a
//!   forwarded port), and a client checks the name `devnet-control` against
//!   the pinned CA whatever it dialled. Trust comes from the pin, not from
//!   the name, which is the same for every cluster.
//! - Later starts reuse both files, so a copied `control.pem` stays good
//!   for the cluster's life; `devnet up --fresh` keeps them too. Delete
//!   both to make new ones.
//! - The files are written whole (a temporary name, then renamed), the key
//!   first, so a start killed half way leaves no certificate without its key.

use anyhow::Context;
use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// The name in the server certificate, checked by every client.
pub const SERVER_NAME: &str = "devnet-control";
/// The CA certificate clients pin.
pub const CA_FILE: &str = "control.pem";
/// The server's certificate chain and key.
pub const KEY_FILE: &str = "control-key.pem";

/// The server's side: its certificate and key, made when the cluster has none.
pub fn server_config(cluster: &Path) -> anyhow::Result<ServerTlsConfig> {
    let (ca, key) = (cluster.join(CA_FILE), cluster.join(KEY_FILE));
    if !ca.is_file() || !key.is_file() {
        make(&ca, &key)?;
    }
    let pem = std::fs::read_to_string(&key).with_context(|| format!("reading {}", key.display()))?;
    // The file holds the certificate, then the key: tonic wants them apart.
    let split =
        pem.find("-----BEGIN PRIVATE KEY-----").with_context(|| format!("{}: no private key", key.display()))?;
    Ok(ServerTlsConfig::new().identity(Identity::from_pem(&pem[..split], &pem[split..])))
}

/// The client's side: trusts the CA in `ca_file` only, and the name `devnet-control`.
pub fn client_config(ca_file: &Path) -> anyhow::Result<ClientTlsConfig> {
    let pem = std::fs::read_to_string(ca_file)
        .with_context(|| format!("reading the control endpoint's certificate {}", ca_file.display()))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        anyhow::bail!("{}: expected a PEM certificate (the cluster's {CA_FILE})", ca_file.display());
    }
    Ok(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)).domain_name(SERVER_NAME))
}

fn make(ca_path: &Path, key_path: &Path) -> anyhow::Result<()> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.distinguished_name.push(DnType::CommonName, "devnet cluster CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec![SERVER_NAME.to_string()])?;
    params.distinguished_name.push(DnType::CommonName, SERVER_NAME);
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    write_whole(key_path, &format!("{}{}", cert.pem(), key.serialize_pem()), 0o600)?;
    write_whole(ca_path, &ca_cert.pem(), 0o644)
}

fn write_whole(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp: PathBuf = path.with_extension("pem.tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        server_config(dir.path()).unwrap();
        let ca = std::fs::read_to_string(dir.path().join(CA_FILE)).unwrap();
        let key = std::fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
        assert!(ca.contains("BEGIN CERTIFICATE") && !ca.contains("PRIVATE KEY"), "the pin holds no key");
        assert!(key.contains("BEGIN CERTIFICATE") && key.contains("BEGIN PRIVATE KEY"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        server_config(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join(CA_FILE)).unwrap(), ca, "a second start reuses the CA");
        client_config(&dir.path().join(CA_FILE)).unwrap();
        let e = client_config(&dir.path().join(KEY_FILE).with_extension("missing")).unwrap_err();
        assert!(format!("{e:#}").contains("control endpoint's certificate"), "{e:#}");
    }
}
