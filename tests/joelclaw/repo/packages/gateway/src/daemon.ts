// Test stand-in for the gateway daemon's boot: Langfuse tracing first.
import { initTracing } from "@joelclaw/inference-router";

initTracing({});
