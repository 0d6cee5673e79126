-- Facts about this cache itself (which server and account it belongs to, when it was made).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
