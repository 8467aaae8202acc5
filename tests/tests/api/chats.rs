use natter_shared::api::{ChatDetails, ChatKind, ChatList, ChatRole, ChatSummary};
use natter_shared::{ErrorCode, Field, UserId};
use natter_tests::{TestApp, assert_error, json_with_status};
use serde_json::json;

async fn post_chat(app: &TestApp, token: &str, body: &serde_json::Value) -> reqwest::Response {
    app.client
        .post(app.api("/chats"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_direct_chat_is_created_once_whoever_asks() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let first = post_chat(&app, &alice.token, &json!({"partner_id": bob.user.id})).await;
    let first: ChatSummary = json_with_status(first, 201).await;
    assert_eq!(first.kind, ChatKind::Direct);
    assert_eq!(first.partner.as_ref().map(|p| p.id), Some(bob.user.id));
    let again = post_chat(&app, &alice.token, &json!({"partner_id": bob.user.id})).await;
    let again: ChatSummary = json_with_status(again, 200).await;
    let other_side = post_chat(&app, &bob.token, &json!({"partner_id": alice.user.id})).await;
    let other_side: ChatSummary = json_with_status(other_side, 200).await;
    assert_eq!(again.id, first.id);
    assert_eq!(other_side.id, first.id);
    assert_eq!(other_side.partner.map(|p| p.id), Some(alice.user.id));
}

#[actix_web::test]
async fn concurrent_requests_for_one_pair_get_one_chat() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (me, partner) = if i % 2 == 0 {
            (&alice, &bob)
        } else {
            (&bob, &alice)
        };
        tasks.push(app.direct_chat(&me.token, partner.user.id));
    }
    let chats = futures_util::future::join_all(tasks).await;
    assert!(
        chats.iter().all(|c| c.id == chats[0].id),
        "all answers name one chat"
    );
    assert_eq!(app.chats(&alice.token, "").await.total, 1);
}

#[actix_web::test]
async fn bad_create_requests_are_rejected() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let resp = post_chat(&app, &me.token, &json!({"partner_id": me.user.id})).await;
    let err = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
    assert_eq!(err.error.field, Some(Field::PartnerId));
    let resp = post_chat(
        &app,
        &me.token,
        &json!({"partner_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
    let resp = post_chat(&app, &me.token, &json!({})).await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
    let resp = post_chat(
        &app,
        &me.token,
        &json!({"partner_id": me.user.id, "title": "x"}),
    )
    .await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
    let resp = post_chat(&app, &me.token, &json!({"title": "   ", "member_ids": []})).await;
    let err = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
    assert_eq!(err.error.field, Some(Field::Title));
    let resp = post_chat(
        &app,
        &me.token,
        &json!({"title": "t", "member_ids": [uuid::Uuid::new_v4()]}),
    )
    .await;
    // an id that names nobody is a 404, as for a direct chat's partner
    assert_error(resp, 404, ErrorCode::NotFound).await;
    let resp = post_chat(
        &app,
        &me.token,
        &json!({"title": "t", "member_ids": ["nope"]}),
    )
    .await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
}

#[actix_web::test]
async fn a_group_has_its_creator_as_admin_and_its_members() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in_user().await;
    let a = app.signed_in_user().await;
    let b = app.signed_in_user().await;
    let members = [a.user.id, b.user.id, a.user.id, owner.user.id];
    let group = app.group_chat(&owner.token, " Book club ", &members).await;
    assert_eq!(group.kind, ChatKind::Group);
    assert_eq!(group.title.as_deref(), Some("Book club"));
    assert_eq!(
        group.member_count, 3,
        "duplicates and the creator counted once"
    );
    let details: ChatDetails = json_with_status(
        app.get_authed(&format!("/chats/{}", group.id), &a.token)
            .await,
        200,
    )
    .await;
    let roles: Vec<(UserId, ChatRole)> = details.members.iter().map(|m| (m.id, m.role)).collect();
    assert!(roles.contains(&(owner.user.id, ChatRole::Owner)));
    assert!(roles.contains(&(a.user.id, ChatRole::Member)));
    assert_eq!(roles.len(), 3);
}

#[actix_web::test]
async fn non_members_get_404_everywhere() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let eve = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let c = chat.id;
    assert_error(
        app.get_authed(&format!("/chats/{c}"), &eve.token).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_error(
        app.get_authed(&format!("/chats/{c}/messages"), &eve.token)
            .await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    let resp = app
        .client
        .post(app.api(&format!("/chats/{c}/messages")))
        .bearer_auth(&eve.token)
        .json(&json!({"text": "hi", "request_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, ErrorCode::NotFound).await;
    let resp = app
        .client
        .post(app.api(&format!("/chats/{c}/read")))
        .bearer_auth(&eve.token)
        .json(&json!({"seq": 1}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, ErrorCode::NotFound).await;
    // an id that exists nowhere answers the same
    let missing = uuid::Uuid::new_v4();
    assert_error(
        app.get_authed(&format!("/chats/{missing}"), &eve.token)
            .await,
        404,
        ErrorCode::NotFound,
    )
    .await;
}

#[actix_web::test]
async fn the_chat_list_follows_activity_reads_and_unread_counts() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let a = app.signed_in_user().await;
    let b = app.signed_in_user().await;
    let with_a = app.direct_chat(&me.token, a.user.id).await;
    let with_b = app.direct_chat(&me.token, b.user.id).await;
    let list = app.chats(&me.token, "").await;
    assert_eq!(
        list.chats.iter().map(|c| c.id).collect::<Vec<_>>(),
        [with_b.id, with_a.id]
    );

    app.send_text(&a.token, with_a.id, "one").await;
    app.send_text(&a.token, with_a.id, "two").await;
    let list = app.chats(&me.token, "").await;
    assert_eq!(list.chats[0].id, with_a.id, "the chat with news moves up");
    assert_eq!(list.chats[0].unread_count, 2);
    assert_eq!(
        list.chats[0].last_message.as_ref().map(|m| m.text.as_str()),
        Some("two")
    );
    assert_eq!(
        list.chats[0].partner.as_ref().map(|p| p.id),
        Some(a.user.id)
    );
    // one's own messages are not unread
    let theirs = app.chats(&a.token, "").await;
    assert_eq!(theirs.chats[0].unread_count, 0);

    let unread: ChatList = app.chats(&me.token, "unread_only=true").await;
    assert_eq!((unread.total, unread.chats.len()), (1, 1));

    let resp = app
        .client
        .post(app.api(&format!("/chats/{}/read", with_a.id)))
        .bearer_auth(&me.token)
        .json(&json!({"seq": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.chats(&me.token, "").await.chats[0].unread_count, 1);
    let page = app.chats(&me.token, "limit=1&offset=1").await;
    assert_eq!(
        (page.total, page.has_more, page.chats[0].id),
        (2, false, with_b.id)
    );
    let page = app.chats(&me.token, "limit=1").await;
    assert!(page.has_more);
}

#[actix_web::test]
async fn the_chat_list_is_right_after_a_redis_flush_and_refills() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let a = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, a.user.id).await;
    app.send_text(&a.token, chat.id, "before").await;
    let warm = app.chats(&me.token, "").await;
    app.flush_redis();
    let cold = app.chats(&me.token, "").await;
    assert_eq!(cold, warm, "answered from PostgreSQL after the flush");
    // the cold read started a rebuild: wait for the list to be marked complete again
    let marker = format!("{}cl:{}:ok", app.redis_prefix, me.user.id);
    let mut redis = redis::Client::open(natter_tests::redis_url())
        .unwrap()
        .get_connection()
        .unwrap();
    let mut refilled = false;
    for _ in 0..100 {
        if redis::cmd("EXISTS")
            .arg(&marker)
            .query::<bool>(&mut redis)
            .unwrap()
        {
            refilled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refilled, "the cache refilled");
    assert_eq!(
        app.chats(&me.token, "").await,
        warm,
        "the refilled cache answers the same"
    );
    // the cache refills in the background; sends keep it right
    app.send_text(&a.token, chat.id, "after").await;
    let list = app.chats(&me.token, "").await;
    assert_eq!(
        list.chats[0].last_message.as_ref().map(|m| m.text.as_str()),
        Some("after")
    );
    assert_eq!(list.chats[0].unread_count, 2);
}

#[actix_web::test]
async fn the_cache_follows_sends_and_reads_after_redis_forgot_its_scripts() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let a = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, a.user.id).await;
    app.send_text(&a.token, chat.id, "before").await;
    let mut redis = redis::Client::open(natter_tests::redis_url())
        .unwrap()
        .get_connection()
        .unwrap();
    // what a restarted Redis knows of the scripts (other servers on it load them again too)
    redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query::<()>(&mut redis)
        .unwrap();

    let sent = app.send_text(&a.token, chat.id, "after").await;
    redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query::<()>(&mut redis)
        .unwrap();
    let resp = app
        .client
        .post(app.api(&format!("/chats/{}/read", chat.id)))
        .bearer_auth(&me.token)
        .json(&json!({"seq": sent.seq}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // the updates reached Redis (a failed one would leave the entry behind and keep the
    // members' in-flight marks until a reader repairs it)
    let entry = format!("{}c:{}", app.redis_prefix, chat.id);
    let reads = format!("{}cl:{}:r", app.redis_prefix, me.user.id);
    let busy = [me.user.id, a.user.id].map(|u| format!("{}cl:{u}:busy", app.redis_prefix));
    let mut state = None;
    for _ in 0..100 {
        let last_seq: Option<i64> = redis::cmd("HGET")
            .arg(&entry)
            .arg("last_seq")
            .query(&mut redis)
            .unwrap();
        let read: Option<i64> = redis::cmd("HGET")
            .arg(&reads)
            .arg(chat.id.to_string())
            .query(&mut redis)
            .unwrap();
        let mut marks = 0;
        for key in &busy {
            marks += redis::cmd("ZCARD")
                .arg(key)
                .query::<i64>(&mut redis)
                .unwrap();
        }
        state = Some((last_seq, read, marks));
        if state == Some((Some(sent.seq), Some(sent.seq), 0)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        state,
        Some((Some(sent.seq), Some(sent.seq), 0)),
        "(the entry's last seq, my read cursor, in-flight marks)"
    );
}

#[actix_web::test]
async fn the_chat_list_is_served_from_postgres_while_redis_is_down() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let a = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, a.user.id).await;
    app.send_text(&a.token, chat.id, "still here").await;
    let list = app.chats(&me.token, "").await;
    assert_eq!(list.total, 1);
    assert_eq!(list.chats[0].unread_count, 1);
    assert_eq!(
        list.chats[0].last_message.as_ref().map(|m| m.text.as_str()),
        Some("still here")
    );
}

#[actix_web::test]
async fn bad_list_parameters_are_400s() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    for q in [
        "limit=0",
        "limit=201",
        "limit=x",
        "unread_only=maybe",
        "offset=-1",
    ] {
        assert_error(
            app.get_authed(&format!("/chats?{q}"), &me.token).await,
            400,
            ErrorCode::InvalidQuery,
        )
        .await;
    }
}
