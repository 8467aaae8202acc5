//! History around a message (`GET /chats/{id}/messages?around=` or `?around_id=`), how a
//! search hit or a quoted message is opened: the page's edges, bad input, strangers and
//! former members, and a message id the caller may not open history at.

use natter_shared::{ChatId, ErrorBody, ErrorCode, MessageId};
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

/// `DELETE /chats/{chat}/messages/{message}`; panics unless 200.
async fn delete(app: &TestApp, token: &str, chat: ChatId, message: MessageId, everyone: bool) {
    let resp = app
        .client
        .delete(app.api(&format!(
            "/chats/{chat}/messages/{message}?for_everyone={everyone}"
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "deleting {message}");
}

/// The answer to `around_id={message}` in `chat`, which must be a 404.
async fn not_found_around(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    message: MessageId,
) -> ErrorBody {
    let resp = app
        .get_authed(
            &format!("/chats/{chat}/messages?around_id={message}"),
            token,
        )
        .await;
    assert_error(resp, 404, ErrorCode::NotFound).await
}

#[actix_web::test]
async fn history_opens_around_a_message_given_by_its_id_as_around_its_seq() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, _) = app.pair().await;
    let mut sent = Vec::new();
    for i in 1..=30 {
        sent.push(app.send_text(&alice, chat, &format!("m{i}")).await);
    }
    for (original, limit) in [
        (&sent[14], 10),
        (&sent[1], 10),
        (&sent[29], 10),
        (&sent[0], 50),
    ] {
        let by_id = app
            .history(
                &bob,
                chat,
                &format!("around_id={}&limit={limit}", original.id),
            )
            .await;
        let by_seq = app
            .history(
                &bob,
                chat,
                &format!("around={}&limit={limit}", original.seq),
            )
            .await;
        assert_eq!(by_id, by_seq, "around {}", original.seq);
        assert!(
            by_id.messages.iter().any(|m| m.id == original.id),
            "the original is on the page"
        );
    }
}

#[actix_web::test]
async fn around_id_with_another_position_or_not_an_id_is_400() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, _) = app.pair().await;
    let m = app.send_text(&alice, chat, "hello").await.id;
    for bad in [
        format!("around_id={m}&around=1"),
        format!("around_id={m}&before=2"),
        format!("around_id={m}&after=0"),
        "around_id=15".to_owned(),
        "around_id=".to_owned(),
    ] {
        let resp = app
            .get_authed(&format!("/chats/{chat}/messages?{bad}"), &bob)
            .await;
        assert_error(resp, 400, ErrorCode::InvalidQuery).await;
    }
}

/// A stranger, an id of another chat (of the caller's own), an unknown id, a message deleted
/// for everyone or by the caller for themselves: all 404, and the ids all get the same
/// answer as an unknown one, so asking tells nothing about a message.
#[actix_web::test]
async fn around_id_of_a_message_the_caller_may_not_open_is_404_as_an_unknown_one() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, _) = app.pair().await;
    let (carol_id, carol) = app.user("carol").await;
    let other = app.direct_chat(&alice, carol_id).await.id;
    app.accept_request(&carol, other).await;
    let kept = app.send_text(&alice, chat, "kept").await;
    let elsewhere = app.send_text(&alice, other, "to carol").await;
    let gone = app.send_text(&alice, chat, "deleted for everyone").await;
    let mine_hidden = app
        .send_text(&alice, chat, "deleted by bob for himself")
        .await;
    delete(&app, &alice, chat, gone.id, true).await;
    delete(&app, &bob, chat, mine_hidden.id, false).await;

    let unknown = not_found_around(&app, &bob, chat, MessageId::new_random()).await;
    for (message, why) in [
        (elsewhere.id, "a message of another chat"),
        (gone.id, "deleted for everyone"),
        (mine_hidden.id, "deleted by the caller for themselves"),
    ] {
        assert_eq!(
            not_found_around(&app, &bob, chat, message).await,
            unknown,
            "{why}"
        );
    }
    // alice, a member of both chats, neither: the message is of the other one
    assert_eq!(
        not_found_around(&app, &alice, chat, elsewhere.id).await,
        unknown,
        "an id of another chat of the caller's own"
    );
    // bob did not delete it for alice
    let page = app
        .history(&alice, chat, &format!("around_id={}", mine_hidden.id))
        .await;
    assert!(page.messages.iter().any(|m| m.id == mine_hidden.id));
    // a stranger learns nothing of the chat, whether the message exists or not
    let (_, mallory) = app.user("mallory").await;
    let stranger_known = not_found_around(&app, &mallory, chat, kept.id).await;
    let stranger_unknown = not_found_around(&app, &mallory, chat, MessageId::new_random()).await;
    assert_eq!(stranger_known, stranger_unknown, "a stranger");
}

#[actix_web::test]
async fn a_former_member_opens_history_around_a_message_id_only_from_before_their_departure() {
    let app = TestApp::spawn_busy().await;
    let (_, owner) = app.user("owner").await;
    let (bob_id, bob) = app.user("bob").await;
    let group = app.group_chat(&owner, "Club", &[bob_id]).await.id;
    let before = app.send_text(&owner, group, "before").await;
    let resp = app
        .client
        .delete(app.api(&format!("/chats/{group}/members/{bob_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let after = app.send_text(&owner, group, "after").await;

    let page = app
        .history(&bob, group, &format!("around_id={}", before.id))
        .await;
    assert!(page.messages.iter().any(|m| m.id == before.id));
    assert!(page.messages.iter().all(|m| m.seq < after.seq));
    let unknown = not_found_around(&app, &bob, group, MessageId::new_random()).await;
    assert_eq!(
        not_found_around(&app, &bob, group, after.id).await,
        unknown,
        "sent after bob left"
    );
}
