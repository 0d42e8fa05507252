import { readdirSync, readFileSync } from "node:fs";

// Peak resident memory of a process and all its descendants (dogdriver, Molotov's Python, its workers), sampled
// from /proc: getrusage's maxrss is per process, and the tree's peak is what a small runner machine must hold.

const childrenOf = (): Map<number, number[]> => {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command (field 2) may hold spaces, so split after ")".
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited meanwhile
    }
  }
  return children;
};

const rssKb = (pid: number): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** RSS of `root` and its descendants now, in MB. */
export const treeRssMb = (root: number): number => {
  const children = childrenOf();
  let total = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += rssKb(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return total / 1024;
};

/** Samples the tree of `root` every `everyMs` until stopped; returns the peak in MB. */
export const watchPeakRss = (root: number, everyMs = 25) => {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMb(root));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
};
