//! Message search (`GET /search/messages`): the matching rules people expect, who may find
//! what, edits and deletes, filters, paging and bad input. People search is in `users`,
//! history around a hit in `around`.

use natter_shared::api::{EditMessageRequest, Message, SearchPage};
use natter_shared::{ErrorCode, MessageId, RequestId};
use natter_tests::files::samples;
use natter_tests::{TestApp, assert_error, json_with_status};

async fn search_raw(app: &TestApp, token: &str, params: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .get(app.api("/search/messages"))
        .query(params)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn search(app: &TestApp, token: &str, params: &[(&str, &str)]) -> SearchPage {
    json_with_status(search_raw(app, token, params).await, 200).await
}

async fn found_ids(app: &TestApp, token: &str, q: &str) -> Vec<MessageId> {
    let page = search(app, token, &[("q", q), ("limit", "50")]).await;
    page.hits.into_iter().map(|h| h.message.id).collect()
}

#[actix_web::test]
async fn the_matching_rules_people_expect() {
    // (stored text, query, found, why)
    #[rustfmt::skip]
    let table: &[(&str, &str, bool, &str)] = &[
        ("Столы стоят у окна", "стол", true, "Russian: a plural by its stem"),
        ("Я купил новый стол", "столы", true, "Russian: the plural finds the singular"),
        ("Обсудим со столами", "столу", true, "Russian: another case of the word"),
        ("She was running late", "run", true, "English: a form of the word"),
        ("We run every morning", "running", true, "English: -ing finds the base form"),
        ("The cats sleep", "cat", true, "English: plural by its stem"),
        ("Natter is a messenger", "natt", true, "a partial word (prefix)"),
        ("Натрий и калий", "натр", true, "a partial Russian word"),
        ("Подивіться на наш новий сайт", "сайт", true, "a Ukrainian word"),
        ("Привітання з Києва", "приві", true, "Ukrainian by prefix"),
        ("Зустрінемося біля вокзалу", "стріне", true, "Ukrainian by substring"),
        ("Їжак і ґанок", "ґанок", true, "Ukrainian letters ї, ґ"),
        ("docs at https://docs.example.com/x", "example", true, "inside a host name"),
        ("see https://docs.example.com/guide/setup", "setup", true, "inside a link's path"),
        ("mail me: person@mailhost.org", "mailhost", true, "inside an e-mail address"),
        ("fixed in PLT-3699 yesterday", "PLT-3699", true, "a hyphenated id"),
        ("fixed in PLT-3698 today", "3698", true, "part of an id"),
        ("fixed in PLT-3697 today", "plt-3690", false, "another id"),
        ("a well-known trick", "well-known", true, "a hyphenated word"),
        ("НАТТЕРУ громко", "наттеру", true, "case does not matter (Cyrillic)"),
        ("SHOUTING here", "shouting", true, "case does not matter (Latin)"),
        ("Ёжик в тумане", "ежик", true, "ё in the text, е in the query"),
        ("Ежиха в тумане", "ёжиха", true, "е in the text, ё in the query"),
        ("the quick brown fox", "\"quick brown\"", true, "a quoted phrase"),
        ("the brown quick wolf", "\"quick brown\"", false, "a phrase in another order"),
        ("release notes draft", "release -draft", false, "an excluded word"),
        ("release notes final", "release -draft", true, "exclusion without its word"),
        ("apples and oranges", "banana", false, "a word that is not there"),
        ("apples and pears", "apples plums", false, "every word must be there"),
        ("pears and apples", "apples pears", true, "words in any order"),
        ("it is 100% done", "100%", true, "a % in the query is literal"),
        ("it is 1000 done", "100%", false, "a % in the query is no wildcard"),
        ("snake_case name", "e_c", true, "an _ in the query is literal"),
        ("snakeXcase name", "e_c", false, "an _ in the query is no wildcard"),
        ("natter without an article", "the natter", true, "a stop word beside others is left out"),
        ("что нового", "что", true, "a stop word alone is searched for"),
        ("go home now", "ho", true, "two letters: the start of a word"),
        ("echo echo", "ho", false, "two letters: not inside a word"),
    ];
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    let mut sent: Vec<MessageId> = Vec::new();
    for (text, ..) in table {
        sent.push(app.send_text(&alice, chat, text).await.id);
    }
    let mut wrong = Vec::new();
    for ((text, q, want, why), id) in table.iter().zip(&sent) {
        let found = found_ids(&app, &alice, q).await.contains(id);
        if found != *want {
            wrong.push(format!(
                "{q:?} in {text:?}: found {found}, want {want} ({why})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[actix_web::test]
async fn a_hit_carries_its_chat_and_a_snippet_with_the_match_marked() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, bob_id) = app.pair().await;
    let sent = app
        .send_text(&bob, chat, "Read https://docs.example.com/x before Friday")
        .await;
    let page = search(&app, &alice, &[("q", "EXAMPLE")]).await;
    assert_eq!(page.hits.len(), 1);
    let hit = &page.hits[0];
    assert_eq!(hit.message.id, sent.id);
    assert_eq!(hit.chat.id, chat);
    assert_eq!(hit.chat.partner.as_ref().map(|p| p.id), Some(bob_id));
    let sender = hit.sender.as_ref().expect("the sender is named");
    assert_eq!((sender.id, sender.name()), (bob_id, "bob"));
    let marked: Vec<&str> = hit
        .snippet
        .iter()
        .filter(|p| p.matched)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, ["example"]);
    let whole: String = hit.snippet.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(whole, sent.text);
    assert!(page.next_cursor.is_none());
}

#[actix_web::test]
async fn strangers_and_removed_members_find_nothing_of_a_chat() {
    let app = TestApp::spawn_busy().await;
    let (_, owner) = app.user("owner").await;
    let (bob_id, bob) = app.user("bob").await;
    let (_, stranger) = app.user("mallory").await;
    let group = app.group_chat(&owner, "Plans", &[bob_id]).await.id;
    let secret = app.send_text(&owner, group, "the zanzibar plan").await;
    assert_eq!(found_ids(&app, &bob, "zanzibar").await, vec![secret.id]);
    assert!(found_ids(&app, &stranger, "zanzibar").await.is_empty());
    let group_param = group.to_string();
    let resp = search_raw(
        &app,
        &stranger,
        &[("q", "zanzibar"), ("chat_id", group_param.as_str())],
    )
    .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;

    let resp = app
        .client
        .delete(app.api(&format!("/chats/{group}/members/{bob_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert!(
        found_ids(&app, &bob, "zanzibar").await.is_empty(),
        "a removed member finds nothing of the chat"
    );
    let resp = search_raw(
        &app,
        &bob,
        &[("q", "zanzibar"), ("chat_id", group_param.as_str())],
    )
    .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
    assert_eq!(found_ids(&app, &owner, "zanzibar").await, vec![secret.id]);
}

#[actix_web::test]
async fn an_edit_is_found_by_its_new_words_only_and_a_deleted_message_never() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, _) = app.pair().await;
    let m = app.send_text(&alice, chat, "meet at the lighthouse").await;
    assert_eq!(found_ids(&app, &bob, "lighthouse").await, vec![m.id]);
    let resp = app
        .client
        .patch(app.api(&format!("/chats/{chat}/messages/{}", m.id)))
        .bearer_auth(&alice)
        .json(&EditMessageRequest {
            text: "meet at the harbour".into(),
            request_id: RequestId::new_random(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(found_ids(&app, &bob, "lighthouse").await.is_empty());
    let page = search(&app, &bob, &[("q", "harbour")]).await;
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.hits[0].message.text, "meet at the harbour");

    // deleted for me: gone for me, still found by the other
    let mine = app.send_text(&alice, chat, "quasar sighting").await;
    let resp = app
        .client
        .delete(app.api(&format!(
            "/chats/{chat}/messages/{}?for_everyone=false",
            mine.id
        )))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert!(found_ids(&app, &bob, "quasar").await.is_empty());
    assert_eq!(found_ids(&app, &alice, "quasar").await, vec![mine.id]);

    // deleted for everyone: found by nobody
    let resp = app
        .client
        .delete(app.api(&format!(
            "/chats/{chat}/messages/{}?for_everyone=true",
            m.id
        )))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert!(found_ids(&app, &alice, "harbour").await.is_empty());
    assert!(found_ids(&app, &bob, "harbour").await.is_empty());
}

#[actix_web::test]
async fn filters_narrow_by_chat_sender_time_and_what_a_message_carries() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, bob_id) = app.pair().await;
    let other = app.group_chat(&alice, "Other", &[bob_id]).await.id;
    let a1 = app.send_text(&alice, chat, "tapir one").await;
    let b1 = app
        .send_text(&bob, chat, "tapir two https://tapir.example.org")
        .await;
    let g1 = app
        .send_text(&bob, other, "tapir three www.tapirs.net")
        .await;
    let image = app.upload(&bob, "tapir.png", &samples::png(32, 32)).await;
    let text_file = app.upload(&bob, "notes.txt", b"plain words").await;
    let with_image: Message = json_with_status(
        app.send_files(&bob, chat, "tapir picture", &[image.id])
            .await,
        201,
    )
    .await;
    let with_file: Message = json_with_status(
        app.send_files(&bob, chat, "tapir notes", &[text_file.id])
            .await,
        201,
    )
    .await;

    let ids = |page: SearchPage| -> Vec<MessageId> {
        page.hits.into_iter().map(|h| h.message.id).collect()
    };
    let all = ids(search(&app, &alice, &[("q", "tapir")]).await);
    assert_eq!(
        all,
        vec![with_file.id, with_image.id, g1.id, b1.id, a1.id],
        "newest first"
    );
    let chat_s = chat.to_string();
    let in_chat = ids(search(&app, &alice, &[("q", "tapir"), ("chat_id", &chat_s)]).await);
    assert_eq!(in_chat, vec![with_file.id, with_image.id, b1.id, a1.id]);
    let bob_s = bob_id.to_string();
    let by_bob = ids(search(&app, &alice, &[("q", "tapir"), ("sender_id", &bob_s)]).await);
    assert_eq!(by_bob, vec![with_file.id, with_image.id, g1.id, b1.id]);
    let links = ids(search(&app, &alice, &[("q", "tapir"), ("has", "link")]).await);
    assert_eq!(links, vec![g1.id, b1.id]);
    let files = ids(search(&app, &alice, &[("q", "tapir"), ("has", "file")]).await);
    assert_eq!(files, vec![with_file.id, with_image.id]);
    let images = ids(search(&app, &alice, &[("q", "tapir"), ("has", "image")]).await);
    assert_eq!(images, vec![with_image.id]);

    // time: from is inclusive, to exclusive; a date means the whole day (UTC)
    let at = |m: &Message| m.created_at.to_rfc3339();
    let from_b1 = ids(search(
        &app,
        &alice,
        &[("q", "tapir"), ("from", &at(&b1)), ("to", &at(&with_image))],
    )
    .await);
    assert_eq!(from_b1, vec![g1.id, b1.id]);
    let day = a1.created_at.format("%Y-%m-%d").to_string();
    let that_day = ids(search(
        &app,
        &alice,
        &[("q", "tapir"), ("from", &day), ("to", &day)],
    )
    .await);
    assert_eq!(
        that_day.len(),
        5,
        "the whole day, both ends given as the same date"
    );
    let later = ids(search(&app, &alice, &[("q", "tapir"), ("from", "2999-01-01")]).await);
    assert!(later.is_empty());
}

#[actix_web::test]
async fn pages_follow_the_cursor_newest_first_without_repeats() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(
            app.send_text(&alice, chat, &format!("okapi number {i}"))
                .await
                .id,
        );
    }
    sent.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for expected_len in [2, 2, 1] {
        let mut params = vec![("q", "okapi".to_owned()), ("limit", "2".to_owned())];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = search(&app, &alice, &params).await;
        assert_eq!(page.hits.len(), expected_len);
        seen.extend(page.hits.iter().map(|h| h.message.id));
        cursor = page.next_cursor;
    }
    assert!(cursor.is_none(), "the last page has no cursor");
    assert_eq!(seen, sent);
}

#[actix_web::test]
async fn bad_searches_are_400s_with_their_reason() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, _chat, _) = app.pair().await;
    let long = "x".repeat(201);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "q missing"),
        (&[("q", "")], "q empty"),
        (&[("q", "   ")], "q only spaces"),
        (&[("q", "-draft")], "only an exclusion"),
        (&[("q", long.as_str())], "q too long"),
        (&[("q", "a\0b")], "a NUL byte"),
        (&[("q", "x"), ("limit", "0")], "limit 0"),
        (&[("q", "x"), ("limit", "51")], "limit 51"),
        (&[("q", "x"), ("from", "yesterday")], "from not a date"),
        (&[("q", "x"), ("to", "2026-02-30")], "to not a real date"),
        (
            &[("q", "x"), ("from", "-5000-01-01T00:00:00Z")],
            "from before year 1",
        ),
        (
            &[("q", "x"), ("to", "+12000-01-01T00:00:00Z")],
            "to past year 9999",
        ),
        (&[("q", "--- …")], "no letter or digit"),
        (&[("q", "x"), ("has", "video")], "has unknown"),
        (&[("q", "x"), ("cursor", "garbage")], "cursor not ours"),
        (&[("q", "x"), ("chat_id", "nope")], "chat_id malformed"),
        (&[("q", "x"), ("bogus", "1")], "unknown parameter"),
    ];
    for (params, why) in cases {
        let resp = search_raw(&app, &alice, params).await;
        assert_eq!(resp.status(), 400, "{why}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{why}: {body}"
        );
    }
    let resp = app
        .client
        .get(app.api("/search/messages?q=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}
