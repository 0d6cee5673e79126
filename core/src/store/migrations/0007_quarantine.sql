-- Rows the code could not load back (an unreadable value, a figure out of range): moved here
-- whole, as JSON, so the rest of the cache loads and nothing is silently lost (reliability).
CREATE TABLE quarantine (
    id        INTEGER PRIMARY KEY,
    source    TEXT NOT NULL,      -- the table the row came from
    row_key   TEXT NOT NULL,      -- its rowid there
    reason    TEXT NOT NULL,      -- why it could not be loaded
    row_json  TEXT NOT NULL,      -- every column, as JSON
    at        INTEGER NOT NULL    -- unix ms
);
