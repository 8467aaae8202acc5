//! The request vocabulary: the REST calls the app makes ([`ApiCall`]), how they come back
//! ([`ApiResponse`], [`ApiReply`], [`ApiFailure`], [`NetErrorKind`]). Below both the state
//! (which keeps calls waiting for a token) and the actions (which carry the answers).

use std::fmt;

use chrono::{DateTime, Utc};
use natter_shared::api::{
    AuthTokens, ChatDetails, ChatList, ChatSummary, CreateChatRequest, CreateLinkRequest,
    EventPage, EventsQuery, HistoryQuery, InviteList, JoinLink, JoinResult, LoginRequest,
    LoginTwoFactorRequest, MemberList, MessagePage, MessageSearchQuery, Pins, ReadRequest,
    ReadState, RecoveryCodes, RefreshRequest, RegisterRequest, SearchPage, SessionList,
    TwoFactorChallenge, TwoFactorSetup, TwoFactorStatus, UpdateChatRequest, UpdateMemberRequest,
    UpdateProfileRequest, User, UserRef, UserSearchResponse,
};
use natter_shared::{ChatId, ErrorBody, InviteId, SessionId, UserId};

/// The REST calls the app makes.
#[derive(Clone, PartialEq)]
pub enum ApiCall {
    Register(RegisterRequest),
    Login(LoginRequest),
    /// `POST /auth/login/2fa`: the ticket of a login and a code (or a recovery code).
    LoginSecondFactor(LoginTwoFactorRequest),
    Refresh(RefreshRequest),
    Logout,
    ListSessions,
    RevokeSession(SessionId),
    GetMe,
    UpdateMe(UpdateProfileRequest),
    /// `GET /chats?limit&offset`: one page of the chat list, for sync number `sync`
    /// (answers of an older sync are dropped).
    ListChats {
        offset: u32,
        sync: u64,
    },
    /// `GET /chats/{id}/messages`: a page of history.
    History {
        chat_id: ChatId,
        query: HistoryQuery,
    },
    /// `POST /chats/{id}/read`.
    MarkRead {
        chat_id: ChatId,
        seq: i64,
    },
    /// `GET /users?query=`: people to start a chat with.
    SearchUsers {
        query: String,
    },
    /// `POST /chats`: a direct chat (idempotent on the server) or a group.
    CreateChat(CreateChatRequest),
    /// `GET /chats/{id}`: the members and their read cursors.
    GetChat(ChatId),
    /// `GET /chats/{id}/events?after=`: the changes a loaded chat missed.
    Events {
        chat_id: ChatId,
        after: i64,
    },
    /// `GET /chats/{id}/pins`: the pinned messages, newest first.
    Pins(ChatId),
    /// Running groups and answering invitations.
    Group(GroupCall),
    /// `PUT /users/me/avatar` with an uploaded image, or `DELETE` it (`None`).
    SetPhoto(Option<natter_shared::FileId>),
    /// `GET /search/messages`: a page of messages found, newest first.
    SearchMessages(MessageSearchQuery),
    /// Settings → Security.
    Account(AccountCall),
}

mod account;

pub use account::AccountCall;

/// The calls of groups: members, roles, info, invitations.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupCall {
    /// `GET /invites`.
    ListInvites,
    /// `POST /invites/{id}/accept` or `/decline`.
    Answer { invite: InviteId, accept: bool },
    /// `GET /chats/{id}/members`.
    Members(ChatId),
    /// `PATCH /chats/{id}/members/{user}`.
    UpdateMember {
        chat_id: ChatId,
        user_id: UserId,
        body: UpdateMemberRequest,
    },
    /// `DELETE /chats/{id}/members/{user}` (one's own id: leave).
    Remove { chat_id: ChatId, user_id: UserId },
    /// `POST /chats/{id}/bans`.
    Ban { chat_id: ChatId, user_id: UserId },
    /// `POST /chats/{id}/owner`.
    HandOver { chat_id: ChatId, user_id: UserId },
    /// `PATCH /chats/{id}`.
    UpdateChat {
        chat_id: ChatId,
        body: UpdateChatRequest,
    },
    /// `POST /chats/{id}/invites`.
    Invite { chat_id: ChatId, user_id: UserId },
    /// `POST /chats/{id}/request/accept` or `/decline`.
    AnswerRequest { chat_id: ChatId, accept: bool },
    /// `PUT /users/{id}/block` (`on`) or `DELETE` it.
    Block { user_id: UserId, on: bool },
    /// `GET /chats/{id}/links`.
    Links(ChatId),
    /// `POST /chats/{id}/links` (no expiry, no limit).
    CreateLink(ChatId),
    /// `DELETE /chats/{id}/links/{token}`.
    RevokeLink { chat_id: ChatId, token: String },
    /// `POST /join/{token}`.
    Join(String),
    /// `PUT /chats/{id}/photo` with an uploaded image, or `DELETE` it (`None`).
    SetPhoto {
        chat_id: ChatId,
        photo: Option<natter_shared::FileId>,
    },
}

impl GroupCall {
    /// The chat the call is about, if any.
    pub fn chat(&self) -> Option<ChatId> {
        match self {
            GroupCall::ListInvites | GroupCall::Answer { .. } | GroupCall::Block { .. } => None,
            GroupCall::AnswerRequest { chat_id, .. }
            | GroupCall::Links(chat_id)
            | GroupCall::CreateLink(chat_id)
            | GroupCall::RevokeLink { chat_id, .. } => Some(*chat_id),
            GroupCall::Join(_) => None,
            GroupCall::Members(c)
            | GroupCall::UpdateMember { chat_id: c, .. }
            | GroupCall::Remove { chat_id: c, .. }
            | GroupCall::Ban { chat_id: c, .. }
            | GroupCall::HandOver { chat_id: c, .. }
            | GroupCall::UpdateChat { chat_id: c, .. }
            | GroupCall::SetPhoto { chat_id: c, .. }
            | GroupCall::Invite { chat_id: c, .. } => Some(*c),
        }
    }

    fn method(&self) -> Method {
        match self {
            GroupCall::ListInvites | GroupCall::Members(_) | GroupCall::Links(_) => Method::Get,
            GroupCall::RevokeLink { .. } => Method::Delete,
            GroupCall::CreateLink(_) | GroupCall::Join(_) => Method::Post,
            GroupCall::UpdateMember { .. } | GroupCall::UpdateChat { .. } => Method::Patch,
            GroupCall::Remove { .. } | GroupCall::Block { on: false, .. } => Method::Delete,
            GroupCall::Block { on: true, .. } | GroupCall::SetPhoto { photo: Some(_), .. } => {
                Method::Put
            }
            GroupCall::SetPhoto { photo: None, .. } => Method::Delete,
            GroupCall::Answer { .. }
            | GroupCall::Ban { .. }
            | GroupCall::HandOver { .. }
            | GroupCall::Invite { .. }
            | GroupCall::AnswerRequest { .. } => Method::Post,
        }
    }

    fn path(&self) -> String {
        match self {
            GroupCall::ListInvites => "/invites".into(),
            GroupCall::Answer { invite, accept } => {
                let verb = if *accept { "accept" } else { "decline" };
                format!("/invites/{invite}/{verb}")
            }
            GroupCall::Members(c) => format!("/chats/{c}/members?limit=1000"),
            GroupCall::UpdateMember {
                chat_id, user_id, ..
            }
            | GroupCall::Remove { chat_id, user_id } => {
                format!("/chats/{chat_id}/members/{user_id}")
            }
            GroupCall::Ban { chat_id, .. } => format!("/chats/{chat_id}/bans"),
            GroupCall::HandOver { chat_id, .. } => format!("/chats/{chat_id}/owner"),
            GroupCall::UpdateChat { chat_id, .. } => format!("/chats/{chat_id}"),
            GroupCall::Invite { chat_id, .. } => format!("/chats/{chat_id}/invites"),
            GroupCall::AnswerRequest { chat_id, accept } => {
                let verb = if *accept { "accept" } else { "decline" };
                format!("/chats/{chat_id}/request/{verb}")
            }
            GroupCall::Block { user_id, .. } => format!("/users/{user_id}/block"),
            GroupCall::Links(c) | GroupCall::CreateLink(c) => format!("/chats/{c}/links"),
            GroupCall::RevokeLink { chat_id, token } => {
                format!("/chats/{chat_id}/links/{}", percent_encode(token))
            }
            GroupCall::Join(token) => format!("/join/{}", percent_encode(token)),
            GroupCall::SetPhoto { chat_id, .. } => format!("/chats/{chat_id}/photo"),
        }
    }

    fn body(&self) -> Option<Result<Vec<u8>, serde_json::Error>> {
        match self {
            GroupCall::UpdateMember { body, .. } => Some(serde_json::to_vec(body)),
            GroupCall::UpdateChat { body, .. } => Some(serde_json::to_vec(body)),
            GroupCall::Ban { user_id, .. }
            | GroupCall::HandOver { user_id, .. }
            | GroupCall::Invite { user_id, .. } => {
                Some(serde_json::to_vec(&UserRef { user_id: *user_id }))
            }
            GroupCall::ListInvites
            | GroupCall::Answer { .. }
            | GroupCall::Members(_)
            | GroupCall::Remove { .. }
            | GroupCall::AnswerRequest { .. }
            | GroupCall::Block { .. }
            | GroupCall::Links(_)
            | GroupCall::RevokeLink { .. }
            | GroupCall::Join(_) => None,
            GroupCall::CreateLink(_) => Some(serde_json::to_vec(&CreateLinkRequest::default())),
            GroupCall::SetPhoto {
                photo: Some(file_id),
                ..
            } => Some(serde_json::to_vec(&natter_shared::api::PhotoRequest {
                file_id: *file_id,
            })),
            GroupCall::SetPhoto { photo: None, .. } => None,
        }
    }

    fn is_idempotent(&self) -> bool {
        !matches!(
            self,
            GroupCall::Answer { .. }
                | GroupCall::AnswerRequest { .. }
                | GroupCall::CreateLink(_)
                | GroupCall::Join(_)
        )
    }
}

/// The page size of `GET /chats` (the server's maximum).
pub const CHAT_PAGE: u32 = 200;

/// HTTP methods the app uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl ApiCall {
    pub fn method(&self) -> Method {
        match self {
            ApiCall::Register(_)
            | ApiCall::Login(_)
            | ApiCall::LoginSecondFactor(_)
            | ApiCall::Refresh(_)
            | ApiCall::Logout => Method::Post,
            ApiCall::ListSessions
            | ApiCall::GetMe
            | ApiCall::ListChats { .. }
            | ApiCall::History { .. }
            | ApiCall::SearchUsers { .. }
            | ApiCall::GetChat(_)
            | ApiCall::Events { .. }
            | ApiCall::Pins(_)
            | ApiCall::SearchMessages(_) => Method::Get,
            ApiCall::Group(g) => g.method(),
            ApiCall::Account(a) => a.method(),
            ApiCall::MarkRead { .. } | ApiCall::CreateChat(_) => Method::Post,
            ApiCall::RevokeSession(_) => Method::Delete,
            ApiCall::UpdateMe(_) => Method::Patch,
            ApiCall::SetPhoto(Some(_)) => Method::Put,
            ApiCall::SetPhoto(None) => Method::Delete,
        }
    }

    /// The path below `/api/v1`.
    pub fn path(&self) -> String {
        match self {
            ApiCall::Register(_) => "/auth/register".into(),
            ApiCall::Login(_) => "/auth/login".into(),
            ApiCall::LoginSecondFactor(_) => "/auth/login/2fa".into(),
            ApiCall::Refresh(_) => "/auth/refresh".into(),
            ApiCall::Logout => "/auth/logout".into(),
            ApiCall::ListSessions => "/auth/sessions".into(),
            ApiCall::RevokeSession(id) => format!("/auth/sessions/{id}"),
            ApiCall::GetMe | ApiCall::UpdateMe(_) => "/users/me".into(),
            ApiCall::ListChats { offset, .. } => {
                format!("/chats?limit={CHAT_PAGE}&offset={offset}")
            }
            ApiCall::History { chat_id, query } => {
                let params = [
                    ("limit", query.limit.map(|v| v.to_string())),
                    ("before", query.before.map(|v| v.to_string())),
                    ("after", query.after.map(|v| v.to_string())),
                    ("around", query.around.map(|v| v.to_string())),
                    ("around_id", query.around_id.map(|v| v.to_string())),
                ];
                let given: Vec<String> = params
                    .into_iter()
                    .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
                    .collect();
                format!("/chats/{chat_id}/messages?{}", given.join("&"))
            }
            ApiCall::MarkRead { chat_id, .. } => format!("/chats/{chat_id}/read"),
            ApiCall::SearchUsers { query } => {
                format!("/users?query={}&limit=20", percent_encode(query))
            }
            ApiCall::CreateChat(_) => "/chats".into(),
            ApiCall::GetChat(chat_id) => format!("/chats/{chat_id}"),
            ApiCall::Events { chat_id, after } => format!(
                "/chats/{chat_id}/events?after={after}&limit={}",
                EventsQuery::MAX_LIMIT
            ),
            ApiCall::Pins(chat_id) => format!("/chats/{chat_id}/pins"),
            ApiCall::Group(g) => g.path(),
            ApiCall::Account(a) => a.path().into(),
            ApiCall::SetPhoto(_) => "/users/me/avatar".into(),
            ApiCall::SearchMessages(query) => search_path(query),
        }
    }

    /// The JSON body, for calls that have one.
    pub fn body(&self) -> Option<Result<Vec<u8>, serde_json::Error>> {
        match self {
            ApiCall::Register(r) => Some(serde_json::to_vec(r)),
            ApiCall::Login(r) => Some(serde_json::to_vec(r)),
            ApiCall::LoginSecondFactor(r) => Some(serde_json::to_vec(r)),
            ApiCall::Refresh(r) => Some(serde_json::to_vec(r)),
            ApiCall::UpdateMe(r) => Some(serde_json::to_vec(r)),
            ApiCall::MarkRead { seq, .. } => Some(serde_json::to_vec(&ReadRequest { seq: *seq })),
            ApiCall::CreateChat(r) => Some(serde_json::to_vec(r)),
            ApiCall::Group(g) => g.body(),
            ApiCall::Account(a) => a.body(),
            ApiCall::SetPhoto(Some(file_id)) => {
                Some(serde_json::to_vec(&natter_shared::api::PhotoRequest {
                    file_id: *file_id,
                }))
            }
            ApiCall::SetPhoto(None)
            | ApiCall::SearchUsers { .. }
            | ApiCall::SearchMessages(_)
            | ApiCall::GetChat(_)
            | ApiCall::Events { .. }
            | ApiCall::Pins(_) => None,
            ApiCall::Logout
            | ApiCall::ListSessions
            | ApiCall::RevokeSession(_)
            | ApiCall::GetMe
            | ApiCall::ListChats { .. }
            | ApiCall::History { .. } => None,
        }
    }

    /// Whether sending the call twice has the same effect as sending it once, so it may be
    /// retried after a failure that happened once the server may have received it.
    /// Refresh is the dangerous one: a second send of a consumed refresh token revokes
    /// the session.
    pub fn is_idempotent(&self) -> bool {
        if let ApiCall::Group(g) = self {
            return g.is_idempotent();
        }
        matches!(
            self,
            ApiCall::ListSessions
                | ApiCall::GetMe
                | ApiCall::UpdateMe(_)
                | ApiCall::SetPhoto(_)
                | ApiCall::RevokeSession(_)
                | ApiCall::Logout
                | ApiCall::ListChats { .. }
                | ApiCall::History { .. }
                | ApiCall::MarkRead { .. }
                | ApiCall::SearchUsers { .. }
                | ApiCall::GetChat(_)
                | ApiCall::Events { .. }
                | ApiCall::Pins(_)
                | ApiCall::SearchMessages(_)
                | ApiCall::Account(AccountCall::Status | AccountCall::Export)
        )
    }
}

/// `/search/messages?q=…` with the filters that are set.
fn search_path(query: &MessageSearchQuery) -> String {
    let mut path = format!("/search/messages?q={}", percent_encode(&query.q));
    let params = [
        ("chat_id", query.chat_id.map(|c| c.to_string())),
        ("sender_id", query.sender_id.map(|u| u.to_string())),
        ("from", query.from.clone()),
        ("to", query.to.clone()),
        ("has", query.has.map(|h| h.as_str().to_owned())),
        ("limit", query.limit.map(|l| l.to_string())),
        ("cursor", query.cursor.clone()),
    ];
    for (name, value) in params {
        if let Some(value) = value {
            path.push_str(&format!("&{name}={}", percent_encode(&value)));
        }
    }
    path
}

/// Percent-encodes a query-string value (everything but unreserved characters).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Never prints passwords or tokens.
impl fmt::Debug for ApiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiCall::Register(r) => write!(f, "Register({:?})", r.username),
            ApiCall::Login(r) => write!(f, "Login({:?})", r.username),
            ApiCall::LoginSecondFactor(_) => f.write_str("LoginSecondFactor"),
            ApiCall::Refresh(_) => f.write_str("Refresh"),
            ApiCall::Logout => f.write_str("Logout"),
            ApiCall::ListSessions => f.write_str("ListSessions"),
            ApiCall::RevokeSession(id) => write!(f, "RevokeSession({id})"),
            ApiCall::GetMe => f.write_str("GetMe"),
            ApiCall::UpdateMe(r) => write!(f, "UpdateMe({r:?})"),
            ApiCall::SetPhoto(file) => write!(f, "SetPhoto({file:?})"),
            ApiCall::ListChats { offset, sync } => write!(f, "ListChats({offset}, sync {sync})"),
            ApiCall::History { chat_id, query } => write!(f, "History({chat_id}, {query:?})"),
            ApiCall::MarkRead { chat_id, seq } => write!(f, "MarkRead({chat_id}, {seq})"),
            ApiCall::SearchUsers { query } => write!(f, "SearchUsers({query:?})"),
            ApiCall::CreateChat(r) => write!(f, "CreateChat({r:?})"),
            ApiCall::GetChat(id) => write!(f, "GetChat({id})"),
            ApiCall::Events { chat_id, after } => write!(f, "Events({chat_id}, after {after})"),
            ApiCall::Pins(id) => write!(f, "Pins({id})"),
            ApiCall::Group(g) => write!(f, "Group({g:?})"),
            ApiCall::Account(a) => write!(f, "Account({a:?})"),
            ApiCall::SearchMessages(q) => write!(f, "SearchMessages({q:?})"),
        }
    }
}

/// A finished call, as it comes back from the network thread.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    /// The [`crate::state::AppState::epoch`] the call was made in.
    pub epoch: u64,
    /// The server the call went to.
    pub server_url: String,
    /// The [`crate::state::Session::token_generation`] of the token it carried.
    pub token_generation: u64,
    pub call: ApiCall,
    pub result: Result<ApiReply, ApiFailure>,
    /// When the answer arrived (the reducer has no clock).
    pub received_at: DateTime<Utc>,
}

/// A successful answer, decoded according to the call.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiReply {
    /// 204 (logout, revoke).
    Empty,
    User(Box<User>),
    Tokens(Box<AuthTokens>),
    /// The password was right; the account wants a second factor.
    TwoFactorRequired(TwoFactorChallenge),
    TwoFactorStatus(TwoFactorStatus),
    TwoFactorSetup(TwoFactorSetup),
    RecoveryCodes(RecoveryCodes),
    /// A document kept as it came (the account export).
    Document(Vec<u8>),
    Sessions(SessionList),
    Chats(ChatList),
    Messages(MessagePage),
    Read(ReadState),
    Users(UserSearchResponse),
    Chat(Box<ChatSummary>),
    ChatDetails(Box<ChatDetails>),
    Events(EventPage),
    Pins(Pins),
    Invites(InviteList),
    Members(MemberList),
    Links(Vec<JoinLink>),
    Joined(JoinResult),
    Search(SearchPage),
}

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server answered with the shared error body.
    Server { status: u16, body: ErrorBody },
    /// No answer.
    Network { kind: NetErrorKind, detail: String },
    /// An error status without an error body.
    UnexpectedStatus(u16),
    /// A success status whose body did not decode.
    BadResponse(String),
}

/// How a request failed to get an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetErrorKind {
    /// The request never reached the server (connection refused, DNS): safe to resend.
    Unreachable,
    /// The connection broke or timed out after the request may have been received.
    Interrupted,
    /// The server's TLS certificate was refused (not from a trusted authority, expired, for
    /// another name): nothing was sent, and resending will not help.
    Untrusted,
}
