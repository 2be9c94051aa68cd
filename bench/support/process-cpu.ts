/**
 * CPU time of the processes a benchmark does not run itself, read from Linux `/proc`: the PostgreSQL
 * server (its postmaster and every backend and worker, ended ones included), and the client tools this
 * process ran and waited for (`pg_dump`, `pg_restore`). So the benchmark can say what each side's wall
 * time is made of.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import pg from 'pg';

/** Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux). */
const TICK_MS = 10;

/** utime, stime, cutime, cstime (ms) and the parent pid of `pid`, or undefined when it is gone. */
async function stat(pid: number | 'self'): Promise<{ ppid: number; own: number; children: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at state: ppid is the 2nd, utime the 12th.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  return { ppid: f[1]!, own: (f[11]! + f[12]!) * TICK_MS, children: (f[13]! + f[14]!) * TICK_MS };
}

/**
 * CPU time, ms, of the children this process has waited for (`cutime + cstime` of `/proc/self/stat`):
 * the difference around a child tool's run is that tool's CPU time. 0 where `/proc` is unreadable.
 */
export async function waitedChildrenCpuMs(): Promise<number> {
  return (await stat('self'))?.children ?? 0;
}

/**
 * A reader of the CPU time of the PostgreSQL server at `adminUrl`, when it runs on this machine: the
 * postmaster's pid from `postmaster.pid` in its data directory (`pg_read_file`, superuser), checked
 * against `/proc/<pid>/cwd` (the postmaster runs in its data directory). The reader sums the postmaster's
 * own time, the time of its children that ended (its `cutime + cstime`: it waits for every backend) and
 * of those still running, in ms: differences are the server's CPU time in between, whoever's sessions
 * used it.
 * @returns undefined for a server elsewhere, or when the pid cannot be read
 */
export async function postgresCpuReader(adminUrl: string): Promise<(() => Promise<number>) | undefined> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let pid: number;
  let dataDirectory: string;
  try {
    const { rows } = await client.query(`SELECT current_setting('data_directory') AS dir, split_part(pg_read_file('postmaster.pid'), E'\\n', 1)::int AS pid`);
    pid = Number(rows[0].pid);
    dataDirectory = String(rows[0].dir);
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  if (cwd !== dataDirectory) return undefined;
  return async () => {
    const postmaster = await stat(pid);
    if (!postmaster) return 0;
    let total = postmaster.own + postmaster.children;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = await stat(Number(entry));
      if (child?.ppid === pid) total += child.own;
    }
    return total;
  };
}
