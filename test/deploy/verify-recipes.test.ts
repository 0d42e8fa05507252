import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

// The recipes that put `dogdriver verify` in front of a promotion (docs/verify.md): the GitHub Actions workflow
// and the Argo Rollouts AnalysisTemplate, parsed, and their scripts run for real (bash and sh) with a stand-in
// for the CLI that exits with each documented code, so what a regression or an undecided verify does to the job
// is what the test sees.

const ROOT = join(import.meta.dirname, "../..");
const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked by key
type Doc = any;
const read = async (path: string): Promise<Doc> => parse(await readFile(join(ROOT, path), "utf8"));

let bin: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), "dogdriver-recipe-"));
  // Stands for `npx dogdriver` and for `node .../cli.js`: prints its arguments as the Markdown it would write.
  for (const name of ["npx", "node"]) {
    await writeFile(join(bin, name), '#!/bin/sh\necho "verify output: $*"\nexit "$FAKE_EXIT"\n');
    await chmod(join(bin, name), 0o755);
  }
});
afterAll(async () => rm(bin, { recursive: true, force: true }));

let scripts = 0;
/** Runs a script as the runner would, with the CLI stand-in exiting `code`; its exit code and output. */
const runScript = async (shell: string[], script: string, code: number, env: Record<string, string>) => {
  scripts += 1;
  const summary = join(bin, `summary-${scripts}.md`);
  await writeFile(summary, "");
  try {
    const { stdout } = await run(shell[0] as string, [...shell.slice(1), script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, FAKE_EXIT: String(code), GITHUB_STEP_SUMMARY: summary, ...env },
    });
    return { exit: 0, stdout, summary: await readFile(summary, "utf8") };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { exit: e.code, stdout: e.stdout + e.stderr, summary: await readFile(summary, "utf8") };
  }
};

describe("deploy/github-actions/dogdriver-verify.yml", () => {
  const step = async () => {
    const workflow = await read("deploy/github-actions/dogdriver-verify.yml");
    const steps: Doc[] = workflow.jobs.verify.steps;
    return { workflow, verify: steps.find((s) => String(s.run).includes("dogdriver verify")) };
  };

  it("runs verify on a successful deployment and writes its Markdown to the job summary", async () => {
    const { workflow, verify } = await step();
    expect(Object.keys(workflow.on)).toEqual(["deployment_status", "workflow_dispatch"]);
    expect(workflow.jobs.verify.if).toContain("github.event.deployment_status.state == 'success'");
    expect(verify.run).toMatch(
      /npx dogdriver verify "\$TARGET" .*--markdown >> "\$GITHUB_STEP_SUMMARY" \|\| code=\$\?/,
    );
    expect(workflow.on.workflow_dispatch.inputs["on-undecided"]).toMatchObject({
      options: ["fail", "warn"],
      default: "fail",
    });
    // The job outlives verify's own budget.
    const maxTime = /--max-time (\d+)m/.exec(verify.run)?.[1];
    expect(workflow.jobs.verify["timeout-minutes"]).toBeGreaterThan(Number(maxTime));
  });

  it("gives the Datadog keys as secrets to the verify step's environment only, and no script names a secret", async () => {
    const { workflow, verify } = await step();
    // GitHub's expression syntax, not a JavaScript template.
    const secret = (name: string) => ["$", `{{ secrets.${name} }}`].join("");
    expect(verify.env).toEqual({ DD_API_KEY: secret("DD_API_KEY"), DD_APP_KEY: secret("DD_APP_KEY") });
    for (const s of workflow.jobs.verify.steps as Doc[]) {
      expect(String(s.run ?? "")).not.toMatch(/secrets\.|DD_API_KEY|DD_APP_KEY/);
      if (s !== verify) expect(JSON.stringify(s)).not.toContain("DD_A");
    }
    expect(JSON.stringify(workflow.jobs.verify.env)).not.toContain("secrets.");
    // Inputs reach the script through the environment, never as text pasted into it.
    expect(verify.run).not.toContain("${{");
  });

  it.each([
    [0, "fail", 0],
    [4, "fail", 4],
    [4, "warn", 4],
    [5, "warn", 5],
    [6, "fail", 6],
    [6, "warn", 0],
  ])("verify exiting %i with on-undecided %s ends the step with %i", async (code, onUndecided, expected) => {
    const { verify } = await step();
    const result = await runScript(
      ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"],
      verify.run,
      code,
      {
        TARGET: "kinto/stage",
        ON_UNDECIDED: onUndecided,
      },
    );
    expect(result.exit).toBe(expected);
    expect(result.summary).toBe(
      "verify output: dogdriver verify kinto/stage --max-runs 10 --max-time 20m --config dogdriver.config.yaml --markdown\n",
    );
    if (code === 6) expect(result.stdout).toContain(onUndecided === "warn" ? "::warning" : "::error");
  });
});

describe("deploy/argo-rollouts/verify-analysis.yaml", () => {
  const template = () => read("deploy/argo-rollouts/verify-analysis.yaml");
  const container = async () =>
    (await template()).spec.metrics[0].provider.job.spec.template.spec.containers[0];

  it("is an AnalysisTemplate whose one Job metric decides the step by the Job's exit code", async () => {
    const doc = await template();
    expect([doc.apiVersion, doc.kind]).toEqual(["argoproj.io/v1alpha1", "AnalysisTemplate"]);
    const args = Object.fromEntries(doc.spec.args.map((a: Doc) => [a.name, a.value]));
    // service, env and the canary's URL come from the Rollout; the rest have defaults.
    expect(args).toEqual({
      service: undefined,
      env: undefined,
      endpoint: undefined,
      source: "eu-west",
      "max-runs": "10",
      "max-time": "20m",
      "on-undecided": "fail",
    });
    const [metric] = doc.spec.metrics;
    expect(doc.spec.metrics).toHaveLength(1);
    expect(metric).toMatchObject({ count: 1, failureLimit: 0 });
    // The Job provider judges by the exit code: conditions on a result would be ignored, so there are none.
    expect(metric.successCondition).toBeUndefined();
    expect(metric.failureCondition).toBeUndefined();
    const job = metric.provider.job.spec;
    expect(job.backoffLimit).toBe(0);
    expect(job.template.spec.restartPolicy).toBe("Never");
    expect(job.activeDeadlineSeconds).toBeGreaterThan(20 * 60);
  });

  it("runs deploy/Dockerfile's image and entrypoint, like the runners, with the config and keys they use", async () => {
    const c = await container();
    const runners = parse(
      (await readFile(join(ROOT, "deploy/kubernetes/runners.yaml"), "utf8")).split("\n---\n")[0] ?? "",
    );
    const runner = runners.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.image).toBe(runner.image);
    const dockerfile = await readFile(join(ROOT, "deploy/Dockerfile"), "utf8");
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    expect(c.command).toEqual(["/bin/sh", "-c"]);
    expect(String(c.args[0])).toContain(
      `${entrypoint.join(" ")} verify "$SERVICE/$ENV" --endpoint "$ENDPOINT"`,
    );
    expect(c.envFrom).toEqual(runner.envFrom);
    expect(c.envFrom).toEqual([{ secretRef: { name: "dogdriver-credentials" } }]);
    // No key in the manifest: the env holds the template's arguments only.
    const env = Object.fromEntries(c.env.map((e: Doc) => [e.name, e.value]));
    expect(env).toEqual({
      SERVICE: "{{args.service}}",
      ENV: "{{args.env}}",
      ENDPOINT: "{{args.endpoint}}",
      DOGDRIVER_SOURCE: "{{args.source}}",
      MAX_RUNS: "{{args.max-runs}}",
      MAX_TIME: "{{args.max-time}}",
      ON_UNDECIDED: "{{args.on-undecided}}",
    });
    expect(String(c.args[0])).not.toContain("{{");
    const pod = (await template()).spec.metrics[0].provider.job.spec.template.spec;
    const config = c.volumeMounts.find((m: Doc) => m.mountPath === "/etc/dogdriver");
    expect(pod.volumes.find((v: Doc) => v.name === config.name).configMap.name).toBe("dogdriver-config");
    expect(String(c.args[0])).toContain("--config /etc/dogdriver/dogdriver.config.yaml");
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it.each([
    [0, "fail", 0],
    [4, "pass", 4],
    [5, "pass", 5],
    [6, "fail", 6],
    [6, "pass", 0],
  ])("verify exiting %i with on-undecided %s ends the Job with %i", async (code, onUndecided, expected) => {
    const c = await container();
    const result = await runScript(["sh", "-c"], String(c.args[0]), code, {
      SERVICE: "kinto",
      ENV: "prod",
      ENDPOINT: "http://kinto-canary.prod.svc:8080",
      MAX_RUNS: "10",
      MAX_TIME: "20m",
      ON_UNDECIDED: onUndecided,
    });
    expect(result.exit).toBe(expected);
    expect(result.stdout).toContain(
      "verify output: /opt/dogdriver/dist/cli.js verify kinto/prod --endpoint http://kinto-canary.prod.svc:8080 --max-runs 10 --max-time 20m --config /etc/dogdriver/dogdriver.config.yaml",
    );
  });
});
