-- name: transactions_daily
-- summary: one row per entity and purchase day; same-day purchases merged (count of lines, summed amount)
-- input: view transactions(entity, ts, amount)
CREATE OR REPLACE TABLE daily AS
SELECT entity,
       CAST(ts AS DATE) AS day,
       count(*)         AS lines,
       sum(amount)      AS amount
FROM transactions
GROUP BY entity, CAST(ts AS DATE);
