SELECT
  "t0"."id" AS "customer_id",
  NULLIF(TRIM(' 	
' FROM "t0"."first_name"), '') AS "first_name",
  NULLIF(TRIM(' 	
' FROM "t0"."last_name"), '') AS "last_name",
  NULLIF(
    TRIM(' 	
' FROM TRANSLATE("t0"."email", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')),
    ''
  ) AS "email",
  NULLIF(
    REGEXP_REPLACE(
      REGEXP_REPLACE(
        REGEXP_REPLACE(REGEXP_REPLACE("t0"."phone_number", '(?s)[xX].*', '', 'g'), '[^0-9]', '', 'g'),
        '^1([0-9]{10})$',
        '\1',
        'g'
      ),
      '^([0-9]{0,9}|[0-9]{11,})$',
      '',
      'g'
    ),
    ''
  ) AS "phone_number",
  "t0"."created_at",
  "t0"."updated_at"
FROM "public"."customer" AS "t0";
