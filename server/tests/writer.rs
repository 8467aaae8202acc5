//! The writer checks a send again when the chat's members changed after its room read
//! them: the one safety that does not depend on the bus telling the room in time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use natter_server::cache::Redis;
use natter_server::chat_list::Invalidations;
use natter_server::chat_list::marks::Marker;
use natter_server::db::batch::{Persisted, SendRejected};
use natter_server::db::members::Changed;
use natter_server::db::membership::{self, MemberOp};
use natter_server::db::users::{Created, NewUser};
use natter_server::db::writer::{SendCommand, Writer, Written};
use natter_server::db::{self, DbPool};
use natter_shared::UserId;
use natter_shared::api::ChatRole;
use natter_tests::{TestDatabase, db_url, redis_url};
use tokio::sync::oneshot;
use uuid::Uuid;

fn user(conn: &mut diesel::PgConnection, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    let name = format!("{name}{}", &id.simple().to_string()[..6]);
    match db::users::insert(
        conn,
        &NewUser {
            id,
            username: &name,
            display_name: None,
            password_hash: "x",
        },
    )
    .unwrap()
    {
        Created::New(row) => row.id,
        Created::UsernameTaken => panic!("taken"),
    }
}

async fn send(
    writer: &Writer,
    chat: Uuid,
    sender: Uuid,
    members: &[Uuid],
    version: i64,
) -> Result<Written, SendRejected> {
    let (reply, answer) = oneshot::channel();
    writer.submit(SendCommand {
        attachments: Vec::new(),
        chat_id: chat,
        sender_id: sender,
        request_id: Uuid::new_v4(),
        text: "hello".into(),
        reply_to: None,
        forwarded: None,
        mentions: Vec::new(),
        members: members.iter().copied().map(UserId).collect(),
        members_version: version,
        reply,
    });
    answer.await.unwrap()
}

fn version(pool: &DbPool, chat: Uuid) -> i64 {
    let mut conn = pool.get().unwrap();
    db::members::roster(&mut conn, chat)
        .unwrap()
        .unwrap()
        .version
}

#[actix_web::test]
async fn a_send_checked_against_members_that_changed_since_is_checked_again() {
    let db = TestDatabase::create();
    let pool = db::pool::connect(&db_url(&db.name), 4, 0).unwrap();
    db::pool::migrate(&pool).unwrap();
    let redis = Redis::connect(&redis_url(), &db.redis_prefix).unwrap();
    let writer = Writer::start(
        pool.clone(),
        Marker::new(redis, Arc::new(Invalidations::default())),
    )
    .unwrap();
    let (owner, bob, carol) = {
        let mut conn = pool.get().unwrap();
        (
            user(&mut conn, "owner"),
            user(&mut conn, "bob"),
            user(&mut conn, "carol"),
        )
    };
    let chat = {
        let mut conn = pool.get().unwrap();
        db::chats::create_group(&mut conn, owner, "club", &[bob, carol])
            .unwrap()
            .id
    };
    let all = [owner, bob, carol];
    let before = version(&pool, chat);
    // as its room saw it: Bob a member, at `before`
    let ok = send(&writer, chat, bob, &all, before).await.unwrap();
    assert!(matches!(ok.persisted, Persisted::New(_)));
    assert_eq!(ok.members_version, before);

    // Bob is removed; a room that has not heard of it yet still sends for him
    let removed: Changed = {
        let mut conn = pool.get().unwrap();
        membership::apply(&mut conn, chat, owner, &MemberOp::Remove { target: bob })
            .unwrap()
            .unwrap()
    };
    assert!(removed.departed.is_some());
    let refused = send(&writer, chat, bob, &all, before).await;
    assert!(
        matches!(refused, Err(SendRejected::NotMember)),
        "{refused:?}"
    );
    // Carol, muted meanwhile, is refused the same way
    {
        let mut conn = pool.get().unwrap();
        membership::apply(
            &mut conn,
            chat,
            owner,
            &MemberOp::Update {
                target: carol,
                role: None,
                muted: Some(true),
            },
        )
        .unwrap()
        .unwrap();
    }
    let muted = send(&writer, chat, carol, &all, before).await;
    assert!(matches!(muted, Err(SendRejected::Muted)), "{muted:?}");
    // the owner's send with the old list goes through and answers the new version, so
    // the room reloads its members before delivering
    let now = version(&pool, chat);
    assert!(now > before);
    let owners = send(&writer, chat, owner, &all, before).await.unwrap();
    assert_eq!(owners.members_version, now);
    let roles = {
        let mut conn = pool.get().unwrap();
        db::chats::members(&mut conn, chat).unwrap()
    };
    assert!(roles.iter().all(|(u, _, _, _)| u.id != bob));
    assert!(
        roles
            .iter()
            .any(|(u, role, _, _)| u.id == owner && *role == ChatRole::Owner)
    );
}
