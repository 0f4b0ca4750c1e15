// The worker's HTTP entry point: Inngest's serve handler on /api/inngest,
// webhooks on /webhooks/*.
import { Hono } from "hono";
import { serve } from "inngest/hono";
import { inngest } from "./inngest/client";
import { hostFunctionDefinitions } from "./inngest/functions/index.host";
import { webhooks } from "./webhooks";

const app = new Hono();
app.on(["GET", "POST", "PUT"], "/api/inngest", serve({ client: inngest, functions: hostFunctionDefinitions }));
app.route("/webhooks", webhooks);

export default { port: Number(process.env.PORT ?? 3111), fetch: app.fetch };
