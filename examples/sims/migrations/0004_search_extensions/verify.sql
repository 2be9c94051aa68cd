-- Guide: "Requires PostgreSQL >= 9.6 with pg_trgm extension".
SELECT count(*) = 2 AS search_extensions_installed
FROM pg_extension
WHERE extname IN ('pg_trgm', 'unaccent');

-- They work: a misspelt search still finds the term, and accents fold.
SELECT similarity('guillain barre', 'guillan bare') > 0.3 AS trigram_similarity_works;

SELECT unaccent('Guillain-Barré, Sjögren, Ménière') = 'Guillain-Barre, Sjogren, Meniere' AS unaccent_works;
