SELECT
  "t3"."id" AS "customer_id",
  NULLIF(TRIM(' 	
' FROM "t3"."first_name"), '') AS "first_name",
  NULLIF(TRIM(' 	
' FROM "t3"."last_name"), '') AS "last_name",
  NULLIF(
    TRIM(' 	
' FROM TRANSLATE("t3"."email", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')),
    ''
  ) AS "email",
  CASE
    WHEN LENGTH("t3"."__digits") = 10
    THEN "t3"."__digits"
    ELSE CAST(NULL AS VARCHAR)
  END AS "phone_number",
  "t3"."created_at",
  "t3"."updated_at"
FROM (
  SELECT
    "t2"."id",
    "t2"."first_name",
    "t2"."last_name",
    "t2"."email",
    "t2"."phone_number",
    "t2"."created_at",
    "t2"."updated_at",
    "t2"."__phone",
    "t2"."__cut",
    CASE
      WHEN (
        LENGTH("t2"."__digits") = 11
      ) AND STARTS_WITH("t2"."__digits", '1')
      THEN SUBSTRING("t2"."__digits" FROM CASE WHEN (
        1 + 1
      ) >= 1 THEN 1 + 1 ELSE 1 + 1 + LENGTH("t2"."__digits") END)
      ELSE "t2"."__digits"
    END AS "__digits"
  FROM (
    SELECT
      "t1"."id",
      "t1"."first_name",
      "t1"."last_name",
      "t1"."email",
      "t1"."phone_number",
      "t1"."created_at",
      "t1"."updated_at",
      "t1"."__phone",
      "t1"."__cut",
      REGEXP_REPLACE(
        CASE
          WHEN "t1"."__cut" >= 0
          THEN SUBSTRING("t1"."__phone" FROM CASE WHEN (
            0 + 1
          ) >= 1 THEN 0 + 1 ELSE 0 + 1 + LENGTH("t1"."__phone") END FOR "t1"."__cut")
          ELSE "t1"."__phone"
        END,
        '[^0-9]',
        '',
        'g'
      ) AS "__digits"
    FROM (
      SELECT
        "t0"."id",
        "t0"."first_name",
        "t0"."last_name",
        "t0"."email",
        "t0"."phone_number",
        "t0"."created_at",
        "t0"."updated_at",
        TRANSLATE("t0"."phone_number", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS "__phone",
        POSITION(
          'x' IN TRANSLATE("t0"."phone_number", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
        ) - 1 AS "__cut"
      FROM "public"."customer" AS "t0"
    ) AS "t1"
  ) AS "t2"
) AS "t3";
