SELECT
  "t4"."customer_id",
  "t10"."__email" AS "email",
  "t4"."session_id",
  "t8"."__start" AS "session_start",
  "t8"."__end" AS "session_end",
  CAST(COALESCE("t9"."__cart_value", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "cart_value",
  "t4"."orders_in_session"
FROM "analytics"."int_check_order" AS "t4"
INNER JOIN (
  SELECT
    "t1"."customer_id" AS "__cid",
    "t1"."session_start" AS "__start",
    "t1"."session_end" AS "__end"
  FROM "analytics"."int_last_session_per_customer" AS "t1"
) AS "t8"
  ON "t4"."customer_id" = "t8"."__cid"
LEFT OUTER JOIN (
  SELECT
    "t2"."customer_id" AS "__cart_cid",
    "t2"."session_number" AS "__cart_session",
    "t2"."cart_value" AS "__cart_value"
  FROM "analytics"."int_cart_value" AS "t2"
) AS "t9"
  ON "t4"."customer_id" = "t9"."__cart_cid"
  AND "t4"."last_session_number" = "t9"."__cart_session"
LEFT OUTER JOIN (
  SELECT
    "t3"."customer_id" AS "__person",
    "t3"."email" AS "__email"
  FROM "analytics"."dim_customer" AS "t3"
) AS "t10"
  ON "t4"."customer_id" = "t10"."__person";
