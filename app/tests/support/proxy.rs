//! A TCP proxy between one client and the server, so a test can break the network the way
//! it breaks for a person: cut every connection and refuse new ones for a while, or let
//! requests through while the answers are lost.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

const PASS: u8 = 0;
const REFUSE: u8 = 1;
const MUTE_REPLIES: u8 = 2;

pub struct Proxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    /// Bytes (either way) left before the network is cut by itself; negative: never.
    budget: Arc<AtomicI64>,
}

/// What the pumps share.
#[derive(Clone)]
struct Shared {
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    budget: Arc<AtomicI64>,
}

impl Shared {
    fn cut(&self) {
        self.mode.store(REFUSE, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let open = Arc::new(Mutex::new(Vec::new()));
        let budget = Arc::new(AtomicI64::new(-1));
        let shared = Shared {
            mode: Arc::clone(&mode),
            open: Arc::clone(&open),
            budget: Arc::clone(&budget),
        };
        let (accept_mode, accept_open) = (Arc::clone(&mode), Arc::clone(&open));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if accept_mode.load(Ordering::SeqCst) == REFUSE {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                {
                    let mut open = accept_open.lock().unwrap();
                    open.push(client.try_clone().unwrap());
                    open.push(server.try_clone().unwrap());
                }
                let up = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (up_shared, down_shared) = (shared.clone(), shared.clone());
                std::thread::spawn(move || pump(up.0, up.1, &up_shared, false));
                std::thread::spawn(move || pump(server, client, &down_shared, true));
            }
        });
        Proxy {
            port,
            mode,
            open,
            budget,
        }
    }

    /// `http://127.0.0.1:<port>`: the server address a client behind the proxy uses.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The network goes away: open connections break, new ones are refused.
    pub fn cut(&self) {
        self.mode.store(REFUSE, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// The network goes away by itself once `bytes` more have passed (either way), in the
    /// middle of whatever is on the wire then.
    pub fn cut_after(&self, bytes: i64) {
        self.budget.store(bytes, Ordering::SeqCst);
    }

    /// Requests still reach the server, but nothing comes back.
    pub fn mute_replies(&self) {
        self.mode.store(MUTE_REPLIES, Ordering::SeqCst);
    }

    /// The network is back.
    pub fn restore(&self) {
        self.mode.store(PASS, Ordering::SeqCst);
    }
}

/// Copies `from` → `to` until either side closes; replies (`reply`) are swallowed while the
/// proxy is in the mute mode; the byte budget, when set, cuts everything once spent.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared, reply: bool) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if reply && shared.mode.load(Ordering::SeqCst) == MUTE_REPLIES {
            continue;
        }
        if shared.budget.load(Ordering::SeqCst) >= 0 {
            let left = shared.budget.fetch_sub(n as i64, Ordering::SeqCst) - n as i64;
            if left < 0 {
                shared.budget.store(-1, Ordering::SeqCst);
                shared.cut();
                break;
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
