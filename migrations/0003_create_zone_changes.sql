-- The zone journal, for IXFR (RFC 1995): one row per committed change of the store (one serial
-- step), written in the same transaction as the change itself and pruned to the newest
-- --ixfr-history steps. The serial is shared by every zone (zone_serial), so a step may touch
-- names of several zones; an IXFR answer keeps only its own zone's names.
--   id            commit order (serials wrap after 4294967295, ids keep rising)
--   serial_from   the SOA serial before the change
--   serial_to     the SOA serial the change produced (newer than serial_from, RFC 1982)
--   committed_at  ISO-8601 UTC with milliseconds
CREATE TABLE zone_changes (
  id            INTEGER PRIMARY KEY,
  serial_from   INTEGER NOT NULL CHECK (serial_from BETWEEN 0 AND 4294967295),
  serial_to     INTEGER NOT NULL CHECK (serial_to BETWEEN 0 AND 4294967295),
  committed_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX zone_changes_by_serial_from ON zone_changes (serial_from);

-- The records a change removed and added, in the records table's form. A replaced record is one
-- 'removed' row (as it was) and one 'added' row (as it became). Rows of pruned changes are
-- deleted with them.
CREATE TABLE zone_change_records (
  change_id  INTEGER NOT NULL REFERENCES zone_changes (id),
  action     TEXT    NOT NULL CHECK (action IN ('removed', 'added')),
  name       TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  ttl        INTEGER NOT NULL CHECK (ttl BETWEEN 0 AND 2147483647),
  PRIMARY KEY (change_id, action, name, type)
) WITHOUT ROWID;

-- For people with sqlite3: the journal as one readable list.
--   sqlite3 -header -column records.db 'SELECT * FROM zone_journal'
CREATE VIEW zone_journal AS
  SELECT c.id, c.serial_from, c.serial_to, c.committed_at, r.action, r.name, r.type, r.value, r.ttl
  FROM zone_changes AS c LEFT JOIN zone_change_records AS r ON r.change_id = c.id
  ORDER BY c.id, r.action DESC, r.name;
