//! `Application::build`: everything between settings and a listening server. This file only
//! wires the parts together; the shared context they use is [`crate::state::AppState`].

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::JwtKeys;
use crate::cache::Redis;
use crate::chat_list::marks::Marker;
use crate::chat_list::{self, Invalidations};
use crate::client_addr::TrustedProxies;
use crate::config::Settings;
use crate::db;
use crate::db::writer::Writer;
use crate::files;
use crate::files::storage::Storage;
use crate::openapi::ApiDoc;
use crate::realtime::Registry;
use crate::realtime::bus::Bus;
use crate::routes;
use crate::routes::unmatched::RouteMethods;
use crate::state::AppState;
use crate::telemetry::RequestSpan;
use crate::{presence, telemetry};

/// How long start-up waits for the first sweep of stale chat lists (Redis may be down).
const STARTUP_SWEEP: std::time::Duration = std::time::Duration::from_secs(2);

/// A built server, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to PostgreSQL (applying migrations) and prepares Redis, then binds
    /// `settings.addr` (port 0 picks a free port; see [`Application::port`]).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        if settings.uses_dev_secret() {
            tracing::warn!(
                "NATTER_JWT_SECRET is not set: using the local-development secret; set it in production"
            );
        }
        let (pool, dummy_password_hash) = {
            let settings = settings.clone();
            web::block(move || -> anyhow::Result<_> {
                let pool = db::pool::connect(
                    &settings.database_url,
                    settings.db_pool_size,
                    settings.db_min_idle,
                )?;
                db::pool::migrate(&pool)?;
                let dummy = bcrypt::hash("natter-dummy-password", settings.bcrypt_cost)
                    .context("bcrypt")?;
                Ok((pool, dummy))
            })
            .await??
        };
        let redis = Redis::connect(&settings.redis_url, &settings.redis_prefix)?;
        let registry = Arc::new(Registry::default());
        let bus = Bus::new(redis.clone(), registry.clone());
        let invalidations = Arc::new(Invalidations::new(pool.clone()));
        let marker = Marker::new(redis.clone(), invalidations.clone());
        let writer = Writer::start_with(pool.clone(), marker, settings.send_admit)
            .context("starting the message writer")?;
        let storage = Storage::open(&settings.files)
            .await
            .context("opening the file storage")?;
        tokio::fs::create_dir_all(&settings.files.uploads_dir)
            .await
            .with_context(|| {
                format!(
                    "creating NATTER_UPLOADS_DIR {:?}",
                    settings.files.uploads_dir
                )
            })?;
        telemetry::metrics_recorder();
        let listener = TcpListener::bind(&settings.addr)
            .with_context(|| format!("cannot listen on NATTER_ADDR={}", settings.addr))?;
        let port = listener.local_addr()?.port();
        let (message_updates, updates) = crate::chat_list::marks::MessageUpdates::channel();
        chat_list::start_message_updater(redis.clone(), invalidations.clone(), updates);
        let state = web::Data::new(AppState {
            jwt: JwtKeys::new(settings.jwt_secret.as_bytes()),
            settings: settings.clone(),
            rosters: crate::db::rosters::RosterLoader::new(pool.clone()),
            db: pool,
            redis,
            dummy_password_hash,
            registry,
            bus,
            writer,
            invalidations,
            storage,
            local_limits: Default::default(),
            message_updates,
            message_limiter: Default::default(),
        });
        // lists a crashed process noted stale are dropped before anyone reads them here
        if actix_web::rt::time::timeout(STARTUP_SWEEP, chat_list::sweep(&state))
            .await
            .is_err()
        {
            tracing::warn!("chat-list cache: the start-up sweep timed out; the sweeper goes on");
        }
        state.bus.start_subscriber();
        presence::start_refresher(state.clone());
        chat_list::start_invalidator(state.clone());
        crate::limits::start_message_flusher(state.clone());
        start_event_pruner(state.clone());
        close_sockets_on_stop(state.clone());
        files::service::start_sweeper(state.clone());
        let proxies = web::Data::new(TrustedProxies(settings.trusted_proxies.clone()));
        let stall = settings.ws.stall;
        let mut server = HttpServer::new(move || {
            // called on each worker's thread: the worker measures its own lag
            actix_web::rt::spawn(telemetry::watch_worker_lag());
            let (app, mut openapi) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(state.clone())
                .app_data(proxies.clone())
                .app_data(routes::extractor_errors::json_config())
                .app_data(routes::extractor_errors::path_config())
                .app_data(routes::extractor_errors::query_config())
                .configure(routes::configure)
                .split_for_parts();
            crate::openapi::complete(&mut openapi);
            let route_methods = web::Data::new(RouteMethods::from_openapi(&openapi));
            app.app_data(route_methods)
                .wrap(actix_web::middleware::from_fn(
                    routes::headers::security_headers,
                ))
                .wrap(actix_web::middleware::from_fn(
                    routes::metrics::time_requests,
                ))
                .wrap(TracingLogger::<RequestSpan>::new())
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi))
                .route(
                    "/api/docs",
                    web::get().to(|| async {
                        actix_web::HttpResponse::PermanentRedirect()
                            .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(routes::unmatched::answer))
        })
        // small interactive frames: send at once rather than wait for Nagle's algorithm
        .tcp_nodelay(true)
        // a handle on each socket, so a WebSocket whose client stopped reading can be closed
        .on_connect(move |conn, _| crate::realtime::events::limit_stalls(conn, stall))
        .listen(listener)?
        .shutdown_timeout(10);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(addr = %settings.addr, port, "natter-server listening");
        Ok(Self {
            port,
            server: server.run(),
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/Ctrl-C: then stops accepting, lets in-flight requests finish
    /// (up to 10 s) and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// On SIGTERM or Ctrl-C (which also make actix stop accepting and drain), closes every
/// WebSocket of this process at once: their clients reconnect (through the proxy, to another
/// process) and resend what was not acknowledged, instead of the connections holding the
/// process up to the shutdown timeout. A rolling restart is one process after another.
fn close_sockets_on_stop(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        #[cfg(unix)]
        {
            use actix_web::rt::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if actix_web::rt::signal::ctrl_c().await.is_err() {
            return;
        }
        tracing::info!(
            connections = state.registry.connection_count(),
            "stopping: closing WebSocket connections so their clients reconnect elsewhere"
        );
        state.registry.close_all();
    });
}

/// How often events past the retained window are deleted.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes, every [`PRUNE_EVERY`], the events no reader can ask for any more (readers treat
/// them as gone whether or not they were deleted yet).
fn start_event_pruner(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(PRUNE_EVERY);
        loop {
            tick.tick().await;
            let retained = state.settings.events_retained;
            match crate::db::run(&state.db, move |conn| {
                Ok(crate::db::events::prune(conn, retained)?)
            })
            .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "old chat events pruned"),
                Err(e) => tracing::warn!(error = %e, "cannot prune chat events"),
            }
            match crate::db::run(&state.db, |conn| {
                Ok(crate::db::invites::prune_expired(conn, chrono::Utc::now())?)
            })
            .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(invites = n, "expired invitations removed"),
                Err(e) => tracing::warn!(error = %e, "cannot remove expired invitations"),
            }
        }
    });
}
