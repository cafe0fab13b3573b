-- name: label_growth
-- summary: how the training label grows with the window length: for the customers acquired on or before
--          $cutoff, each day d = 1, 2, ... after $cutoff (up to $end) with its purchase days and the
--          customers making their first purchase of the window; reads nothing after $end
-- input: table daily(entity, day, lines, amount); parameters $cutoff, $end (DATE)
WITH base AS (
    SELECT entity FROM daily WHERE day <= $cutoff::DATE GROUP BY entity
),
window_days AS (
    SELECT d.entity, date_diff('day', $cutoff::DATE, d.day) AS lag
    FROM daily d JOIN base b ON b.entity = d.entity
    WHERE d.day > $cutoff::DATE AND d.day <= $end::DATE
),
per_lag AS (
    SELECT lag, count(*) AS purchases FROM window_days GROUP BY lag
),
firsts AS (
    SELECT lag, count(*) AS active
    FROM (SELECT entity, min(lag) AS lag FROM window_days GROUP BY entity) AS f
    GROUP BY lag
)
SELECT p.lag, p.purchases, coalesce(f.active, 0) AS active
FROM per_lag p LEFT JOIN firsts f ON f.lag = p.lag
ORDER BY p.lag
