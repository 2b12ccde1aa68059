SELECT
  "t1"."customer_id",
  "t1"."session_number",
  CAST("t1"."customer_id" AS VARCHAR) || '-' || CAST("t1"."session_number" AS VARCHAR) AS "session_id",
  "t1"."session_start",
  "t1"."session_end",
  CAST("t1"."event_count" AS BIGINT) AS "event_count",
  CAST(CAST(EXTRACT(epoch FROM CAST("t1"."session_end" AS TIMESTAMP) - CAST("t1"."session_start" AS TIMESTAMP)) * 1000000 AS BIGINT) AS DOUBLE PRECISION) / 1000000.0 AS "duration_seconds"
FROM (
  SELECT
    "t0"."customer_id",
    "t0"."session_number",
    MIN("t0"."event_at") AS "session_start",
    MAX("t0"."event_at") AS "session_end",
    COUNT(*) AS "event_count"
  FROM "analytics"."int_session" AS "t0"
  GROUP BY
    1,
    2
) AS "t1";
