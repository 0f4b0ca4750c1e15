// Test stand-in for docs-api: its routes (11 with /health).
import { Hono } from "hono";

const TYPESENSE_URL = process.env.TYPESENSE_URL ?? "http://typesense:8108";
const app = new Hono();
app.get("/health", health);
app.get("/search", search);
app.get("/docs/search", docsSearch);
app.get("/docs", listDocs);
app.get("/docs/:id", getDoc);
app.get("/docs/:id/toc", getToc);
app.get("/docs/:id/chunks", getChunks);
app.get("/chunks/:id", getChunk);
app.get("/concepts", listConcepts);
app.get("/concepts/:id", getConcept);
app.get("/concepts/:id/docs", getConceptDocs);

export default { port: 3838, fetch: app.fetch };
