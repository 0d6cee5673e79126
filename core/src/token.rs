//! Where access tokens come from. A source is asked again before every connection attempt,
//! so a refreshed token is picked up on reconnect.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

/// Why no token could be had.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("no access token: {0}")]
pub struct TokenError(pub String);

/// A boxed future returning a token.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String, TokenError>> + Send + 'a>>;

/// Supplies the bearer token for the socket handshake and for REST calls.
pub trait TokenSource: Send + Sync {
    /// The token to use now.
    fn token(&self) -> TokenFuture<'_>;

    /// The server refused `token` (expired or revoked). A source that caches or refreshes
    /// tokens forgets it, so that the next [`token`](Self::token) call fetches a fresh one.
    /// The transport calls this on every refusal, before it asks for a token again.
    /// Sources that read their token anew on every call need nothing here.
    fn refused(&self, _token: &str) {}
}

/// A fixed token.
#[derive(Clone)]
pub struct StaticToken(String);

impl StaticToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(token.into())
    }
}

impl std::fmt::Debug for StaticToken {
    // Never print secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenSource for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let t = self.0.clone();
        Box::pin(async move {
            if t.trim().is_empty() {
                Err(TokenError("the token is empty".into()))
            } else {
                Ok(t)
            }
        })
    }
}

/// A token read from a file on every call (so an outside process can refresh it).
#[derive(Debug, Clone)]
pub struct FileToken(pub PathBuf);

impl TokenSource for FileToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let text = tokio::fs::read_to_string(&self.0)
                .await
                .map_err(|e| TokenError(format!("cannot read {}: {e}", self.0.display())))?;
            let t = text.trim();
            if t.is_empty() {
                return Err(TokenError(format!("{} is empty", self.0.display())));
            }
            Ok(t.to_owned())
        })
    }
}

/// A token read from an environment variable on every call.
#[derive(Debug, Clone)]
pub struct EnvToken(pub String);

impl TokenSource for EnvToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            match std::env::var(&self.0) {
                Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
                _ => Err(TokenError(format!("{} is not set", self.0))),
            }
        })
    }
}

/// A token from any async closure (mobile apps refresh through their own auth SDK).
pub struct FnToken<F>(pub F);

impl<F, Fut> TokenSource for FnToken<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<String, TokenError>> + Send + 'static,
{
    fn token(&self) -> TokenFuture<'_> {
        Box::pin((self.0)())
    }
}

/// Shared handle to a token source.
pub type SharedTokenSource = Arc<dyn TokenSource>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_token_is_reread_each_time() {
        let dir = std::env::temp_dir().join(format!("parlor-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, "first\n").unwrap();
        let src = FileToken(path.clone());
        assert_eq!(src.token().await.unwrap(), "first");
        std::fs::write(&path, "second").unwrap();
        assert_eq!(src.token().await.unwrap(), "second");
        std::fs::write(&path, "  \n").unwrap();
        assert!(src.token().await.is_err());
    }

    #[tokio::test]
    async fn empty_static_token_is_refused_and_debug_hides_it() {
        assert!(StaticToken::new(" ").token().await.is_err());
        assert_eq!(
            format!("{:?}", StaticToken::new("secret")),
            "StaticToken(<redacted>)"
        );
    }
}
