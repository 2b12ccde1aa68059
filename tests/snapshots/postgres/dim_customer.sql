SELECT
  "t0"."customer_id",
  "t0"."first_name",
  "t0"."last_name",
  COALESCE("t0"."first_name" || ' ' || "t0"."last_name", "t0"."first_name", "t0"."last_name") AS "full_name",
  "t0"."email",
  "t0"."phone_number",
  "t0"."created_at",
  (
    "t0"."email" IS NOT NULL
  )
  AND (
    COUNT(*) OVER (
      PARTITION BY "t0"."email"
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) > 1
  ) AS "has_duplicate_email"
FROM "analytics"."stg_customer" AS "t0";
