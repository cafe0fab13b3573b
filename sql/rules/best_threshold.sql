-- name: best_threshold
-- task: binary, regression, count
-- params: feature=*
-- summary: one cut on the best single feature, chosen on the training part; predicts the training
--   mean of the target on each side of the cut
WITH cuts AS (
    SELECT DISTINCT unnest(quantile_cont({feature}, [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])) AS cut
    FROM train
),
sides AS (
    SELECT c.cut,
           count(*) FILTER (WHERE t.{feature} <= c.cut)        AS n_lo,
           sum(t.{target}) FILTER (WHERE t.{feature} <= c.cut) AS s_lo,
           count(*) FILTER (WHERE t.{feature} > c.cut)         AS n_hi,
           sum(t.{target}) FILTER (WHERE t.{feature} > c.cut)  AS s_hi
    FROM cuts c CROSS JOIN train t
    GROUP BY c.cut
),
best AS (  -- the cut that minimises the squared error of the two side means
    SELECT cut, s_lo / n_lo AS mean_lo, s_hi / n_hi AS mean_hi
    FROM sides
    WHERE n_lo > 0 AND n_hi > 0
    ORDER BY s_lo * s_lo / n_lo + s_hi * s_hi / n_hi DESC, cut
    LIMIT 1
),
fallback AS (SELECT avg({target}) AS mean_all FROM train)
SELECT h.{key} AS key,
       CASE WHEN b.cut IS NULL OR h.{feature} IS NULL THEN f.mean_all
            WHEN h.{feature} <= b.cut THEN b.mean_lo
            ELSE b.mean_hi END AS prediction
FROM holdout h
LEFT JOIN best b ON TRUE
CROSS JOIN fallback f
