SELECT
  "t5"."order_id",
  "t5"."customer_id",
  "t5"."order_status",
  "t5"."placed_at",
  "t5"."shipped_at",
  "t5"."order_week",
  "t5"."item_count",
  "t5"."gross_amount",
  "t5"."discount_amount",
  CAST("t5"."gross_amount" - "t5"."discount_amount" AS DECIMAL(18, 2)) AS "net_amount"
FROM (
  SELECT
    "t2"."order_id",
    "t2"."customer_id",
    "t2"."order_status",
    "t2"."placed_at",
    "t2"."shipped_at",
    DATE(DATE_TRUNC('WEEK', "t2"."placed_at")) AS "order_week",
    CAST(COALESCE("t4"."__items", 0) AS BIGINT) AS "item_count",
    CAST(COALESCE("t4"."__gross", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "gross_amount",
    CAST(COALESCE("t4"."__discount", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "discount_amount"
  FROM "analytics"."stg_orders" AS "t2"
  LEFT OUTER JOIN (
    SELECT
      "t1"."order_id" AS "__order_id",
      SUM("t1"."quantity") AS "__items",
      SUM("t1"."quantity" * "t1"."unit_price") AS "__gross",
      SUM("t1"."discount") AS "__discount"
    FROM "analytics"."stg_orderitem" AS "t1"
    GROUP BY
      1
  ) AS "t4"
    ON "t2"."order_id" = "t4"."__order_id"
) AS "t5";
