SELECT
  "t0"."product_id",
  "t0"."product_name",
  "t0"."category",
  "t0"."price"
FROM "analytics"."stg_product" AS "t0";
