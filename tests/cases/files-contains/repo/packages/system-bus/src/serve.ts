import { serve } from "inngest/bun";

export function serveHost(port: number) {
  return serve({ port, path: "/api/inngest" });
}
