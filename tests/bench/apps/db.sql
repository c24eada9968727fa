-- The database of tests/bench/vm-apps.sh: sqlite3 in memory, a table of
-- random rows, an index build, a range scan, a sort and an indexed join.
PRAGMA cache_size=-400000;
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 130000)
  INSERT INTO t(a, b) SELECT abs(random()) % 1000000, hex(randomblob(48)) FROM c;
CREATE INDEX ta ON t(a);
SELECT count(*), sum(length(b)) FROM t WHERE a BETWEEN 100000 AND 400000;
SELECT sum(a) FROM (SELECT a FROM t ORDER BY b LIMIT 5000);
SELECT count(*) FROM t AS x JOIN t AS y ON y.id = (x.a % 130000) + 1 WHERE x.id % 7 = 0;
