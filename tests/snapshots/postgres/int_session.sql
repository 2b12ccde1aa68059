SELECT
  "t3"."event_id",
  "t3"."customer_id",
  "t3"."event_type",
  "t3"."product_id",
  "t3"."order_id",
  "t3"."event_at",
  "t3"."session_number",
  CAST("t3"."customer_id" AS VARCHAR) || '-' || CAST("t3"."session_number" AS VARCHAR) AS "session_id"
FROM (
  SELECT
    "t2"."event_id",
    "t2"."customer_id",
    "t2"."event_type",
    "t2"."product_id",
    "t2"."order_id",
    "t2"."event_at",
    "t2"."__previous",
    CAST(SUM(
      CASE
        WHEN (
          "t2"."__previous" IS NULL
        )
        OR (
          "t2"."event_at" > (
            "t2"."__previous" + INTERVAL '30 MINUTE'
          )
        )
        THEN 1
        ELSE 0
      END
    ) OVER (
      PARTITION BY "t2"."customer_id"
      ORDER BY "t2"."event_at" ASC, "t2"."event_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS BIGINT) AS "session_number"
  FROM (
    SELECT
      "t1"."event_id",
      "t1"."customer_id",
      "t1"."event_type",
      "t1"."product_id",
      "t1"."order_id",
      "t1"."event_at",
      LAG("t1"."event_at") OVER (
        PARTITION BY "t1"."customer_id"
        ORDER BY "t1"."event_at" ASC, "t1"."event_id" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "__previous"
    FROM (
      SELECT
        *
      FROM "analytics"."stg_events" AS "t0"
      WHERE
        "t0"."customer_id" IS NOT NULL
    ) AS "t1"
  ) AS "t2"
) AS "t3";
