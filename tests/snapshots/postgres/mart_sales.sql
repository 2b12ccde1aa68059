WITH "t1" AS (
  SELECT
    "t0"."order_week" AS "__week",
    COUNT(*) AS "__orders",
    SUM("t0"."item_count") AS "__items",
    SUM("t0"."gross_amount") AS "__gross",
    SUM("t0"."discount_amount") AS "__discount",
    SUM("t0"."net_amount") AS "__net"
  FROM "analytics"."fct_orders" AS "t0"
  GROUP BY
    1
)
SELECT
  "t7"."week_start",
  CAST(COALESCE("t3"."__orders", 0) AS BIGINT) AS "order_count",
  CAST(COALESCE("t3"."__items", 0) AS BIGINT) AS "items_sold",
  CAST(COALESCE("t3"."__gross", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "gross_revenue",
  CAST(COALESCE("t3"."__discount", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "discount_total",
  CAST(COALESCE("t3"."__net", CAST('0.00' AS DECIMAL(18, 2))) AS DECIMAL(18, 2)) AS "net_revenue"
FROM (
  SELECT
    DATE("t5"."__monday") AS "week_start"
  FROM (
    SELECT
      UNNEST(
        CASE
          WHEN NULLIF(INTERVAL '1 WEEK', MAKE_INTERVAL()) IS NOT NULL
          AND CASE
            WHEN INTERVAL '1 WEEK' = MAKE_INTERVAL()
            THEN 0
            WHEN INTERVAL '1 WEEK' < MAKE_INTERVAL()
            THEN -1
            WHEN INTERVAL '1 WEEK' > MAKE_INTERVAL()
            THEN 1
            ELSE NULL
          END = CASE
            WHEN (
              (
                "t4"."__hi" + INTERVAL '1 DAY'
              ) - "t4"."__lo"
            ) = MAKE_INTERVAL()
            THEN 0
            WHEN (
              (
                "t4"."__hi" + INTERVAL '1 DAY'
              ) - "t4"."__lo"
            ) < MAKE_INTERVAL()
            THEN -1
            WHEN (
              (
                "t4"."__hi" + INTERVAL '1 DAY'
              ) - "t4"."__lo"
            ) > MAKE_INTERVAL()
            THEN 1
            ELSE NULL
          END
          THEN ARRAY_REMOVE(
            ARRAY(SELECT
              *
            FROM GENERATE_SERIES("t4"."__lo", "t4"."__hi" + INTERVAL '1 DAY', INTERVAL '1 WEEK')),
            "t4"."__hi" + INTERVAL '1 DAY'
          )
          ELSE CAST(ARRAY[] AS TIMESTAMP[])
        END
      ) AS "__monday"
    FROM (
      SELECT
        CAST(MIN("t2"."__week") AS TIMESTAMP) AS "__lo",
        CAST(MAX("t2"."__week") AS TIMESTAMP) AS "__hi"
      FROM "t1" AS "t2"
    ) AS "t4"
  ) AS "t5"
) AS "t7"
LEFT OUTER JOIN "t1" AS "t3"
  ON "t7"."week_start" = "t3"."__week";
