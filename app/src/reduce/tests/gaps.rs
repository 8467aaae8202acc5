//! Gap-fill against a window that moved or holds nothing yet: a message that arrives live
//! above a gap never makes the page that fills the gap look stale, and a page dropped as
//! stale does not leave a gap noticed meanwhile unasked.

use super::support::*;
use crate::action::Action;
use crate::reduce::{GAP_PAGE, reduce};

#[test]
fn an_empty_chat_fills_the_gap_below_a_message_that_arrived_first() {
    let mut state = with_open_chat(0);
    assert_eq!(state.chats.by_id[&chat(1)].synced_seq, Some(0));
    // message 1's frame was missed; message 2 arrives live
    let effects = live(&mut state, 2);
    let (request, query) = only_history(&effects);
    assert_eq!((query.after, query.limit), (Some(0), Some(GAP_PAGE)));

    let effects = reduce(&mut state, answer(&request, Ok(page(1..=2, false, false))));
    assert!(histories(&effects).is_empty(), "{effects:?}");
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(
        entry.synced_seq,
        Some(2),
        "the page is not taken for a stale one"
    );
    assert!(!entry.history.filling);
    assert_eq!(seqs(&state), vec![1, 2]);
}

#[test]
fn a_gap_page_dropped_as_stale_asks_for_a_gap_noticed_while_it_was_on_its_way() {
    let mut state = with_latest_loaded(1000);
    let effects = live(&mut state, 1100);
    let (stale, query) = only_history(&effects);
    assert_eq!(query.after, Some(1000));
    // meanwhile the chat is opened far below and reloaded at its end
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(&mut state, Action::LatestWanted(chat(1)));
    let (latest, _) = only_history(&effects);
    let effects = reduce(
        &mut state,
        answer(&latest, Ok(page(1051..=1100, true, false))),
    );
    assert!(histories(&effects).is_empty(), "one gap page at a time");
    let effects = live(&mut state, 1102);
    assert!(histories(&effects).is_empty(), "one gap page at a time");

    let effects = reduce(
        &mut state,
        answer(&stale, Ok(page(1001..=1100, true, true))),
    );
    let (request, query) = only_history(&effects);
    assert_eq!(
        query.after,
        Some(1100),
        "the gap below 1102 is asked for now"
    );
    assert_eq!(state.chats.by_id[&chat(1)].synced_start(), Some(1051));

    reduce(
        &mut state,
        answer(&request, Ok(page(1101..=1102, true, false))),
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(1102));
    assert_eq!(seqs(&state), (1051..=1102).collect::<Vec<_>>());
}
