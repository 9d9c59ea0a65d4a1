// The test reporter of the Node suites (tests/CMakeLists.txt): Node's TAP, then each
// failed test again, with its error, at the end of the output. A failure's details
// otherwise sit in the middle of a long run's output, where a truncated CI log loses them.
import { tap } from "node:test/reporters";
import { inspect } from "node:util";

export default async function* tapWithFailures(source) {
  const failures = [];
  async function* watched() {
    for await (const event of source) {
      // A suite or file that failed only because a test inside it did says nothing new.
      if (event.type === "test:fail" && event.data.details?.error?.failureType !== "subtestsFailed") {
        failures.push(event.data);
      }
      yield event;
    }
  }
  yield* tap(watched());
  if (failures.length === 0) return;
  yield `# ${failures.length} failed, again:\n`;
  for (const { name, file, line, details } of failures) {
    const error = details?.error?.cause ?? details?.error;
    const text = inspect(error, { depth: 4, breakLength: 120 }).split("\n").slice(0, 24);
    yield `# ✖ ${name}${file ? ` (${file}:${line})` : ""}\n`;
    for (const l of text) yield `#     ${l}\n`;
  }
}
