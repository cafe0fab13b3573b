-- name: transactions_daily
-- summary: one row per entity and purchase day; same-day purchases merged (count of lines, summed amount)
--          amounts are summed as DECIMAL(18, 6): exact, so every engine and thread count gives the same sums
--          amounts are summed as DECIMAL(18, 6): exact, so every engine and thread count gives the same sums
-- input: view transactions(entity, ts, amount)
CREATE OR REPLACE TABLE daily AS
SELECT entity,
       CAST(ts AS DATE) AS day,
       count(*)         AS lines,
       sum(CAST(amount AS DECIMAL(18, 6))) AS amount
FROM transactions
GROUP BY entity, CAST(ts AS DATE);
