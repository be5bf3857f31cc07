//! The agent's side of the wire: one pinned TLS connection to the hub, HTTP/1.1, every request signed.
//! A blocking API over a small tokio runtime of its own, so that the caller (a CLI command, a thread of
//! the desktop app) works with the store between requests without any async in sight.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use sotay_core::Store;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio_rustls::TlsConnector;

use crate::error::NetError;
use crate::proto::{self, ErrorBody, Hello};

#[derive(Debug, Clone)]
pub struct Timeouts {
    pub connect: Duration,
    /// For one request and its whole answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(8), request: Duration::from_secs(120) }
    }
}

/// Largest answer taken from the hub (a downward bundle).
const MAX_ANSWER: usize = 64 << 20;

pub struct HubClient {
    rt: Runtime,
    sender: SendRequest<Full<Bytes>>,
    host: String,
    timeouts: Timeouts,
    nonce: Option<String>,
    pub hello: Hello,
}

/// An answer: status, body.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

/// host:port of an https:// address (the port defaults to 443).
pub fn authority(url: &str) -> Result<String, NetError> {
    let rest = url.trim().strip_prefix("https://").ok_or_else(|| NetError::BadUrl(url.to_string()))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(NetError::BadUrl(url.to_string()));
    }
    let has_port = host.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) && !host.ends_with(']');
    Ok(if has_port { host.to_string() } else { format!("{host}:443") })
}

fn io_to_net(e: std::io::Error) -> NetError {
    if e.to_string().contains(crate::tls::PIN_MISMATCH) {
        NetError::WrongCertificate
    } else {
        NetError::Broken(e.to_string())
    }
}

impl HubClient {
    /// Connects, checks the pinned certificate, and says hello.
    pub fn connect(url: &str, tls_sha256: &str, timeouts: Timeouts) -> Result<HubClient, NetError> {
        let host = authority(url)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| NetError::Core(sotay_core::Error::Io { path: "tokio".into(), source: e }))?;
        let config = crate::tls::client_config(tls_sha256)?;
        let t = timeouts.clone();
        let h = host.clone();
        let sender = rt.block_on(async move {
            let tcp = match tokio::time::timeout(t.connect, TcpStream::connect(&h)).await {
                Err(_) => return Err(NetError::Offline(format!("{h}: no answer in {} s", t.connect.as_secs()))),
                Ok(Err(e)) => return Err(NetError::Offline(format!("{h}: {e}"))),
                Ok(Ok(s)) => s,
            };
            let _ = tcp.set_nodelay(true);
            // The name is not checked (the certificate is pinned); rustls wants one all the same.
            let name = ServerName::try_from("sotay-hub").map_err(|e| NetError::Protocol(e.to_string()))?;
            let tls = match tokio::time::timeout(t.connect, TlsConnector::from(config).connect(name, tcp)).await {
                Err(_) => return Err(NetError::Timeout("TLS")),
                Ok(Err(e)) => return Err(io_to_net(e)),
                Ok(Ok(s)) => s,
            };
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| NetError::Broken(e.to_string()))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        })?;
        let mut client = HubClient {
            rt,
            sender,
            host,
            timeouts,
            nonce: None,
            hello: Hello { hub: String::new(), unit_id: String::new(), nonce: String::new(), max_body: 0 },
        };
        client.say_hello()?;
        Ok(client)
    }

    fn say_hello(&mut self) -> Result<(), NetError> {
        let a = self.send("GET", proto::HELLO, Bytes::new(), None)?;
        if a.status != StatusCode::OK {
            return Err(refusal(&a));
        }
        let hello: Hello = serde_json::from_slice(&a.body).map_err(|e| NetError::Protocol(e.to_string()))?;
        self.nonce = Some(hello.nonce.clone());
        self.hello = hello;
        Ok(())
    }

    fn send(&mut self, method: &str, path: &str, body: Bytes, signed: Option<(&str, String)>) -> Result<Answer, NetError> {
        let mut headers = Vec::new();
        if let Some((who, signature)) = signed {
            headers.push((proto::H_INSTALLATION.to_string(), who.to_string()));
            headers.push((proto::H_NONCE.to_string(), self.nonce.clone().unwrap_or_default()));
            headers.push((proto::H_SIGNATURE.to_string(), signature));
        }
        let (answer, next) = self.exchange(method, path, body, headers)?;
        if let Some(next) = next {
            self.nonce = Some(next);
        }
        Ok(answer)
    }

    /// One request with exactly these headers; also the next nonce the hub handed out, if any. For the
    /// agent, and for tests that must send what the agent never would (replays, forgeries).
    pub fn exchange(&mut self, method: &str, path: &str, body: Bytes, headers: Vec<(String, String)>) -> Result<(Answer, Option<String>), NetError> {
        let mut req = Request::builder().method(method).uri(path).header("host", &self.host).header("content-type", "application/json");
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req.body(Full::new(body)).map_err(|e| NetError::Protocol(e.to_string()))?;
        let timeout = self.timeouts.request;
        let sender = &mut self.sender;
        self.rt.block_on(async move {
            let work = async {
                sender.ready().await.map_err(|e| NetError::Broken(e.to_string()))?;
                let resp = sender.send_request(req).await.map_err(|e| NetError::Broken(e.to_string()))?;
                let status = resp.status();
                let next = resp.headers().get(proto::H_NEXT_NONCE).and_then(|v| v.to_str().ok()).map(str::to_string);
                let body = Limited::new(resp.into_body(), MAX_ANSWER)
                    .collect()
                    .await
                    .map_err(|e| NetError::Broken(e.to_string()))?
                    .to_bytes();
                Ok::<_, NetError>((Answer { status, body }, next))
            };
            tokio::time::timeout(timeout, work).await.map_err(|_| NetError::Timeout("HTTP"))?
        })
    }

    /// The nonce the next signed request will carry.
    pub fn nonce(&self) -> Option<String> {
        self.nonce.clone()
    }

    /// A signed POST; on a spent nonce (`replayed`) it says hello again and retries once.
    pub fn post(&mut self, store: &Store, path: &str, body: Bytes) -> Result<Answer, NetError> {
        let who = store.identity()?.installation;
        for attempt in 0..2 {
            let nonce = self.nonce.clone().unwrap_or_default();
            let signature = store.sign_request(&proto::signed_message("POST", path, &nonce, &body))?;
            self.nonce = Some(nonce);
            let a = self.send("POST", path, body.clone(), Some((&who, signature)))?;
            let replayed = a.status == StatusCode::UNAUTHORIZED
                && serde_json::from_slice::<ErrorBody>(&a.body).is_ok_and(|e| e.code == "replayed");
            if replayed && attempt == 0 {
                self.say_hello()?;
                continue;
            }
            return Ok(a);
        }
        Err(NetError::Protocol("replayed twice".into()))
    }
}

/// The hub's refusal as an error.
pub fn refusal(a: &Answer) -> NetError {
    match serde_json::from_slice::<ErrorBody>(&a.body) {
        Ok(e) => NetError::Refused { status: a.status.as_u16(), code: e.code, message: e.message },
        Err(_) => NetError::Refused { status: a.status.as_u16(), code: "http".into(), message: String::from_utf8_lossy(&a.body).chars().take(200).collect() },
    }
}
