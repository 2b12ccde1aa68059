SELECT
  "t2"."event_id",
  "t2"."customer_id",
  "t2"."event_type",
  "t2"."product_id",
  "t2"."order_id",
  "t2"."event_at",
  "t2"."session_number",
  CAST("t2"."customer_id" AS VARCHAR) || '-' || CAST("t2"."session_number" AS VARCHAR) AS "session_id"
FROM (
  SELECT
    "t1"."event_id",
    "t1"."customer_id",
    "t1"."event_type",
    "t1"."product_id",
    "t1"."order_id",
    "t1"."event_at",
    "t1"."__previous",
    CAST(SUM(
      CASE
        WHEN (
          "t1"."__previous" IS NULL
        )
        OR (
          "t1"."event_at" > (
            "t1"."__previous" + INTERVAL '30 MINUTE'
          )
        )
        THEN 1
        ELSE 0
      END
    ) OVER (
      PARTITION BY "t1"."customer_id"
      ORDER BY "t1"."event_at" ASC, "t1"."event_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS BIGINT) AS "session_number"
  FROM (
    SELECT
      "t0"."event_id",
      "t0"."customer_id",
      "t0"."event_type",
      "t0"."product_id",
      "t0"."order_id",
      "t0"."event_at",
      LAG("t0"."event_at") OVER (
        PARTITION BY "t0"."customer_id"
        ORDER BY "t0"."event_at" ASC, "t0"."event_id" ASC
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
      ) AS "__previous"
    FROM "analytics"."fct_events" AS "t0"
  ) AS "t1"
) AS "t2";
