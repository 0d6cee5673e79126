-- Voice notes are messages: the sender's optimistic row carries the note's exact length and
-- its waveform (peaks, 0-255) so a UI draws it without decoding. Our own voice notes are
-- delivered by the voice outbox (the audio is uploaded first), never by the message outbox.
ALTER TABLE messages ADD COLUMN duration_ms INTEGER;
ALTER TABLE messages ADD COLUMN waveform BLOB;
