import { DogdriverError } from "../errors.js";

// A Datadog failure: code "datadog", the operation in words, and the HTTP status when Datadog answered one (callers
// decide from it whether trying again later makes sense: 429/5xx/none yes, 4xx no).

export class DatadogError extends DogdriverError {
  /** The HTTP status Datadog answered with; undefined for timeouts and network failures. */
  readonly status: number | undefined;
  /** What dogdriver was doing: "submitting metrics", "creating a monitor"... */
  readonly operation: string;

  constructor(
    operation: string,
    message: string,
    options: { status?: number; details?: readonly string[] } = {},
  ) {
    super("datadog", message, options.details ? { details: options.details } : {});
    this.name = "DatadogError";
    this.status = options.status;
    this.operation = operation;
  }
}
