//! What the link itself must survive or refuse: binary attachments, TCP_NODELAY, reserved event names, plain http to a name that only looks local.

use super::*;

/// Issue 15 item 8: a server event with binary attachments used to drop the connection.
#[tokio::test]
async fn binary_attachments_from_the_server_keep_the_connection() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = Socket::start(
        SocketConfig::new(server.url(), "/"),
        Arc::new(StaticToken::new("valid")),
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    socket.emit("emit-binary", vec![]).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut binary = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, inbound.recv()).await {
            Ok(Some(Inbound::Event { name, args })) if name == "after-binary" => {
                assert_eq!(args, vec![json!({"ok": true})]);
                break;
            }
            Ok(Some(Inbound::Event { name, args })) if name == "binary" => binary.push(args),
            Ok(Some(Inbound::State(s))) if s != ConnectionState::Connected => {
                panic!("the connection changed: {s:?}")
            }
            Ok(Some(_)) => {}
            other => panic!("after-binary not seen: {other:?}; binary so far {binary:?}"),
        }
    }
    assert_eq!(binary.len(), 2, "both binary events delivered: {binary:?}");
    assert_eq!(socket.state(), ConnectionState::Connected);
    assert_eq!(
        socket.request("echo", vec![json!(1)], None).await.unwrap(),
        vec![json!(1)]
    );
    assert_eq!(probe_stats(&server).await["connections"], json!(1));
}

/// This process's TCP sockets connected to `port` on 127.0.0.1 (Linux: /proc/self/fd).
fn tcp_fds_to(port: u16) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        // SAFETY: `addr` is a writable sockaddr_in of `len` bytes; a non-socket fd fails.
        let rc =
            unsafe { libc::getpeername(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len) };
        if rc == 0 && addr.sin_family as i32 == libc::AF_INET && u16::from_be(addr.sin_port) == port
        {
            out.push(fd);
        }
    }
    out
}

/// TCP_NODELAY of socket `fd`.
fn nodelay(fd: i32) -> bool {
    let mut on: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `on` is a writable c_int of `len` bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            &mut on as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    assert_eq!(rc, 0, "getsockopt on fd {fd}");
    on != 0
}

/// Issue 15 item 8: nothing set TCP_NODELAY, so small frames (acks, typing) could wait for
/// the peer's delayed ACK. The socket's own TCP connection now has it.
#[tokio::test]
async fn the_socket_sets_tcp_nodelay() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = Socket::start(
        SocketConfig::new(server.url(), "/"),
        Arc::new(StaticToken::new("valid")),
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let fds = tcp_fds_to(server.port());
    assert_eq!(fds.len(), 1, "one connection to the probe: {fds:?}");
    assert!(nodelay(fds[0]), "TCP_NODELAY is off");
}

/// Issue 15 item 8: a `raw` emit of a name socket.io reserves answered ok and the server
/// dropped the link. Now it is refused with `invalid_input` and nothing is sent.
#[tokio::test]
async fn raw_emits_of_reserved_names_are_refused_and_the_link_stays() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let client = Client::connect(
        ServerProfile::new(DialectId::SupportChat, server.url()),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        for ack in [false, true] {
            let err = client
                .send(Command::Raw {
                    event: name.into(),
                    payload: json!({}),
                    ack,
                })
                .await
                .unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{name}: {err}");
        }
    }
    let echo = client
        .send(Command::Raw {
            event: "echo".into(),
            payload: json!("after"),
            ack: true,
        })
        .await
        .unwrap();
    assert_eq!(echo.len(), 1);
    assert_eq!(client.state(), ConnectionState::Connected);
    assert_eq!(probe_stats(&server).await["connections"], json!(1));
}

/// Issue 15 item 8: `http://evil.localhost` counted as this machine, so plain http went to a
/// name resolved through DNS. Only `localhost` itself and loopback addresses count.
#[tokio::test]
async fn plain_http_to_a_dns_name_under_localhost_is_refused() {
    for (url, refused) in [
        ("http://evil.localhost:9", true),
        ("http://localhost.evil.example:9", true),
        ("ws://a.b.localhost:9", true),
        ("http://localhost:9", false),
        ("http://127.0.0.1:9", false),
    ] {
        let out = tokio::process::Command::new(PARLOR)
            .args([
                "connect",
                "--url",
                url,
                "--dialect",
                "003",
                "--linger-ms",
                "0",
            ])
            .env("PARLOR_TOKEN", "t")
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if refused {
            assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
            assert!(stderr.contains("plain"), "{url}: {stderr}");
        } else {
            assert!(out.status.success(), "{url}: {stderr}");
        }
    }
}
