// joelclaw CLI defaults; every one can be overridden from the environment.
export const config = {
  inngestUrl: process.env.INNGEST_URL ?? "http://localhost:8288",
  workerUrl: process.env.WORKER_URL ?? "http://localhost:3111",
  redisUrl: process.env.REDIS_URL ?? "redis://localhost:6379",
};
