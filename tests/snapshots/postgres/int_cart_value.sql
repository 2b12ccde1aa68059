SELECT
  "t7"."customer_id",
  "t7"."session_number",
  CAST("t7"."customer_id" AS VARCHAR) || '-' || CAST("t7"."session_number" AS VARCHAR) AS "session_id",
  CAST("t7"."add_to_cart_events" AS BIGINT) AS "add_to_cart_events",
  CAST(COALESCE("t7"."__value", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "cart_value",
  CAST("t7"."unpriced_events" AS BIGINT) AS "unpriced_events"
FROM (
  SELECT
    "t6"."customer_id",
    "t6"."session_number",
    COUNT(*) AS "add_to_cart_events",
    SUM("t6"."__price") AS "__value",
    COUNT(*) FILTER(WHERE
      "t6"."__price" IS NULL) AS "unpriced_events"
  FROM (
    SELECT
      "t5"."event_id",
      "t5"."customer_id",
      "t5"."event_type",
      "t5"."product_id",
      "t5"."order_id",
      "t5"."event_at",
      "t5"."session_number",
      "t5"."session_id",
      "t4"."__product_id",
      "t4"."__price"
    FROM (
      SELECT
        *
      FROM "analytics"."int_session" AS "t0"
      WHERE
        "t0"."event_type" = 'ADD_PRODUCT_TO_CART'
    ) AS "t5"
    LEFT OUTER JOIN (
      SELECT
        "t1"."product_id" AS "__product_id",
        "t1"."price" AS "__price"
      FROM "analytics"."dim_product" AS "t1"
    ) AS "t4"
      ON "t5"."product_id" = "t4"."__product_id"
  ) AS "t6"
  GROUP BY
    1,
    2
) AS "t7";
