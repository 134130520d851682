// node:test reporter for test/ui/run.mjs: one JSON line per test event as it happens (a test taken
// up for running, passed, failed), so the runner can report the passes and name the running test
// even when it has to stop the run at its hard timeout, before node:test's own summary.
export default async function* eventsReporter(source) {
  for await (const event of source) {
    const { type, data } = event;
    if (type !== 'test:dequeue' && type !== 'test:pass' && type !== 'test:fail') continue;
    yield JSON.stringify({
      type: type.slice('test:'.length),
      name: data.name,
      nesting: data.nesting,
      file: data.file,
      suite: data.details?.type === 'suite',
      skip: Boolean(data.skip || data.todo),
    }) + '\n';
  }
}
