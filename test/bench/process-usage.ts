import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, every thread) and resident memory of a process and all its descendants, from /proc. */
export interface ProcessUsage {
  cpuMs: number;
  rssBytes: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function processTreeUsage(pid: number): ProcessUsage {
  let cpuMs = 0;
  let rssBytes = 0;
  for (const member of [pid, ...descendantsOf(pid)]) {
    try {
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${member}/status`, 'utf8'));
      rssBytes += rss ? Number(rss[1]) * 1024 : 0;
    } catch {
      // The process exited between the listing and the read.
    }
  }
  return { cpuMs, rssBytes };
}

function descendantsOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (listed) children.push(...listed.split(' ').map(Number));
    }
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendantsOf(child)]);
}
