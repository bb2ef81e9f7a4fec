//! Sprig's certificate functions: `genCA`, `genCAWithKey`, `genSelfSignedCert`,
//! `genSelfSignedCertWithKey`, `genSignedCert`, `genSignedCertWithKey`, `buildCustomCert`.
//!
//! Each returns Sprig's `certificate` struct (`.Cert` and `.Key`, PEM text). As in Sprig:
//! new keys are RSA 2048 (PKCS#1 `RSA PRIVATE KEY`); certificates are X.509 v3 with a
//! random 128-bit serial, the common name as the only subject attribute, validity from now
//! for `days × 24h`, key usage digital signature + key encipherment (+ cert sign for CAs),
//! extended key usage server + client auth, basic constraints (CA true for `genCA`), DNS
//! names and IP addresses as subject alternative names. RSA keys sign with SHA-256 with
//! RSA, P-256 keys with ECDSA-SHA256, Ed25519 keys with Ed25519. `…WithKey` accept RSA
//! (PKCS#1 or PKCS#8), P-256 EC (SEC 1 or PKCS#8) and Ed25519 (PKCS#8) keys; DSA keys
//! parse but fail as Go's x509 fails with them; other curves are refused with an error.

use std::rc::Rc;
use std::str::FromStr as _;
use std::time::{Duration, SystemTime};

use der::asn1::{Ia5String, OctetString};
use der::{Decode as _, Encode as _};
use rand::RngCore as _;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::pkcs8::DecodePrivateKey as _;
use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{EncodePublicKey as _, SubjectPublicKeyInfoOwned};
use x509_cert::time::Validity;

use super::crypto::pem_encode;
use crate::func::{Func, Funcs, Ty};
use crate::value::{Object, Value};

/// Sprig's `certificate` struct.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The PEM certificate.
    pub cert: String,
    /// The PEM private key.
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(self.cert.as_str())),
            "Key" => Some(Value::str(self.key.as_str())),
            _ => None,
        }
    }
    fn format(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

/// A private key Sprig can sign with.
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::SecretKey),
    Ed(ed25519_dalek::SigningKey),
    /// A DSA key (its DER): Sprig parses it, Go's x509 cannot use it.
    Dsa(Vec<u8>),
}

/// An Ed25519 signer for the certificate builder (ed25519-dalek's signature type has no
/// BIT STRING encoding of its own).
struct EdSigner(ed25519_dalek::SigningKey);

/// An Ed25519 signature, encoded as the 64 signature bytes.
struct EdSignature(ed25519_dalek::Signature);

impl rsa::signature::Keypair for EdSigner {
    type VerifyingKey = ed25519_dalek::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.0.verifying_key()
    }
}

impl x509_cert::spki::DynSignatureAlgorithmIdentifier for EdSigner {
    fn signature_algorithm_identifier(
        &self,
    ) -> x509_cert::spki::Result<x509_cert::spki::AlgorithmIdentifierOwned> {
        self.0.signature_algorithm_identifier()
    }
}

impl rsa::signature::Signer<EdSignature> for EdSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<EdSignature, rsa::signature::Error> {
        Ok(EdSignature(self.0.sign(msg)))
    }
}

impl x509_cert::spki::SignatureBitStringEncoding for EdSignature {
    fn to_bitstring(&self) -> der::Result<der::asn1::BitString> {
        der::asn1::BitString::from_bytes(&self.0.to_bytes())
    }
}

impl Key {
    fn spki(&self) -> Result<SubjectPublicKeyInfoOwned, String> {
        let der = match self {
            Key::Rsa(k) => k.to_public_key().to_public_key_der(),
            Key::Ec(k) => k.public_key().to_public_key_der(),
            Key::Ed(k) => k.verifying_key().to_public_key_der(),
            Key::Dsa(_) => {
                return Err(
                    "error creating certificate: x509: unsupported public key type: *dsa.PublicKey"
                        .into(),
                );
            }
        }
        .map_err(|e| format!("error retrieving public key from signee key: {e}"))?;
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(|e| e.to_string())
    }

    fn pem(&self) -> Result<String, String> {
        match self {
            Key::Rsa(k) => k
                .to_pkcs1_der()
                .map(|d| pem_encode("RSA PRIVATE KEY", d.as_bytes()))
                .map_err(|e| format!("error pem-encoding key: {e}")),
            Key::Ec(k) => Ok(pem_encode("EC PRIVATE KEY", &super::crypto::ec_sec1_der(k))),
            Key::Ed(k) => Ok(pem_encode(
                "PRIVATE KEY",
                &super::crypto::ed25519_pkcs8(&k.to_bytes()),
            )),
            Key::Dsa(der) => Ok(pem_encode("DSA PRIVATE KEY", der)),
        }
    }
}

/// The first PEM block of `text` (Go's `pem.Decode`): its type and bytes.
pub fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let end_label = rest.find("-----")?;
    let label = &rest[..end_label];
    let body = &rest[end_label + 5..];
    let end_marker = format!("-----END {label}-----");
    let end = body.find(&end_marker)?;
    let b64: String = body[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    let bytes = super::encoding::b64_decode(b64.as_bytes()).ok()?;
    Some((label.to_string(), bytes))
}

/// Sprig's `parsePrivateKeyPEM`.
fn parse_key(pem: &str) -> Result<Key, String> {
    let (label, der) = pem_decode(pem).ok_or("no PEM data in input")?;
    if label == "PRIVATE KEY" {
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(Key::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
            return Ok(Key::Ec(k));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(Key::Ed(k));
        }
        return Err("decoding PEM as PKCS#8: unsupported private key type".into());
    }
    let Some(kind) = label.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {label}"));
    };
    match kind {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| Key::Rsa(Box::new(k)))
            .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(Key::Ec)
            .map_err(|e| format!("parsing EC private key from PEM: {e}")),
        "DSA" if der.first() == Some(&0x30) => Ok(Key::Dsa(der)),
        "DSA" => {
            Err("parsing DSA private key from PEM: asn1: structure error: tags don't match".into())
        }
        _ => Err(format!("invalid private key type {label}")),
    }
}

fn new_rsa_key() -> Result<Key, String> {
    rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map(|k| Key::Rsa(Box::new(k)))
        .map_err(|e| format!("error generating rsa key: {e}"))
}

/// What `getBaseCertTemplate` builds, plus the CA flag.
struct Template {
    cn: String,
    ips: Vec<std::net::IpAddr>,
    dns: Vec<String>,
    days: i64,
    ca: bool,
}

fn template(cn: &str, ips: &Value, dns: &Value, days: i64) -> Result<Template, String> {
    let items = |v: &Value| v.as_list().map(<[Value]>::to_vec).unwrap_or_default();
    let mut ip_list = Vec::new();
    for ip in items(ips) {
        let Value::String(s) = &ip else {
            return Err(format!(
                "error parsing ip: {} is not a string",
                crate::fmt::format_value(&ip)
            ));
        };
        ip_list.push(
            s.parse::<std::net::IpAddr>()
                .map_err(|_| format!("error parsing ip: {s}"))?,
        );
    }
    let mut dns_list = Vec::new();
    for d in items(dns) {
        let Value::String(s) = &d else {
            return Err(format!(
                "error processing alternate dns name: {} is not a string",
                crate::fmt::format_value(&d)
            ));
        };
        dns_list.push(s.to_string());
    }
    Ok(Template {
        cn: cn.to_string(),
        ips: ip_list,
        dns: dns_list,
        days,
        ca: false,
    })
}

fn build_with<S, Sig>(
    t: &Template,
    subject_key: &Key,
    issuer: Option<Name>,
    signer: &S,
) -> Result<Vec<u8>, String>
where
    S: rsa::signature::Keypair
        + x509_cert::spki::DynSignatureAlgorithmIdentifier
        + rsa::signature::Signer<Sig>,
    S::VerifyingKey: x509_cert::spki::EncodePublicKey,
    Sig: x509_cert::spki::SignatureBitStringEncoding,
{
    let err = |e: &dyn std::fmt::Display| format!("error creating certificate: {e}");
    let mut serial = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x40;
    let serial = SerialNumber::new(&serial).map_err(|e| err(&e))?;
    let now = SystemTime::now();
    let span = Duration::from_secs(t.days.unsigned_abs().saturating_mul(86400));
    let after = if t.days >= 0 { now.checked_add(span) } else { now.checked_sub(span) }
        .ok_or_else(|| format!("error creating certificate: {} days is out of range", t.days))?;
    let validity = Validity {
        not_before: x509_cert::time::Time::try_from(now).map_err(|e| err(&e))?,
        not_after: x509_cert::time::Time::try_from(after).map_err(|e| err(&e))?,
    };
    let cn =
        t.cn.replace('\\', "\\\\")
            .replace(',', "\\,")
            .replace('+', "\\+")
            .replace('=', "\\=");
    let subject = if t.cn.is_empty() {
        Name::default()
    } else {
        Name::from_str(&format!("CN={cn}")).map_err(|e| err(&e))?
    };
    let spki = subject_key.spki()?;
    let mut b = CertificateBuilder::new(
        Profile::Manual { issuer },
        serial,
        validity,
        subject,
        spki.clone(),
        signer,
    )
    .map_err(|e| err(&e))?;
    let mut usage = KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment;
    if t.ca {
        usage |= KeyUsages::KeyCertSign;
    }
    b.add_extension(&KeyUsage(usage)).map_err(|e| err(&e))?;
    b.add_extension(&ExtendedKeyUsage(vec![SERVER_AUTH, CLIENT_AUTH]))
        .map_err(|e| err(&e))?;
    b.add_extension(&BasicConstraints {
        ca: t.ca,
        path_len_constraint: None,
    })
    .map_err(|e| err(&e))?;
    if t.ca {
        let ski = SubjectKeyIdentifier::try_from(spki.owned_to_ref()).map_err(|e| err(&e))?;
        b.add_extension(&ski).map_err(|e| err(&e))?;
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names = Vec::new();
        for d in &t.dns {
            names.push(GeneralName::DnsName(
                Ia5String::new(d).map_err(|e| err(&e))?,
            ));
        }
        for ip in &t.ips {
            let bytes = match ip {
                std::net::IpAddr::V4(v) => v.octets().to_vec(),
                std::net::IpAddr::V6(v) => v.octets().to_vec(),
            };
            names.push(GeneralName::IpAddress(
                OctetString::new(bytes).map_err(|e| err(&e))?,
            ));
        }
        b.add_extension(&SubjectAltName(names))
            .map_err(|e| err(&e))?;
    }
    let cert = b.build::<Sig>().map_err(|e| err(&e))?;
    cert.to_der().map_err(|e| err(&e))
}

use der::referenced::OwnedToRef as _;

/// `id-kp-serverAuth`.
const SERVER_AUTH: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
/// `id-kp-clientAuth`.
const CLIENT_AUTH: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// Sprig's `getCertAndKey`: the certificate of `subject_key` for `t`, signed by
/// `signer_key` as `issuer` (self-signed when `None`).
fn cert_and_key(
    t: &Template,
    subject_key: &Key,
    issuer: Option<Name>,
    signer_key: &Key,
) -> Result<Certificate, String> {
    let der = match signer_key {
        Key::Rsa(k) => {
            let s = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
            build_with::<_, rsa::pkcs1v15::Signature>(t, subject_key, issuer, &s)?
        }
        Key::Ec(k) => {
            let s = p256::ecdsa::SigningKey::from(k.clone());
            build_with::<_, p256::ecdsa::DerSignature>(t, subject_key, issuer, &s)?
        }
        Key::Ed(k) => build_with::<_, EdSignature>(t, subject_key, issuer, &EdSigner(k.clone()))?,
        Key::Dsa(_) => {
            return Err("error creating certificate: x509: certificate private key does not implement crypto.Signer".into());
        }
    };
    Ok(Certificate {
        cert: pem_encode("CERTIFICATE", &der),
        key: subject_key.pem()?,
    })
}

fn cert_value(c: Certificate) -> Value {
    Value::Object(Rc::new(c))
}

/// The `certificate` argument of `genSignedCert`.
fn ca_arg(v: &Value) -> Result<Certificate, String> {
    match v {
        Value::Object(o) if o.type_name() == "sprig.certificate" => {
            let field = |n: &str| {
                o.field(n)
                    .and_then(|x| x.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            Ok(Certificate {
                cert: field("Cert"),
                key: field("Key"),
            })
        }
        other => Err(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            other.type_name()
        )),
    }
}

fn signed(t: &Template, ca: &Certificate, key: &Key) -> Result<Certificate, String> {
    let (_, der) = pem_decode(&ca.cert).ok_or("unable to decode certificate")?;
    let ca_cert = x509_cert::Certificate::from_der(&der)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let ca_key = parse_key(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    cert_and_key(
        t,
        key,
        Some(ca_cert.tbs_certificate.subject.clone()),
        &ca_key,
    )
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

fn with_key(pem: &Value) -> Result<Key, String> {
    parse_key(s(pem)).map_err(|e| format!("parsing private key: {e}"))
}

fn ca_template(cn: &Value, days: &Value) -> Result<Template, String> {
    let mut t = template(s(cn), &Value::Nil, &Value::Nil, int(days))?;
    t.ca = true;
    Ok(t)
}

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    f.insert(
        "genCA",
        Func::new(&[Ty::String, Ty::Int], |a| {
            let key = new_rsa_key()?;
            cert_and_key(&ca_template(&a[0], &a[1])?, &key, None, &key).map(cert_value)
        }),
    );
    f.insert(
        "genCAWithKey",
        Func::new(&[Ty::String, Ty::Int, Ty::String], |a| {
            let key = with_key(&a[2])?;
            cert_and_key(&ca_template(&a[0], &a[1])?, &key, None, &key).map(cert_value)
        }),
    );
    f.insert(
        "genSelfSignedCert",
        Func::new(&[Ty::String, Ty::List, Ty::List, Ty::Int], |a| {
            let key = new_rsa_key()?;
            cert_and_key(
                &template(s(&a[0]), &a[1], &a[2], int(&a[3]))?,
                &key,
                None,
                &key,
            )
            .map(cert_value)
        }),
    );
    f.insert(
        "genSelfSignedCertWithKey",
        Func::new(
            &[Ty::String, Ty::List, Ty::List, Ty::Int, Ty::String],
            |a| {
                let key = with_key(&a[4])?;
                cert_and_key(
                    &template(s(&a[0]), &a[1], &a[2], int(&a[3]))?,
                    &key,
                    None,
                    &key,
                )
                .map(cert_value)
            },
        ),
    );
    f.insert(
        "genSignedCert",
        Func::new(&[Ty::String, Ty::List, Ty::List, Ty::Int, Ty::Named("sprig.certificate")], |a| {
            let ca = ca_arg(&a[4])?;
            let key = new_rsa_key()?;
            signed(&template(s(&a[0]), &a[1], &a[2], int(&a[3]))?, &ca, &key).map(cert_value)
        }),
    );
    f.insert(
        "genSignedCertWithKey",
        Func::new(
            &[Ty::String, Ty::List, Ty::List, Ty::Int, Ty::Named("sprig.certificate"), Ty::String],
            |a| {
                let ca = ca_arg(&a[4])?;
                let key = with_key(&a[5])?;
                signed(&template(s(&a[0]), &a[1], &a[2], int(&a[3]))?, &ca, &key).map(cert_value)
            },
        ),
    );
    f.insert(
        "buildCustomCert",
        Func::new(&[Ty::String, Ty::String], |a| {
            let cert = super::encoding::b64_decode(s(&a[0]).as_bytes())
                .map_err(|_| "unable to decode base64 certificate".to_string())?;
            let key = super::encoding::b64_decode(s(&a[1]).as_bytes())
                .map_err(|_| "unable to decode base64 private key".to_string())?;
            let cert = String::from_utf8_lossy(&cert).into_owned();
            let key = String::from_utf8_lossy(&key).into_owned();
            let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
            x509_cert::Certificate::from_der(&der)
                .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
            parse_key(&key).map_err(|e| format!("error parsing private key: {e}"))?;
            Ok(cert_value(Certificate { cert, key }))
        }),
    );
}
