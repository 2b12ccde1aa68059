SELECT
  "t0"."order_id",
  "t0"."customer_id",
  "t0"."placed_at",
  "t0"."shipped_at",
  "t0"."order_week",
  CAST(CAST(EXTRACT(epoch FROM CAST("t0"."shipped_at" AS TIMESTAMP) - CAST("t0"."placed_at" AS TIMESTAMP)) * 1000000 AS BIGINT) AS DOUBLE PRECISION) / 3600000000.0 AS "hours_to_ship",
  (
    "t0"."placed_at" <= "t0"."shipped_at"
  )
  AND (
    "t0"."shipped_at" <= (
      "t0"."placed_at" + INTERVAL '90 DAY'
    )
  ) AS "is_valid"
FROM "analytics"."fct_orders" AS "t0"
WHERE
  "t0"."order_status" = 'SHIPPED' AND "t0"."shipped_at" IS NOT NULL;
