-- The authoritative server's records. One row per (name, type); only type 'A' today.
--   name        normalised owner name: lowercase, no trailing dot, e.g. 'www.example.com'
--   type        record type mnemonic, e.g. 'A'
--   value       record data in presentation form; for A, a dotted quad such as '172.18.0.2'
--   ttl         seconds, 0..2147483647 (RFC 2181 section 8)
--   created_at  when the row was first inserted, ISO-8601 UTC with milliseconds
--   updated_at  when the row was last written (an upsert keeps created_at and sets this)
CREATE TABLE records (
  name        TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  value       TEXT    NOT NULL,
  ttl         INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 2147483647),
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (name, type)
) WITHOUT ROWID;
