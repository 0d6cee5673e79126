//! Consultations: answer requests, start/pause/resume/end, the history with earnings.

use crate::error::AppResult;
use crate::state::AppState;
use parlor_core::consultation::ConsultationView;
use parlor_core::{Command, DomainEvent, LocalCommand};
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

/// Every consultation known, current first, then history with bills (from the cache:
/// works offline).
#[tauri::command]
#[specta::specta]
pub async fn list_consultations(state: State<'_, AppState>) -> AppResult<Vec<ConsultationView>> {
    state
        .ask(LocalCommand::ListConsultations, |e| match e {
            DomainEvent::ConsultationList { consultations } => Some(consultations),
            _ => None,
        })
        .await
}
