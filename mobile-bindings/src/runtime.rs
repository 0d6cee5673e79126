//! The tokio runtime the bindings run on, and the handle returned for long-running work.

use crate::error::ParlorError;
use std::future::Future;
use std::sync::{LazyLock, Mutex};
use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

/// One multi-threaded runtime for the whole library (apps call from their UI thread,
/// Python from its interpreter thread: neither has a tokio runtime).
pub(crate) static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("parlor-ffi")
        .enable_all()
        .build()
        .expect("the tokio runtime")
});

/// Runs `fut` on the library's runtime and waits for it (from any executor).
pub(crate) async fn run<T, F>(fut: F) -> Result<T, ParlorError>
where
    F: Future<Output = Result<T, ParlorError>> + Send + 'static,
    T: Send + 'static,
{
    match RUNTIME.spawn(fut).await {
        Ok(r) => r,
        Err(e) if e.is_cancelled() => Err(ParlorError::Cancelled),
        Err(e) => Err(ParlorError::Internal {
            detail: format!("task failed: {e}"),
        }),
    }
}

/// Long-running work (an event subscription, a list observation): `cancel()` stops it.
/// Dropping the handle does NOT cancel (apps often drop handles they keep in a view model).
#[derive(uniffi::Object)]
pub struct TaskHandle {
    abort: Mutex<Option<AbortHandle>>,
}

impl TaskHandle {
    pub(crate) fn spawn<F>(fut: F) -> std::sync::Arc<TaskHandle>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let h = RUNTIME.spawn(fut);
        std::sync::Arc::new(TaskHandle {
            abort: Mutex::new(Some(h.abort_handle())),
        })
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stops the work; listeners get no further calls once this returns… at most the one
    /// already in progress.
    pub fn cancel(&self) {
        if let Some(h) = self.abort.lock().expect("task handle").take() {
            h.abort();
        }
    }

    /// True once the work ended (cancelled, or its client went away).
    pub fn is_finished(&self) -> bool {
        self.abort
            .lock()
            .expect("task handle")
            .as_ref()
            .is_none_or(|h| h.is_finished())
    }
}
