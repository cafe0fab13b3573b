-- name: quantile_buckets
-- task: binary, regression, count
-- params: feature=*, buckets=5
-- summary: the training mean of the target in each of {buckets} quantile buckets of the best single
--   feature (cut points and feature chosen on the training part)
WITH cuts AS (
    SELECT unnest(quantile_cont({feature}, [i / {buckets} FOR i IN range(1, {buckets})])) AS cut FROM train
),
train_buckets AS (
    SELECT t.{target} AS y, (SELECT count(*) FROM cuts WHERE cut < t.{feature}) AS bucket
    FROM train t WHERE t.{feature} IS NOT NULL
),
means AS (SELECT bucket, avg(y) AS mean_y FROM train_buckets GROUP BY bucket),
fallback AS (SELECT avg({target}) AS mean_all FROM train)
SELECT h.{key} AS key,
       coalesce(m.mean_y, f.mean_all) AS prediction
FROM holdout h
CROSS JOIN fallback f
LEFT JOIN means m ON m.bucket = (SELECT count(*) FROM cuts WHERE cut < h.{feature})
