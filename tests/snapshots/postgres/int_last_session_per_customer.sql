SELECT
  "t3"."customer_id",
  "t3"."session_number" AS "last_session_number",
  "t3"."session_id",
  "t3"."session_start",
  "t3"."session_end"
FROM (
  SELECT
    "t2"."customer_id",
    "t2"."session_number",
    "t2"."session_id",
    "t2"."session_start",
    "t2"."session_end",
    "t2"."event_count",
    "t2"."duration_seconds"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t0"."customer_id",
        "t0"."session_number",
        "t0"."session_id",
        "t0"."session_start",
        "t0"."session_end",
        "t0"."event_count",
        "t0"."duration_seconds",
        ROW_NUMBER() OVER (
          PARTITION BY "t0"."customer_id"
          ORDER BY "t0"."session_number" DESC NULLS LAST
          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) - 1 AS "__rank"
      FROM "analytics"."int_session_bounds" AS "t0"
    ) AS "t1"
    WHERE
      "t1"."__rank" = 0
  ) AS "t2"
) AS "t3";
