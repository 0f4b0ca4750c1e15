// Test stand-in for joelclaw's CLI config: the default endpoints.
import { join } from "node:path"

const ENV_PATH = join(process.env.HOME ?? "", ".config", "system-bus.env")

export function loadConfig(env: Record<string, string>) {
  return {
    inngestUrl: process.env.INNGEST_URL ?? env.INNGEST_URL ?? "http://localhost:8288",
    workerUrl: process.env.INNGEST_WORKER_URL ?? env.INNGEST_WORKER_URL ?? "http://localhost:3111",
    envPath: ENV_PATH,
  }
}
