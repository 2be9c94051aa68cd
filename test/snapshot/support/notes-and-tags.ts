/**
 * Two tables for restores that take many batches: `notes` (2,000 rows of about 100 bytes) and `tags`
 * (700 rows referencing them, so loaded after them).
 */
export const NOTES_AND_TAGS_SQL = `
    CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
    INSERT INTO notes SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 2000) AS g;
    CREATE TABLE tags (id int PRIMARY KEY, note int REFERENCES notes, tag text);
    INSERT INTO tags SELECT g, 1 + g % 2000, 'tag ' || g FROM generate_series(1, 700) AS g;`;
