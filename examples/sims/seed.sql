-- Realistic SIMS data, deterministic (the same rows every run, no random()): a teaching hospital's
-- 400 users (10 admins and 30 supervisors without a supervisor, 360 postgraduates of whom every
-- twelfth has not been assigned one yet), their rotations, 12,000 logbook entries, 6,000 clinical
-- cases, certificates, 15,000 notifications (about a fifth unread), bulk operations, scheduled
-- reports, search history with accented medical terms, and the audit trail.

INSERT INTO users_user (id, password, username, first_name, last_name, email, is_staff, is_superuser, date_joined, role, specialty, supervisor_id)
SELECT
  g,
  'pbkdf2_sha256$600000$seed$' || md5('sims-user-' || g),
  CASE WHEN g <= 10 THEN 'admin' WHEN g <= 40 THEN 'dr.supervisor' ELSE 'pg' END || g,
  (ARRAY['Aisha', 'Rahul', 'Fatima', 'Omar', 'Priya', 'Imran', 'Sara', 'Bilal', 'Mariam', 'Usman', 'Hina', 'Ali'])[1 + g % 12],
  (ARRAY['Khan', 'Sharma', 'Ahmed', 'Qureshi', 'Patel', 'Malik', 'Hussain', 'Iqbal', 'Raza', 'Siddiqui'])[1 + (g * 7) % 10],
  'user' || g || '@sims.example.org',
  g <= 40,
  g <= 2,
  timestamptz '2022-09-01 08:00:00+00' + g * interval '9 hours',
  CASE WHEN g <= 10 THEN 'admin' WHEN g <= 40 THEN 'supervisor' ELSE 'pg' END,
  CASE WHEN g <= 10 THEN '' ELSE (ARRAY['Medicine', 'Surgery', 'Paediatrics', 'Obstetrics & Gynaecology', 'Anaesthesia', 'Radiology'])[1 + g % 6] END,
  CASE WHEN g <= 40 THEN NULL WHEN g % 12 = 0 THEN NULL ELSE 11 + g % 30 END
FROM generate_series(1, 400) AS g;

-- Four rotations per postgraduate, three months each from January 2023; rotation r belongs to
-- postgraduate 41 + r % 360.
INSERT INTO rotations_rotation (id, pg_id, supervisor_id, department, hospital, start_date, end_date, status, created_at)
SELECT
  r,
  41 + r % 360,
  11 + (r * 13) % 30,
  (ARRAY['Internal Medicine', 'General Surgery', 'Paediatrics', 'Gynae & Obs', 'Emergency', 'ICU', 'Cardiology', 'Nephrology'])[1 + r % 8],
  (ARRAY['Mayo Hospital', 'Services Hospital', 'Jinnah Hospital', 'Lady Reading Hospital'])[1 + r % 4],
  date '2023-01-02' + ((r - 1) / 360) * 91,
  date '2023-01-02' + ((r - 1) / 360) * 91 + 90,
  CASE
    WHEN r % 37 = 0 THEN 'cancelled'
    WHEN date '2023-01-02' + ((r - 1) / 360) * 91 + 90 < date '2023-10-01' THEN 'completed'
    WHEN date '2023-01-02' + ((r - 1) / 360) * 91 <= date '2023-10-01' THEN 'ongoing'
    ELSE 'planned'
  END,
  timestamptz '2022-12-15 09:00:00+00' + r * interval '11 minutes'
FROM generate_series(1, 1440) AS r;

INSERT INTO logbook_logbookentry (pg_id, rotation_id, title, description, procedure_count, status, created_at, updated_at)
SELECT
  41 + (g % 1440 + 1) % 360,
  g % 1440 + 1,
  (ARRAY['Central venous catheter insertion', 'Lumbar puncture', 'Endotracheal intubation', 'Appendectomy (assisted)',
         'Pleural tap', 'Arterial blood gas sampling', 'Nasogastric tube insertion', 'Suturing of scalp laceration',
         'Bone marrow aspiration', 'Chest tube insertion', 'Caesarean section (assisted)', 'Closed reduction of Colles fracture',
         'Ultrasound-guided cannulation', 'Paracentesis', 'Ward round case presentation', 'Neonatal resuscitation'])[1 + g % 16],
  'Performed under ' || (ARRAY['direct', 'indirect', 'remote'])[1 + g % 3] || ' supervision; patient aged ' || (18 + (g * 31) % 70) || ', no complications.',
  1 + g % 4,
  (ARRAY['draft', 'submitted', 'approved', 'approved', 'returned'])[1 + g % 5],
  timestamptz '2023-01-05 07:00:00+00' + g * interval '61 minutes',
  timestamptz '2023-01-05 07:00:00+00' + g * interval '61 minutes' + (g % 72) * interval '1 hour'
FROM generate_series(1, 12000) AS g;

INSERT INTO cases_clinicalcase (pg_id, rotation_id, title, diagnosis, status, created_at)
SELECT
  41 + (g % 1440 + 1) % 360,
  g % 1440 + 1,
  'Case ' || g || ': ' || (ARRAY['fever and cough', 'altered sensorium', 'chest pain', 'abdominal pain', 'generalised oedema', 'weakness of limbs'])[1 + g % 6],
  (ARRAY['Community-acquired pneumonia with sepsis', 'Diabetic ketoacidosis', 'Acute inferior wall myocardial infarction',
         'Tuberculous meningitis', 'Acute appendicitis', 'Dengue haemorrhagic fever', 'Chronic kidney disease stage 4',
         'Nephrotic syndrome', 'Guillain-Barré syndrome', 'Crohn''s disease flare', 'Pulmonary embolism', 'Severe falciparum malaria',
         'Hepatic encephalopathy', 'Pre-eclampsia with severe features'])[1 + g % 14]
    || ' in a ' || (16 + (g * 17) % 70) || '-year-old',
  (ARRAY['draft', 'submitted', 'reviewed', 'approved'])[1 + g % 4],
  timestamptz '2023-01-06 10:00:00+00' + g * interval '2 hours 3 minutes'
FROM generate_series(1, 6000) AS g;

INSERT INTO certificates_certificate (pg_id, title, certificate_type, issue_date, expiry_date, created_at)
SELECT
  41 + g % 360,
  (ARRAY['Basic Life Support', 'Advanced Cardiac Life Support', 'Research Methodology Course', 'Communication Skills Workshop', 'Annual Surgical Conference'])[1 + g % 5],
  (ARRAY['bls', 'acls', 'course', 'workshop', 'conference'])[1 + g % 5],
  date '2022-06-01' + (g * 3) % 800,
  CASE WHEN g % 5 < 2 THEN date '2022-06-01' + (g * 3) % 800 + 730 END,
  timestamptz '2022-06-02 12:00:00+00' + ((g * 3) % 800) * interval '1 day'
FROM generate_series(1, 1500) AS g;

-- Recent notifications are mostly unread; older ones were read except every sixth.
INSERT INTO notifications_notification (recipient_id, verb, message, is_read, created_at)
SELECT
  1 + g % 400,
  (ARRAY['logbook_approved', 'logbook_returned', 'case_reviewed', 'rotation_starting', 'certificate_expiring', 'report_ready'])[1 + g % 6],
  (ARRAY['Your logbook entry was approved.', 'Your logbook entry was returned with comments.', 'Your clinical case was reviewed.',
         'Your next rotation starts on Monday.', 'Your certificate expires within 30 days.', 'Your scheduled report is ready.'])[1 + g % 6],
  NOT (g % 6 = 0 OR g > 14000),
  timestamptz '2023-06-01 06:00:00+00' + g * interval '43 minutes'
FROM generate_series(1, 15000) AS g;

INSERT INTO notifications_notificationpreference (user_id, email_enabled, in_app_enabled, digest)
SELECT g, g % 9 <> 0, true, (ARRAY['daily', 'weekly', 'never'])[1 + g % 3]
FROM generate_series(1, 400) AS g;

INSERT INTO bulk_bulkoperation (user_id, operation_type, status, total_records, processed_records, failed_records, created_at, completed_at)
SELECT
  1 + g % 40,
  (ARRAY['import', 'export', 'approve', 'assign'])[1 + g % 4],
  CASE WHEN g % 11 = 0 THEN 'failed' WHEN g > 295 THEN 'running' ELSE 'completed' END,
  50 + (g * 37) % 950,
  CASE WHEN g > 295 THEN (50 + (g * 37) % 950) / 2 ELSE 50 + (g * 37) % 950 END,
  CASE WHEN g % 11 = 0 THEN 1 + g % 17 ELSE 0 END,
  timestamptz '2023-02-01 09:00:00+00' + g * interval '1 day 3 hours',
  CASE WHEN g > 295 THEN NULL ELSE timestamptz '2023-02-01 09:00:00+00' + g * interval '1 day 3 hours' + interval '4 minutes' END
FROM generate_series(1, 300) AS g;

INSERT INTO reports_reportconfig (id, name, report_type, parameters, created_by_id, created_at)
SELECT
  g,
  (ARRAY['Monthly logbook summary', 'Case mix by department', 'Certificate compliance', 'Rotation coverage'])[1 + g % 4] || ' ' || g,
  (ARRAY['logbook_summary', 'case_mix', 'compliance', 'rotations'])[1 + g % 4],
  jsonb_build_object('department', (ARRAY['all', 'Medicine', 'Surgery'])[1 + g % 3], 'months', 1 + g % 12),
  1 + g % 10,
  timestamptz '2023-01-10 10:00:00+00' + g * interval '5 days'
FROM generate_series(1, 12) AS g;

INSERT INTO reports_scheduledreport (config_id, frequency, recipients, is_active, created_at)
SELECT
  1 + g % 12,
  (ARRAY['daily', 'weekly', 'monthly'])[1 + g % 3],
  'admin' || (1 + g % 10) || '@sims.example.org',
  g % 8 <> 0,
  timestamptz '2023-03-01 10:00:00+00' + g * interval '3 days'
FROM generate_series(1, 40) AS g;

-- What people type into search: diagnoses with and without their accents, procedures, people.
INSERT INTO search_searchhistory (user_id, search_term, results_count, created_at)
SELECT
  1 + g % 400,
  (ARRAY['Guillain-Barré', 'guillain barre', 'Sjögren syndrome', 'Ménière disease', 'pneumonia sepsis', 'appendectomy',
         'intubation logbook', 'BLS certificate', 'lumbar puncture', 'Crohn', 'dengue', 'central line', 'nephrotic',
         'cardiology rotation', 'pre-eclampsia', 'malaria'])[1 + g % 16]
    || CASE WHEN g % 3 = 0 THEN ' ' || (2023 + g % 2) ELSE '' END,
  (g * 7) % 120,
  timestamptz '2023-04-01 08:00:00+00' + g * interval '2 hours 11 minutes'
FROM generate_series(1, 4000) AS g;

-- The audit trail: every fiftieth event is a system event without a user.
INSERT INTO audit_activitylog (user_id, action, details, ip_address, created_at)
SELECT
  CASE WHEN g % 50 = 0 THEN NULL ELSE 1 + g % 400 END,
  (ARRAY['login', 'logout', 'export', 'bulk_approve', 'password_change', 'report_download'])[1 + g % 6],
  jsonb_build_object('user_agent', (ARRAY['Chrome', 'Firefox', 'Safari', 'SIMS-Android'])[1 + g % 4], 'session', md5('session-' || g)),
  ('10.' || (g % 4) || '.' || (g / 256) % 256 || '.' || g % 256)::inet,
  timestamptz '2023-01-01 00:00:00+00' + g * interval '57 minutes'
FROM generate_series(1, 10000) AS g;

SELECT setval(pg_get_serial_sequence('users_user', 'id'), 400);
SELECT setval(pg_get_serial_sequence('rotations_rotation', 'id'), 1440);
SELECT setval(pg_get_serial_sequence('reports_reportconfig', 'id'), 12);

ANALYZE;
