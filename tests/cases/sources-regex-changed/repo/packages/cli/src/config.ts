// CLI configuration: where the CLI finds Inngest and the worker.
export const config = {
  inngestUrl: process.env.INNGEST_URL ?? "http://localhost:8289",
  workerUrl: process.env.SYSTEM_BUS_URL ?? "http://localhost:3111",
};
