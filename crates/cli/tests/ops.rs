//! `bilan servir` run as a service: the configuration file and the environment, the request
//! log, SIGTERM with a request in flight, and two servers on one PostgreSQL database.
//!
//! PostgreSQL: `BILAN_TEST_POSTGRES_URL` names the maintenance database (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); unreachable, the test fails unless
//! `BILAN_SKIP_POSTGRES=1`. `psql` must be installed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use reqwest::StatusCode;

mod common;
use common::{psql, skip_postgres, PgDatabase};

const PASSWORD: &str = "demo-bilan-2026";

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bilan-ops-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bilan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bilan")).args(args).current_dir(dir).output().expect("bilan runs")
}

/// A `bilan servir` process; killed (by its pid) if the test ends before it does.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    /// Starts `bilan servir ARGS` with `env`, its standard error in `dir/NAME.log`, and
    /// waits for the line that gives its address.
    fn start(dir: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let log = dir.join(format!("{name}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bilan"));
        cmd.arg("servir").args(args).current_dir(dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("bilan servir starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("bilan est prêt : http://") else {
            let _ = child.kill();
            panic!("{name} : « {line} » ; journal : {}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        Server { addr: addr.trim_end_matches('/').parse().unwrap(), child, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    fn terminate(&self) {
        let pid = self.child.id().to_string();
        let o = Command::new("kill").args(["-TERM", &pid]).output().unwrap();
        assert!(o.status.success());
    }

    /// The exit code, waiting at most `bound`.
    fn exit_within(&mut self, bound: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < bound {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("still running {bound:?} after SIGTERM; journal : {}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn json_lines(log: &str) -> Vec<serde_json::Value> {
    log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

/// A raw HTTP/1.1 request whose body is sent in two halves, `pause` between them: the
/// request is in flight for the server during the pause.
struct SlowRequest {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowRequest {
    fn start(addr: SocketAddr) -> SlowRequest {
        let token = "ab".repeat(32);
        let body =
            format!("csrf={token}&login=personne&mot_de_passe=pas-le-bon-mot-de-passe&suite=%2Frapports");
        let head = format!(
            "POST /connexion HTTP/1.1\r\nHost: {addr}\r\nCookie: bilan_csrf_login={token}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(first).unwrap();
        stream.flush().unwrap();
        SlowRequest { stream, rest: rest.to_vec() }
    }

    /// Sends the rest and reads the whole response (until the server closes).
    fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).unwrap();
        let mut out = Vec::new();
        self.stream.read_to_end(&mut out).unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_0() {
    let dir = tempdir("sigterm");
    let db = format!("sqlite://{}", dir.join("bilan.sqlite").display());
    let mut server = Server::start(
        &dir,
        "serveur",
        &["--adresse", "127.0.0.1:0", "--journal", "json"],
        &[("BILAN_DATABASE_URL", &db)],
    );
    let slow = SlowRequest::start(server.addr);
    // The server is now reading the body of that request.
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    std::thread::sleep(Duration::from_millis(500));
    // The listener is closed: a new connection is refused…
    let refused = TcpStream::connect_timeout(&server.addr, Duration::from_secs(2));
    assert!(refused.is_err(), "a new connection was accepted after SIGTERM");
    // …while the process waits for the request in flight.
    assert!(server.child.try_wait().unwrap().is_none(), "exited with a request in flight");
    let response = slow.finish();
    let (head, body) = response.split_once("\r\n\r\n").expect("a whole HTTP response");
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap())
        })
        .expect("content-length");
    assert_eq!(body.len(), length, "the whole body");
    assert!(
        body.contains("Identifiant ou mot de passe incorrect") && body.trim_end().ends_with("</html>"),
        "{body}"
    );
    let id = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-request-id: ").map(str::to_string))
        .expect("x-request-id");
    assert_eq!(server.exit_within(Duration::from_secs(10)), Some(0));

    // The request's log line: JSON, with its id, route, status and latency.
    let lines = json_lines(&server.log());
    let line = lines
        .iter()
        .find(|l| l["requete"] == id.trim())
        .unwrap_or_else(|| panic!("no log line for {id}: {}", server.log()));
    assert_eq!(line["target"], "bilan::requete");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["methode"], "POST");
    assert_eq!(line["route"], "/connexion");
    assert_eq!(line["statut"], 401);
    assert!(line["duree_ms"].as_f64().unwrap() >= 300.0, "the body took 300 ms to come: {line}");
    assert!(
        lines.iter().any(|l| l["fields"]["message"] == "arrêt terminé" || l["message"] == "arrêt terminé"),
        "{}",
        server.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_file_and_environment_start_a_server_that_logs_without_query_strings() {
    let dir = tempdir("config");
    let token = "jeton-des-metriques-de-l-essai";
    let config = dir.join("bilan.toml");
    std::fs::write(
        &config,
        format!(
            "base = \"sqlite://{}\"\nadresse = \"127.0.0.1:1\"\njournal = \"json\"\n[metriques]\njeton = \"{token}\"\n",
            dir.join("bilan.sqlite").display()
        ),
    )
    .unwrap();
    // The address of the file is overridden by the environment (port 0: any free port).
    let server = Server::start(
        &dir,
        "serveur",
        &["--config", config.to_str().unwrap()],
        &[("BILAN_ADRESSE", "127.0.0.1:0")],
    );
    let client = client();
    let r = client.get(server.url("/sante")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok\n");
    let r = client.get(server.url("/connexion?suite=%2Fjeton-secret-dans-la-requete")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    // The metrics need the file's token.
    assert_eq!(client.get(server.url("/metriques")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = client.get(server.url("/metriques")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let metrics = r.text().await.unwrap();
    assert!(
        metrics.contains("bilan_http_requests_total{route=\"/connexion\",method=\"GET\",status=\"2xx\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bilan_http_requests_total{route=\"/sante\",method=\"GET\",status=\"2xx\"} 1"),
        "{metrics}"
    );

    server.terminate();
    let mut server = server;
    assert_eq!(server.exit_within(Duration::from_secs(10)), Some(0));
    let log = server.log();
    assert!(!log.contains("jeton-secret-dans-la-requete"), "a query string was logged: {log}");
    let lines = json_lines(&log);
    let line = lines.iter().find(|l| l["requete"] == id.as_str()).unwrap_or_else(|| panic!("{log}"));
    assert_eq!(line["chemin"], "/connexion");
    assert_eq!(line["statut"], 200);
    // Health checks and metrics are not logged at info.
    assert!(!lines.iter().any(|l| l["route"] == "/sante"), "{log}");
}

#[test]
fn a_broken_configuration_file_stops_servir_before_it_listens() {
    let dir = tempdir("config-cassee");
    let config = dir.join("bilan.toml");
    std::fs::write(&config, "adresse = \"127.0.0.1:0\"\nadrese = \"127.0.0.1:0\"\n").unwrap();
    let o = bilan(&dir, &["servir", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "configuration {}, ligne 2, colonne 1 : clé « adrese » inconnue ici",
            config.display()
        )),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "nothing served");
    assert!(!dir.join("bilan.sqlite").exists(), "no database opened");
    // A password in a flag is warned about (the server then fails on the unreachable host).
    let o = bilan(
        &dir,
        &[
            "servir",
            "--base",
            "postgres://bilan:secret@127.0.0.1:1/bilan",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = bilan(
        &dir,
        &["servir", "--base", "postgres://bilan:secret@127.0.0.1:1/bilan", "--adresse", "127.0.0.1:0"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("attention : --base contient un mot de passe") && err.contains("BILAN_DATABASE_URL"),
        "{err}"
    );
    assert!(!err.contains("secret@"), "the password is not repeated in the error: {err}");
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------- two servers, one database

fn client() -> reqwest::Client {
    // reqwest's TLS comes without a crypto provider in this workspace (bilan-web installs
    // rustls' ring one): install it before building a client.
    bilan_web::install_tls_provider();
    // No cookie store: the session cookie is carried by hand from one server to the other.
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).unwrap();
    doc.select(&sel).next().and_then(|e| e.value().attr("value")).map(str::to_string)
}

/// The fields of the action form as a browser would send them unchanged.
fn action_fields(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let form =
        doc.select(&scraper::Selector::parse("form#form-action").unwrap()).next().expect("form-action");
    let mut fields = Vec::new();
    for el in form.select(&scraper::Selector::parse("input[name], textarea[name], select[name]").unwrap()) {
        let v = el.value();
        let name = v.attr("name").unwrap_or_default().to_string();
        let value = match v.name() {
            "textarea" => el.text().collect::<String>(),
            "select" => el
                .select(&scraper::Selector::parse("option[selected]").unwrap())
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_string(),
            _ if v.attr("type") == Some("checkbox") && v.attr("checked").is_none() => continue,
            _ => v.attr("value").unwrap_or_default().to_string(),
        };
        fields.push((name, value));
    }
    fields
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no field {name}")).1 =
        value.to_string();
}

fn cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string())
    })
}

/// A sign-in attempt on `server`: the login form's token, then the POST. The response.
async fn try_login(c: &reqwest::Client, server: &Server, login: &str, password: &str) -> reqwest::Response {
    let r = c.get(server.url("/connexion")).send().await.unwrap();
    let token = cookie_value(&r, "bilan_csrf_login").expect("login token cookie");
    let html = r.text().await.unwrap();
    let csrf = hidden(&html, "csrf").unwrap();
    c.post(server.url("/connexion"))
        .header("cookie", format!("bilan_csrf_login={token}"))
        .form(&[("login", login), ("mot_de_passe", password), ("csrf", &csrf), ("suite", "/rapports")])
        .send()
        .await
        .unwrap()
}

/// GET with a session cookie: (status, body).
async fn page(c: &reqwest::Client, server: &Server, session: &str, path: &str) -> (StatusCode, String) {
    let r =
        c.get(server.url(path)).header("cookie", format!("bilan_session={session}")).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    server: &Server,
    session: &str,
    path: &str,
    fields: &[(String, String)],
) -> (StatusCode, String) {
    let r = c
        .post(server.url(path))
        .header("cookie", format!("bilan_session={session}"))
        .form(fields)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_behave_as_one() {
    if skip_postgres() {
        return;
    }
    let dir = tempdir("deux-serveurs");
    let db = PgDatabase::create("ops");
    let o = bilan(&dir, &["demo", "--donnees-seulement", "--base", &db.url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let env = [("BILAN_DATABASE_URL", db.url.as_str()), ("BILAN_ADRESSE", "127.0.0.1:0")];
    let a = Server::start(&dir, "a", &[], &env);
    let b = Server::start(&dir, "b", &[], &env);
    let c = client();
    for s in [&a, &b] {
        assert_eq!(c.get(s.url("/sante")).send().await.unwrap().status(), StatusCode::OK);
    }

    // Signed in on A, the session works on B.
    let r = try_login(&c, &a, "editeur.allier", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = cookie_value(&r, "bilan_session").expect("session cookie");
    let (status, _) = page(&c, &b, &session, "/rapports").await;
    assert_eq!(status, StatusCode::OK, "B knows A's session");

    // An edit through A is seen on B's next request; B's stale form then gets the conflict page.
    let id = psql(&db.url, "SELECT id FROM reports WHERE department = '03' AND year = 2019");
    let action = format!("/rapports/{id}/actions/1.1.1");
    let (_, form_on_b) = page(&c, &b, &session, &action).await;
    let (_, form_on_a) = page(&c, &a, &session, &action).await;
    let mut fields = action_fields(&form_on_a);
    set(&mut fields, "duree", "Durée enregistrée sur le serveur A");
    let (status, _) = post(&c, &a, &session, &action, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = page(&c, &b, &session, &action).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Durée enregistrée sur le serveur A"), "B shows A's edit");
    let mut stale = action_fields(&form_on_b);
    set(&mut stale, "duree", "Durée envoyée à B sur un formulaire périmé");
    let (status, html) = post(&c, &b, &session, &action, &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Modification concurrente") && html.contains("Durée enregistrée sur le serveur A"));
    let (_, html) = page(&c, &a, &session, &action).await;
    assert!(!html.contains("formulaire périmé"), "nothing written by the stale form");

    // Signing out on B ends the session on A too.
    let csrf = hidden(&page(&c, &b, &session, "/rapports").await.1, "csrf").unwrap();
    let (status, _) = post(&c, &b, &session, "/deconnexion", &[("csrf".into(), csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = page(&c, &a, &session, "/rapports").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "A sends the signed-out user to the login page");

    // Login throttling counts the failures made on both servers: 3 on A and 2 on B use up
    // the 5 allowed, and the right password is then refused on either.
    for (server, n) in [(&a, 3), (&b, 2)] {
        for _ in 0..n {
            let r = try_login(&c, server, "prefecture.allier", "pas le bon mot de passe").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
    }
    for server in [&a, &b] {
        let r = try_login(&c, server, "prefecture.allier", PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text().await.unwrap().contains("Trop de tentatives de connexion"));
    }

    // Both stop cleanly.
    for mut s in [a, b] {
        s.terminate();
        assert_eq!(s.exit_within(Duration::from_secs(10)), Some(0), "{}", s.log());
    }
}

#[test]
fn administration_commands_read_the_database_from_the_environment_too() {
    let dir = tempdir("admin-env");
    let url = format!("sqlite://{}", dir.join("demo.sqlite").display());
    let o = bilan(&dir, &["demo", "--donnees-seulement", "--base", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let with_env = |args: &[&str], value: &str| {
        Command::new(env!("CARGO_BIN_EXE_bilan"))
            .args(args)
            .current_dir(&dir)
            .env("BILAN_DATABASE_URL", value)
            .output()
            .unwrap()
    };
    let o = with_env(&["audit", "verifier"], &url);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let elsewhere = format!("sqlite://{}", dir.join("absente.sqlite").display());
    let o = with_env(&["audit", "verifier"], &elsewhere);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("absente.sqlite"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The flag still wins.
    let o = with_env(&["audit", "verifier", "--base", &url], &elsewhere);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_request_that_outlasts_the_shutdown_delay_is_cut_and_the_exit_says_so() {
    let dir = tempdir("delai");
    let db = format!("sqlite://{}", dir.join("bilan.sqlite").display());
    let mut server = Server::start(
        &dir,
        "serveur",
        &["--adresse", "127.0.0.1:0", "--delai-arret", "1"],
        &[("BILAN_DATABASE_URL", &db)],
    );
    // Half a body, never finished: the request stays in flight.
    let _stuck = SlowRequest::start(server.addr);
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    server.terminate();
    let code = server.exit_within(Duration::from_secs(10));
    let waited = start.elapsed();
    assert_eq!(code, Some(2), "{}", server.log());
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(5), "{waited:?}");
    assert!(server.log().contains("arrêt forcé après 1 s"), "{}", server.log());
}
