"""Voice notes through the real shared library (002): a recorded file uploaded with progress
to the other party, and a queued note cancelled."""

import os
from datetime import timedelta

import parlor_ffi as ffi
from conftest import MemorySecrets, run, until

E = ffi.Event


SARAH = "11111111-1111-4111-8111-111111111111"
SAMIA = "22222222-2222-4222-8222-222222222222"
ACTIVE_SESSION = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


def tone_wav(path, secs=1.5, rate=16000):
    """A 440 Hz tone as a 16-bit mono WAV (the core resamples and encodes it to Ogg/Opus)."""
    import math
    import struct
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(secs * rate))))


def test_voice_note_upload_with_progress_reaches_the_other_party(server, connect, data_dir):
    """002: a voice note from a WAV file: in the cache at once with its waveform, uploaded
    with byte progress, then the other party receives it with its file URL."""
    srv = server("002_tarot_chat.js")
    wav = os.path.join(data_dir, "note.wav")
    tone_wav(wav)

    async def flow():
        sarah = await connect(srv, ffi.Dialect.TAROT_CHAT(), SARAH)
        samia = await connect(srv, ffi.Dialect.TAROT_CHAT(), SAMIA)
        await sarah.client.join_conversation(ACTIVE_SESSION)
        await samia.client.join_conversation(ACTIVE_SESSION)
        upload = await sarah.client.send_voice_note(ACTIVE_SESSION, wav)
        cid = upload.client_id()
        assert cid
        note = await sarah.events.expect(E.VOICE_NOTE_CHANGED, lambda e: e.state.is_sent(),
                                         timeout=20)
        assert note.client_id == cid and note.duration == timedelta(milliseconds=1500)
        assert len(note.waveform) == 64 and note.file_url
        # The progress events the stream passed over on the way to `sent`.
        progress = [e for e in sarah.events.kept
                    if isinstance(e, E.VOICE_NOTE_CHANGED) and e.state.is_sending()]
        assert progress, "upload progress was reported"
        assert progress[-1].sent == progress[-1].total > 0
        item = await until("the note in Sarah's cache", lambda: next(
            (m for m in sarah.client.history(ACTIVE_SESSION, None, 50).messages
             if m.client_id == cid and m.state == ffi.DeliveryState.SENT), None))
        assert item.kind == ffi.MessageKind.VOICE and item.own
        assert item.duration == timedelta(milliseconds=1500)
        assert list(item.waveform) == list(note.waveform)
        assert item.file_url == note.file_url
        got = await samia.events.expect(E.MESSAGE_RECEIVED,
                                        lambda e: e.message.file_url == note.file_url, timeout=10)
        assert got.message.kind == ffi.MessageKind.VOICE

    run(flow())


def test_a_queued_voice_note_can_be_cancelled(data_dir):
    """Offline, a voice note waits in the outbox (shown as pending); its handle cancels it and
    it leaves the conversation."""
    wav = os.path.join(data_dir, "note.wav")
    tone_wav(wav, secs=0.5)

    async def flow():
        profile = ffi.profile_new(ffi.Dialect.TAROT_CHAT(), "http://127.0.0.1:9")
        profile.rest_url = "http://127.0.0.1:9"
        profile.account_id = SARAH
        secrets = MemorySecrets({"k": "t"})
        client = ffi.ParlorClient.connect(profile, secrets, "k", os.path.join(data_dir, "sarah"))
        upload = await client.send_voice_note(ACTIVE_SESSION, wav)
        cid = upload.client_id()
        # In the conversation's cache as soon as the call returns, as a text message is.
        page = client.history(ACTIVE_SESSION, None, 50)
        assert [(m.client_id, m.kind) for m in page.messages] == [(cid, ffi.MessageKind.VOICE)]
        assert page.messages[0].state in (ffi.DeliveryState.PENDING, ffi.DeliveryState.SENDING)
        await upload.cancel()
        await until("the note gone", lambda: not client.history(ACTIVE_SESSION, None, 50).messages)
        await client.disconnect()

    run(flow())
