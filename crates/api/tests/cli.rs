//! The `sct` binary's fail-closed configuration (issue 17, defect 4): `sct
//! serve` refuses a non-loopback address with development credentials
//! whatever `SCT_ENV` says, and `sct token` caps lifetimes and gives each
//! token a subject of its own.

use base64::Engine;
use std::process::{Command, Output, Stdio};

/// Runs `sct` with only the given variables (no `.env`: the working
/// directory is the system temp folder).
fn sct(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sct"));
    c.args(args)
        .env_clear()
        .current_dir(std::env::temp_dir())
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().expect("run sct")
}

/// Runs `sct serve`: `(exited successfully, stderr)`. A server that starts
/// (logs "serving on") is killed at once and reported as a success, so a
/// regression fails the test instead of hanging it.
fn serve(vars: &[(&str, &str)]) -> (bool, String) {
    use std::io::BufRead;
    let mut c = Command::new(env!("CARGO_BIN_EXE_sct"));
    c.arg("serve")
        .env_clear()
        .current_dir(std::env::temp_dir())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("spawn sct serve");
    let mut err = String::new();
    let lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    for line in lines.map_while(Result::ok) {
        err.push_str(&line);
        err.push('\n');
        if line.contains("serving on") {
            let _ = child.kill();
            let _ = child.wait();
            return (true, err);
        }
    }
    let status = child.wait().expect("wait");
    (status.success(), err)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A database URL nothing listens on: `serve` must refuse before using it.
const NOWHERE: &str = "postgres://sct@127.0.0.1:9/none";

#[test]
fn serve_refuses_a_public_address_with_the_development_secret() {
    let dev = sct_api::config::DEV_JWT_SECRET;
    for extra in [
        vec![],
        vec![("SCT_ENV", "development")],
        vec![("SCT_JWT_SECRET", dev)],
        vec![("SCT_ENV", "test"), ("SCT_JWT_SECRET", "short")],
    ] {
        let mut vars = vec![("DATABASE_URL", NOWHERE), ("SCT_BIND", "0.0.0.0:0")];
        vars.extend(extra.iter().copied());
        let (success, err) = serve(&vars);
        assert!(!success, "{vars:?}: {err}");
        assert!(err.contains("0.0.0.0:0"), "{vars:?}: {err}");
        assert!(err.contains("SCT_JWT_SECRET"), "{vars:?}: {err}");
        assert!(err.contains("openssl rand"), "says how: {err}");
    }
}

fn claims(token: &str) -> serde_json::Value {
    let payload = token.trim().split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

#[test]
fn token_caps_the_lifetime_and_gives_distinct_subjects() {
    let vars = [("DATABASE_URL", NOWHERE)];
    let long = sct(&["token", "--role", "la_admin", "--ttl", "86400"], &vars);
    assert!(!long.status.success());
    assert!(
        stderr(&long).contains("--allow-long-ttl"),
        "{}",
        stderr(&long)
    );
    let allowed = sct(
        &[
            "token",
            "--role",
            "la_admin",
            "--ttl",
            "86400",
            "--allow-long-ttl",
        ],
        &vars,
    );
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let c = claims(&String::from_utf8_lossy(&allowed.stdout));
    assert_eq!(
        c["exp"].as_i64().expect("exp") - c["iat"].as_i64().expect("iat"),
        86_400
    );

    let a = sct(&["token", "--role", "la_admin"], &vars);
    let b = sct(&["token", "--role", "la_admin"], &vars);
    assert!(a.status.success() && b.status.success(), "{}", stderr(&a));
    let (a, b) = (
        claims(&String::from_utf8_lossy(&a.stdout)),
        claims(&String::from_utf8_lossy(&b.stdout)),
    );
    assert_ne!(a["sub"], b["sub"]);
    assert!(
        a["sub"].as_str().expect("sub").starts_with("la_admin-"),
        "{a}"
    );
    assert!(a["exp"].as_i64().expect("exp") - a["iat"].as_i64().expect("iat") <= 12 * 3600);

    let named = sct(
        &[
            "token",
            "--role",
            "school",
            "--school",
            "100001",
            "--subject",
            "mis-1",
        ],
        &vars,
    );
    assert!(named.status.success(), "{}", stderr(&named));
    assert_eq!(
        claims(&String::from_utf8_lossy(&named.stdout))["sub"],
        "mis-1"
    );
}
