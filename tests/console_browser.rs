//! The web console in a real browser: Debian's headless Chromium, driven over WebDriver by the
//! system chromedriver (fantoccini). The page loads, its frame counter moves, GO without the token
//! is refused and the page says why, GO after the login form fires the cue (seen in the show's
//! status), a phone-width viewport shows the GO button without scrolling, and a screenshot of it
//! has content.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Proc, wait_log};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const TOKEN: &str = "browser-test-token-42";

const SCENE: &str = r##"
[show]
name = "browser test"
canvas = [64, 36]
fps = 30

[params.level]
default = 0.25

[[layers]]
name = "wash"
color = "#3366ff"

[[cues.main]]
name = "1"
set = { level = 0.75 }

[[cues.main]]
name = "2"
"##;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("tcp").local_addr().expect("addr").port()
}

fn start_show(dir: &std::path::Path) -> (Proc, SocketAddr, PathBuf) {
    let scene = dir.join("browser.toml");
    std::fs::write(&scene, SCENE).expect("scene");
    let log = dir.join("quai.log");
    let proc = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", scene.to_str().expect("path"), "--headless", "--fresh", "--console", "0"])
            .arg("--state")
            .arg(dir.join("state.json"))
            .env("QUAI_TOKEN", TOKEN)
            .env("QUAI_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    let addr = common::logged_addr(&log, "web console", Duration::from_secs(60));
    wait_log(&log, "first frame", 1, Duration::from_secs(60));
    (proc, addr, log)
}

/// The system chromedriver on a free port, stopped on drop.
fn start_chromedriver() -> (Proc, String) {
    let port = free_port();
    let proc = Proc(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; scripts/setup installs it)"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (proc, url)
}

fn api_status(addr: SocketAddr) -> Value {
    let mut r = ureq::get(&format!("http://{addr}/api/status")).call().expect("status");
    r.body_mut().read_json().expect("json")
}

async fn text_of(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Polls `f` until it returns `Some` (or fails saying `what`).
async fn until<T, F: std::future::Future<Output = Option<T>>>(what: &str, mut f: impl FnMut() -> F) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[test]
fn the_console_page_updates_live_refuses_go_without_the_token_and_fits_a_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_show, addr, log) = start_show(dir.path());
    let (_driver, driver_url) = start_chromedriver();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]}),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .expect("a WebDriver session with headless chromium");
        let page = format!("http://{addr}/");
        c.goto(&page).await.expect("open the console");

        // Live: the frame counter moves.
        let frame = |c: &Client| {
            let c = c.clone();
            async move { text_of(&c, "#frame").await.trim().replace(',', "").parse::<u64>().ok() }
        };
        let first = until("a frame number on the page", || frame(&c)).await;
        let later = until("the frame counter moving", || async {
            frame(&c).await.filter(|f| *f > first)
        })
        .await;
        assert!(later > first);
        assert_eq!(text_of(&c, "#scene").await.trim(), "browser test");

        // GO without the token: refused, and the page says why.
        c.find(Locator::Css("button.go[data-list='main']")).await.expect("GO button").click().await.expect("click");
        let message = until("the refusal on the page", || async {
            let m = text_of(&c, "#message").await;
            m.contains("token").then_some(m)
        })
        .await;
        assert!(message.contains("401"), "{message}");
        assert_eq!(api_status(addr)["cues"][0]["current"], Value::Null, "nothing changed");

        // The login form, then GO: cue 1 runs.
        c.find(Locator::Css("#token")).await.expect("token field").send_keys(TOKEN).await.expect("type");
        c.find(Locator::Css("#login-button")).await.expect("login").click().await.expect("click");
        until("control on", || async { (api_status_with_cookie(&c, addr).await == "on").then_some(()) }).await;
        until("the page unlocked", || async {
            let on = c.execute("return document.body.dataset.control", vec![]).await.ok()?;
            (on == "on").then_some(())
        })
        .await;
        // The page takes a second tap on GO within 300 ms as a double tap and ignores it.
        tokio::time::sleep(Duration::from_millis(600)).await;
        c.find(Locator::Css("button.go[data-list='main']")).await.expect("GO button").click().await.expect("click");
        let start = Instant::now();
        while api_status(addr)["cues"][0]["current"] != "1" {
            let m = text_of(&c, "#message").await;
            assert!(start.elapsed() < Duration::from_secs(20), "GO after the login did not run cue 1; the page says {m:?}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        wait_log(&log, "started by console 127.0.0.1", 1, Duration::from_secs(5));
        until("the page showing cue 1", || async {
            text_of(&c, "#cues").await.contains('1').then_some(())
        })
        .await;

        // A phone: 360 px wide. GO is on screen without scrolling, nothing runs off to the side.
        c.set_window_size(360, 740).await.expect("phone size");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let geo = c
            .execute(
                "const r = document.querySelector(\"button.go[data-list='main']\").getBoundingClientRect(); \
                 return [r.top, r.bottom, r.width, window.innerHeight, window.innerWidth, document.documentElement.scrollWidth];",
                vec![],
            )
            .await
            .expect("geometry");
        let g: Vec<f64> = geo.as_array().expect("array").iter().map(|v| v.as_f64().unwrap_or(-1.0)).collect();
        let (top, bottom, width, vh, vw, scroll_w) = (g[0], g[1], g[2], g[3], g[4], g[5]);
        assert!(vw <= 400.0, "a phone-width viewport: {g:?}");
        assert!(top >= 0.0 && bottom <= vh, "GO is visible without scrolling: {g:?}");
        assert!(width >= 120.0, "GO is thumb-sized: {g:?}");
        assert!(scroll_w <= vw + 1.0, "nothing overflows sideways: {g:?}");
        let png = c.screenshot().await.expect("screenshot");
        let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-phone.png");
        std::fs::write(&shot, &png).expect("save screenshot");
        let img = image::load_from_memory(&png).expect("a PNG").to_rgb8();
        let mut colours = std::collections::HashSet::new();
        for p in img.pixels().step_by(7) {
            colours.insert(p.0);
        }
        assert!(colours.len() > 20, "the screenshot has content ({} colours): {}", colours.len(), shot.display());
        c.close().await.expect("close the session");
    });
}

/// The console's view of control for the browser's own cookie: read by the page's script.
async fn api_status_with_cookie(c: &Client, _addr: SocketAddr) -> String {
    let v = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch('/api/status', {credentials: 'same-origin'}).then(r => r.json()).then(s => done(s.control)).catch(e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap_or(Value::Null);
    v.as_str().unwrap_or("").to_string()
}
