// A Node service instrumented with OpenTelemetry: the AI SDK reports each model call as a span (through
// @ai-sdk/otel), and the AegisLog span processor turns each model-call span into evidence, beside any
// exporter you already run. Run: node server.ts (Node 22.18+ runs TypeScript as is).
import { createServer } from 'node:http';
import { OpenTelemetry } from '@ai-sdk/otel';
import { openai } from '@ai-sdk/openai';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { generateText, registerTelemetry } from 'ai';
import { AegisLog } from 'aegislog';
import { aegislogSpanProcessor } from 'aegislog/ai';

const log = new AegisLog({
  endpoint: process.env.AEGISLOG_ENDPOINT!,
  tenantId: process.env.AEGISLOG_TENANT!,
  apiKey: process.env.AEGISLOG_API_KEY!,
});

const tracing = new NodeTracerProvider({
  spanProcessors: [
    aegislogSpanProcessor({
      log,
      digestKey: process.env.AEGISLOG_DIGEST_KEY!, // keyed digests of prompts and answers, never their text
      model_context: { deployment_id: process.env.DEPLOYMENT ?? 'node-service' },
    }),
    // new BatchSpanProcessor(new OTLPTraceExporter()), … your exporters as before
  ],
});
tracing.register();
registerTelemetry(new OpenTelemetry());

const server = createServer(async (request, response) => {
  if (request.method !== 'POST' || request.url !== '/answer') return void response.writeHead(404).end();
  let body = '';
  for await (const chunk of request) body += chunk;
  try {
    const { question } = JSON.parse(body) as { question: string };
    const { text } = await generateText({ model: openai.chat('gpt-4o-mini'), system: 'Answer in one sentence.', prompt: question });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answer: text }));
  } catch (error) {
    response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
  }
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}`);
});

// On shutdown: the span processor's forceFlush records what is still being prepared, then the log delivers.
process.once('SIGTERM', () => {
  server.close();
  void tracing.shutdown().then(() => log.close());
});
