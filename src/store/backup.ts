/**
 * An online backup of the SQLite database: SQLite's backup API copies the
 * pages of a live database into a consistent snapshot while the daemon keeps
 * writing (WAL mode: the copy's read does not block writers). SQLite starts a
 * stepped backup over when another connection writes between steps, which
 * on a busy platform could go on for ever; so after the first step the rest
 * is copied in one.
 */
import SQLite from 'better-sqlite3';

export async function backupSqlite(source: string, destination: string, onProgress: (done: number, total: number) => void = () => undefined): Promise<{ pages: number }> {
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    const r = await db.backup(destination, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress(totalPages - remainingPages, totalPages);
        return Math.max(remainingPages, 1);
      },
    });
    onProgress(r.totalPages, r.totalPages);
    return { pages: r.totalPages };
  } finally {
    db.close();
  }
}
