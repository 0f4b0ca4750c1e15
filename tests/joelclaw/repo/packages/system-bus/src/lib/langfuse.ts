// Test stand-in: the system-bus LLM trace entry point.
export function traceLlmGeneration(input: unknown): void {}
