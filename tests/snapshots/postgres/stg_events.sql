SELECT
  "t9"."event_id",
  "t9"."customer_id",
  "t9"."event_type",
  "t9"."product_id",
  "t9"."order_id",
  "t9"."event_at"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t7"."event_id",
      "t7"."customer_id",
      "t7"."event_type",
      "t7"."product_id",
      "t7"."order_id",
      "t7"."event_at",
      ROW_NUMBER() OVER (
        PARTITION BY "t7"."event_id"
        ORDER BY "t7"."event_at" ASC, "t7"."customer_id" ASC, "t7"."event_type" COLLATE "C" ASC, "t7"."product_id" ASC, "t7"."order_id" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) - 1 AS "__rank"
    FROM (
      SELECT
        "t6"."id" AS "event_id",
        "t6"."customer_id",
        "t6"."__clean" AS "event_type",
        "t6"."product_id",
        "t6"."order_id",
        "t6"."event_timestamp" AS "event_at"
      FROM (
        SELECT
          "t5"."id",
          "t5"."customer_id",
          "t5"."event_type",
          "t5"."product_id",
          "t5"."order_id",
          "t5"."event_timestamp",
          "t5"."__clean"
        FROM (
          SELECT
            "t1"."id",
            "t1"."customer_id",
            "t1"."event_type",
            "t1"."product_id",
            "t1"."order_id",
            "t1"."event_timestamp",
            "t4"."__raw",
            "t4"."__clean"
          FROM "public"."events" AS "t1"
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
                "t0"."event_type" AS "__raw"
              FROM "public"."events" AS "t0"
            ) AS "t2"
          ) AS "t4"
            ON "t1"."event_type" = "t4"."__raw"
        ) AS "t5"
      ) AS "t6"
    ) AS "t7"
  ) AS "t8"
  WHERE
    "t8"."__rank" = 0
) AS "t9";
