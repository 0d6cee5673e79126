//! Consultations: answer requests, start/pause/resume/end, the list (requests, the running
//! one, the history with earnings) as the core observes it.

use crate::error::{AppError, AppResult};
use crate::lists::ListUpdate;
use crate::state::AppState;
use parlor_core::consultation::ConsultationView;
use parlor_core::Command;
use tauri::ipc::Channel;
use tauri::State;

/// Accepts or rejects a consultation request.
#[tauri::command]
#[specta::specta]
pub async fn answer_request(
    state: State<'_, AppState>,
    request_id: String,
    accept: bool,
) -> AppResult<()> {
    state
        .send(Command::AnswerConsultation {
            consultation_id: request_id,
            accept,
        })
        .await
        .map(drop)
}

/// Starts an accepted consultation (where the server wants an explicit start).
#[tauri::command]
#[specta::specta]
pub async fn start_consultation(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state
        .send(Command::StartConsultation {
            consultation_id: id,
        })
        .await
        .map(drop)
}

/// Pauses billing.
#[tauri::command]
#[specta::specta]
pub async fn pause_consultation(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state
        .send(Command::PauseConsultation {
            consultation_id: id,
        })
        .await
        .map(drop)
}

/// Resumes billing.
#[tauri::command]
#[specta::specta]
pub async fn resume_consultation(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state
        .send(Command::ResumeConsultation {
            consultation_id: id,
        })
        .await
        .map(drop)
}

/// Ends a consultation (the bill arrives as `consultation_updated` / `consultation_ended`).
#[tauri::command]
#[specta::specta]
pub async fn end_consultation(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state
        .send(Command::EndConsultation {
            consultation_id: id,
            rate_per_minute: None,
            duration_minutes: None,
        })
        .await
        .map(drop)
}

/// Observes every consultation known (requests, the running one, history with bills; from
/// the cache, so it works offline): the list arrives on `channel` as a `reset`, then each
/// change, until sign-out or the page goes.
#[tauri::command]
#[specta::specta]
pub async fn observe_consultations(
    state: State<'_, AppState>,
    channel: Channel<ListUpdate<ConsultationView>>,
) -> AppResult<()> {
    let guard = state.session.lock().await;
    let session = guard.as_ref().ok_or_else(AppError::not_signed_in)?;
    session.forward_list(
        "consultations".into(),
        session.observe_consultations()?,
        channel,
    );
    Ok(())
}
