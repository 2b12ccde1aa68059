SELECT
  "t4"."product_id",
  "t4"."product_name",
  "t4"."category",
  "t4"."price",
  "t4"."updated_at"
FROM (
  SELECT
    "t3"."product_id",
    "t3"."product_name",
    "t3"."category",
    "t3"."price",
    "t3"."updated_at",
    "t3"."__created_at"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t1"."product_id",
        "t1"."product_name",
        "t1"."category",
        "t1"."price",
        "t1"."updated_at",
        "t1"."__created_at",
        ROW_NUMBER() OVER (
          PARTITION BY "t1"."product_id"
          ORDER BY "t1"."updated_at" DESC NULLS LAST, "t1"."__created_at" DESC NULLS LAST, "t1"."price" DESC NULLS LAST, "t1"."product_name" COLLATE "C" ASC, "t1"."category" COLLATE "C" ASC
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - 1 AS "__rank"
      FROM (
        SELECT
          "t0"."id" AS "product_id",
          NULLIF(TRIM(' 	
' FROM "t0"."name"), '') AS "product_name",
          NULLIF(TRIM(' 	
' FROM "t0"."category"), '') AS "category",
          CAST("t0"."price" AS DECIMAL(18, 2)) AS "price",
          "t0"."updated_at",
          "t0"."created_at" AS "__created_at"
        FROM "public"."product" AS "t0"
      ) AS "t1"
    ) AS "t2"
    WHERE
      "t2"."__rank" = 0
  ) AS "t3"
) AS "t4";
