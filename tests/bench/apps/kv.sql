-- The key-value store of tests/bench/vm-corpus.sh: sqlite3 in memory, a
-- table of 150,000 100-byte values, then point reads and updates whose
-- keys are skewed (the product of three uniform draws: a few hot keys,
-- a long cold tail), as a cache or session store sees them.
PRAGMA cache_size=-400000;
CREATE TABLE kv(k INTEGER PRIMARY KEY, v BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150000)
  INSERT INTO kv(k, v) SELECT x, randomblob(100) FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150000)
  SELECT sum(length(v)) FROM c JOIN kv ON kv.k = 1 + (abs(random()) % 150000) *
    (abs(random()) % 1000) / 1000 * (abs(random()) % 1000) / 1000;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000)
  UPDATE kv SET v = randomblob(100) WHERE k IN (SELECT 1 + (abs(random()) % 150000) *
    (abs(random()) % 1000) / 1000 * (abs(random()) % 1000) / 1000 FROM c);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150000)
  SELECT sum(length(v)) FROM c JOIN kv ON kv.k = 1 + (abs(random()) % 150000) *
    (abs(random()) % 1000) / 1000 * (abs(random()) % 1000) / 1000;
