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

/** State, parent pid, utime + stime and cutime + cstime (ms) of `pid`, or undefined when it is gone. */
async function stat(pid: number | 'self'): Promise<{ state: string; ppid: number; own: number; children: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at state: ppid is the 2nd, utime the 12th.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const f = fields.map(Number);
  return { state: fields[0]!, ppid: f[1]!, own: (f[11]! + f[12]!) * TICK_MS, children: (f[13]! + f[14]!) * TICK_MS };
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
 * used it. A backend that has exited but is not yet reaped (a zombie) shows no CPU time, and the
 * postmaster adds it to its own children's only when it reaps it (late on a loaded machine): the reader
 * waits, up to 2 s, until no child is a zombie.
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
    for (let attempt = 0; ; attempt++) {
      const postmaster = await stat(pid);
      if (!postmaster) return 0;
      let total = postmaster.own + postmaster.children;
      let zombies = false;
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const child = await stat(Number(entry));
        if (child?.ppid !== pid) continue;
        total += child.own;
        if (child.state === 'Z') zombies = true;
      }
      if (!zombies || attempt >= 40) return total;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
}

/**
 * Waits, up to `timeoutMs`, until the server at `adminUrl` has no session of `applicationName` (e.g. the
 * backend of a `pg_dump` that has just exited, still ending on the server).
 */
export async function sessionsEnded(adminUrl: string, applicationName: string, timeoutMs = 5_000): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await client.end();
  }
}
