// CLI configuration: where the CLI finds Inngest and the worker.
export const config = {
  inngestUrl: process.env.INNGEST_URL ?? "http://localhost:8288",
  workerUrl: process.env.WORKER_URL ?? "http://localhost:3111",
};
