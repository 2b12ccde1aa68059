SELECT
  "t0"."id" AS "order_id",
  "t0"."customer_id",
  NULLIF(
    TRIM(' 	
' FROM TRANSLATE("t0"."status", 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')),
    ''
  ) AS "order_status",
  "t0"."created_at" AS "placed_at",
  "t0"."shipped_at",
  "t0"."updated_at"
FROM "public"."orders" AS "t0";
