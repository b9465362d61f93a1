//! `bilan serve`, `bilan demo` and `bilan user add`: the web application and its accounts.

use std::net::SocketAddr;
use std::path::PathBuf;

use bilan_store::{NewUser, Role, Store};

/// Where the DSFR design system lands after `npm ci`.
const DSFR_DIR: &str = "node_modules/@gouvfr/dsfr/dist";

pub struct ServeOptions {
    database: Option<String>,
    addr: SocketAddr,
    secure_cookies: bool,
    assets: Option<PathBuf>,
    seed_only: bool,
    national: bool,
    trusted_proxies: Vec<std::net::IpAddr>,
}

pub fn parse_serve(args: &[String]) -> Result<ServeOptions, String> {
    let mut o = ServeOptions {
        database: None,
        addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
        secure_cookies: false,
        assets: None,
        seed_only: false,
        national: false,
        trusted_proxies: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} attend une valeur"));
        match a.as_str() {
            "--database" | "--base" => o.database = Some(value(a)?),
            "--addr" | "--adresse" => {
                let v = value(a)?;
                o.addr =
                    v.parse().map_err(|_| format!("« {v} » n'est pas une adresse (ex. 127.0.0.1:8080)"))?;
            }
            "--secure-cookies" => o.secure_cookies = true,
            "--assets" => o.assets = Some(PathBuf::from(value(a)?)),
            "--seed-only" | "--donnees-seulement" => o.seed_only = true,
            "--national" => o.national = true,
            "--trusted-proxy" | "--proxy-de-confiance" => {
                let v = value(a)?;
                let ip = v.parse().map_err(|_| {
                    format!("« {v} » n'est pas une adresse IP de proxy (ex. 127.0.0.1 ou ::1)")
                })?;
                o.trusted_proxies.push(ip);
            }
            other => return Err(format!("argument « {other} » inconnu")),
        }
    }
    Ok(o)
}

fn assets_dir(o: &ServeOptions) -> Option<PathBuf> {
    o.assets.clone().or_else(|| {
        let p = PathBuf::from(DSFR_DIR);
        p.join("dsfr.min.css").exists().then_some(p)
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("démarrage impossible ({e})"))
}

fn fail(cmd: &str, m: &str) -> i32 {
    eprintln!("bilan {cmd} : {m}");
    2
}

/// Serves until Ctrl-C; prints the URL once the port is bound.
async fn serve(store: Store, o: &ServeOptions, banner: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(o.addr)
        .await
        .map_err(|e| format!("impossible d'écouter sur {} ({e})", o.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let assets = assets_dir(o);
    let options = bilan_web::AppOptions {
        secure_cookies: o.secure_cookies,
        assets_dir: assets.clone(),
        trusted_proxies: o.trusted_proxies.clone(),
        ..bilan_web::AppOptions::default()
    };
    crate::write_stdout(&format!("{banner}bilan est prêt : http://{addr}/\n"));
    if assets.is_none() {
        eprintln!(
            "bilan : système de design de l'État absent ({DSFR_DIR}) : lancez `npm ci` pour le style DSFR"
        );
    }
    bilan_web::serve_listener(listener, store, options).await.map_err(|e| e.to_string())
}

pub fn run_serve(o: ServeOptions) -> i32 {
    let url = o.database.clone().unwrap_or_else(|| "sqlite://bilan.sqlite".into());
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("serve", &m),
    };
    rt.block_on(async {
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => return fail("serve", &format!("base {url} : {e}")),
        };
        match serve(store, &o, "").await {
            Ok(()) => 0,
            Err(m) => fail("serve", &m),
        }
    })
}

pub fn run_demo(o: ServeOptions) -> i32 {
    let url = o.database.clone().unwrap_or_else(|| "sqlite://bilan-demo.sqlite".into());
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("demo", &m),
    };
    rt.block_on(async {
        let store = match Store::connect(&url).await {
            Ok(s) => s,
            Err(e) => return fail("demo", &format!("base {url} : {e}")),
        };
        let accounts = match bilan_web::demo::seed(&store).await {
            Ok(a) => a,
            Err(e) => return fail("demo", &e.to_string()),
        };
        let mut banner = format!("Données de démonstration dans {url}.\n");
        if o.national {
            match bilan_web::demo::seed_national(&store).await {
                Ok(n) => banner.push_str(&format!(
                    "Jeu national synthétique : {n} rapports ajoutés (101 Départements, CALPAE 2019–2022, Pacte 2024–2025).\n"
                )),
                Err(e) => return fail("demo", &e.to_string()),
            }
        }
        banner.push_str(&format!("Comptes (mot de passe « {} ») :\n", bilan_web::demo::DEMO_PASSWORD));
        for a in &accounts {
            banner.push_str(&format!("  {:<22} {} – {}\n", a.login, a.role_label, a.territory_label));
        }
        if o.seed_only {
            crate::write_stdout(&banner);
            return 0;
        }
        match serve(store, &o, &banner).await {
            Ok(()) => 0,
            Err(m) => fail("demo", &m),
        }
    })
}

pub struct UserOptions {
    login: String,
    role: Role,
    territory: Option<String>,
    name: Option<String>,
    password: Option<String>,
    database: String,
}

pub fn parse_user(args: &[String]) -> Result<UserOptions, String> {
    let Some(("add" | "ajouter", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r)) else {
        return Err("utilisation : bilan user add --login L --role R [--territory CODE] [--name NOM]".into());
    };
    let (mut login, mut role, mut territory, mut name, mut password, mut database) =
        (None, None, None, None, None, "sqlite://bilan.sqlite".to_string());
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = |n: &str| it.next().cloned().ok_or(format!("{n} attend une valeur"));
        match a.as_str() {
            "--login" | "--identifiant" => login = Some(value(a)?),
            "--role" => {
                let v = value(a)?;
                role = Some(Role::from_code(&v).ok_or(format!(
                    "rôle « {v} » inconnu : editeur, signataire, prefecture, region, national ou admin"
                ))?);
            }
            "--territory" | "--territoire" => territory = Some(value(a)?),
            "--name" | "--nom" => name = Some(value(a)?),
            "--password" | "--mot-de-passe" => password = Some(value(a)?),
            "--database" | "--base" => database = value(a)?,
            other => return Err(format!("argument « {other} » inconnu")),
        }
    }
    let login = login.ok_or("--login est obligatoire")?;
    let role = role.ok_or("--role est obligatoire")?;
    // Territory: a département for département and préfecture roles, a region otherwise.
    let territory = match role {
        Role::DepartmentEditor | Role::DepartmentSignatory | Role::PrefectureReviewer => {
            let t = territory.ok_or("ce rôle demande --territory CODE_DÉPARTEMENT (ex. 03)")?;
            Some(bilan_domain::DepartmentCode::parse(&t)?.as_str().to_string())
        }
        Role::RegionalReviewer => {
            let t = territory.ok_or("ce rôle demande --territory CODE_RÉGION (ex. 84)")?;
            bilan_domain::geo::region(&t).ok_or(format!("« {t} » n'est pas un code de région INSEE"))?;
            Some(t)
        }
        Role::NationalReader | Role::Admin => None,
    };
    Ok(UserOptions { login, role, territory, name, password, database })
}

pub fn run_user(o: UserOptions) -> i32 {
    let password = match o.password.clone().or_else(|| std::env::var("BILAN_PASSWORD").ok()) {
        Some(p) => p,
        None => {
            eprint!("Mot de passe pour {} : ", o.login);
            let mut line = String::new();
            if std::io::stdin().read_line(&mut line).is_err() {
                return fail("user", "lecture du mot de passe impossible");
            }
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    if password.chars().count() < 12 {
        return fail("user", "mot de passe trop court : 12 caractères au moins");
    }
    let rt = match runtime() {
        Ok(r) => r,
        Err(m) => return fail("user", &m),
    };
    rt.block_on(async {
        let store = match Store::connect(&o.database).await {
            Ok(s) => s,
            Err(e) => return fail("user", &format!("base {} : {e}", o.database)),
        };
        let user = NewUser {
            display_name: o.name.clone().unwrap_or_else(|| o.login.clone()),
            login: o.login.clone(),
            password_hash: bilan_web::hash_password(&password),
            role: o.role,
            territory: o.territory.clone(),
        };
        match store.create_user(None, user).await {
            Ok(id) => {
                crate::write_stdout(&format!("compte « {} » créé (n° {id}, rôle {})\n", o.login, o.role));
                0
            }
            Err(bilan_store::StoreError::Duplicate) => {
                fail("user", &format!("l'identifiant « {} » existe déjà", o.login))
            }
            Err(e) => fail("user", &e.to_string()),
        }
    })
}
