//! A headless Chromium (Debian's `chromium` and `chromedriver`) driven over
//! the W3C WebDriver protocol: the few commands the console tests use, sent
//! with the blocking reqwest client the other tests use.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser session; the driver process ends with it.
pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::blocking::Client,
}

/// An element of the page.
#[derive(Clone)]
pub struct Element(String);

impl Browser {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt install chromium-driver; ./dev test installs it)");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{root}/status")).send().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let session: Value = http
            .post(format!("{root}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1400,1000", "--lang=zh-CN"]}}}}))
            .send()
            .and_then(|r| r.json())
            .expect("a browser session");
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_owned();
        Self {
            driver,
            base: format!("{root}/session/{id}"),
            http,
        }
    }

    fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .and_then(|r| r.json())
            .expect("a WebDriver answer");
        answer["value"].clone()
    }

    fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body))
    }

    /// Resizes the window, as a phone's screen or a desk's.
    pub fn resize(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}));
    }

    pub fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    /// Runs `script` in the page with `args`; returns its value.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// The strings of the array `script` returns.
    pub fn strings(&self, script: &str, args: Value) -> Vec<String> {
        self.script(script, args)
            .as_array()
            .expect("the script returns an array")
            .iter()
            .map(|v| v.as_str().expect("a string").to_owned())
            .collect()
    }

    /// The first element matching `css`, waiting up to 30 s for it.
    pub fn find(&self, css: &str) -> Element {
        self.wait_for(css, |_| true)
    }

    /// The first element matching `css` whose text satisfies `test`, waiting
    /// up to 30 s for it.
    pub fn wait_for(&self, css: &str, test: impl Fn(&str) -> bool) -> Element {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self.post("/elements", json!({"using": "css selector", "value": css}));
            for e in found.as_array().into_iter().flatten() {
                let element = Element(e[ELEMENT].as_str().unwrap_or_default().to_owned());
                if test(&self.text(&element)) {
                    return element;
                }
            }
            if Instant::now() > deadline {
                let page = self.script("return document.body.innerText", json!([]));
                panic!(
                    "no {css} as expected; the page reads:\n{}",
                    page.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Whether an element matches `css` now.
    pub fn exists(&self, css: &str) -> bool {
        let found = self.post("/elements", json!({"using": "css selector", "value": css}));
        found.as_array().is_some_and(|a| !a.is_empty())
    }

    pub fn text(&self, element: &Element) -> String {
        let value = self.command(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.0),
            None,
        );
        value.as_str().unwrap_or_default().to_owned()
    }

    /// An attribute of the element (empty when it has none).
    pub fn attribute(&self, element: &Element, name: &str) -> String {
        let value = self.command(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", element.0),
            None,
        );
        value.as_str().unwrap_or_default().to_owned()
    }

    pub fn click(&self, element: &Element) {
        self.post(&format!("/element/{}/click", element.0), json!({}));
    }

    /// Sets a form control's value as typing would, including date and time
    /// inputs (whose typing depends on the locale), and fires its events.
    pub fn fill(&self, element: &Element, value: &str) {
        self.script(
            "const [el, v] = arguments; el.value = v; \
             el.dispatchEvent(new Event('input', {bubbles: true})); \
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([{ELEMENT: element.0}, value]),
        );
    }

    /// Chooses the file at `path` in a file input, as a user would.
    pub fn choose_file(&self, element: &Element, path: &std::path::Path) {
        self.post(
            &format!("/element/{}/value", element.0),
            json!({"text": path.to_string_lossy()}),
        );
    }

    /// Fills the named controls inside `form` and submits it.
    pub fn submit(&self, form: &str, values: &[(&str, &str)]) {
        for (name, value) in values {
            let control = self.find(&format!("{form} [name=\"{name}\"]"));
            self.fill(&control, value);
        }
        self.click(&self.find(&format!("{form} button[type=submit]")));
    }

    /// The page printed on A4 without margins, as the browser's print
    /// dialog would (print style sheets apply): a PDF.
    pub fn print_a4(&self) -> Vec<u8> {
        let data = self.post(
            "/print",
            json!({"page": {"width": 21.0, "height": 29.7},
                   "margin": {"top": 0, "bottom": 0, "left": 0, "right": 0},
                   "background": true}),
        );
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("a PDF")
    }

    /// Saves a PNG of the page under `target/console-screenshots/`.
    pub fn screenshot(&self, name: &str) {
        let data = self.command(reqwest::Method::GET, "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("a PNG");
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/console-screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
