//! History around a message (`GET /chats/{id}/messages?around=`), how a search hit or a
//! quoted message is opened: the page's edges, bad input, strangers and former members.

use natter_shared::ErrorCode;
use natter_tests::{TestApp, assert_error};

#[actix_web::test]
async fn history_opens_around_a_message_with_both_directions_told() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, _) = app.pair().await;
    for i in 1..=30 {
        app.send_text(&alice, chat, &format!("m{i}")).await;
    }
    let page = app.history(&bob, chat, "around=15&limit=10").await;
    let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (11..=20).collect::<Vec<_>>(),
        "half before, the hit, the rest after"
    );
    assert!(page.has_previous && page.has_next);
    // near the ends the page stays full
    let page = app.history(&bob, chat, "around=2&limit=10").await;
    assert_eq!(page.messages.first().map(|m| m.seq), Some(1));
    assert_eq!(page.messages.len(), 10);
    assert!(!page.has_previous && page.has_next);
    let page = app.history(&bob, chat, "around=30&limit=10").await;
    let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (21..=30).collect::<Vec<_>>());
    assert!(page.has_previous && !page.has_next);

    for bad in [
        "around=0",
        "around=-3",
        "around=5&before=9",
        "around=5&after=1",
        "around=x",
    ] {
        let resp = app
            .get_authed(&format!("/chats/{chat}/messages?{bad}"), &bob)
            .await;
        assert_error(resp, 400, ErrorCode::InvalidQuery).await;
    }
    let (_, stranger) = app.user("mallory").await;
    let resp = app
        .get_authed(&format!("/chats/{chat}/messages?around=5"), &stranger)
        .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
}

#[actix_web::test]
async fn a_former_member_opens_history_around_a_message_only_up_to_their_departure() {
    let app = TestApp::spawn_busy().await;
    let (_, owner) = app.user("owner").await;
    let (bob_id, bob) = app.user("bob").await;
    let group = app.group_chat(&owner, "Club", &[bob_id]).await.id;
    for i in 1..=5 {
        app.send_text(&owner, group, &format!("before {i}")).await;
    }
    let resp = app
        .client
        .delete(app.api(&format!("/chats/{group}/members/{bob_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let departed = app
        .history(&owner, group, "")
        .await
        .messages
        .last()
        .unwrap()
        .seq;
    for i in 1..=5 {
        app.send_text(&owner, group, &format!("after {i}")).await;
    }
    let page = app
        .history(&bob, group, &format!("around={departed}&limit=50"))
        .await;
    assert!(page.messages.iter().all(|m| m.seq <= departed));
    assert!(!page.has_next);
    assert!(page.messages.iter().all(|m| !m.text.starts_with("after")));
}
