SELECT
  "t3"."event_id",
  "t3"."customer_id",
  "t3"."event_type",
  "t3"."product_id",
  "t3"."order_id",
  "t3"."event_at"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t1"."event_id",
      "t1"."customer_id",
      "t1"."event_type",
      "t1"."product_id",
      "t1"."order_id",
      "t1"."event_at",
      ROW_NUMBER() OVER (
        PARTITION BY "t1"."event_id"
        ORDER BY "t1"."event_at" ASC, "t1"."customer_id" ASC, "t1"."event_type" COLLATE "C" ASC, "t1"."product_id" ASC, "t1"."order_id" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) - 1 AS "__rank"
    FROM (
      SELECT
        "t0"."id" AS "event_id",
        "t0"."customer_id",
        NULLIF(
          TRIM(' 	
' FROM TRANSLATE("t0"."event_type", 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')),
          ''
        ) AS "event_type",
        "t0"."product_id",
        "t0"."order_id",
        "t0"."event_timestamp" AS "event_at"
      FROM "public"."events" AS "t0"
    ) AS "t1"
  ) AS "t2"
  WHERE
    "t2"."__rank" = 0
) AS "t3";
