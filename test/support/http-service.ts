// The runner's target service lives in src/ because `dogdriver demo` starts it from dist/; tests use it here.
export {
  type SampleService as HttpService,
  type SampleServiceOptions as HttpServiceOptions,
  startSampleService as startHttpService,
} from "../../src/runner/sample-service.js";
