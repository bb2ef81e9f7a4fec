//! Properties of the random and time-dependent functions, whose outputs cannot be
//! recorded from Helm: formats, lengths, alphabets, and validity (certificates parse and
//! verify against their CA with `x509-parser`, bcrypt hashes verify, AES round-trips,
//! `now` is the current time).
#![allow(clippy::unwrap_used)]

use gitops_gotmpl::{Templates, Value, all_funcs};
use proptest::prelude::*;
use x509_parser::prelude::*;

fn render_with(text: &str, data: &Value) -> Result<String, String> {
    let mut t = Templates::new("t");
    t.funcs(all_funcs());
    t.parse("t", text).map_err(|e| e.message)?;
    t.execute("t", data).map_err(|e| e.message)
}

fn render(text: &str) -> String {
    render_with(text, &Value::Nil).unwrap()
}

fn values(pairs: &[(&str, &str)]) -> Value {
    Value::from_json(&serde_json::Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect(),
    ))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_have_the_length_and_alphabet(n in 0usize..80) {
        let out = render(&format!(
            "{{{{ randAlphaNum {n} }}}}|{{{{ randAlpha {n} }}}}|{{{{ randNumeric {n} }}}}|{{{{ randAscii {n} }}}}"
        ));
        let parts: Vec<&str> = out.splitn(4, '|').collect();
        prop_assert_eq!(parts.len(), 4);
        prop_assert_eq!(parts[0].len(), n);
        prop_assert!(parts[0].bytes().all(|c| c.is_ascii_alphanumeric()));
        prop_assert_eq!(parts[1].len(), n);
        prop_assert!(parts[1].bytes().all(|c| c.is_ascii_alphabetic()));
        prop_assert_eq!(parts[2].len(), n);
        prop_assert!(parts[2].bytes().all(|c| c.is_ascii_digit()));
        prop_assert_eq!(parts[3].len(), n);
        prop_assert!(parts[3].bytes().all(|c| (32..=126).contains(&c)));
    }

    #[test]
    fn rand_int_stays_in_its_half_open_range(min in -1000i64..1000, span in 1i64..1000) {
        let max = min + span;
        let out: i64 = render(&format!("{{{{ randInt {min} {max} }}}}")).parse().unwrap();
        prop_assert!(min <= out && out < max, "{} not in [{}, {})", out, min, max);
    }

    #[test]
    fn rand_bytes_are_base64_of_n_bytes(n in 0usize..100) {
        use base64::Engine as _;
        let out = render(&format!("{{{{ randBytes {n} }}}}"));
        let bytes = base64::engine::general_purpose::STANDARD.decode(out).unwrap();
        prop_assert_eq!(bytes.len(), n);
    }

    #[test]
    fn shuffle_is_a_permutation_of_the_characters(s in "\\PC{0,30}") {
        let out = render_with("{{ shuffle .s }}", &values(&[("s", &s)])).unwrap();
        let mut a: Vec<char> = s.chars().collect();
        let mut b: Vec<char> = out.chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn aes_round_trips_and_has_sprigs_layout(password in "\\PC{0,40}", plain in "\\PC{1,60}") {
        use base64::Engine as _;
        let data = values(&[("p", &password), ("t", &plain)]);
        let enc = render_with("{{ encryptAES .p .t }}", &data).unwrap();
        let raw = base64::engine::general_purpose::STANDARD.decode(&enc).unwrap();
        // IV + PKCS#7-padded blocks
        prop_assert_eq!(raw.len(), 16 + (plain.len() / 16 + 1) * 16);
        let dec = render_with(&format!("{{{{ decryptAES .p {enc:?} }}}}"), &data).unwrap();
        prop_assert_eq!(dec, plain);
    }
}

#[test]
fn uuids_are_version_4() {
    let out = render("{{ range until 50 }}{{ uuidv4 }}\n{{ end }}");
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 50);
    for id in &ids {
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
        assert!(
            id.bytes()
                .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "{id}"
        );
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn bcrypt_and_htpasswd_hashes_verify() {
    let hash = render(r#"{{ bcrypt "s3cret pass" }}"#);
    assert!(hash.starts_with("$2a$10$") && hash.len() == 60, "{hash}");
    assert!(bcrypt::verify("s3cret pass", &hash).unwrap());
    assert!(!bcrypt::verify("other", &hash).unwrap());
    let line = render(r#"{{ htpasswd "admin" "pw" }}"#);
    let (user, h) = line.split_once(':').unwrap();
    assert_eq!(user, "admin");
    assert!(bcrypt::verify("pw", h).unwrap());
}

fn pem_der(pem: &str) -> Vec<u8> {
    let (_, p) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    p.contents
}

#[test]
fn generated_private_keys_parse() {
    let ec = render(r#"{{ genPrivateKey "ecdsa" }}"#);
    assert!(
        ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n")
            && ec.ends_with("-----END EC PRIVATE KEY-----\n")
    );
    let der = pem_der(&ec);
    // version 1, the secret, the P-256 OID and the public point, as Go writes it
    assert_eq!(der.len(), 121);
    assert_eq!(
        &der[39..51],
        [
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
        ]
    );
    let key = p256::SecretKey::from_sec1_der(&der).unwrap();
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    assert_eq!(
        &der[56..],
        key.public_key().to_encoded_point(false).as_bytes()
    );
    let ed = render(r#"{{ genPrivateKey "ed25519" }}"#);
    let der = pem_der(&ed);
    assert_eq!(der.len(), 48);
    assert_eq!(
        &der[..16],
        [
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
            0x04, 0x20
        ]
    );
    let rsa = render(r#"{{ genPrivateKey "rsa" }}"#);
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::traits::PublicKeyParts as _;
    let key = rsa::RsaPrivateKey::from_pkcs1_der(&pem_der(&rsa)).unwrap();
    assert_eq!(key.n().bits(), 4096);
}

#[test]
fn ca_and_signed_certificates_verify() {
    let out = render(
        r#"{{ $ca := genCA "my-ca" 365 }}{{ $c := genSignedCert "svc.example" (list "10.1.2.3" "::1") (list "svc.example" "svc") 30 $ca }}{{ $ca.Cert }}|{{ $ca.Key }}|{{ $c.Cert }}|{{ $c.Key }}"#,
    );
    let parts: Vec<&str> = out.split('|').collect();
    let ca_der = pem_der(parts[0]);
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    assert_eq!(ca.subject().to_string(), "CN=my-ca");
    assert_eq!(ca.issuer(), ca.subject());
    assert!(ca.is_ca());
    ca.verify_signature(None).unwrap();
    let days = (ca.validity().not_after.timestamp() - ca.validity().not_before.timestamp()) / 86400;
    assert_eq!(days, 365);
    assert!(parts[1].starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));

    let leaf_der = pem_der(parts[2]);
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    assert!(!leaf.is_ca());
    assert_eq!(leaf.subject().to_string(), "CN=svc.example");
    assert_eq!(leaf.issuer(), ca.subject());
    leaf.verify_signature(Some(ca.public_key())).unwrap();
    assert!(leaf.verify_signature(Some(leaf.public_key())).is_err());
    let san = leaf.subject_alternative_name().unwrap().unwrap().value;
    let names: Vec<String> = san.general_names.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        names,
        [
            "DNSName(svc.example)",
            "DNSName(svc)",
            "IPAddress(0a:01:02:03)",
            "IPAddress(00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01)"
        ]
    );
    let eku = leaf.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);
    let ku = leaf.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
    // the key printed is the certificate's key
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::EncodePublicKey as _;
    let key = rsa::RsaPrivateKey::from_pkcs1_der(&pem_der(parts[3])).unwrap();
    let spki = key.to_public_key().to_public_key_der().unwrap();
    assert_eq!(spki.as_bytes(), leaf.public_key().raw);
}

#[test]
fn certificates_with_a_given_ec_key_use_it() {
    let out = render(
        r#"{{ $k := genPrivateKey "ecdsa" }}{{ $c := genSelfSignedCertWithKey "self" nil (list "a.example") 1 $k }}{{ $c.Cert }}|{{ eq $c.Key $k }}"#,
    );
    let (cert, same) = out.split_once('|').unwrap();
    assert_eq!(same, "true");
    let der = pem_der(cert);
    let (_, c) = X509Certificate::from_der(&der).unwrap();
    c.verify_signature(None).unwrap();
    assert_eq!(
        c.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.10045.4.3.2"
    );
}

#[test]
fn now_is_the_current_time() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = render(
        r#"{{ now | unixEpoch }} {{ typeOf now }} {{ ago now }} {{ dateInZone "2006" now "UTC" }}"#,
    );
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let parts: Vec<&str> = out.split(' ').collect();
    let t: i64 = parts[0].parse().unwrap();
    assert!(before <= t && t <= after, "{t} not in [{before}, {after}]");
    assert_eq!(parts[1], "time.Time");
    assert_eq!(parts[2], "0s");
    let year = 1970 + (t as f64 / 31_556_952.0) as i64;
    assert!((year - parts[3].parse::<i64>().unwrap()).abs() <= 1);
    // printing `now` shows Go's monotonic clock reading
    let printed = render("{{ now }}");
    assert!(printed.contains(" m=+"), "{printed}");
}

#[test]
fn sprig_get_host_by_name_resolves_but_helm_disables_it() {
    let mut t = Templates::new("t");
    t.funcs(gitops_gotmpl::sprig::funcs());
    t.parse("t", r#"{{ getHostByName "localhost" }}"#).unwrap();
    let ip = t.execute("t", &Value::Nil).unwrap();
    assert!(ip == "127.0.0.1" || ip == "::1", "{ip}");
    assert_eq!(render(r#"{{ getHostByName "localhost" | quote }}"#), "\"\"");
}

#[test]
fn ed25519_keys_sign_certificates() {
    let out = render(
        r#"{{ $k := genPrivateKey "ed25519" }}{{ $ca := genCAWithKey "ed-ca" 7 $k }}{{ $c := genSignedCert "leaf" nil (list "x.example") 1 $ca }}{{ $ca.Cert }}|{{ $c.Cert }}|{{ eq $ca.Key $k }}"#,
    );
    let parts: Vec<&str> = out.split('|').collect();
    assert_eq!(parts[2], "true");
    let ca_der = pem_der(parts[0]);
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    assert_eq!(
        ca.signature_algorithm.algorithm.to_id_string(),
        "1.3.101.112"
    );
    ca.verify_signature(None).unwrap();
    let leaf_der = pem_der(parts[1]);
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    leaf.verify_signature(Some(ca.public_key())).unwrap();
    assert_eq!(leaf.issuer().to_string(), "CN=ed-ca");
}

/// The INTEGERs of a DER SEQUENCE of INTEGERs.
fn der_integers(der: &[u8]) -> Vec<Vec<u8>> {
    fn len(b: &[u8], i: &mut usize) -> usize {
        let first = b[*i];
        *i += 1;
        if first < 0x80 {
            return usize::from(first);
        }
        let mut n = 0;
        for _ in 0..first & 0x7f {
            n = n << 8 | usize::from(b[*i]);
            *i += 1;
        }
        n
    }
    assert_eq!(der[0], 0x30);
    let mut i = 1;
    let total = len(der, &mut i);
    assert_eq!(i + total, der.len());
    let mut out = Vec::new();
    while i < der.len() {
        assert_eq!(der[i], 0x02);
        i += 1;
        let n = len(der, &mut i);
        out.push(der[i..i + n].to_vec());
        i += n;
    }
    out
}

#[test]
fn dsa_keys_are_sprigs_format_and_sign() {
    use dsa::signature::{Signer as _, Verifier as _};
    let pem = render(r#"{{ genPrivateKey "dsa" }}"#);
    assert!(
        pem.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"),
        "{pem}"
    );
    let ints = der_integers(&pem_der(&pem));
    assert_eq!(ints.len(), 6);
    assert_eq!(ints[0], [0]);
    let n = |i: usize| dsa::BigUint::from_bytes_be(&ints[i]);
    assert_eq!(n(1).bits(), 2048);
    assert_eq!(n(2).bits(), 256);
    let components = dsa::Components::from_components(n(1), n(2), n(3)).unwrap();
    let public = dsa::VerifyingKey::from_components(components, n(4)).unwrap();
    let key = dsa::SigningKey::from_components(public.clone(), n(5)).unwrap();
    let sig: dsa::Signature = key.sign(b"message");
    public.verify(b"message", &sig).unwrap();
}
