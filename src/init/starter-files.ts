// The files `dogdriver init` writes: a commented configuration for one service and, with --test, a Molotov test
// the runner accepts as it is (test/init/init.test.ts runs it with the real runner).

export interface StarterInput {
  name: string;
  env: string;
  endpoint: string;
  /** The run store (default file://./.dogdriver). */
  store?: string;
}

const DEFAULT_STORE = "file://./.dogdriver";

/** dogdriver.config.yaml: every key a first run needs, the optional ones commented out with what they do. */
export const starterYaml = ({
  name,
  env,
  endpoint,
  store = DEFAULT_STORE,
}: StarterInput): string => `# dogdriver configuration (docs/configuration.md lists every key).
# Check it with: npx dogdriver check

# Where run records are kept: file://DIR or s3://bucket/prefix.
store: ${JSON.stringify(store)}
# Where this runner runs; runs are compared only within one location (default: the host name).
# location: eu-west-runner-1

services:
  - name: ${name}
    env: ${env}
    # The base URL the load test targets (DOGDRIVER_ENDPOINT in the scenario's environment).
    endpoint: ${endpoint}
    # Where the deployed version is read; the default is <endpoint>/__version__, field "version".
    # version: { url: ${endpoint}/__version__, field: version }
    test:
      # A git URL or a directory holding molotov.json and the scenario.
      repo: ./loadtest
      # The key under molotov.tests in molotov.json.
      name: dogdriver
    # Datadog metric queries evaluated over each run's window ({service}, {env}, {version} are filled in).
    # queries:
    #   latency_ms: "avg:trace.http.request.duration{service:{service},env:{env}} * 1000"
    # The owning team: a team tag on this service's runs, metrics and events.
    # team: my-team

# Services found in Datadog's Software Catalog (docs/fleet.md); needs DD_API_KEY and DD_APP_KEY.
# discover: { datadog: true }
`;

/** The same configuration as JSON (JSON has no comments: docs/configuration.md explains the keys). */
export const starterJson = ({ name, env, endpoint, store = DEFAULT_STORE }: StarterInput): string =>
  `${JSON.stringify(
    {
      store,
      services: [{ name, env, endpoint, test: { repo: "./loadtest", name: "dogdriver" } }],
    },
    null,
    2,
  )}\n`;

export const STARTER_MOLOTOV_JSON = `${JSON.stringify(
  {
    molotov: {
      env: { DOGDRIVER_PATH: "/" },
      tests: {
        dogdriver: { scenario: "loadtest.py", duration: 30, workers: 4, processes: 1 },
        smoke: { scenario: "loadtest.py", duration: 2, workers: 2 },
      },
    },
  },
  null,
  2,
)}\n`;

export const STARTER_SCENARIO = `"""A dogdriver load test: the same scenario runs against any deployment of the service.

dogdriver sets DOGDRIVER_ENDPOINT (the service's endpoint), DOGDRIVER_SERVICE, DOGDRIVER_ENV and
DOGDRIVER_VERSION; molotov.json's "env" sets DOGDRIVER_PATH. Add a scenario per request your users make,
weighted by how often they make it.
"""
import os

import molotov

ENDPOINT = os.environ["DOGDRIVER_ENDPOINT"].rstrip("/")
PATH = os.environ.get("DOGDRIVER_PATH", "/")


@molotov.scenario(weight=100)
async def get_root(session):
    async with session.get(ENDPOINT + PATH) as resp:
        assert resp.status < 500, resp.status
`;
