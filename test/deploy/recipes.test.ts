import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseShard } from "../../src/runner/shard.js";
import { parseArgv } from "../support/parse-argv.js";

// The recipes under deploy/: every manifest and workflow parses, and every dogdriver command line in them is
// accepted by the CLI's own parser (so renaming a flag breaks this test, not a user's cluster).

const ROOT = join(import.meta.dirname, "../..");
const DEPLOY = join(ROOT, "deploy");
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML documents are walked by key
type Doc = any;
const yamlDocs = (path: string): Doc[] =>
  parseAllDocuments(read(path)).map((doc) => {
    expect(doc.errors, path).toEqual([]);
    return doc.toJS();
  });

/** Shell words of one command (quotes removed), up to a redirection, pipe or command separator. */
const shellWords = (text: string): string[] => {
  const words: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = m[1] ?? m[2] ?? m[3] ?? "";
    if (m[3] !== undefined && /^(>>?|\||\|\||&&|;|2>.*)$/.test(word)) break;
    words.push(word);
  }
  return words;
};

interface CommandLine {
  where: string;
  argv: string[];
}

const commandLines = (): CommandLine[] => {
  const found: CommandLine[] = [];
  for (const path of files(DEPLOY).map((f) => relative(ROOT, f))) {
    if (/\.ya?ml$/.test(path)) {
      for (const doc of yamlDocs(path)) {
        // Kubernetes: the image's entrypoint is the CLI, so a container's args are dogdriver's argv.
        const pod = doc?.spec?.jobTemplate?.spec?.template?.spec;
        for (const c of pod?.containers ?? [])
          found.push({ where: `${path} ${doc.metadata.name}`, argv: c.args });
        // Argo Rollouts: the Job of a metric runs the image's entrypoint (node .../cli.js) from a sh script.
        for (const metric of doc?.kind === "AnalysisTemplate" ? doc.spec.metrics : [])
          for (const c of metric.provider.job.spec.template.spec.containers)
            for (const m of String(c.args).matchAll(/node \/opt\/dogdriver\/dist\/cli\.js (.+)/g))
              found.push({ where: `${path} ${doc.metadata.name}`, argv: shellWords(m[1] as string) });
        // GitHub Actions: each `npx dogdriver ...` in a step's script.
        for (const [name, job] of Object.entries<Doc>(doc?.jobs ?? {}))
          for (const step of job.steps ?? [])
            for (const m of String(step.run ?? "").matchAll(/npx dogdriver (.+)/g))
              found.push({ where: `${path} ${name}: ${step.name}`, argv: shellWords(m[1] as string) });
      }
    } else if (path.endsWith(".service")) {
      for (const m of read(path).matchAll(/^ExecStart=\S*\/dogdriver (.+)$/gm))
        found.push({ where: path, argv: shellWords(m[1] as string) });
    } else if (path.endsWith("Dockerfile")) {
      const cmd = /^CMD (\[.*\])$/m.exec(read(path));
      found.push({ where: `${path} CMD`, argv: JSON.parse(cmd?.[1] ?? "null") });
    }
  }
  return found;
};

describe("deploy/ recipes", () => {
  const lines = commandLines();

  it("hold a command line in each Kubernetes CronJob, the workflow, the systemd unit and the image", () => {
    const where = lines.map((l) => l.where).join("\n");
    for (const expected of [
      "runners.yaml dogdriver-run-eu-west",
      "runners.yaml dogdriver-run-us-east",
      "aggregate.yaml dogdriver-aggregate",
      "dogdriver-on-deploy.yml load-test: Load-test the deployed release",
      "dogdriver-on-deploy.yml load-test: Release verdicts",
      "dogdriver-verify.yml verify: Verify the deployed release",
      "verify-analysis.yaml dogdriver-verify",
      "dogdriver-schedule.service",
      "Dockerfile CMD",
    ])
      expect(where).toContain(expected);
  });

  // Shell variables the recipes fill in at run time, as a pipeline would set them.
  const SAMPLE: Record<string, string> = {
    $SERVICE: "kinto",
    $ENV: "stage",
    $TARGET: "kinto/stage",
    $MAX_RUNS: "10",
    $MAX_TIME: "20m",
    $ENDPOINT: "http://kinto-canary.stage.svc:8080",
  };
  const filled = (argv: readonly string[]) =>
    argv.map((token) => token.replace(/\$[A-Z_]+/g, (name) => SAMPLE[name] ?? name));
  const parsed = commandLines().map((l) => ({ ...l, argv: filled(l.argv) }));
  it.each(parsed.map((l) => [l.where, l.argv] as const))(
    "%s: accepted by the CLI's parser",
    async (_where, argv) => {
      const { code, calls, stderr } = await parseArgv(argv);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const options = calls[0]?.options ?? {};
      // What yargs cannot check: the shard itself, as an Indexed Job's pod 0 would read it.
      if (typeof options.shard === "string")
        expect(() => parseShard(options.shard as string, { JOB_COMPLETION_INDEX: "0" })).not.toThrow();
    },
  );

  // The verify command line of docs/verify.md: verify SERVICE[/ENV] [--baseline VERSION] [--max-runs N]
  // [--max-time DURATION] [--endpoint URL] [--json] [--markdown] [--quiet] [--config FILE] [--store URL]. Shell variables stand for
  // values the recipe fills in at run time.
  const VERIFY_VALUES: Record<string, RegExp> = {
    "--baseline": /^\S+$/,
    "--max-runs": /^(\d+|\$[A-Z_]+)$/,
    "--max-time": /^(\d+[smh])+$|^\$[A-Z_]+$/,
    "--endpoint": /^https?:\/\/\S+$|^\$[A-Z_]+$/,
    "--config": /^\S+$/,
    "--store": /^(file|s3):\/\/\S+$/,
  };
  const VERIFY_SWITCHES = ["--json", "--markdown", "--quiet"];
  it.each(
    commandLines()
      .filter((l) => l.argv[0] === "verify")
      .map((l) => [l.where, l.argv] as const),
  )("%s: a verify command line as docs/verify.md documents it", (_where, argv) => {
    const [, target, ...rest] = argv;
    expect(target).toMatch(/^(\$[A-Z_]+(\/\$[A-Z_]+)?|[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)?)$/);
    for (let i = 0; i < rest.length; i += 1) {
      const flag = rest[i] as string;
      if (VERIFY_SWITCHES.includes(flag)) continue;
      expect(Object.keys(VERIFY_VALUES), flag).toContain(flag);
      expect(rest[i + 1], flag).toMatch(VERIFY_VALUES[flag] as RegExp);
      i += 1;
    }
  });

  it("the Kubernetes CronJobs: Forbid, Indexed shards matching --shard, resources, config and secret mounted", () => {
    const jobs = [
      ...yamlDocs("deploy/kubernetes/runners.yaml"),
      ...yamlDocs("deploy/kubernetes/aggregate.yaml"),
    ];
    expect(jobs).toHaveLength(3);
    for (const job of jobs) {
      expect(job.kind).toBe("CronJob");
      expect(job.spec.concurrencyPolicy).toBe("Forbid");
      const spec = job.spec.jobTemplate.spec;
      const pod = spec.template.spec;
      const container = pod.containers[0];
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.resources.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.envFrom).toEqual([{ secretRef: { name: "dogdriver-credentials" } }]);
      const config = container.volumeMounts.find((m: Doc) => m.mountPath === "/etc/dogdriver");
      expect(pod.volumes.find((v: Doc) => v.name === config.name).configMap.name).toBe("dogdriver-config");
      const configFile = container.args[container.args.indexOf("--config") + 1];
      expect(configFile).toBe("/etc/dogdriver/dogdriver.config.yaml");
      if (container.args[0] === "run") {
        const n = Number(/^index\/(\d+)$/.exec(container.args[container.args.indexOf("--shard") + 1])?.[1]);
        expect([spec.completionMode, spec.completions, spec.parallelism]).toEqual(["Indexed", n, n]);
        expect(container.env.find((e: Doc) => e.name === "DOGDRIVER_SOURCE").value).toMatch(/^[a-z-]+$/);
      }
    }
    const [namespace, configMap, secret] = yamlDocs("deploy/kubernetes/config.yaml");
    expect(namespace.kind).toBe("Namespace");
    expect(Object.keys(configMap.data)).toEqual(["dogdriver.config.yaml"]);
    expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(["DD_API_KEY", "DD_APP_KEY"]));
  });

  it("the ConfigMap's configuration is valid as dogdriver reads it", async () => {
    const { validateConfig } = await import("../../src/config/load.js");
    const { parse: parseYaml } = await import("yaml");
    const configMap = yamlDocs("deploy/kubernetes/config.yaml")[1];
    const config = validateConfig(parseYaml(configMap.data["dogdriver.config.yaml"]), "configmap", {
      env: {},
      hostname: "pod",
    });
    expect(config.discover?.datadog).toBe(true);
  });

  it("the workflow writes the Markdown report to the job summary and fails on a regression", () => {
    const [workflow] = yamlDocs("deploy/github-actions/dogdriver-on-deploy.yml");
    const steps: Doc[] = workflow.jobs["load-test"].steps;
    const report = steps.find((s) => String(s.run).includes("dogdriver report"));
    expect(report.run).toMatch(/--fail-on regression --markdown >> "\$GITHUB_STEP_SUMMARY"/);
    expect(Object.keys(workflow.on)).toContain("deployment_status");
  });

  it("the image: Node, Debian's python3-molotov and git, a non-root user, the CLI as entrypoint", () => {
    const dockerfile = read("deploy/Dockerfile");
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/apt-get install .*python3-molotov git/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1]).toBe('["node", "/opt/dogdriver/dist/cli.js"]');
    // Every COPY from the build context names something the repository has.
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const source of (m[1] as string).split(" "))
        expect(existsSync(join(ROOT, source)), source).toBe(true);
  });
});
