-- name: recency_churn
-- task: binary
-- kind: customer_base
-- summary: churned if no purchase in the last N days; N chosen on the training window (the cut on
--   days since last purchase that best separates active from churned); predicts the training activity
--   rate on each side of the cut
WITH cuts AS (SELECT unnest([14, 30, 45, 60, 90, 120, 150, 180, 240, 300, 365]) AS days),
sides AS (
    SELECT c.days,
           count(*) FILTER (WHERE t.recency_days <= c.days)        AS n_recent,
           sum(t.{target}) FILTER (WHERE t.recency_days <= c.days) AS s_recent,
           count(*) FILTER (WHERE t.recency_days > c.days)         AS n_lapsed,
           sum(t.{target}) FILTER (WHERE t.recency_days > c.days)  AS s_lapsed
    FROM cuts c CROSS JOIN train t
    GROUP BY c.days
),
best AS (
    SELECT days, s_recent / n_recent AS p_recent, s_lapsed / n_lapsed AS p_lapsed
    FROM sides WHERE n_recent > 0 AND n_lapsed > 0
    ORDER BY s_recent * s_recent / n_recent + s_lapsed * s_lapsed / n_lapsed DESC, days
    LIMIT 1
)
SELECT h.{key} AS key,
       CASE WHEN h.recency_days <= b.days THEN b.p_recent ELSE b.p_lapsed END AS prediction
FROM holdout h CROSS JOIN best b
