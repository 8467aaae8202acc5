//! Set-up: users, their tokens and their chats (one direct chat per pair, one group per
//! `group_size` users).

use futures_util::{StreamExt, stream};
use natter_shared::api::{
    AuthTokens, ChatSummary, CreateChatRequest, LoginRequest, RegisterRequest,
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
        let made: Vec<anyhow::Result<ChatId>> = stream::iter(groups.iter())
            .map(|g| {
                let body = CreateChatRequest::Group {
                    title: "load group".into(),
                    member_ids: g[1..].iter().map(|&i| users[i].id).collect(),
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
        }
    }
    Ok(users)
}
