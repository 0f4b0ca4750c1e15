// Test stand-in: where gateway OTEL events are posted by default.
export const OTEL_EMIT_URL = process.env.OTEL_EMIT_URL ?? "http://localhost:3111/observability/emit";
