//! One upload, the tus 1.0.0 way: `POST /uploads` creates it (once; its URL is reported so a
//! restart resumes it), `HEAD` asks the server's offset, `PATCH` sends the next chunk from
//! there. A broken connection or an unreachable server is waited out with backoff and then
//! resumed from whatever offset the server reports (never from our own count); a `409`
//! (someone else's idea of the offset) asks again. After the last byte, `GET /uploads/{id}`
//! says whether the file is ready, still being scanned (asked again), or refused.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use natter_shared::api::{TUS_VERSION, UploadState, UploadStatus};

use crate::net::http::decode_failure;
use crate::net::transfer_io::{Context, Sent, backoff, rate, send};
use crate::transfers::{TransferEvent, TransferFailure, TransferKey, UploadKey, Waiting};

/// Bytes per `PATCH`: small enough to lose little to a cut, big enough to keep the link busy.
pub const CHUNK: u64 = 1 << 20;
/// How long one request may take before it counts as broken.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A request with the bearer token and the tus version header.
pub fn tus_request(method: ehttp::Method, url: &str, token: &str) -> ehttp::Request {
    ehttp::Request::new(method, url, ehttp::Headers::new(&[]))
        .with_header("Authorization", format!("Bearer {token}"))
        .with_header("Tus-Resumable", TUS_VERSION)
        .with_timeout(Some(REQUEST_TIMEOUT))
}

/// What to do next.
enum Next {
    Create,
    AskOffset(String),
    Send { location: String, offset: u64 },
    AskState(String),
}

/// Uploads `path`, reporting as it goes, until it is a file, fails, or is stopped.
pub fn run(cx: &mut Context, key: UploadKey, path: &Path, resume: Option<String>) {
    let id = TransferKey::Upload(key);
    let fail = |cx: &Context, failure| cx.report(TransferEvent::Failed { key: id, failure });
    let local = |e: std::io::Error| TransferFailure::Local(format!("{}: {e}", path.display()));
    let (mut file, size) = match File::open(path).and_then(|f| Ok((f.metadata()?.len(), f))) {
        Ok((size, f)) => (f, size),
        Err(e) => return fail(cx, local(e)),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mut next = resume.map_or(Next::Create, Next::AskOffset);
    let mut location: Option<String> = None;
    let mut failures = 0u32;
    let started = Instant::now();
    let mut moved = 0u64;
    loop {
        if cx.stop.is_stopped() {
            return terminate(cx, location.as_deref());
        }
        let step = match std::mem::replace(&mut next, Next::Create) {
            Next::Create => create(cx, size, &name).map(|created| {
                created.map_or(Next::Create, |loc| {
                    cx.report(TransferEvent::UploadCreated {
                        key,
                        location: loc.clone(),
                        size,
                    });
                    Next::Send {
                        location: loc,
                        offset: 0,
                    }
                })
            }),
            Next::AskOffset(loc) => ask_offset(cx, &loc).map(|offset| match offset {
                // gone (expired or cancelled elsewhere): start afresh
                None => Next::Create,
                Some(offset) if offset >= size => Next::AskState(loc),
                Some(offset) => Next::Send {
                    location: loc,
                    offset,
                },
            }),
            Next::Send {
                location: loc,
                offset,
            } => {
                location = Some(loc.clone());
                cx.progress(id, offset, size, rate(moved, started));
                let mut chunk = Vec::new();
                let read = file
                    .seek(SeekFrom::Start(offset))
                    .and_then(|_| (&mut file).take(CHUNK).read_to_end(&mut chunk));
                match read {
                    Err(e) => return fail(cx, local(e)),
                    Ok(0) if offset < size => {
                        return fail(cx, TransferFailure::Local("the file got shorter".into()));
                    }
                    Ok(_) => {}
                }
                let sent = chunk.len() as u64;
                patch(cx, &loc, offset, chunk).map(|answer| match answer {
                    Patched::To(now) => {
                        moved += sent;
                        failures = 0;
                        cx.progress(id, now, size, rate(moved, started));
                        if now >= size {
                            Next::AskState(loc)
                        } else {
                            Next::Send {
                                location: loc,
                                offset: now,
                            }
                        }
                    }
                    Patched::Conflict => Next::AskOffset(loc),
                })
            }
            Next::AskState(loc) => {
                location = Some(loc.clone());
                match ask_state(cx, &loc) {
                    Ok(Some(status)) => match status.state {
                        UploadState::Ready => {
                            if let Some(file) = status.file {
                                return cx.report(TransferEvent::Uploaded { key, file });
                            }
                            Ok(Next::AskState(loc))
                        }
                        UploadState::Uploading => Ok(Next::AskOffset(loc)),
                        UploadState::Processing | UploadState::PendingScan => {
                            cx.report(TransferEvent::Waiting {
                                key: id,
                                why: Waiting::Scanning,
                            });
                            if cx.stop.wait(backoff(failures.max(2))) {
                                continue;
                            }
                            failures = failures.saturating_add(1);
                            Ok(Next::AskState(loc))
                        }
                        UploadState::Blocked | UploadState::Rejected => {
                            let why = status.problem.unwrap_or_else(|| status.state.to_string());
                            return fail(cx, TransferFailure::Rejected(why));
                        }
                    },
                    Ok(None) => Ok(Next::Create),
                    Err(trouble) => Err(trouble),
                }
            }
        };
        next = match step {
            Ok(step) => step,
            Err(Trouble::Stopped) => continue,
            Err(Trouble::Refused(failure)) => return fail(cx, TransferFailure::Refused(failure)),
            Err(Trouble::Network { retry }) => {
                if cx.wait_for_network(id, &mut failures) {
                    continue;
                }
                // whatever arrived, the server's offset is the truth
                retry.unwrap_or_else(|| location.clone().map_or(Next::Create, Next::AskOffset))
            }
        };
    }
}

/// Why a step did not get an answer to go on with.
enum Trouble {
    Stopped,
    /// A final no from the server.
    Refused(crate::api::ApiFailure),
    /// Try again after a pause: `retry` is the step to retry (else: ask the offset).
    Network {
        retry: Option<Next>,
    },
}

fn network_or_refused(response: ehttp::Response) -> Trouble {
    match response.status {
        500..=599 | 408 | 429 => Trouble::Network { retry: None },
        _ => Trouble::Refused(decode_failure(&response)),
    }
}

fn answered(sent: Sent) -> Result<ehttp::Response, Trouble> {
    match sent {
        Sent::Answer(response) => Ok(response),
        Sent::Network(detail) => {
            tracing::info!(%detail, "upload request failed; will resume");
            Err(Trouble::Network { retry: None })
        }
        Sent::Stopped => Err(Trouble::Stopped),
    }
}

/// `POST /uploads`: `Some(location)`, or `None` to try creating again.
fn create(cx: &Context, size: u64, name: &str) -> Result<Option<String>, Trouble> {
    let url = cx.url("/uploads");
    let metadata = format!(
        "filename {}",
        base64::engine::general_purpose::STANDARD.encode(name)
    );
    let sent = send(cx, &|token| {
        tus_request(ehttp::Method::POST, &url, token)
            .with_header("Upload-Length", size)
            .with_header("Upload-Metadata", &metadata)
    });
    let response = match answered(sent) {
        Err(Trouble::Network { .. }) => {
            return Err(Trouble::Network {
                retry: Some(Next::Create),
            });
        }
        other => other?,
    };
    if response.status != 201 {
        return Err(match network_or_refused(response) {
            Trouble::Network { .. } => Trouble::Network {
                retry: Some(Next::Create),
            },
            refused => refused,
        });
    }
    Ok(response.headers.get("location").map(str::to_owned))
}

/// `HEAD`: the server's offset, or `None` when the upload is gone.
fn ask_offset(cx: &Context, location: &str) -> Result<Option<u64>, Trouble> {
    let url = cx.url(location);
    let response = answered(send(cx, &|token| {
        tus_request(ehttp::Method::HEAD, &url, token)
    }))?;
    match response.status {
        200 | 204 => Ok(response
            .headers
            .get("upload-offset")
            .and_then(|v| v.trim().parse().ok())),
        404 | 410 => Ok(None),
        _ => Err(network_or_refused(response)),
    }
}

enum Patched {
    /// The server's offset now.
    To(u64),
    /// The server is elsewhere: ask.
    Conflict,
}

fn patch(cx: &Context, location: &str, offset: u64, chunk: Vec<u8>) -> Result<Patched, Trouble> {
    let url = cx.url(location);
    let response = answered(send(cx, &|token| {
        tus_request(ehttp::Method::PATCH, &url, token)
            .with_header("Upload-Offset", offset)
            .with_header("Content-Type", "application/offset+octet-stream")
            .with_body(chunk.clone())
    }))?;
    match response.status {
        200 | 204 => Ok(response
            .headers
            .get("upload-offset")
            .and_then(|v| v.trim().parse().ok())
            .map_or(Patched::Conflict, Patched::To)),
        409 | 423 => Ok(Patched::Conflict),
        404 | 410 => Err(Trouble::Network { retry: None }),
        _ => Err(network_or_refused(response)),
    }
}

/// `GET /uploads/{id}`: the upload's state, or `None` when it is gone.
fn ask_state(cx: &Context, location: &str) -> Result<Option<UploadStatus>, Trouble> {
    let url = cx.url(location);
    let response = answered(send(cx, &|token| {
        tus_request(ehttp::Method::GET, &url, token).with_header("Accept", "application/json")
    }))?;
    match response.status {
        200 => serde_json::from_slice(&response.bytes)
            .map(Some)
            .map_err(|e| Trouble::Refused(crate::api::ApiFailure::BadResponse(e.to_string()))),
        404 | 410 => Ok(None),
        _ => Err(network_or_refused(response)),
    }
}

/// Cancelled: the server forgets the upload (one try; the server's sweeper removes what a
/// failed try leaves).
fn terminate(cx: &Context, location: Option<&str>) {
    let Some(location) = location else { return };
    let Some(token) = cx.tokens.get() else { return };
    let request = tus_request(ehttp::Method::DELETE, &cx.url(location), &token);
    if let Err(detail) = cx.http.fetch(&request) {
        tracing::info!(%detail, "cancelling an upload on the server failed");
    }
}
