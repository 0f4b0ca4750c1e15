// Test stand-in for joelclaw's system-bus serve.ts: only the wiring facts.
import { Hono } from "hono";
import { serve as inngestServe } from "inngest/hono";
import { inngest } from "./inngest/client";
import { hostFunctionDefinitions } from "./inngest/functions/index.host";
import { clusterFunctionDefinitions } from "./inngest/functions/index.cluster";
import { webhookApp } from "./webhooks/server";

const role = process.env.WORKER_ROLE === "cluster" ? "cluster" : "host";
const registeredFunctions = role === "cluster" ? clusterFunctionDefinitions : hostFunctionDefinitions;
const serveHost = process.env.INNGEST_SERVE_HOST
  ?? (role === "host" ? "http://host.docker.internal:3111" : undefined);

const app = new Hono();
app.route("/webhooks", webhookApp);
app.on(
  ["GET", "POST", "PUT"],
  "/api/inngest",
  inngestServe({ client: inngest, functions: registeredFunctions, serveHost }),
);

export default {
  port: 3111,
  fetch: app.fetch,
};
