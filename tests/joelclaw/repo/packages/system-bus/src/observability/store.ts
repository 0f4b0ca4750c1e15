// Test stand-in: the Typesense collection OTEL events are stored in.
export const OTEL_COLLECTION = "otel_events";
