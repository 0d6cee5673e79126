//! `parlor conform` against drifted servers: differences reported readably while Parlor copes, and what it cannot use named.

use super::*;

/// A support-chat (003) server written by "another team": it stays inside the document
/// where Parlor must cope (ids as strings where it prints numbers, extra fields on every
/// payload and envelope, `userTyping` without `email`, an event of its own), and with
/// `DRIFT_BROKEN=1` also sends what Parlor cannot use (a `messageSent` without `id`) and
/// answers `leaveChat` by an event with an empty ack.
const DRIFTED_003: &str = r#"
const http = require('http');
const { Server } = require('socket.io');
const broken = process.env.DRIFT_BROKEN === '1';
const users = { '1': { id: 1, email: 'client@drift.test', role: 'CLIENT' },
                '10': { id: 10, email: 'agent@drift.test', role: 'ADMIN' } };
const messages = [];
let seq = 1;
const extra = (o) => ({ ...o, traceId: 't' + seq++ });
const view = (m) => extra({ id: m.id, chatId: m.chatId, senderId: String(m.senderId), text: m.text,
  replyToId: m.replyToId, createdAt: m.createdAt,
  sender: { id: String(m.senderId), email: users[m.senderId].email, role: users[m.senderId].role } });
const srv = http.createServer();
const io = new Server(srv);
io.use((socket, next) => {
  const user = users[(socket.handshake.auth || {}).token];
  if (!user) return next(new Error('Invalid token'));
  socket.data.user = user;
  next();
});
io.on('connection', (socket) => {
  const me = socket.data.user;
  socket.emit('serverHello', { version: 2 });
  socket.on('joinChat', (chatId, ack) => {
    if (chatId !== 'chat-1') return ack({ event: 'error', data: 'Chat not found', requestId: 'r1' });
    socket.join(chatId);
    ack({ event: 'joinedChat', data: extra({ chatId, messages: messages.map(view) }), requestId: 'r2' });
    io.to(chatId).emit('participantUpdate',
      extra({ chatId, userId: String(me.id), action: 'joined', timestamp: new Date().toISOString() }));
  });
  socket.on('typing', (p) => socket.to(p.chatId).emit('userTyping', { userId: String(me.id), isTyping: p.isTyping }));
  socket.on('sendMessage', (p, ack) => {
    const m = { id: 'm' + seq++, chatId: p.chatId, senderId: me.id, text: p.message.text,
      replyToId: p.message.replyToId || null, createdAt: new Date().toISOString() };
    messages.push(m);
    const data = view(m);
    if (broken) delete data.id;
    ack({ event: 'messageSent', data });
    io.to(p.chatId).emit('newMessage', view(m));
  });
  socket.on('readMessages', (p, ack) => {
    ack({ event: 'messagesMarkedRead', data: p.messageIds.map((id) => extra({ id, readBy: 1 })) });
    socket.to(p.chatId).emit('messagesRead', extra({ userId: String(me.id), messageIds: p.messageIds }));
  });
  socket.on('getActiveUsers', (chatId, ack) => ack({ event: 'activeUsers', data: { chatId, userIds: ['1', '10'] } }));
  socket.on('leaveChat', (chatId, ack) => {
    socket.leave(chatId);
    if (!broken) return ack({ event: 'leftChat', data: chatId });
    socket.emit('leftChat', chatId);
    ack();
  });
});
srv.listen(0, '127.0.0.1', () => console.log('READY ' + srv.address().port));
"#;

/// Starts the drifted 003 server; returns it and its URL.
async fn drifted_server(scratch: &Scratch, broken: bool) -> (Child, String) {
    let script = scratch.write("drifted_003.js", DRIFTED_003);
    let mut child = Command::new("node")
        .arg(&script)
        .env("NODE_PATH", servers_dir().join("node_modules"))
        .env("DRIFT_BROKEN", if broken { "1" } else { "0" })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(p) = line.strip_prefix("READY ") {
                return p.trim().to_owned();
            }
        }
        panic!("the drifted server exited before READY");
    })
    .await
    .expect("the drifted server starts");
    (child, format!("http://127.0.0.1:{port}"))
}

async fn against_drifted(broken: bool) -> Outcome {
    let scratch = Scratch::new();
    let (_server, url) = drifted_server(&scratch, broken).await;
    let user = scratch.write("user.token", "1");
    let expert = scratch.write("expert.token", "10");
    let (user, expert) = (path(&user), path(&expert));
    let (user_ns, _) = default_namespaces(DialectId::SupportChat);
    conform(
        &[
            "--dialect",
            "support-chat",
            "--url",
            &url,
            "--namespace",
            user_ns,
            "--user-account",
            "1",
            "--user-token-file",
            &user,
            "--expert-account",
            "10",
            "--expert-token-file",
            &expert,
            "--conversation",
            "chat-1",
            "--timeout-ms",
            "3000",
        ],
        &[],
        &scratch,
    )
    .await
}

fn server_text(row: &Value) -> &str {
    row["server"].as_str().unwrap()
}

#[tokio::test]
async fn a_drifted_server_is_reported_readably_while_parlor_copes() {
    let o = against_drifted(false).await;
    assert_eq!(o.code, 0, "{}", o.stdout);
    let sent = o.row("sendMessage", "client");
    assert_eq!(sent["verdict"], "differs_parlor_copes", "{}", o.stdout);
    for phrase in [
        "senderId \"1\" (string, documented number)",
        "sender.id \"1\" (string, documented number)",
        "extra: traceId",
    ] {
        assert!(server_text(sent).contains(phrase), "{phrase}: {sent}");
    }
    // `userTyping` is the documented answer of `typing`, so it is checked in that row.
    let typing = o.row("typing", "client");
    assert_eq!(typing["verdict"], "differs_parlor_copes");
    assert!(
        server_text(typing).contains("missing email (string)"),
        "{typing}"
    );
    let active = o.row("getActiveUsers", "agent");
    assert!(
        server_text(active).contains("userIds[] \"1\" (string, documented number)"),
        "{active}"
    );
    let joined = o.row("joinChat \"chat-1\"", "client");
    assert!(server_text(joined).contains("ack.requestId"), "{joined}");
    assert_eq!(o.row("serverHello", "client")["verdict"], "extension");
    assert!(
        o.report["summary"]["differs_parlor_copes"]
            .as_u64()
            .unwrap()
            >= 5
    );
    assert_eq!(o.report["summary"]["parlor_cannot_use"], 0);
}

#[tokio::test]
async fn what_parlor_cannot_use_is_named_and_exits_one() {
    let o = against_drifted(true).await;
    assert_eq!(o.code, 1, "{}", o.stdout);
    let sent = o.row("sendMessage", "client");
    assert_eq!(sent["verdict"], "parlor_cannot_use", "{}", o.stdout);
    assert!(server_text(sent).contains("missing id"), "{sent}");
    // The flow went on with the id from the agent's copy of the message.
    assert_eq!(o.row("readMessages", "client")["verdict"], "as_documented");
    let left = o.row("leaveChat", "client");
    assert_ne!(left["verdict"], "as_documented");
    // The event answers first (the client stops waiting for the ack once it has it).
    assert!(
        server_text(left).contains("emitted event 'leftChat' instead"),
        "{left}"
    );
    assert!(o.stdout.contains("CANNOT USE"), "{}", o.stdout);
}

/// Runs the flow of `d` against its reference server drifted with `seed` (everything the
/// document leaves open varied: extra fields, id types and nesting, ack or event, empty acks).
async fn against_reference_drift(d: DialectId, seed: &str) -> Outcome {
    let scratch = Scratch::new();
    conform(
        &[
            "--dialect",
            d.as_str(),
            "--reference",
            "--timeout-ms",
            "2000",
            "--wait",
            "10",
        ],
        &[("PARLOR_DRIFT", seed)],
        &scratch,
    )
    .await
}

/// Every row that is not as documented says what the server did and, where Parlor cannot use
/// it, what Parlor could not read; drift shows up at least as listed extra fields (where the
/// document prints shapes: 001 prints none); the exit code follows the rows.
fn assert_readable(o: &Outcome, what: &str, shapes_printed: bool) {
    assert!(
        o.code == 0 || o.code == 1,
        "{what}: exit {}\n{}",
        o.code,
        o.stdout
    );
    let cannot = o.report["summary"]["parlor_cannot_use"].as_u64().unwrap();
    let stopped = !o.report["stopped"].is_null();
    assert_eq!(o.code == 1, cannot > 0 || stopped, "{what}\n{}", o.stdout);
    let mut extras = 0;
    for r in o.rows() {
        let verdict = r["verdict"].as_str().unwrap();
        let server = server_text(r);
        if verdict != "as_documented" && verdict != "extension" {
            assert!(!server.is_empty() && server != "same", "{what}: {r}");
        }
        if verdict == "parlor_cannot_use" {
            assert!(!r["problems"].as_array().unwrap().is_empty(), "{what}: {r}");
        }
        for d in r["differences"].as_array().unwrap() {
            if d["kind"] == "extra" {
                extras += 1;
            } else {
                assert!(
                    server.contains(d["path"].as_str().unwrap()),
                    "{what}: {d} not shown in {server}"
                );
            }
        }
    }
    assert_eq!(
        extras > 0,
        shapes_printed,
        "{what}: extra fields listed\n{}",
        o.stdout
    );
}

async fn drifted_reference_is_reported_readably(d: DialectId) {
    for seed in ["7", "11"] {
        let o = against_reference_drift(d, seed).await;
        let shapes_printed = d != DialectId::PresenceSessions;
        assert_readable(&o, &format!("{d} drift {seed}"), shapes_printed);
        // The drift stays inside the document, so Parlor can use everything it sends.
        assert_eq!(
            o.code, 0,
            "{d} drift {seed}: Parlor cannot use it\n{}",
            o.stdout
        );
    }
}

#[tokio::test]
async fn drifted_billing_chat_is_reported_readably_and_parlor_copes() {
    drifted_reference_is_reported_readably(DialectId::BillingChat).await;
}

#[tokio::test]
async fn drifted_presence_sessions_is_reported_readably_and_parlor_copes() {
    drifted_reference_is_reported_readably(DialectId::PresenceSessions).await;
}

#[tokio::test]
async fn drifted_tarot_chat_is_reported_readably_and_parlor_copes() {
    drifted_reference_is_reported_readably(DialectId::TarotChat).await;
}

#[tokio::test]
async fn drifted_support_chat_is_reported_readably_and_parlor_copes() {
    drifted_reference_is_reported_readably(DialectId::SupportChat).await;
}

#[tokio::test]
async fn drifted_telecaller_is_reported_readably_and_parlor_copes() {
    drifted_reference_is_reported_readably(DialectId::Telecaller).await;
}
