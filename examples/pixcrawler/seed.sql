-- Realistic PixCrawler data, deterministic (the same rows every run, no random()): 300 profiles,
-- 1,200 projects, 4,000 crawl jobs, 20,000 images and 8,000 activity log entries, with the orphaned
-- rows a database without foreign keys collects:
--   - projects of 5 profiles deleted from Supabase auth (every 97th project);
--   - crawl jobs whose project row is gone (every 151st job), and the jobs of the orphaned projects;
--   - images whose crawl job row is gone (every 499th image), and the images of those jobs;
--   - activity log entries of the deleted profiles (every 83rd entry; every 40th is a system event
--     without a user, which is not an orphan).

INSERT INTO profiles (id, email, full_name, avatar_url, role, created_at, updated_at)
SELECT
  md5('pixcrawler-profile-' || g)::uuid,
  'user' || g || '@pixcrawler.dev',
  (ARRAY['Ahmed Hassan', 'Mona Adel', 'Youssef Ali', 'Nour Khaled', 'Omar Farouk', 'Salma Ibrahim', 'Karim Mostafa', 'Laila Samir'])[1 + g % 8],
  CASE WHEN g % 4 = 0 THEN NULL ELSE 'https://cdn.pixcrawler.dev/avatars/' || g || '.png' END,
  CASE WHEN g <= 3 THEN 'admin' ELSE 'user' END,
  timestamptz '2024-03-01 09:00:00+00' + g * interval '17 hours',
  timestamptz '2024-03-01 09:00:00+00' + g * interval '17 hours' + (g % 30) * interval '1 day'
FROM generate_series(1, 300) AS g;

INSERT INTO projects (id, name, description, user_id, status, created_at, updated_at)
SELECT
  g,
  (ARRAY['Street signs', 'Bird species', 'Retail shelves', 'Solar panels', 'Dog breeds', 'Road damage', 'Leaf disease', 'Vintage cars'])[1 + g % 8]
    || ' dataset ' || g,
  CASE WHEN g % 3 = 0 THEN NULL ELSE 'Training images for a ' || (ARRAY['classifier', 'detector', 'segmenter'])[1 + g % 3] END,
  CASE
    WHEN g % 97 = 0 THEN md5('pixcrawler-deleted-profile-' || (1 + g % 5))::uuid   -- orphan: profile deleted
    ELSE md5('pixcrawler-profile-' || (1 + g % 300))::uuid
  END,
  CASE WHEN g % 10 = 0 THEN 'archived' ELSE 'active' END,
  timestamptz '2024-04-01 10:00:00+00' + g * interval '5 hours',
  timestamptz '2024-04-01 10:00:00+00' + g * interval '5 hours' + (g % 9) * interval '1 day'
FROM generate_series(1, 1200) AS g;

INSERT INTO crawl_jobs (id, project_id, name, keywords, max_images, status, progress, total_images, downloaded_images, created_at, started_at, completed_at)
SELECT
  g,
  CASE WHEN g % 151 = 0 THEN 5000 + g ELSE 1 + g % 1200 END,                  -- orphan: project gone
  'crawl-' || g,
  jsonb_build_array(
    (ARRAY['stop sign', 'sparrow', 'cereal box', 'solar panel', 'golden retriever', 'pothole', 'leaf rust', 'ford mustang'])[1 + g % 8],
    (ARRAY['outdoor', 'close-up', 'night', 'aerial'])[1 + g % 4]),
  (ARRAY[50, 100, 200, 500])[1 + g % 4],
  (ARRAY['completed', 'completed', 'completed', 'failed', 'running', 'pending', 'cancelled'])[1 + g % 7],
  CASE (ARRAY['completed', 'completed', 'completed', 'failed', 'running', 'pending', 'cancelled'])[1 + g % 7]
    WHEN 'completed' THEN 100 WHEN 'running' THEN 10 + g % 80 WHEN 'pending' THEN 0 ELSE g % 60 END,
  5,
  CASE WHEN g % 7 IN (5, 6) THEN 0 ELSE 5 END,
  timestamptz '2024-04-02 08:00:00+00' + g * interval '97 minutes',
  CASE WHEN g % 7 <> 5 THEN timestamptz '2024-04-02 08:00:00+00' + g * interval '97 minutes' + interval '30 seconds' END,
  CASE WHEN g % 7 IN (0, 1, 2, 3) THEN timestamptz '2024-04-02 08:00:00+00' + g * interval '97 minutes' + interval '6 minutes' END
FROM generate_series(1, 4000) AS g;

INSERT INTO images (crawl_job_id, original_url, filename, storage_url, width, height, file_size, format, hash, is_valid, is_duplicate, labels, created_at)
SELECT
  CASE WHEN g % 499 = 0 THEN 90000 + g ELSE 1 + g % 4000 END,                 -- orphan: crawl job gone
  'https://images.example.com/' || (ARRAY['flickr', 'unsplash', 'wikimedia', 'pexels'])[1 + g % 4] || '/' || md5('image-' || g) || '.jpg',
  'img_' || lpad(g::text, 6, '0') || '.' || (ARRAY['jpg', 'jpg', 'png', 'webp'])[1 + g % 4],
  'https://storage.pixcrawler.dev/datasets/' || (1 + g % 4000) || '/img_' || lpad(g::text, 6, '0'),
  (ARRAY[640, 800, 1024, 1280, 1920])[1 + g % 5],
  (ARRAY[480, 600, 768, 720, 1080])[1 + g % 5],
  20000 + (g * 7919) % 900000,
  (ARRAY['jpeg', 'jpeg', 'png', 'webp'])[1 + g % 4],
  encode(sha256(('image-' || g)::bytea), 'hex'),
  g % 23 <> 0,
  g % 41 = 0,
  CASE WHEN g % 5 = 0 THEN NULL ELSE jsonb_build_object('label', (ARRAY['positive', 'negative', 'unsure'])[1 + g % 3], 'confidence', round((0.5 + (g % 50) / 100.0)::numeric, 2)) END,
  timestamptz '2024-04-02 08:10:00+00' + g * interval '19 minutes'
FROM generate_series(1, 20000) AS g;

INSERT INTO activity_logs (user_id, action, resource_type, resource_id, metadata, timestamp)
SELECT
  CASE
    WHEN g % 40 = 0 THEN NULL                                                 -- system event
    WHEN g % 83 = 0 THEN md5('pixcrawler-deleted-profile-' || (1 + g % 5))::uuid   -- orphan: profile deleted
    ELSE md5('pixcrawler-profile-' || (1 + g % 300))::uuid
  END,
  (ARRAY['project.create', 'crawl_job.start', 'crawl_job.complete', 'image.validate', 'dataset.export', 'auth.login'])[1 + g % 6],
  (ARRAY['project', 'crawl_job', 'crawl_job', 'image', 'dataset', NULL])[1 + g % 6],
  CASE WHEN g % 6 = 5 THEN NULL ELSE (1 + g % 1200)::text END,
  jsonb_build_object('ip', '192.0.2.' || (g % 250), 'client', (ARRAY['web', 'api', 'cli'])[1 + g % 3]),
  timestamptz '2024-04-01 00:00:00+00' + g * interval '71 minutes'
FROM generate_series(1, 8000) AS g;

SELECT setval(pg_get_serial_sequence('projects', 'id'), 1200), setval(pg_get_serial_sequence('crawl_jobs', 'id'), 4000);

ANALYZE;
