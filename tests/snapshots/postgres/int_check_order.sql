WITH "t4" AS (
  SELECT
    "t2"."order_id" AS "__order_id",
    "t2"."customer_id" AS "__customer_id",
    "t2"."placed_at" AS "__placed_at"
  FROM "analytics"."fct_orders" AS "t2"
)
SELECT
  "t3"."customer_id",
  "t3"."last_session_number",
  "t3"."session_id",
  CAST("t15"."__orders" AS BIGINT) AS "orders_in_session",
  "t15"."__first" AS "first_order_id"
FROM "analytics"."int_last_session_per_customer" AS "t3"
INNER JOIN (
  SELECT
    "t13"."customer_id" AS "__cid",
    COUNT(*) AS "__orders",
    MIN("t13"."order_id") AS "__first"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t11"."customer_id",
        "t11"."__order_id" AS "order_id"
      FROM (
        SELECT
          "t3"."customer_id",
          "t3"."last_session_number",
          "t3"."session_id",
          "t3"."session_start",
          "t3"."session_end",
          "t9"."__order_id",
          "t9"."__customer_id",
          "t9"."__placed_at"
        FROM "analytics"."int_last_session_per_customer" AS "t3"
        INNER JOIN "t4" AS "t9"
          ON "t3"."customer_id" = "t9"."__customer_id"
      ) AS "t11"
      WHERE
        "t11"."__placed_at" BETWEEN "t11"."session_start" AND "t11"."session_end"
    ) AS "t12"
    UNION
    SELECT
      *
    FROM (
      SELECT
        "t3"."customer_id",
        "t8"."__order_id" AS "order_id"
      FROM "analytics"."int_last_session_per_customer" AS "t3"
      INNER JOIN (
        SELECT
          "t1"."customer_id" AS "__customer_id",
          "t1"."session_number" AS "__session_number",
          "t1"."order_id" AS "__event_order_id"
        FROM "analytics"."int_session" AS "t1"
        WHERE
          "t1"."event_type" = 'PLACE_ORDER' AND "t1"."order_id" IS NOT NULL
      ) AS "t7"
        ON "t3"."customer_id" = "t7"."__customer_id"
        AND "t3"."last_session_number" = "t7"."__session_number"
      INNER JOIN "t4" AS "t8"
        ON "t7"."__event_order_id" = "t8"."__order_id"
        AND "t3"."customer_id" = "t8"."__customer_id"
    ) AS "t10"
  ) AS "t13"
  GROUP BY
    1
) AS "t15"
  ON "t3"."customer_id" = "t15"."__cid";
