//! Set-up: users, their tokens and their chats (one direct chat per pair, one group per
//! `group_size` users).

use futures_util::{StreamExt, stream};
use natter_shared::api::{
    AuthTokens, ChatSummary, CreateChatRequest, Invite, LoginRequest, RegisterRequest, UserRef,
};
use natter_shared::{API_PREFIX, ChatId, UserId};

/// A signed-in load user and the chats it sends into.
#[derive(Debug, Clone)]
pub struct LoadUser {
    pub id: UserId,
    pub token: String,
    pub direct: Option<ChatId>,
    pub group: Option<ChatId>,
}

fn api(server: &str, path: &str) -> String {
    format!("{server}{API_PREFIX}{path}")
}

async fn sign_up(
    client: &reqwest::Client,
    server: &str,
    name: String,
) -> anyhow::Result<AuthTokens> {
    let password = "load-test-password".to_owned();
    let resp = client
        .post(api(server, "/auth/register"))
        .json(&RegisterRequest {
            username: name.clone(),
            password: password.clone(),
            display_name: None,
        })
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 201, "register {name}: {}", resp.status());
    let resp = client
        .post(api(server, "/auth/login"))
        .json(&LoginRequest {
            username: name.clone(),
            password,
            device_name: Some("natter-load".into()),
        })
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "login {name}: {}", resp.status());
    Ok(resp.json().await?)
}

async fn create_chat(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    body: &CreateChatRequest,
) -> anyhow::Result<ChatId> {
    let resp = client
        .post(api(server, "/chats"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await?;
    anyhow::ensure!(resp.status().is_success(), "create chat: {}", resp.status());
    Ok(resp.json::<ChatSummary>().await?.id)
}

/// `user` joins group `chat` the way a person does past creation: the owner invites, the
/// invitee accepts.
pub async fn join_by_invite(
    client: &reqwest::Client,
    server: &str,
    owner_token: &str,
    chat: ChatId,
    user: &LoadUser,
) -> anyhow::Result<()> {
    let resp = client
        .post(api(server, &format!("/chats/{chat}/invites")))
        .bearer_auth(owner_token)
        .json(&UserRef { user_id: user.id })
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 201, "invite: {}", resp.status());
    let invite: Invite = resp.json().await?;
    let resp = client
        .post(api(server, &format!("/invites/{}/accept", invite.id)))
        .bearer_auth(&user.token)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "accept: {}", resp.status());
    Ok(())
}

/// Removes `user` from group `chat` (by its owner).
pub async fn remove_member(
    client: &reqwest::Client,
    server: &str,
    owner_token: &str,
    chat: ChatId,
    user: UserId,
) -> anyhow::Result<()> {
    let resp = client
        .delete(api(server, &format!("/chats/{chat}/members/{user}")))
        .bearer_auth(owner_token)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 204, "remove: {}", resp.status());
    Ok(())
}

/// Registers `n` users and creates their chats, `concurrency` requests at a time.
pub async fn users_and_chats(
    client: &reqwest::Client,
    server: &str,
    n: usize,
    group_size: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<LoadUser>> {
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let tokens: Vec<anyhow::Result<AuthTokens>> = stream::iter(0..n)
        .map(|i| sign_up(client, server, format!("load{run}.{i}")))
        .buffered(concurrency)
        .collect()
        .await;
    let tokens: Vec<AuthTokens> = tokens.into_iter().collect::<anyhow::Result<_>>()?;
    let mut users: Vec<LoadUser> = tokens
        .iter()
        .map(|t| LoadUser {
            id: t.user.id,
            token: t.token.clone(),
            direct: None,
            group: None,
        })
        .collect();
    // direct chats between neighbours: 0–1, 2–3, …
    let pairs: Vec<(usize, usize)> = (0..n / 2).map(|p| (2 * p, 2 * p + 1)).collect();
    let directs: Vec<anyhow::Result<ChatId>> = stream::iter(pairs.iter().copied())
        .map(|(a, b)| {
            let body = CreateChatRequest::Direct {
                partner_id: users[b].id,
            };
            let token = users[a].token.clone();
            async move { create_chat(client, server, &token, &body).await }
        })
        .buffered(concurrency)
        .collect()
        .await;
    for ((a, b), chat) in pairs.into_iter().zip(directs) {
        let chat = chat?;
        users[a].direct = Some(chat);
        users[b].direct = Some(chat);
    }
    if group_size >= 2 {
        let groups: Vec<Vec<usize>> = (0..n)
            .collect::<Vec<_>>()
            .chunks(group_size)
            .map(<[usize]>::to_vec)
            .filter(|g| g.len() >= 2)
            .collect();
        // created with as many as creation takes; the rest are invited and accept
        let at_creation = CreateChatRequest::MEMBERS_MAX - 1;
        let made: Vec<anyhow::Result<ChatId>> = stream::iter(groups.iter())
            .map(|g| {
                let body = CreateChatRequest::Group {
                    title: "load group".into(),
                    member_ids: g[1..]
                        .iter()
                        .take(at_creation)
                        .map(|&i| users[i].id)
                        .collect(),
                };
                let token = users[g[0]].token.clone();
                async move { create_chat(client, server, &token, &body).await }
            })
            .buffered(concurrency)
            .collect()
            .await;
        for (g, chat) in groups.iter().zip(made) {
            let chat = chat?;
            for &i in g {
                users[i].group = Some(chat);
            }
            let owner = users[g[0]].token.clone();
            let late: Vec<anyhow::Result<()>> = stream::iter(g.iter().skip(1 + at_creation))
                .map(|&i| join_by_invite(client, server, &owner, chat, &users[i]))
                .buffered(concurrency)
                .collect()
                .await;
            late.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
        }
    }
    Ok(users)
}
