//! HTTP handlers, one file per resource.

pub mod account;
pub mod auth;
pub mod changes;
pub mod chats;
pub mod events;
pub mod export;
pub mod extractor_errors;
pub mod files;
pub mod headers;
pub mod health;
pub mod invites;
pub mod links;
pub mod members;
pub mod messages;
pub mod metrics;
pub mod requests;
pub mod search;
pub mod two_factor;
pub mod unmatched;
pub mod updates;
pub mod uploads;
pub mod users;
pub mod ws;

use actix_web::HttpRequest;
use natter_shared::API_PREFIX;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::error::ApiError;

/// Registers every documented route: a route registered here is in the OpenAPI document by
/// construction (utoipa-actix-web collects them from `service(...)`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::metrics_text)
        .service(updates::get_update_file)
        .service(
            scope::scope(API_PREFIX)
                .wrap(actix_web::middleware::from_fn(
                    crate::limits::rest_rate_limit,
                ))
                .service(auth::register_user)
                .service(auth::login)
                .service(auth::refresh_tokens)
                .service(auth::logout)
                .service(auth::list_sessions)
                .service(auth::revoke_session)
                .service(two_factor::login_two_factor)
                .service(two_factor::two_factor_status)
                .service(two_factor::set_up_two_factor)
                .service(two_factor::enable_two_factor)
                .service(two_factor::disable_two_factor)
                .service(two_factor::regenerate_recovery_codes)
                .service(account::change_password)
                .service(account::revoke_other_sessions)
                .service(account::delete_account)
                .service(export::export_account)
                .service(requests::list_blocks)
                .service(requests::block_user)
                .service(requests::unblock_user)
                .service(requests::accept_request)
                .service(requests::decline_request)
                .service(users::get_me)
                .service(users::update_me)
                .service(users::search_users)
                .service(users::get_user)
                .service(chats::create_chat)
                .service(chats::list_chats)
                .service(chats::get_chat)
                .service(members::update_chat)
                .service(members::list_members)
                .service(members::update_member)
                .service(members::remove_member)
                .service(members::ban_user)
                .service(members::unban_user)
                .service(members::hand_over)
                .service(invites::invite_user)
                .service(invites::list_invites)
                .service(invites::accept_invite)
                .service(invites::decline_invite)
                .service(links::create_link)
                .service(links::list_links)
                .service(links::revoke_link)
                .service(links::join_by_link)
                .service(links::list_join_requests)
                .service(links::approve_join)
                .service(links::decline_join)
                .service(messages::list_messages)
                .service(messages::send_message)
                .service(messages::mark_read)
                .service(changes::edit_message)
                .service(changes::delete_message)
                .service(changes::add_reaction)
                .service(changes::remove_reaction)
                .service(changes::pin_message)
                .service(changes::unpin_message)
                .service(changes::list_pins)
                .service(changes::forward_messages)
                .service(events::list_events)
                .service(search::search_messages)
                .service(uploads::upload_options)
                .service(uploads::create_upload)
                .service(uploads::upload_offset)
                .service(uploads::append_upload)
                .service(uploads::cancel_upload)
                .service(uploads::get_upload)
                .service(files::download_file)
                .service(files::file_thumbnail)
                .service(files::set_avatar)
                .service(files::remove_avatar)
                .service(files::get_avatar)
                .service(files::set_chat_photo)
                .service(files::remove_chat_photo)
                .service(files::get_chat_photo)
                .service(ws::connect_ws)
                .service(ws::create_ws_ticket),
        );
}

/// Any path no route matches.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::client(
        actix_web::http::StatusCode::NOT_FOUND,
        natter_shared::ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}
