SELECT
  "t6"."id" AS "order_id",
  "t6"."customer_id",
  "t6"."__clean" AS "order_status",
  "t6"."created_at" AS "placed_at",
  "t6"."shipped_at",
  "t6"."updated_at"
FROM (
  SELECT
    "t5"."id",
    "t5"."customer_id",
    "t5"."status",
    "t5"."created_at",
    "t5"."shipped_at",
    "t5"."updated_at",
    "t5"."__clean"
  FROM (
    SELECT
      "t1"."id",
      "t1"."customer_id",
      "t1"."status",
      "t1"."created_at",
      "t1"."shipped_at",
      "t1"."updated_at",
      "t4"."__raw",
      "t4"."__clean"
    FROM "public"."orders" AS "t1"
    LEFT OUTER JOIN (
      SELECT
        "t2"."__raw",
        NULLIF(
          TRIM(' 	
' FROM TRANSLATE("t2"."__raw", 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')),
          ''
        ) AS "__clean"
      FROM (
        SELECT DISTINCT
          "t0"."status" AS "__raw"
        FROM "public"."orders" AS "t0"
      ) AS "t2"
    ) AS "t4"
      ON "t1"."status" = "t4"."__raw"
  ) AS "t5"
) AS "t6";
