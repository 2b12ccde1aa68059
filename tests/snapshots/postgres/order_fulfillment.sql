SELECT
  "t1"."week_start",
  CAST("t1"."shipped_orders" AS BIGINT) AS "shipped_orders",
  CAST("t1"."valid_orders" AS BIGINT) AS "valid_orders",
  CAST("t1"."invalid_orders" AS BIGINT) AS "invalid_orders",
  "t1"."avg_hours_to_ship",
  "t1"."max_hours_to_ship"
FROM (
  SELECT
    "t0"."order_week" AS "week_start",
    COUNT(*) AS "shipped_orders",
    COUNT(*) FILTER(WHERE
      "t0"."is_valid") AS "valid_orders",
    COUNT(*) FILTER(WHERE
      NOT (
        "t0"."is_valid"
      )) AS "invalid_orders",
    AVG("t0"."hours_to_ship") FILTER(WHERE
      "t0"."is_valid") AS "avg_hours_to_ship",
    MAX("t0"."hours_to_ship") FILTER(WHERE
      "t0"."is_valid") AS "max_hours_to_ship"
  FROM "analytics"."int_order_fulfillment" AS "t0"
  GROUP BY
    1
) AS "t1";
