//! TLS and proxy parts for the source tests, all real: a CA and certificates made with
//! `openssl`, `moto_server` serving HTTPS with them, Debian's `tinyproxy` (HTTP proxy with
//! CONNECT and basic auth, its log read to see what went through it), and an
//! mTLS-terminating relay (Python's `ssl` module, i.e. OpenSSL) in front of a plain HTTP
//! server. The TLS `docker-registry` is [`super::servers::Registry::start_tls`].

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Certificates in a temporary directory: a CA, a server certificate for `127.0.0.1`
/// and `localhost` signed by it, a client certificate signed by it, and an unrelated CA.
pub struct Pki {
    dir: tempfile::TempDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is missing: install it with `apt-get install -y openssl`");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_listening(port: u16, child: &mut Child, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Pki {
    /// Generates the certificates (EC P-256, valid two days).
    pub fn generate() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for ca in ["ca", "other-ca"] {
            let (key, crt, subj) = (
                format!("{ca}.key"),
                format!("{ca}.crt"),
                format!("/CN={ca}"),
            );
            let mut args = vec!["req", "-x509"];
            args.extend(ec);
            args.extend(["-keyout", &key, "-out", &crt, "-subj", &subj, "-days", "2"]);
            openssl(d, &args);
        }
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write server.ext");
        std::fs::write(
            d.join("client.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
        )
        .expect("write client.ext");
        for leaf in ["server", "client"] {
            let (key, csr, crt, ext, subj) = (
                format!("{leaf}.key"),
                format!("{leaf}.csr"),
                format!("{leaf}.crt"),
                format!("{leaf}.ext"),
                format!("/CN=flux-{leaf}"),
            );
            let mut args = vec!["req", "-new"];
            args.extend(ec);
            args.extend(["-keyout", &key, "-out", &csr, "-subj", &subj]);
            openssl(d, &args);
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &crt,
                    "-days",
                    "2",
                    "-extfile",
                    &ext,
                ],
            );
        }
        Pki { dir }
    }

    /// The path of `name` (`ca.crt`, `server.key`, …).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The PEM text of `name`.
    pub fn pem(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read PEM")
    }
}

/// A running `tinyproxy`, killed on drop.
pub struct Tinyproxy {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tinyproxy {
    /// Starts tinyproxy on a free loopback port, requiring `user`/`password` (basic
    /// auth) and logging every request.
    pub fn start(user: &str, password: &str) -> Tinyproxy {
        let bin = "/usr/bin/tinyproxy";
        assert!(
            Path::new(bin).exists(),
            "{bin} is missing: install it with `apt-get install -y tinyproxy`"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\nAllow 127.0.0.1\nLogLevel Connect\nLogFile \"{}\"\nBasicAuth {user} {password}\n",
            dir.path().join("tinyproxy.log").display()
        );
        let config_path = dir.path().join("tinyproxy.conf");
        std::fs::write(&config_path, config).expect("write tinyproxy config");
        let mut child = Command::new(bin)
            .arg("-d")
            .arg("-c")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tinyproxy");
        wait_listening(port, &mut child, "tinyproxy");
        Tinyproxy { child, port, dir }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request lines tinyproxy logged (`CONNECT 127.0.0.1:5000 HTTP/1.1`, …).
    pub fn requests(&self) -> Vec<String> {
        let log =
            std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| l.split_once("): ").filter(|_| l.contains("Request (")))
            .map(|(_, r)| r.to_string())
            .collect()
    }
}

/// A `moto_server` (S3) serving HTTPS with the server certificate of a [`Pki`]; killed
/// on drop. Authentication is not enforced.
pub struct MotoTls {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub endpoint: String,
    ca: PathBuf,
}

impl Drop for MotoTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `moto_server -c server.crt -k server.key` on a free loopback port.
pub fn start_moto_tls(pki: &Pki) -> MotoTls {
    let port = free_port();
    let mut child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .arg("-c")
        .arg(pki.path("server.crt"))
        .arg("-k")
        .arg(pki.path("server.key"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "moto_server not runnable ({e}): install it with `pip install 'moto[server]' boto3`"
            )
        });
    wait_listening(port, &mut child, "moto_server");
    MotoTls {
        child,
        endpoint: format!("127.0.0.1:{port}"),
        ca: pki.path("ca.crt"),
    }
}

impl MotoTls {
    /// Creates `bucket` with the given objects, through boto3 over HTTPS (verifying
    /// the server with the test CA).
    pub fn create_bucket(&self, bucket: &str, objects: &[(&str, &str)]) {
        let mut code = format!(
            "import boto3\ns3 = boto3.client('s3', endpoint_url='https://{}', region_name='us-east-1', \
             aws_access_key_id='a', aws_secret_access_key='b', verify={:?})\n\
             s3.create_bucket(Bucket={bucket:?})\n",
            self.endpoint,
            self.ca.display().to_string()
        );
        for (key, body) in objects {
            code.push_str(&format!(
                "s3.put_object(Bucket={bucket:?}, Key={key:?}, Body={body:?}.encode())\n"
            ));
        }
        let out = Command::new("python3")
            .arg("-c")
            .arg(&code)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "boto3 over HTTPS failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A TLS-terminating relay that requires a client certificate signed by the test CA and
/// forwards the decrypted bytes to a plain TCP server; killed on drop.
pub struct MtlsRelay {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub endpoint: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for MtlsRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const RELAY: &str = r#"
import select, socket, ssl, sys, threading
backend, cert, key, ca, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.load_verify_locations(ca)
srv = socket.create_server(("127.0.0.1", 0))
print(srv.getsockname()[1], flush=True)
lock = threading.Lock()
def note(line):
    with lock, open(log, "a") as f:
        f.write(line + "\n")
def serve(conn):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        note("refused: %s" % e)
        conn.close()
        return
    subject = dict(x[0] for x in tls.getpeercert()["subject"])
    note("client: %s" % subject.get("commonName"))
    up = socket.create_connection(("127.0.0.1", backend))
    try:
        while True:
            ready, _, _ = select.select([tls, up], [], [], 60)
            if not ready:
                return
            for s in ready:
                other = up if s is tls else tls
                data = s.recv(65536)
                if not data:
                    return
                other.sendall(data)
                while s is tls and tls.pending():
                    up.sendall(tls.recv(65536))
    except OSError:
        return
    finally:
        tls.close()
        up.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

impl MtlsRelay {
    /// Starts the relay in front of `127.0.0.1:<backend_port>`, serving the server
    /// certificate of `pki`.
    pub fn start(pki: &Pki, backend_port: u16) -> MtlsRelay {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("relay.log");
        let mut child = Command::new("python3")
            .arg("-u")
            .arg("-c")
            .arg(RELAY)
            .arg(backend_port.to_string())
            .arg(pki.path("server.crt"))
            .arg(pki.path("server.key"))
            .arg(pki.path("ca.crt"))
            .arg(&log)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("relay stdout"))
            .read_line(&mut line)
            .expect("relay port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("relay port: {line:?}"));
        MtlsRelay {
            child,
            endpoint: format!("127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    /// The relay's log: `client: <CN>` per accepted connection, `refused: <error>`.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
