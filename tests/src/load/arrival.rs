//! When the server's frames reached the generator's socket, as opposed to when the generator
//! got round to reading them.
//!
//! The generator shares the machine's two cores with the server and PostgreSQL. Under
//! overload it falls behind reading its 2,000 sockets (hundreds of KiB unread at times,
//! issue 16), and that wait, which a client on its own machine would not have, counted as
//! the server's latency. [`TimedStream`] reads with `recvmsg` and `SO_TIMESTAMPNS`: the kernel
//! stamps each segment when it arrives (on loopback: when the server wrote it), and a read
//! reports the stamp of the last segment it took. A frame is dated by the read that completed
//! it, so a frame read together with later ones is dated late, never early.

use std::io::{self, IoSliceMut};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, SystemTime};

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
use nix::sys::time::TimeSpec;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// The kernel's receive time of the latest read, ns since the Unix epoch (0: none yet).
#[derive(Debug, Default, Clone)]
pub struct Arrival(Arc<AtomicU64>);

impl Arrival {
    /// How long ago the latest read's data arrived: what the generator's own reading added to
    /// a frame it is handling now. Zero when the kernel gave no time.
    pub fn lag(&self) -> Duration {
        match self.0.load(Ordering::Relaxed) {
            0 => Duration::ZERO,
            at => (SystemTime::UNIX_EPOCH + Duration::from_nanos(at))
                .elapsed()
                .unwrap_or_default(),
        }
    }

    /// Records a read's stamp; a read without one (the kernel turns stamping on a moment
    /// after the first socket asks) leaves no time, so no earlier read's is taken for it.
    fn set(&self, ts: Option<TimeSpec>) {
        let ns = ts.map_or(0, |ts| {
            u64::try_from(Duration::from(ts).as_nanos()).unwrap_or(0)
        });
        self.0.store(ns, Ordering::Relaxed);
    }
}

/// A TCP stream whose reads record the kernel's receive time in an [`Arrival`].
pub struct TimedStream {
    inner: TcpStream,
    arrival: Arrival,
    /// Room for one control message (a `timespec`).
    control: Vec<u8>,
}

impl TimedStream {
    /// Asks the kernel to stamp what `inner` receives.
    pub fn new(inner: TcpStream) -> io::Result<Self> {
        setsockopt(&inner, sockopt::ReceiveTimestampns, &true).map_err(io::Error::from)?;
        Ok(Self {
            inner,
            arrival: Arrival::default(),
            control: nix::cmsg_space!(TimeSpec),
        })
    }

    /// The receive time of this stream's latest read.
    pub fn arrival(&self) -> Arrival {
        self.arrival.clone()
    }
}

/// One `recvmsg` into `buf`: the bytes read and the kernel's time of the last of them.
fn recv_stamped(
    fd: std::os::fd::RawFd,
    buf: &mut [u8],
    control: &mut [u8],
) -> io::Result<(usize, Option<TimeSpec>)> {
    let mut iov = [IoSliceMut::new(buf)];
    let msg =
        recvmsg::<()>(fd, &mut iov, Some(control), MsgFlags::empty()).map_err(io::Error::from)?;
    let stamp = msg.cmsgs().ok().and_then(|mut c| {
        c.find_map(|m| match m {
            ControlMessageOwned::ScmTimestampns(ts) => Some(ts),
            _ => None,
        })
    });
    Ok((msg.bytes, stamp))
}

impl AsyncRead for TimedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            ready!(this.inner.poll_read_ready(cx))?;
            let fd = this.inner.as_raw_fd();
            let (unfilled, control) = (buf.initialize_unfilled(), &mut this.control);
            match this
                .inner
                .try_io(Interest::READABLE, || recv_stamped(fd, unfilled, control))
            {
                Ok((n, stamp)) => {
                    this.arrival.set(stamp);
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for TimedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A read dates its bytes by when they arrived, not by when they were read.
    #[tokio::test]
    async fn a_read_made_late_is_dated_by_when_its_bytes_arrived() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let mut stream = TimedStream::new(client.unwrap()).unwrap();
        let (mut server, _) = accepted.unwrap();
        let arrival = stream.arrival();
        assert_eq!(arrival.lag(), Duration::ZERO, "nothing read yet");
        // the kernel turns stamping on a moment after the first socket asks for it: until
        // a read comes stamped, there is no arrival time (and no lag) to take
        let mut buf = [0u8; 16];
        let mut stamped = false;
        for _ in 0..1_000 {
            server.write_all(b"w").await.unwrap();
            stream.read_exact(&mut buf[..1]).await.unwrap();
            if arrival.0.load(Ordering::Relaxed) != 0 {
                stamped = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(stamped, "no read came with the kernel's receive time");
        let writing = std::time::Instant::now();
        server.write_all(b"hello").await.unwrap();
        // the bytes wait in the socket while the reader is busy elsewhere
        std::thread::sleep(Duration::from_millis(200));
        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"hello");
        let lag = arrival.lag();
        assert!(
            lag >= Duration::from_millis(190) && lag <= writing.elapsed(),
            "the bytes arrived ≈ 200 ms before they were read; lag {lag:?}"
        );
        // and a fresh read is dated afresh
        server.write_all(b"again").await.unwrap();
        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"again");
        assert!(
            arrival.lag() < Duration::from_millis(150),
            "{:?}",
            arrival.lag()
        );
    }
}
