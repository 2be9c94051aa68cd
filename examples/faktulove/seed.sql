-- Realistic FaktuLove data: 40 users and 5,000 invoices, a fifth of them processed by OCR before the
-- constraints existed, so some carry the invalid values the guide warns about (confidence outside
-- 0..100, negative processing time). Deterministic: the same rows every run.
INSERT INTO auth_user (username, email, date_joined)
SELECT 'user' || g, 'user' || g || '@example.pl', timestamptz '2023-01-01 08:00:00+00' + g * interval '3 days'
FROM generate_series(1, 40) AS g;

INSERT INTO faktury_faktura (
  user_id, numer, data_wystawienia, data_sprzedazy, termin_platnosci, nabywca_nazwa,
  kwota_netto, kwota_brutto, status,
  source_document_id, ocr_confidence, ocr_processing_time, manual_verification_required, ocr_extracted_at)
SELECT
  1 + (g % 40),
  'FV/' || (2024 + g / 2500) || '/' || lpad((g % 2500 + 1)::text, 5, '0'),
  date '2024-01-01' + (g % 600),
  date '2024-01-01' + (g % 600),
  date '2024-01-15' + (g % 600),
  'Kontrahent ' || (g % 313) || ' Sp. z o.o.',
  round((100 + (g * 37) % 9900)::numeric, 2),
  round((100 + (g * 37) % 9900)::numeric * 1.23, 2),
  (ARRAY['wystawiona', 'oplacona', 'anulowana'])[1 + g % 3],
  CASE WHEN g % 5 = 0 THEN 100000 + g END,
  CASE
    WHEN g % 5 <> 0 THEN NULL
    WHEN g % 50 = 0 THEN 150.0                   -- invalid: above 100
    WHEN g % 45 = 0 THEN -5.0                    -- invalid: negative
    ELSE 40 + ((g * 7919) % 6000) / 100.0        -- 40.00 .. 99.99
  END,
  CASE
    WHEN g % 5 <> 0 THEN NULL
    WHEN g % 35 = 0 THEN -1.0                    -- invalid: negative
    ELSE 0.5 + ((g * 104729) % 900) / 100.0
  END,
  g % 5 = 0 AND ((g * 7919) % 6000) < 2000,
  CASE WHEN g % 5 = 0 THEN timestamptz '2024-06-01 00:00:00+00' + g * interval '37 minutes' END
FROM generate_series(1, 5000) AS g;

ANALYZE auth_user;
ANALYZE faktury_faktura;
