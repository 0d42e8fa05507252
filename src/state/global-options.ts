/** Options every command takes (docs/contract.md: --config, --store). */
export interface GlobalOptions {
  config?: string;
  store?: string;
  verbose?: boolean;
  /** Only warnings and errors on stderr (src/cli/command-deps.ts). */
  quiet?: boolean;
  /** --color / --no-color: FORCE_COLOR / NO_COLOR for the command. */
  color?: boolean;
}
