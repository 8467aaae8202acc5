//! A reply's quote opens its original: at once when it is loaded, with one page around its
//! seq when that is known, and with one page around its id (`around_id=`) when the quote
//! names nothing else, highlighted once it has come; an original that cannot be opened is
//! said in a notice.

use chrono::FixedOffset;
use natter_shared::{ErrorCode, MessageId};
use uuid::Uuid;

use super::support::*;
use crate::action::Action;
use crate::effect::Effect;
use crate::reduce::{HISTORY_PAGE, reduce};
use crate::state::{AppState, Around, Focus, Notice};

/// The id of chat 1's message `seq` (as `support::message` makes it).
fn id_of(seq: i64) -> MessageId {
    MessageId(Uuid::from_u128(1_000_000 + seq as u128))
}

/// The quote of chat 1's message `seq` clicked at `at(secs)`.
fn quote_clicked(state: &mut AppState, seq: i64, secs: i64) -> Vec<Effect> {
    reduce(
        state,
        Action::QuoteOpened {
            chat_id: chat(1),
            message: id_of(seq),
            now: at(secs),
        },
    )
}

fn clock_at(state: &mut AppState, secs: i64) {
    reduce(
        state,
        Action::ClockSet {
            now: at(secs),
            offset: FixedOffset::east_opt(0).unwrap(),
        },
    );
}

#[test]
fn a_quote_of_a_loaded_message_opens_at_it_without_asking_the_server() {
    let mut state = with_latest_loaded(1000);
    let effects = quote_clicked(&mut state, 990, 5);
    assert!(histories(&effects).is_empty(), "{effects:?}");
    assert_eq!(
        state.chats.by_id[&chat(1)].focus,
        Some(Focus {
            seq: 990,
            since: at(5)
        })
    );
}

#[test]
fn a_quote_of_a_message_never_loaded_asks_once_for_the_page_around_its_id_and_opens_there() {
    let mut state = with_latest_loaded(1000);
    let effects = quote_clicked(&mut state, 100, 5);
    let (request, query) = only_history(&effects);
    assert_eq!(query.around_id, Some(id_of(100)));
    assert_eq!(query.limit, Some(HISTORY_PAGE));
    assert_eq!(
        (query.around, query.before, query.after),
        (None, None, None)
    );
    assert!(
        request
            .call
            .path()
            .ends_with(&format!("messages?limit=50&around_id={}", id_of(100)))
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.history.around, Some(Around::Message(id_of(100))));
    assert_eq!(
        entry.focus, None,
        "nothing to scroll to until the page comes"
    );

    clock_at(&mut state, 7);
    let effects = reduce(&mut state, answer(&request, Ok(page(75..=124, true, true))));
    assert!(
        histories(&effects).is_empty(),
        "no older pages, no gap-fill"
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(
        entry.focus,
        Some(Focus {
            seq: 100,
            since: at(7)
        }),
        "highlighted from when it is shown"
    );
    assert_eq!(entry.history.around, None);
    assert!(entry.history.detached, "newer pages come on scrolling down");
    assert_eq!(entry.window_start(), Some(75));
    // a second click finds it loaded
    let effects = quote_clicked(&mut state, 100, 9);
    assert!(histories(&effects).is_empty());
}

#[test]
fn a_page_around_a_quote_clicked_before_another_is_dropped() {
    let mut state = with_latest_loaded(1000);
    let first = quote_clicked(&mut state, 100, 5);
    let (first, _) = only_history(&first);
    let second = quote_clicked(&mut state, 300, 6);
    let (second, _) = only_history(&second);
    reduce(&mut state, answer(&first, Ok(page(75..=124, true, true))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.focus, None);
    assert_eq!(
        entry.window_start(),
        Some(951),
        "the first answer changed nothing"
    );
    reduce(&mut state, answer(&second, Ok(page(275..=324, true, true))));
    assert_eq!(state.chats.by_id[&chat(1)].focus.map(|f| f.seq), Some(300));
}

#[test]
fn a_quoted_message_that_cannot_be_opened_is_said_in_a_notice_and_the_chat_stays() {
    let mut state = with_latest_loaded(1000);
    // (even with the search panel open: the quote is not one of its hits)
    reduce(
        &mut state,
        Action::Search(crate::action::SearchAction::Opened { chat: None }),
    );
    let effects = quote_clicked(&mut state, 100, 5);
    let (request, _) = only_history(&effects);
    let effects = reduce(
        &mut state,
        answer(&request, Err(server_error(404, ErrorCode::NotFound, None))),
    );
    assert!(histories(&effects).is_empty(), "{effects:?}");
    assert!(
        matches!(state.notice, Some(Notice::MessageNotOpened(_))),
        "{:?}",
        state.notice
    );
    assert_eq!(state.search.as_ref().unwrap().open_error, None);
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!((entry.history.around, entry.focus), (None, None));
    assert_eq!(entry.history.error, None, "older pages still come");
    assert_eq!(seqs(&state), (951..=1000).collect::<Vec<_>>());
}
