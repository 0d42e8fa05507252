import { isAbsolute, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

// What a service's test.repo may name (docs/configuration.md, docs/fleet.md), decided where a config file or a
// catalog entity is read, and again before git runs. git's own transports can run programs: `ext::<command>`,
// `fd::`, any `<helper>::<address>`, an ssh host or user read by ssh as an option (`ssh://-oProxyCommand=...`,
// also percent-encoded: git decodes it), an argument starting with "-". Only the URL forms below are cloned.

/** What test.repo names: a git repository to clone (`localPath`: a file:// URL's directory), or a local one. */
export type TestRepo =
  | { kind: "git"; localPath?: string }
  | { kind: "local"; path: string }
  | { kind: "refused"; problem: string };

const GIT_URL_FORMS = "an https://, http://, ssh://, git:// or file:// URL, or user@host:path";
const REMOTE_FORMS = "https://, http://, ssh://, git:// or user@host:path";
const URL_FORM = /^([a-z][a-z0-9+.-]*):\/\/(\S*)$/i;
const SCP_LIKE = /^([\w.-]+)@([\w.-]+):(\S+)$/;
const CLONED = new Set(["https", "http", "ssh", "git", "file"]);

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** A host or user that ssh would read as an option: git refuses these too (CVE-2017-1000117). */
const optionLike = (...parts: string[]) => parts.some((part) => decoded(part).startsWith("-"));

const OPTION_LIKE = 'expected a URL whose host and user do not start with "-" (ssh reads them as options)';
const refused = (problem: string): TestRepo => ({ kind: "refused", problem });

/** What `repo` names, or why it is refused. */
export const readTestRepo = (repo: string): TestRepo => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (repo.length === 0 || repo.startsWith("-") || /[\u0000-\u001f\u007f]/.test(repo))
    return refused('expected a git URL or a directory (not empty, not starting with "-", one line)');
  if (/^[a-z0-9+.-]+::/i.test(repo))
    return refused(`expected ${GIT_URL_FORMS} (git's "transport::address" form runs a program)`);
  const url = URL_FORM.exec(repo);
  if (url !== null) {
    const scheme = (url[1] ?? "").toLowerCase();
    if (!CLONED.has(scheme)) return refused(`expected ${GIT_URL_FORMS}`);
    if (scheme === "file") {
      try {
        return { kind: "git", localPath: fileURLToPath(repo) };
      } catch {
        return refused("expected a file:///absolute/path URL");
      }
    }
    const authority = (url[2] ?? "").split(/[/?#]/)[0] ?? "";
    const at = authority.lastIndexOf("@");
    const user = at < 0 ? "" : authority.slice(0, at);
    const host = authority.slice(at + 1);
    if (host === "") return refused(`expected ${GIT_URL_FORMS} with a host`);
    if (optionLike(user, host)) return refused(OPTION_LIKE);
    return { kind: "git" };
  }
  const scp = SCP_LIKE.exec(repo);
  if (scp !== null) {
    if (optionLike(scp[1] ?? "", scp[2] ?? "")) return refused(OPTION_LIKE);
    return { kind: "git" };
  }
  // "name:..." would be a transport or an ssh host to git; "C:\tests" is a Windows directory.
  if (/^[a-z][a-z0-9+.-]*:/i.test(repo) && !/^[a-z]:[\\/]/i.test(repo))
    return refused(`expected ${GIT_URL_FORMS}, or a directory`);
  return { kind: "local", path: repo };
};

/**
 * Why a catalog entity may not name this test.repo, or undefined when it may: remote URLs only, unless it is an
 * absolute directory (or file:// URL) inside one of `allowedDirs` (discover.local_repo_dirs, absolute). Text held
 * in Datadog never chooses a local directory on the runner by itself.
 */
export const catalogRepoProblem = (repo: TestRepo, allowedDirs: readonly string[]): string | undefined => {
  if (repo.kind === "refused") return repo.problem;
  const path = repo.kind === "local" ? repo.path : repo.localPath;
  if (path === undefined) return undefined;
  const inside = isAbsolute(path) && allowedDirs.some((dir) => isInside(resolve(path), resolve(dir)));
  if (inside) return undefined;
  return allowedDirs.length === 0
    ? `expected a remote repository (${REMOTE_FORMS}): a catalog entity names a local directory only where discover.local_repo_dirs allows it`
    : `expected a remote repository (${REMOTE_FORMS}) or an absolute directory inside discover.local_repo_dirs (${allowedDirs.join(", ")})`;
};

const isInside = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
