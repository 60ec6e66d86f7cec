-- The zone's change serial, served as the SOA serial. Exactly one row (id = 1), starting at 1.
-- The repository bumps it by one inside every transaction that changes `records` (one bump per
-- committed change, however many rows it touched). It stays within 1..4294967295: after the
-- largest value it wraps to 1, which RFC 1982 serial arithmetic still reads as an increase.
CREATE TABLE zone_serial (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  serial  INTEGER NOT NULL CHECK (serial BETWEEN 1 AND 4294967295)
);
INSERT INTO zone_serial (id, serial) VALUES (1, 1);
