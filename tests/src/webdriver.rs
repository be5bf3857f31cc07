//! A minimal W3C WebDriver client: just what the window test needs, over blocking HTTP.

use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a6c6-4a4b4d6a17bb";

pub struct Session {
    agent: ureq::Agent,
    base: String,
    id: String,
}

pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A port nobody listens on now (the OS picks it).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(90)))
        .build()
        .into()
}

fn check(v: Value) -> Result<Value, String> {
    match v.get("value") {
        Some(val) if val.get("error").is_some() => Err(format!("webdriver error: {val}")),
        Some(val) => Ok(val.clone()),
        None => Err(format!("webdriver answer without value: {v}")),
    }
}

impl Session {
    pub fn start(port: u16, application: &Path) -> Result<Session, String> {
        let agent = agent();
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": application}}}});
        let mut resp = agent.post(&format!("{base}/session")).send_json(&caps).map_err(|e| e.to_string())?;
        let v = check(resp.body_mut().read_json::<Value>().map_err(|e| e.to_string())?)?;
        let id = v["sessionId"].as_str().ok_or(format!("no session id in {v}"))?.to_string();
        Ok(Session { agent, base, id })
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.id);
        let mut resp = self.agent.post(&url).send_json(&body).map_err(|e| e.to_string())?;
        check(resp.body_mut().read_json::<Value>().map_err(|e| e.to_string())?)
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.id);
        let mut resp = self.agent.get(&url).call().map_err(|e| e.to_string())?;
        check(resp.body_mut().read_json::<Value>().map_err(|e| e.to_string())?)
    }

    pub fn find(&self, css: &str) -> Result<String, String> {
        let v = self.post("/element", json!({"using": "css selector", "value": css}))?;
        // The W3C key, or the single key WebKitWebDriver uses ("element-6066-11e4-a52e-…").
        let id = v.get(ELEMENT_KEY).or_else(|| v.as_object().filter(|o| o.len() == 1).and_then(|o| o.values().next()));
        id.and_then(Value::as_str).map(str::to_string).ok_or(format!("no element {css}: {v}"))
    }

    /// Waits until `css` matches an element (the page renders asynchronously).
    pub fn wait(&self, css: &str, timeout: Duration) -> Result<String, String> {
        let start = Instant::now();
        loop {
            match self.find(css) {
                Ok(id) => return Ok(id),
                Err(e) if start.elapsed() > timeout => return Err(format!("waited {timeout:?} for {css}: {e}")),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Waits until `script` (a function body returning a value) returns something truthy; returns it.
    pub fn wait_until(&self, script: &str, timeout: Duration) -> Result<Value, String> {
        let start = Instant::now();
        loop {
            let v = self.execute(script, json!([]))?;
            let truthy = !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0));
            if truthy {
                return Ok(v);
            }
            if start.elapsed() > timeout {
                return Err(format!("waited {timeout:?} for: {script}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn click(&self, css: &str) -> Result<(), String> {
        let el = self.wait(css, Duration::from_secs(20))?;
        // WebKitWebDriver does not scroll an element below the fold of an inner scroller into view itself.
        self.execute("const e = document.querySelector(arguments[0]); if (e) e.scrollIntoView({block: 'center'}); return true;", json!([css]))?;
        self.post(&format!("/element/{el}/click"), json!({})).map(|_| ()).map_err(|e| format!("click {css}: {e}"))
    }

    pub fn type_text(&self, css: &str, text: &str) -> Result<(), String> {
        let el = self.wait(css, Duration::from_secs(20))?;
        self.post(&format!("/element/{el}/value"), json!({"text": text})).map(|_| ())
    }

    pub fn text(&self, css: &str) -> Result<String, String> {
        let el = self.wait(css, Duration::from_secs(20))?;
        Ok(self.get(&format!("/element/{el}/text"))?.as_str().unwrap_or_default().to_string())
    }

    pub fn execute(&self, script: &str, args: Value) -> Result<Value, String> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// Sets an input's value the way a person's typing would, firing input and change events
    /// (WebKitWebDriver cannot type into date pickers).
    pub fn set_value(&self, css: &str, value: &str) -> Result<(), String> {
        self.wait(css, Duration::from_secs(20))?;
        self.execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));
             return el.value;",
            json!([css, value]),
        )
        .map(|_| ())
    }

    pub fn screenshot(&self, path: &Path) -> Result<usize, String> {
        // WebKitWebDriver answers a screenshot after the page's next presentation update: a page where
        // nothing changes (no caret blinking in a focused input, say) would leave it waiting for ever.
        // A pixel at the top left, nearly transparent, changes for a second so that frames come.
        let _ = self.execute(
            "const d = document.createElement('div');
             d.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;z-index:2147483647;opacity:0.01';
             document.documentElement.appendChild(d);
             let n = 0;
             const step = () => { d.style.opacity = n % 2 ? '0.01' : '0.02'; if (++n < 60) requestAnimationFrame(step); else d.remove(); };
             requestAnimationFrame(step);
             return true;",
            json!([]),
        );
        let b64 = self.get("/screenshot")?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, &bytes).map_err(|e| e.to_string())?;
        Ok(bytes.len())
    }

    /// Sets the window's outer size (an old laptop's 1024×640, say).
    pub fn set_size(&self, width: u32, height: u32) -> Result<(), String> {
        self.post("/window/rect", json!({"width": width, "height": height})).map(|_| ())
    }

    pub fn end(self) {
        let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.id)).call();
    }
}
