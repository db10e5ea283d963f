//! A PostgreSQL server of the test suite's own: initdb in a temp dir as an unprivileged user
//! (the server refuses root, and CI runs as root), trust auth on a free loopback port, a fresh
//! database per test. One server is shared per test run; fault tests start their own to stop
//! and restart. A watchdog process stops every server when the test binary ends, even killed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A running (or stopped) server in its own directory.
pub struct PgServer {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    /// The OS user the server runs as (`None`: this process's own user, when not root).
    user: Option<String>,
    pub port: u16,
}

/// Where the server binaries are: `pg_config --bindir`, Debian's versioned directories, PATH.
fn find_bindir() -> Option<PathBuf> {
    let has_initdb = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_initdb(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| has_initdb(d))
        .collect();
    versions.sort_by_key(|d| {
        let v = d
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str());
        v.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    if let Some(newest) = versions.pop() {
        return Some(newest);
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| has_initdb(d))
}

/// The server for tests that share one, or `None` (with a loud note) when PostgreSQL is not
/// installed outside CI. Under `CI=true` a missing server fails the test instead.
pub fn shared() -> Option<&'static PgServer> {
    static SERVER: OnceLock<Option<PgServer>> = OnceLock::new();
    SERVER.get_or_init(PgServer::start).as_ref()
}

/// Skips the calling test (loudly) when there is no PostgreSQL outside CI.
#[macro_export]
macro_rules! pg_or_skip {
    ($server:expr) => {
        match $server {
            Some(s) => s,
            None => {
                eprintln!(
                    "SKIPPED {}: no PostgreSQL server binaries (apt-get install postgresql)",
                    module_path!()
                );
                return;
            }
        }
    };
}

impl PgServer {
    /// initdb + start a new server, or `None` when the binaries are missing (panics in CI).
    pub fn start() -> Option<PgServer> {
        let Some(bindir) = find_bindir() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but no PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH); .ci/run installs the postgresql package");
            }
            eprintln!("WARNING: PostgreSQL server binaries not found; the PostgreSQL tests are SKIPPED (apt-get install postgresql)");
            return None;
        };
        let user = unprivileged_user();
        let dir = tempfile::Builder::new()
            .prefix("rotor-pg-")
            .tempdir_in("/tmp")
            .expect("temp dir for postgres");
        if let Some(u) = &user {
            chown_to(dir.path(), u);
        }
        let mut server = PgServer {
            dir,
            bindir,
            user,
            port: 0,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &server.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        std::fs::create_dir_all(server.dir.path().join("sock")).expect("socket dir");
        if let Some(u) = &server.user {
            chown_to(&server.dir.path().join("sock"), u);
        }
        watchdog(&server);
        // A free port can be taken between the probe and the start: try a few.
        for attempt in 0..5 {
            server.port = free_port();
            if server.try_start() {
                return Some(server);
            }
            eprintln!(
                "postgres did not start on port {} (attempt {attempt})",
                server.port
            );
        }
        panic!("postgres did not start; log:\n{}", server.log());
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// The server log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// A new empty database with a unique name; returns its URL.
    pub async fn fresh_db(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "rotor_t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        recreate_db(&self.url("postgres"), &name).await
    }

    /// A client program of this server's version (`pg_dump`, `psql`), run as any user.
    pub fn tool(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// Stops the server at once (as a crash would), keeping its data.
    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts the stopped server again on the same port.
    pub fn restart(&self) {
        assert!(
            self.try_start(),
            "postgres did not restart:\n{}",
            self.log()
        );
    }

    fn try_start(&self) -> bool {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            self.dir.path().join("sock").display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.command(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.command(tool, args).output().expect(tool);
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `tool` from the server's bindir, run as the server's user.
    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let exe = self.bindir.join(tool);
        let mut cmd = match &self.user {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        cmd.args(args).current_dir(self.dir.path());
        cmd
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = self
            .command(
                "pg_ctl",
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Connects a plain tokio-postgres client (no TLS: loopback).
pub async fn connect_url(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(conn);
    client
}

/// Drops database `name` on the server at `server_url` if an earlier run left it, creates it
/// anew and returns its URL (for benches pointed at a server of the user's).
pub async fn recreate_db(server_url: &str, name: &str) -> String {
    let admin = connect_url(server_url).await;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop the database of an earlier run");
    // Apart: two statements in one call run as one transaction, which CREATE DATABASE refuses.
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("the server URL's user must be allowed to create databases");
    let mut u = url::Url::parse(server_url).expect("a postgres:// URL");
    u.set_path(name);
    u.to_string()
}

/// Root may not run postgres: use Debian's `postgres` user, else `nobody`.
fn unprivileged_user() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return None;
    }
    for candidate in ["postgres", "nobody"] {
        if Command::new("id")
            .arg(candidate)
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(candidate.to_string());
        }
    }
    panic!("running as root and no unprivileged user (postgres, nobody) to run the server as");
}

fn chown_to(path: &Path, user: &str) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id").args([flag, user]).output().expect("id");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("numeric id")
    };
    std::os::unix::fs::chown(path, Some(id("-u")), Some(id("-g"))).expect("chown temp dir");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A shell that waits for this test process to end, then stops the server and removes its
/// directory: statics are never dropped, and a killed test binary runs no destructor.
fn watchdog(server: &PgServer) {
    let stop = server
        .command("pg_ctl", &["-D", &server.data(), "-m", "immediate", "stop"])
        .get_program()
        .to_owned();
    let args: Vec<String> = server
        .command("pg_ctl", &["-D", &server.data(), "-m", "immediate", "stop"])
        .get_args()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect();
    // The outer shell returns at once; the loop runs on, adopted by init, so nothing is left
    // for this process to reap.
    let script = format!(
        "(while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} {args} >/dev/null 2>&1; rm -rf {dir}) &",
        pid = std::process::id(),
        stop = shell_quote(&stop.to_string_lossy()),
        args = args.join(" "),
        dir = shell_quote(&server.dir.path().display().to_string()),
    );
    let started = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("postgres watchdog");
    assert!(started.success(), "postgres watchdog did not start");
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
