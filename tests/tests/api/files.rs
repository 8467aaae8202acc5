//! Files after upload: downloads with ranges and validators, thumbnails without metadata,
//! who may read a file, messages that carry files, erasure with the last message, avatars.

use natter_shared::ErrorCode;
use natter_shared::FileId;
use natter_shared::api::ServiceAction;
use natter_shared::api::{Message, MessagePage, User};
use natter_tests::files::samples;
use natter_tests::{TestApp, assert_error, json_with_status};

#[actix_web::test]
async fn ranges_resume_a_download_and_validators_answer_304() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let bytes = samples::noise(200_000, 3);
    let file = app.upload(&token, "отчёт 2026.pdf", &bytes).await;

    let full = app.download(&token, file.id, &[]).await;
    assert_eq!(full.status(), 200);
    let etag = full.headers()["ETag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", file.sha256));
    assert_eq!(full.headers()["Accept-Ranges"], "bytes");
    let disposition = full.headers()["Content-Disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");

    let part = app
        .download(&token, file.id, &[("Range", "bytes=1000-1999")])
        .await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["Content-Range"], "bytes 1000-1999/200000");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[1000..2000]);

    // a download cut at 150,000 bytes resumes from there
    let rest = app
        .download(
            &token,
            file.id,
            &[("Range", "bytes=150000-"), ("If-Range", &etag)],
        )
        .await;
    assert_eq!(rest.status(), 206);
    assert_eq!(rest.bytes().await.unwrap().as_ref(), &bytes[150_000..]);

    let suffix = app
        .download(&token, file.id, &[("Range", "bytes=-10")])
        .await;
    assert_eq!(suffix.bytes().await.unwrap().as_ref(), &bytes[199_990..]);

    let outside = app
        .download(&token, file.id, &[("Range", "bytes=300000-")])
        .await;
    assert_eq!(outside.headers()["Content-Range"], "bytes */200000");
    assert_error(outside, 416, ErrorCode::RangeNotSatisfiable).await;

    // another version named in If-Range: the whole file
    let changed = app
        .download(
            &token,
            file.id,
            &[("Range", "bytes=0-9"), ("If-Range", "\"other\"")],
        )
        .await;
    assert_eq!(changed.status(), 200);

    let unchanged = app
        .download(&token, file.id, &[("If-None-Match", &etag)])
        .await;
    assert_eq!(unchanged.status(), 304);
}

#[actix_web::test]
async fn an_image_gets_a_320_px_thumbnail_without_its_metadata() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let jpeg = samples::jpeg_with_exif(1200, 800);
    assert!(jpeg.windows(8).any(|w| w == b"GPSInfo "));
    let file = app.upload(&token, "photo.jpg", &jpeg).await;
    assert_eq!(file.mime, "image/jpeg");
    assert_eq!((file.width, file.height), (Some(1200), Some(800)));
    assert!(file.has_thumbnail && file.is_image());
    let resp = app
        .get_authed(&format!("/files/{}/thumbnail", file.id), &token)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["Content-Type"], "image/jpeg");
    let thumb = resp.bytes().await.unwrap();
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (320, 213));
    assert!(!thumb.windows(4).any(|w| w == b"Exif"));
    assert!(!thumb.windows(22).any(|w| w == b"Natter-Secret-Location"));
    // the original is served as it was uploaded
    let original = app
        .download(&token, file.id, &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(original.as_ref(), jpeg.as_slice());
    // a file that is not an image has no thumbnail
    let text = app.upload(&token, "a.txt", b"plain words").await;
    assert_eq!(
        app.get_authed(&format!("/files/{}/thumbnail", text.id), &token)
            .await
            .status(),
        404
    );
}

#[actix_web::test]
async fn only_the_uploader_and_members_of_a_chat_carrying_it_read_a_file() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice").await;
    let (bob_id, bob) = app.user("bob").await;
    let (_, stranger) = app.user("mallory").await;
    let file = app.upload(&alice, "cat.png", &samples::png(64, 48)).await;
    // nobody but the uploader before it is shared
    assert_eq!(app.download(&bob, file.id, &[]).await.status(), 404);
    let group = app.group_chat(&alice, "Cats", &[bob_id]).await;
    let resp = app.send_files(&alice, group.id, "", &[file.id]).await;
    let sent: Message = json_with_status(resp, 201).await;
    assert_eq!(sent.text, "");
    assert_eq!(sent.attachments, vec![file.clone()]);
    // the history carries the metadata: no second request needed
    let page: MessagePage = app.history(&bob, group.id, "").await;
    let last = page.messages.last().unwrap();
    assert_eq!(last.attachments, vec![file.clone()]);

    assert_eq!(app.download(&bob, file.id, &[]).await.status(), 200);
    let thumb = format!("/files/{}/thumbnail", file.id);
    assert_eq!(app.get_authed(&thumb, &bob).await.status(), 200);
    for resp in [
        app.download(&stranger, file.id, &[]).await,
        app.get_authed(&thumb, &stranger).await,
        app.download(&bob, FileId::new_random(), &[]).await,
    ] {
        assert_error(resp, 404, ErrorCode::NotFound).await;
    }
    // removed from the group, bob reads it no more
    let removed = app
        .client
        .delete(app.api(&format!("/chats/{}/members/{bob_id}", group.id)))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204, "{:?}", removed.text().await);
    assert_error(
        app.download(&bob, file.id, &[]).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
}

#[actix_web::test]
async fn a_message_carries_only_ones_own_ready_files_and_at_most_ten() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice").await;
    let (bob_id, bob) = app.user("bob").await;
    let chat = app.group_chat(&alice, "G", &[bob_id]).await;
    let mine = app.upload(&alice, "a.txt", b"alice's").await;
    // bob cannot send alice's file he has never been shown
    assert_error(
        app.send_files(&bob, chat.id, "", &[mine.id]).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    // an unfinished upload is not ready
    let unfinished = app.tus_created(&alice, 10, "half.bin").await;
    assert_error(
        app.send_files(&alice, chat.id, "x", &[unfinished]).await,
        409,
        ErrorCode::FileNotReady,
    )
    .await;
    assert_error(
        app.send_files(&alice, chat.id, "", &[]).await,
        400,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_error(
        app.send_files(&alice, chat.id, "", &[mine.id, mine.id])
            .await,
        400,
        ErrorCode::ValidationFailed,
    )
    .await;
    let eleven: Vec<FileId> = (0..11).map(|_| mine.id).collect();
    assert_error(
        app.send_files(&alice, chat.id, "", &eleven).await,
        400,
        ErrorCode::ValidationFailed,
    )
    .await;
    let mut ten = Vec::new();
    for i in 0..10 {
        ten.push(
            app.upload(&alice, &format!("{i}.txt"), format!("file {i}").as_bytes())
                .await
                .id,
        );
    }
    let sent: Message =
        json_with_status(app.send_files(&alice, chat.id, "ten", &ten).await, 201).await;
    let ids: Vec<FileId> = sent.attachments.iter().map(|f| f.id).collect();
    assert_eq!(ids, ten, "in the order sent");
}

#[actix_web::test]
async fn deleting_the_last_message_that_carries_a_file_erases_it_from_storage() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice").await;
    let (bob_id, bob) = app.user("bob").await;
    let chat = app.group_chat(&alice, "G", &[bob_id]).await;
    let other = app.group_chat(&bob, "H", &[]).await;
    let file = app.upload(&alice, "cat.png", &samples::png(40, 40)).await;
    let key = format!("files/{}", file.id);
    assert!(app.stored(&key).await);
    assert!(app.stored(&format!("thumbnails/{}", file.id)).await);
    let sent: Message =
        json_with_status(app.send_files(&alice, chat.id, "", &[file.id]).await, 201).await;
    // bob forwards it: the copy carries the same file
    let forward = app
        .client
        .post(app.api(&format!("/chats/{}/forward", other.id)))
        .bearer_auth(&bob)
        .json(&natter_shared::api::ForwardRequest {
            from_chat_id: chat.id,
            message_ids: vec![sent.id],
            request_id: natter_shared::RequestId::new_random(),
        })
        .send()
        .await
        .unwrap();
    let copies: natter_shared::api::Forwarded = json_with_status(forward, 200).await;
    assert_eq!(copies.messages[0].attachments, vec![file.clone()]);

    let delete = |token: String, chat: natter_shared::ChatId, id: natter_shared::MessageId| {
        let app = &app;
        async move {
            app.client
                .delete(app.api(&format!("/chats/{chat}/messages/{id}?for_everyone=true")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(delete(alice.clone(), chat.id, sent.id).await.status(), 200);
    // still carried by the forward
    assert!(app.stored(&key).await);
    assert_eq!(app.download(&bob, file.id, &[]).await.status(), 200);
    let history = app.history(&alice, chat.id, "").await;
    assert!(history.messages.iter().all(|m| m.attachments.is_empty()));

    assert_eq!(
        delete(bob.clone(), other.id, copies.messages[0].id)
            .await
            .status(),
        200
    );
    assert!(
        !app.stored(&key).await,
        "the file left storage with its last message"
    );
    assert!(!app.stored(&format!("thumbnails/{}", file.id)).await);
    assert_error(
        app.download(&alice, file.id, &[]).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
}

#[actix_web::test]
async fn a_shared_file_cannot_be_cancelled_away() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice").await;
    let chat = app.group_chat(&alice, "G", &[]).await;
    let file = app.upload(&alice, "a.txt", b"kept").await;
    json_with_status::<Message>(app.send_files(&alice, chat.id, "", &[file.id]).await, 201).await;
    let cancel = app
        .client
        .delete(app.api(&format!("/uploads/{}", file.id)))
        .bearer_auth(&alice)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_error(cancel, 403, ErrorCode::Forbidden).await;
    assert!(app.stored(&format!("files/{}", file.id)).await);
}

#[actix_web::test]
async fn an_avatar_is_a_square_everyone_signed_in_sees_and_it_can_be_removed() {
    let app = TestApp::spawn().await;
    let (alice_id, alice) = app.user("alice").await;
    let (_, bob) = app.user("bob").await;
    let photo = app.upload(&alice, "me.png", &samples::png(600, 400)).await;
    let put = |body: serde_json::Value| {
        let (app, alice) = (&app, alice.clone());
        async move {
            app.client
                .put(app.api("/users/me/avatar"))
                .bearer_auth(alice)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let me: User = json_with_status(put(serde_json::json!({"file_id": photo.id})).await, 200).await;
    assert_eq!(me.avatar, Some(photo.id));
    let seen: User = json_with_status(
        app.get_authed(&format!("/users/{alice_id}"), &bob).await,
        200,
    )
    .await;
    assert_eq!(seen.avatar, Some(photo.id));
    let avatar = app
        .get_authed(&format!("/users/{alice_id}/avatar"), &bob)
        .await;
    assert_eq!(avatar.status(), 200);
    let img = image::load_from_memory(&avatar.bytes().await.unwrap()).unwrap();
    assert_eq!(img.width(), img.height(), "square");
    // not an image, not mine, not a file
    let text = app.upload(&alice, "a.txt", b"words").await;
    assert_error(
        put(serde_json::json!({"file_id": text.id})).await,
        422,
        ErrorCode::NotAnImage,
    )
    .await;
    let bobs = app.upload(&bob, "b.png", &samples::png(10, 10)).await;
    assert_error(
        put(serde_json::json!({"file_id": bobs.id})).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_error(
        put(serde_json::json!({"file_id": "nope"})).await,
        400,
        ErrorCode::InvalidJson,
    )
    .await;

    let removed = app
        .client
        .delete(app.api("/users/me/avatar"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    let me: User = json_with_status(removed, 200).await;
    assert_eq!(me.avatar, None);
    assert_eq!(
        app.get_authed(&format!("/users/{alice_id}/avatar"), &bob)
            .await
            .status(),
        404
    );
    // the photo, used by nothing now, left storage
    assert!(!app.stored(&format!("files/{}", photo.id)).await);
}

#[actix_web::test]
async fn a_group_photo_is_set_by_those_who_edit_the_group_and_seen_by_members() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice").await;
    let (bob_id, bob) = app.user("bob").await;
    let (_, stranger) = app.user("mallory").await;
    let chat = app.group_chat(&alice, "G", &[bob_id]).await;
    let photo = app.upload(&alice, "g.png", &samples::png(300, 300)).await;
    let bobs = app.upload(&bob, "b.png", &samples::png(30, 30)).await;
    let set = |token: String, file: FileId| {
        let app = &app;
        async move {
            app.client
                .put(app.api(&format!("/chats/{}/photo", chat.id)))
                .bearer_auth(token)
                .json(&natter_shared::api::PhotoRequest { file_id: file })
                .send()
                .await
                .unwrap()
        }
    };
    // bob is a plain member: members may not edit the group's info by default
    assert_error(set(bob.clone(), bobs.id).await, 403, ErrorCode::RoleTooLow).await;
    assert_error(
        set(stranger.clone(), photo.id).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(set(alice.clone(), photo.id).await.status(), 204);
    let path = format!("/chats/{}/photo", chat.id);
    assert_eq!(app.get_authed(&path, &bob).await.status(), 200);
    assert_error(
        app.get_authed(&path, &stranger).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    // Bob's chat list carries it, and the history says who changed it
    let photo_in_list = |list: natter_shared::api::ChatList| {
        list.chats
            .into_iter()
            .find(|c| c.id == chat.id)
            .and_then(|c| c.photo)
    };
    assert_eq!(photo_in_list(app.chats(&bob, "").await), Some(photo.id));
    let services = |page: natter_shared::api::MessagePage| -> Vec<ServiceAction> {
        page.messages
            .into_iter()
            .filter_map(|m| m.service)
            .collect()
    };
    let history = services(app.history(&bob, chat.id, "").await);
    assert_eq!(
        history.last(),
        Some(&ServiceAction::PhotoChanged { removed: false })
    );
    // setting the same photo again changes nothing
    assert_eq!(set(alice.clone(), photo.id).await.status(), 204);
    assert_eq!(
        services(app.history(&bob, chat.id, "").await).len(),
        history.len()
    );
    let removed = app
        .client
        .delete(app.api(&path))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert_eq!(photo_in_list(app.chats(&bob, "").await), None);
    assert_eq!(
        services(app.history(&bob, chat.id, "").await).last(),
        Some(&ServiceAction::PhotoChanged { removed: true })
    );
    assert_error(app.get_authed(&path, &bob).await, 404, ErrorCode::NotFound).await;
}

#[actix_web::test]
async fn a_new_photo_shows_in_the_partners_chat_list_at_once() {
    let app = TestApp::spawn().await;
    let (alice_id, alice) = app.user("alice").await;
    let (_, bob) = app.user("bob").await;
    let chat = app.direct_chat(&bob, alice_id).await.id;
    let partner_avatar = |list: natter_shared::api::ChatList| {
        list.chats
            .into_iter()
            .find(|c| c.id == chat)
            .and_then(|c| c.partner)
            .and_then(|p| p.avatar)
    };
    // Bob's list is cached with Alice as she was
    assert_eq!(partner_avatar(app.chats(&bob, "").await), None);
    let photo = app.upload(&alice, "me.png", &samples::png(64, 64)).await;
    let set = app
        .client
        .put(app.api("/users/me/avatar"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({"file_id": photo.id}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(
        partner_avatar(app.chats(&bob, "").await),
        Some(photo.id),
        "not the cached profile from before"
    );
    let removed = app
        .client
        .delete(app.api("/users/me/avatar"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    assert_eq!(partner_avatar(app.chats(&bob, "").await), None);
}
