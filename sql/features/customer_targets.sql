-- name: customer_targets
-- summary: per customer, what happened in the window ($start, $end]: purchase days, active, spend
-- input: table daily(entity, day, lines, amount); parameters $start, $end (DATE), $buckets, $bucket
SELECT entity,
       count(*)                     AS purchases,
       CAST(count(*) > 0 AS INTEGER) AS active,
       coalesce(CAST(sum(amount) AS DOUBLE), 0.0) AS spend
FROM daily
WHERE day > $start::DATE AND day <= $end::DATE
  AND hash(entity) % $buckets::UBIGINT = $bucket::UBIGINT
GROUP BY entity
