-- name: run_rate
-- task: count, regression
-- kind: customer_base
-- horizon: native
-- summary: repeat purchases per week so far (x / T) times the {horizon_weeks}-week horizon
--   (spend: times the customer's mean purchase amount)
SELECT {key} AS key,
       CASE WHEN T > 0 THEN x / T ELSE 0 END * {horizon_weeks}
         * CASE WHEN '{target_name}' = 'spend' THEN coalesce(spend_mean, 0) ELSE 1 END AS prediction
FROM holdout
