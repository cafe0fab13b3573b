-- name: rfm_quintiles
-- task: binary, regression, count
-- kind: customer_base
-- summary: RFM cells from NTILE(5) of recency, frequency and monetary value; predicts the training
--   mean of the target in the customer's cell (falling back to the recency quintile, then the mean)
WITH train_cells AS (
    SELECT {target} AS y,
           ntile(5) OVER (ORDER BY recency_days DESC, {key}) AS r,
           ntile(5) OVER (ORDER BY x, {key})                 AS f,
           ntile(5) OVER (ORDER BY spend_mean, {key})        AS m
    FROM train
),
holdout_cells AS (
    SELECT {key} AS key,
           ntile(5) OVER (ORDER BY recency_days DESC, {key}) AS r,
           ntile(5) OVER (ORDER BY x, {key})                 AS f,
           ntile(5) OVER (ORDER BY spend_mean, {key})        AS m
    FROM holdout
),
cell_means AS (SELECT r, f, m, avg(y) AS mean_y, count(*) AS n FROM train_cells GROUP BY r, f, m),
r_means AS (SELECT r, avg(y) AS mean_y FROM train_cells GROUP BY r),
overall AS (SELECT avg(y) AS mean_y FROM train_cells)
SELECT h.key,
       coalesce(CASE WHEN c.n >= 10 THEN c.mean_y END, rm.mean_y, o.mean_y) AS prediction
FROM holdout_cells h
LEFT JOIN cell_means c USING (r, f, m)
LEFT JOIN r_means rm USING (r)
CROSS JOIN overall o
