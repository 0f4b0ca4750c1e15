// Test stand-in for joelclaw's inngest/client.ts: only the app-id facts.
import { Inngest } from "inngest";

export const inngest = new Inngest({
  // Host and cluster workers register as different apps.
  id: (() => {
    const explicit = process.env.INNGEST_APP_ID?.trim()
    if (explicit) return explicit
    const role = process.env.WORKER_ROLE === "cluster" ? "cluster" : "host"
    return `system-bus-${role}`
  })(),
});
