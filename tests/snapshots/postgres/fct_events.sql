SELECT
  *
FROM "analytics"."stg_events" AS "t0"
WHERE
  "t0"."customer_id" IS NOT NULL;
