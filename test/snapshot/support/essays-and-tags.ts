/**
 * Two tables for snapshots of some size, analysed so that the catalog's estimates (`pg_class`) are known:
 * `essays` (`essays` rows, each body `md5` repeated `repeats` times: 32 bytes each) and `tags` (`tags`
 * short rows).
 */
export function essaysAndTagsSql({ essays, repeats, tags }: { readonly essays: number; readonly repeats: number; readonly tags: number }): string {
  return `
    CREATE TABLE essays (id int PRIMARY KEY, body text NOT NULL);
    INSERT INTO essays SELECT g, repeat(md5(g::text), ${repeats}) FROM generate_series(1, ${essays}) AS g;
    CREATE TABLE tags (id int PRIMARY KEY, tag text);
    INSERT INTO tags SELECT g, 'tag ' || g FROM generate_series(1, ${tags}) AS g;
    ANALYZE;`;
}
