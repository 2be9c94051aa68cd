-- Realistic MedDigitalAssistant data, deterministic (the same rows every run, no random()): 60 staff
-- accounts, 250 products, and 12,000 sales over 2025 with one to three items each, every sale's
-- total_amount the sum of its items (quantity x unit price).

INSERT INTO auth_user (id, password, username, first_name, last_name, email, is_staff, is_superuser, date_joined)
SELECT
  g,
  'pbkdf2_sha256$870000$seed$' || md5('meddigital-user-' || g),
  (ARRAY['pharmacist', 'cashier', 'manager'])[1 + g % 3] || g,
  (ARRAY['Amina', 'Joseph', 'Grace', 'Peter', 'Neema', 'John', 'Rehema', 'Daniel'])[1 + g % 8],
  (ARRAY['Mwakyusa', 'Kimaro', 'Njoroge', 'Otieno', 'Mushi', 'Achieng'])[1 + g % 6],
  'staff' || g || '@meddigital.example',
  g % 3 = 2,
  g = 1,
  timestamptz '2024-06-01 08:00:00+00' + g * interval '2 days'
FROM generate_series(1, 60) AS g;

INSERT INTO "App_product" (id, name, sku, category, unit_price, stock_quantity, low_stock_threshold, created_at)
SELECT
  p,
  (ARRAY['Paracetamol 500mg', 'Amoxicillin 250mg', 'Ibuprofen 400mg', 'ORS sachet', 'Metformin 500mg', 'Artemether/Lumefantrine',
         'Cetirizine 10mg', 'Omeprazole 20mg', 'Vitamin C 1000mg', 'Zinc 20mg', 'Salbutamol inhaler', 'Gauze roll'])[1 + p % 12]
    || ' (' || (ARRAY['10 tabs', '20 tabs', '100 ml', 'box of 30', 'single'])[1 + p % 5] || ')',
  'SKU-' || lpad(p::text, 5, '0'),
  (ARRAY['analgesic', 'antibiotic', 'antimalarial', 'supplement', 'respiratory', 'consumable'])[1 + p % 6],
  round((1.5 + (p * 37) % 4950 / 100.0)::numeric, 2),
  (p * 13) % 400,
  10 + p % 20,
  timestamptz '2024-06-15 09:00:00+00' + p * interval '3 hours'
FROM generate_series(1, 250) AS p;

-- Sale g has 1 + g % 3 items; item j sells product 1 + (7g + 31j) % 250, quantity 1 + (g + j) % 4.
INSERT INTO "App_sale" (id, sold_by_id, total_amount, payment_method, customer_name, created_at)
SELECT
  g,
  1 + g % 60,
  (SELECT sum((1 + (g + j) % 4) * pr.unit_price)
     FROM generate_series(1, 1 + g % 3) AS j
     JOIN "App_product" pr ON pr.id = 1 + (7 * g + 31 * j) % 250),
  (ARRAY['cash', 'cash', 'card', 'mobile_money', 'insurance'])[1 + g % 5],
  CASE WHEN g % 4 = 0 THEN '' ELSE (ARRAY['Walk-in', 'Mama Salma', 'Dr. Otieno clinic', 'Baraka', 'Upendo'])[1 + g % 5] END,
  timestamptz '2025-01-02 07:30:00+00' + g * interval '41 minutes'
FROM generate_series(1, 12000) AS g;

INSERT INTO "App_saleitem" (sale_id, product_id, quantity, unit_price)
SELECT g, pr.id, 1 + (g + j) % 4, pr.unit_price
FROM generate_series(1, 12000) AS g
CROSS JOIN LATERAL generate_series(1, 1 + g % 3) AS j
JOIN "App_product" pr ON pr.id = 1 + (7 * g + 31 * j) % 250
ORDER BY g, j;

SELECT setval(pg_get_serial_sequence('auth_user', 'id'), 60),
       setval(pg_get_serial_sequence('"App_product"', 'id'), 250),
       setval(pg_get_serial_sequence('"App_sale"', 'id'), 12000);

ANALYZE;
