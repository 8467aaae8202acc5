//! Reducer tests: the profile editor and the devices list.

use natter_shared::{ErrorCode, Field, SessionId};
use uuid::Uuid;

use super::support::*;
use crate::action::Action;
use crate::api::{ApiCall, ApiReply};
use crate::reduce::reduce;
use crate::state::{Notice, Screen};

#[test]
fn the_devices_list_is_loaded() {
    let state = with_devices();
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(shell.devices.sessions.as_ref().map(Vec::len), Some(2));
    assert!(!shell.devices.loading);
}

#[test]
fn signing_out_another_device_deletes_its_session() {
    let mut state = with_devices();
    let other = SessionId(Uuid::from_u128(2));
    let revoke = only_api(&reduce(&mut state, Action::DeviceSignOutRequested(other))).clone();
    assert_eq!(revoke.call, ApiCall::RevokeSession(other));
    reduce(&mut state, answer(&revoke, Ok(ApiReply::Empty)));
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    let ids: Vec<_> = shell
        .devices
        .sessions
        .iter()
        .flatten()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![this_session()]);
    assert!(shell.devices.revoking.is_empty());
}

#[test]
fn signing_out_this_device_from_the_list_is_a_logout() {
    let mut state = with_devices();
    let effects = reduce(&mut state, Action::DeviceSignOutRequested(this_session()));
    assert_eq!(only_api(&effects).call, ApiCall::Logout);
}

#[test]
fn saving_the_profile_sends_only_what_changed() {
    let (mut state, _) = signed_in();
    reduce(
        &mut state,
        Action::ProfileFieldEdited {
            field: Field::Bio,
            value: " Rustacean ".into(),
        },
    );
    let update = only_api(&reduce(&mut state, Action::ProfileSubmitted)).clone();
    let ApiCall::UpdateMe(body) = &update.call else {
        panic!()
    };
    assert_eq!(body.display_name, None);
    assert_eq!(body.bio.as_deref(), Some("Rustacean"));
    let mut saved = alice();
    saved.bio = "Rustacean".into();
    reduce(
        &mut state,
        answer(&update, Ok(ApiReply::User(Box::new(saved.clone())))),
    );
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(shell.user, saved);
    assert!(!shell.profile.saving);
    assert_eq!(state.notice, Some(Notice::ProfileSaved));
}

#[test]
fn clearing_the_display_name_sends_an_empty_string() {
    let (mut state, _) = signed_in();
    reduce(
        &mut state,
        Action::ProfileFieldEdited {
            field: Field::DisplayName,
            value: "  ".into(),
        },
    );
    let effects = reduce(&mut state, Action::ProfileSubmitted);
    let ApiCall::UpdateMe(body) = &only_api(&effects).call else {
        panic!()
    };
    assert_eq!(body.display_name.as_deref(), Some(""));
}

#[test]
fn an_invalid_or_unchanged_profile_is_not_sent() {
    let (mut state, _) = signed_in();
    assert!(
        reduce(&mut state, Action::ProfileSubmitted).is_empty(),
        "unchanged"
    );
    reduce(
        &mut state,
        Action::ProfileFieldEdited {
            field: Field::Bio,
            value: "b".repeat(501),
        },
    );
    assert!(
        reduce(&mut state, Action::ProfileSubmitted).is_empty(),
        "too long"
    );
    reduce(&mut state, Action::ProfileReverted);
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(shell.profile.bio, "");
}

#[test]
fn a_profile_error_with_a_field_shows_next_to_it() {
    let (mut state, _) = signed_in();
    reduce(
        &mut state,
        Action::ProfileFieldEdited {
            field: Field::DisplayName,
            value: "Al".into(),
        },
    );
    let update = only_api(&reduce(&mut state, Action::ProfileSubmitted)).clone();
    let failure = server_error(400, ErrorCode::ValidationFailed, Some(Field::DisplayName));
    reduce(&mut state, answer(&update, Err(failure)));
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert!(shell.profile.field_error(Field::DisplayName).is_some());
    assert!(!shell.profile.saving);
}

#[test]
fn choosing_who_sees_my_presence_sends_only_that_and_keeps_the_answer() {
    use natter_shared::api::PresenceVisibility;
    let (mut state, _) = signed_in();
    let effects = reduce(
        &mut state,
        Action::PresenceVisibilityChosen(PresenceVisibility::Nobody),
    );
    let update = only_api(&effects).clone();
    let ApiCall::UpdateMe(body) = &update.call else {
        panic!()
    };
    assert_eq!(body.presence_visibility, Some(PresenceVisibility::Nobody));
    assert_eq!(
        (body.display_name.as_ref(), body.bio.as_ref()),
        (None, None)
    );
    // one at a time
    assert!(
        reduce(
            &mut state,
            Action::PresenceVisibilityChosen(PresenceVisibility::Contacts)
        )
        .is_empty()
    );
    let mut saved = alice();
    saved.presence_visibility = Some(PresenceVisibility::Nobody);
    reduce(
        &mut state,
        answer(&update, Ok(ApiReply::User(Box::new(saved.clone())))),
    );
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(shell.user, saved);
    assert_eq!(shell.privacy.saving, None);
    assert_eq!(state.notice, None, "not the profile editor's notice");
    // the current choice again sends nothing
    assert!(
        reduce(
            &mut state,
            Action::PresenceVisibilityChosen(PresenceVisibility::Nobody)
        )
        .is_empty()
    );
}

#[test]
fn a_refused_privacy_choice_shows_the_error_and_keeps_the_old_one() {
    use natter_shared::api::PresenceVisibility;
    let (mut state, _) = signed_in();
    let update = only_api(&reduce(
        &mut state,
        Action::PresenceVisibilityChosen(PresenceVisibility::Contacts),
    ))
    .clone();
    reduce(
        &mut state,
        answer(
            &update,
            Err(server_error(400, ErrorCode::InvalidJson, None)),
        ),
    );
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(shell.privacy.saving, None);
    assert!(shell.privacy.error.is_some());
    assert_eq!(shell.user.presence_visibility, None);
}
