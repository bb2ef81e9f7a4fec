//! A real S3 API for the tests: `moto_server` (PyPI `moto[server]`) on a loopback port,
//! with IAM authentication enforced, driven through boto3.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server; killed when dropped.
pub struct Moto {
    /// `127.0.0.1:PORT`.
    pub endpoint: String,
    /// An access key with full rights.
    pub access_key: String,
    /// Its secret.
    pub secret_key: String,
    child: Child,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SETUP: &str = r#"
import boto3, sys
ep = sys.argv[1]
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="flux")
iam.put_user_policy(UserName="flux", PolicyName="all", PolicyDocument=
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')
k = iam.create_access_key(UserName="flux")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
"#;

/// Starts moto. With `auth`, authentication is enforced after the three IAM calls that
/// create a user and its key (moto then also rejects signed list requests whose `prefix`
/// holds a `/` — a moto bug, boto3 meets it too — so prefix tests run without `auth`).
pub fn start_moto(auth: bool) -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new("moto_server");
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    if auth {
        cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "3");
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "moto_server not runnable ({e}): install it with `pip install 'moto[server]' boto3`"
            )
        });
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(s)) = child.try_wait() {
            panic!("moto_server exited early with {s}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "moto_server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let endpoint = format!("127.0.0.1:{port}");
    if !auth {
        let (access_key, secret_key) = ("moto-access".to_string(), "moto-secret".to_string());
        return Moto {
            endpoint,
            access_key,
            secret_key,
            child,
        };
    }
    let out = python(SETUP, &[&format!("http://{endpoint}")], &[]);
    let mut parts = out.split_whitespace();
    let access_key = parts.next().unwrap().to_string();
    let secret_key = parts.next().unwrap().to_string();
    Moto {
        endpoint,
        access_key,
        secret_key,
        child,
    }
}

impl Moto {
    /// Runs boto3 code with `s3` bound to a client of this server.
    pub fn s3(&self, code: &str) -> String {
        let script = format!(
            "import boto3, os\ns3 = boto3.client('s3', endpoint_url='http://{}', region_name='us-east-1', \
             aws_access_key_id=os.environ['AK'], aws_secret_access_key=os.environ['SK'])\n{code}\n",
            self.endpoint
        );
        python(
            &script,
            &[],
            &[("AK", &self.access_key), ("SK", &self.secret_key)],
        )
    }

    /// Creates `bucket` with the given objects.
    pub fn create_bucket(&self, bucket: &str, objects: &[(&str, &str)]) {
        let mut code = format!("s3.create_bucket(Bucket={bucket:?})\n");
        for (key, body) in objects {
            code.push_str(&format!(
                "s3.put_object(Bucket={bucket:?}, Key={key:?}, Body={body:?}.encode())\n"
            ));
        }
        self.s3(&code);
    }
}

fn python(script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("python3");
    assert!(
        out.status.success(),
        "python failed (needs `pip install 'moto[server]' boto3`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
