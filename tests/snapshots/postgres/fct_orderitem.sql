SELECT
  "t5"."order_item_id",
  "t5"."order_id",
  "t5"."customer_id",
  "t5"."product_id",
  "t5"."order_week",
  "t5"."placed_at",
  "t5"."quantity",
  "t5"."unit_price",
  "t5"."discount",
  "t5"."gross_amount",
  CAST("t5"."gross_amount" - "t5"."discount" AS DECIMAL(18, 2)) AS "net_amount"
FROM (
  SELECT
    "t2"."order_item_id",
    "t2"."order_id",
    "t4"."__customer_id" AS "customer_id",
    "t2"."product_id",
    DATE(DATE_TRUNC('WEEK', "t4"."__placed_at")) AS "order_week",
    "t4"."__placed_at" AS "placed_at",
    "t2"."quantity",
    "t2"."unit_price",
    "t2"."discount",
    CAST("t2"."quantity" * "t2"."unit_price" AS DECIMAL(18, 2)) AS "gross_amount"
  FROM "analytics"."stg_orderitem" AS "t2"
  INNER JOIN (
    SELECT
      "t1"."order_id" AS "__order_id",
      "t1"."customer_id" AS "__customer_id",
      "t1"."placed_at" AS "__placed_at"
    FROM "analytics"."stg_orders" AS "t1"
  ) AS "t4"
    ON "t2"."order_id" = "t4"."__order_id"
) AS "t5";
