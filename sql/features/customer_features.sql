-- name: customer_features
-- summary: per customer acquired on or before $cutoff: the BTYD summary (x, t_x, T in weeks, monetary
--          mean of repeat purchase days) and RFM features; reads nothing after $cutoff
-- input: table daily(entity, day, lines, amount DECIMAL); parameters $cutoff (DATE), $buckets, $bucket
--        (customers with hash(entity) % $buckets = $bucket: 1 and 0 for everyone)
SELECT entity,
       count(*) - 1                                             AS x,
       date_diff('day', min(day), max(day)) / 7.0               AS t_x,
       date_diff('day', min(day), $cutoff::DATE) / 7.0          AS T,
       CASE WHEN count(*) > 1
            THEN CAST(sum(amount) - arg_min(amount, day) AS DOUBLE) / (count(*) - 1) END AS monetary_value,
       date_diff('day', max(day), $cutoff::DATE)                AS recency_days,
       count(*) FILTER (WHERE day > $cutoff::DATE - 30)         AS purchases_30d,
       count(*) FILTER (WHERE day > $cutoff::DATE - 90)         AS purchases_90d,
       count(*) FILTER (WHERE day > $cutoff::DATE - 180)        AS purchases_180d,
       date_diff('day', min(day), $cutoff::DATE)                AS tenure_days,
       CASE WHEN count(*) > 1
            THEN date_diff('day', min(day), max(day)) / (count(*) - 1) END AS mean_gap_days,
       sum(lines)                                               AS lines_total,
       CAST(sum(amount) AS DOUBLE)                              AS spend_total,
       CAST(sum(amount) AS DOUBLE) / count(amount)              AS spend_mean,
       CAST(max(amount) AS DOUBLE)                              AS spend_max,
       CAST(arg_max(amount, day) AS DOUBLE)                     AS spend_last
FROM daily
WHERE day <= $cutoff::DATE
  AND hash(entity) % $buckets::UBIGINT = $bucket::UBIGINT
GROUP BY entity
