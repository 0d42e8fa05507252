// `node --import bench/cpu-report.mjs dist/cli.js …`: at exit, writes the process's own CPU time (user + system,
// seconds) and peak RSS (MB) as JSON to $DOGDRIVER_BENCH_USAGE, so a benchmark measures the CLI alone and not
// the servers it talks to.
import { writeFileSync } from "node:fs";

const file = process.env.DOGDRIVER_BENCH_USAGE;
if (file)
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        cpuS: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        maxRssMb: usage.maxRSS / 1024,
      }),
    );
  });
