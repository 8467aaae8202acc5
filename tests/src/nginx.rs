//! Debian's nginx (`scripts/test` installs it; `NATTER_TEST_NGINX` names another binary)
//! with `deploy/nginx/natter.conf` and a certificate of a test CA made with openssl, in front
//! of a server on this machine: the TLS terminator of the nginx tests and of the app's
//! secure-connection test. Only the marked lines of the file are changed (ports, upstream
//! address, paths), so what is tested is what operators install.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CONF: &str = include_str!("../../deploy/nginx/natter.conf");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A running nginx with the project's site configuration.
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    pub https_port: u16,
    pub http_port: u16,
    /// The test CA's certificate (PEM), which signed nginx's.
    pub ca_pem: Vec<u8>,
}

impl Nginx {
    /// Starts nginx in front of the server listening on `upstream_port`, and waits until it
    /// accepts connections.
    pub async fn start(upstream_port: u16) -> Self {
        let dir = std::env::temp_dir().join(format!("natter-nginx-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("nginx folder");
        let ca_pem = make_certificates(&dir);
        let (https_port, http_port) = (free_port(), free_port());
        std::fs::write(
            dir.join("natter.conf"),
            site_config(&dir, upstream_port, https_port, http_port),
        )
        .expect("site config");
        let d = dir.display();
        // as root, nginx's workers would run as nobody, who cannot write into this folder
        let user = if running_as_root() { "user root;" } else { "" };
        let main = format!(
            "{user}\ndaemon off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\nevents {{ worker_connections 1024; }}\n\
             http {{\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n\
             scgi_temp_path {d}/scgi;\n  access_log off;\n  include {d}/natter.conf;\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), main).expect("main config");
        let binary =
            std::env::var("NATTER_TEST_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
        let test = Command::new(&binary)
            .args(["-t", "-p"])
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .output()
            .unwrap_or_else(|e| panic!("nginx at {binary} (scripts/test installs it): {e}"));
        assert!(
            test.status.success(),
            "nginx -t: {}",
            String::from_utf8_lossy(&test.stderr)
        );
        let child = Command::new(&binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let nginx = Self {
            child,
            dir,
            https_port,
            http_port,
            ca_pem,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", https_port))
                .await
                .is_ok()
            {
                return nginx;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("nginx never listened: {}", nginx.log("error.log"));
    }

    /// `https://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.https_port)
    }

    /// The test CA's certificate as a PEM file (for a client told to trust it).
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// One of nginx's logs in its folder (`access.log`, `error.log`).
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: the master stops its workers (SIGKILL would leave them holding the ports)
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A test CA and a certificate for 127.0.0.1 signed by it (openssl, as an operator would make
/// a private CA); answers the CA's PEM.
fn make_certificates(dir: &Path) -> Vec<u8> {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Natter Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-keyout",
            "key.pem",
            "-out",
            "cert.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("cert.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    run(&[
        "x509",
        "-req",
        "-in",
        "cert.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "cert.ext",
    ]);
    std::fs::read(dir.join("ca.pem")).expect("CA PEM")
}

/// `natter.conf` with its marked lines pointed at this test's ports and folder. Every marked
/// line must be there exactly once: a change to the file that drops one fails here.
fn site_config(dir: &Path, upstream: u16, https: u16, http: u16) -> String {
    let d = dir.display();
    let swaps = [
        (
            "server 127.0.0.1:8080;  # NATTER_ADDR",
            format!("server 127.0.0.1:{upstream};"),
        ),
        (
            "listen 80;  # HTTP port",
            format!("listen 127.0.0.1:{http};"),
        ),
        ("listen [::]:80;", String::new()),
        (
            "listen 443 ssl http2;  # HTTPS port",
            format!("listen 127.0.0.1:{https} ssl http2;"),
        ),
        ("listen [::]:443 ssl http2;", String::new()),
        (
            "ssl_certificate /etc/ssl/natter/fullchain.pem;  # certificate",
            format!("ssl_certificate {d}/cert.pem;"),
        ),
        (
            "ssl_certificate_key /etc/ssl/natter/privkey.pem;  # key",
            format!("ssl_certificate_key {d}/key.pem;"),
        ),
        (
            "access_log /var/log/nginx/natter.access.log natter_json;  # access log",
            format!("access_log {d}/access.log natter_json;"),
        ),
        (
            "error_log /var/log/nginx/natter.error.log warn;  # error log",
            format!("error_log {d}/error.log warn;"),
        ),
    ];
    let mut conf = CONF.to_owned();
    for (marked, replacement) in swaps {
        assert_eq!(
            conf.matches(marked).count(),
            1,
            "deploy/nginx/natter.conf should have the line `{marked}` once"
        );
        conf = conf.replace(marked, &replacement);
    }
    conf
}
