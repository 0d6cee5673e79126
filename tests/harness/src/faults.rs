//! A small TCP proxy for fault injection: it sits between a client and a server on loopback
//! and can cut every open connection, refuse new ones, or delay traffic, on demand or on a
//! schedule. Tests use it to prove that nothing is lost or doubled on a bad network.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Default)]
struct Faults {
    links: Mutex<Vec<JoinHandle<()>>>,
    refusing: AtomicBool,
    delay_ms: AtomicU64,
    cuts: AtomicUsize,
    accepted: AtomicUsize,
}

/// A running proxy to one target port.
pub struct FaultProxy {
    port: u16,
    faults: Arc<Faults>,
    acceptor: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `127.0.0.1:target_port`.
    pub async fn start(target_port: u16) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let faults = Arc::new(Faults::default());
        let target: SocketAddr = ([127, 0, 0, 1], target_port).into();
        let f = faults.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if f.refusing.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                f.accepted.fetch_add(1, Ordering::SeqCst);
                let link = tokio::spawn(forward(inbound, target, f.clone()));
                let mut links = f.links.lock().expect("links");
                links.retain(|h| !h.is_finished());
                links.push(link);
            }
        });
        Ok(FaultProxy {
            port,
            faults,
            acceptor,
        })
    }

    /// The proxy's URL, to give the client instead of the server's.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every open connection at once (both directions), as a dead network would.
    pub fn cut(&self) {
        let links: Vec<JoinHandle<()>> =
            self.faults.links.lock().expect("links").drain(..).collect();
        for l in links {
            l.abort();
        }
        self.faults.cuts.fetch_add(1, Ordering::SeqCst);
    }

    /// While true, new connections are closed as soon as they arrive.
    pub fn set_refusing(&self, refusing: bool) {
        self.faults.refusing.store(refusing, Ordering::SeqCst);
    }

    /// Delays every chunk forwarded in either direction.
    pub fn set_delay(&self, delay: Duration) {
        self.faults
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Cuts every `period`, `times` times, in the background.
    pub fn cut_every(self: &Arc<Self>, period: Duration, times: usize) -> JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            for _ in 0..times {
                tokio::time::sleep(period).await;
                me.cut();
            }
        })
    }

    /// How many cuts happened.
    pub fn cuts(&self) -> usize {
        self.faults.cuts.load(Ordering::SeqCst)
    }

    /// How many connections were let through.
    pub fn accepted(&self) -> usize {
        self.faults.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.acceptor.abort();
        self.cut();
    }
}

async fn forward(inbound: TcpStream, target: SocketAddr, faults: Arc<Faults>) {
    let Ok(outbound) = TcpStream::connect(target).await else {
        return;
    };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let (ri, wi) = inbound.into_split();
    let (ro, wo) = outbound.into_split();
    let up = pump(ri, wo, faults.clone());
    let down = pump(ro, wi, faults);
    // When either direction ends, the link is over.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    faults: Arc<Faults>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let delay = faults.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
