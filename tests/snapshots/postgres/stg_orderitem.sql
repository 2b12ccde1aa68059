SELECT
  "t0"."id" AS "order_item_id",
  "t0"."order_id",
  "t0"."product_id",
  "t0"."quantity",
  CAST("t0"."unit_price" AS DECIMAL(18, 2)) AS "unit_price",
  COALESCE(CAST("t0"."discount" AS DECIMAL(18, 2)), CAST('0.00' AS DECIMAL(18, 2))) AS "discount"
FROM "public"."orderitem" AS "t0";
