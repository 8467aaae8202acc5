//! The app's own updates: the policy handed to the update worker (at start and whenever the
//! setting or the address changes), what it reports, and the person's answers.

use crate::action::Action;
use crate::effect::{Effect, UpdateCommand};
use crate::state::AppState;
use crate::state::update::{UpdateEvent, UpdateStatus};

/// The worker's policy as the settings and `--no-update` make it.
pub(super) fn policy(state: &AppState) -> Effect {
    Effect::Update(UpdateCommand::Policy {
        enabled: state.settings.check_updates && !state.update.off_for_this_run,
        url: url(state),
    })
}

fn url(state: &AppState) -> String {
    crate::build_info::manifest_url(&state.settings.update_url, &state.server_url)
}

pub(super) fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Update(event) => {
            reported(state, event);
            Vec::new()
        }
        Action::UpdatesStarted => vec![policy(state)],
        Action::UpdateCheckNow => {
            if matches!(
                state.update.status,
                UpdateStatus::Downloading { .. } | UpdateStatus::Ready { .. }
            ) {
                return Vec::new();
            }
            state.update.status = UpdateStatus::Checking;
            vec![Effect::Update(UpdateCommand::CheckNow { url: url(state) })]
        }
        Action::UpdateInstall => match &state.update.status {
            UpdateStatus::Available(offer) => {
                let offer = offer.clone();
                state.update.status = UpdateStatus::Downloading {
                    offer: offer.clone(),
                    done: 0,
                };
                vec![Effect::Update(UpdateCommand::Install(offer))]
            }
            _ => Vec::new(),
        },
        Action::UpdateRestart => {
            if matches!(state.update.status, UpdateStatus::Ready { .. }) {
                state.update.restart_requested = true;
            }
            Vec::new()
        }
        Action::UpdateUrlEdited(url) => {
            state.settings.update_url = url;
            vec![policy(state)]
        }
        _ => Vec::new(),
    }
}

fn reported(state: &mut AppState, event: UpdateEvent) {
    let status = &mut state.update.status;
    match event {
        UpdateEvent::Checked(_) | UpdateEvent::NothingPublished
            // a check that ends while a download runs or after an install changes nothing
            if matches!(
                status,
                UpdateStatus::Downloading { .. } | UpdateStatus::Ready { .. }
            ) => {}
        UpdateEvent::Checked(result) => {
            *status = match result {
                Ok(Some(offer)) => UpdateStatus::Available(offer),
                Ok(None) => UpdateStatus::UpToDate,
                Err(why) => UpdateStatus::Failed(why),
            };
        }
        UpdateEvent::NothingPublished => *status = UpdateStatus::NothingPublished,
        UpdateEvent::Progress { done, .. } => {
            if let UpdateStatus::Downloading { done: seen, .. } = status {
                *seen = done;
            }
        }
        UpdateEvent::Installed(result) => {
            *status = match result {
                Ok(version) => UpdateStatus::Ready { version },
                Err(why) => UpdateStatus::Failed(why),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::reduce;
    use crate::state::update::UpdateOffer;
    use crate::testing;

    fn offer() -> UpdateOffer {
        UpdateOffer {
            version: "9.0.0".into(),
            notes: "Faster.".into(),
            url: "http://127.0.0.1/natter.tar.gz".into(),
            size: 10,
            sha256: "00".into(),
        }
    }

    #[test]
    fn an_offer_is_installed_on_request_and_restarted_into() {
        let mut state = testing::fresh_state(crate::i18n::Language::English);
        reduce(
            &mut state,
            Action::Update(UpdateEvent::Checked(Ok(Some(offer())))),
        );
        assert_eq!(state.update.status, UpdateStatus::Available(offer()));
        let effects = reduce(&mut state, Action::UpdateInstall);
        assert_eq!(
            effects,
            vec![Effect::Update(UpdateCommand::Install(offer()))]
        );
        reduce(
            &mut state,
            Action::Update(UpdateEvent::Progress { done: 5, total: 10 }),
        );
        assert!(matches!(
            state.update.status,
            UpdateStatus::Downloading { done: 5, .. }
        ));
        // a periodic check finishing meanwhile does not take the download away
        reduce(&mut state, Action::Update(UpdateEvent::Checked(Ok(None))));
        assert!(matches!(
            state.update.status,
            UpdateStatus::Downloading { .. }
        ));
        reduce(
            &mut state,
            Action::Update(UpdateEvent::Installed(Ok("9.0.0".into()))),
        );
        reduce(&mut state, Action::UpdateRestart);
        assert!(state.update.restart_requested);
    }

    #[test]
    fn a_server_without_releases_is_no_failure() {
        let mut state = testing::fresh_state(crate::i18n::Language::English);
        reduce(&mut state, Action::Update(UpdateEvent::NothingPublished));
        assert_eq!(state.update.status, UpdateStatus::NothingPublished);
    }

    #[test]
    fn a_refused_install_leaves_a_reason_and_no_restart() {
        let mut state = testing::fresh_state(crate::i18n::Language::English);
        reduce(
            &mut state,
            Action::Update(UpdateEvent::Checked(Ok(Some(offer())))),
        );
        reduce(&mut state, Action::UpdateInstall);
        reduce(
            &mut state,
            Action::Update(UpdateEvent::Installed(Err("bad signature".into()))),
        );
        assert_eq!(
            state.update.status,
            UpdateStatus::Failed("bad signature".into())
        );
        reduce(&mut state, Action::UpdateRestart);
        assert!(!state.update.restart_requested);
    }

    #[test]
    fn the_setting_and_the_flag_make_the_policy() {
        let mut state = testing::fresh_state(crate::i18n::Language::English);
        let enabled = |e: &Effect| matches!(e, Effect::Update(UpdateCommand::Policy { enabled, .. }) if *enabled);
        assert!(enabled(&policy(&state)));
        let effects = reduce(
            &mut state,
            Action::PreferenceSet(crate::state::Preference::CheckUpdates(false)),
        );
        assert!(effects.iter().any(|e| !enabled(e)), "{effects:?}");
        state.settings.check_updates = true;
        state.update.off_for_this_run = true;
        assert!(!enabled(&policy(&state)));
    }
}
