// Entry "aegislog/ai": one event per model call, where AI apps already make them. Built on the client's
// record()/recordSync(); imports nothing of the SDKs it serves (ai, openai, @anthropic-ai/sdk,
// @google/genai, @mistralai/mistralai, cohere-ai, @langchain/core, @aws-sdk/client-bedrock-runtime, OpenTelemetry are optional peers; @openai/agents runs through its openai client).
export { aegislogMiddleware } from './ai-sdk.js';
export type { AegisLogMiddleware, CallOptionsLike, GenerateResultLike, ModelLike, PartLike, StreamResultLike } from './ai-sdk.js';
export { aegislogTelemetry } from './ai-sdk-telemetry.js';
export type { AegisLogTelemetry, CallEnd, CallStart, ObjectStepEnd, ObjectStepStart } from './ai-sdk-telemetry.js';
export type { TelemetryEvent } from './ai-sdk-telemetry-models.js';
export { aegislogEmbeddingMiddleware } from './embeddings.js';
export type { AegisLogEmbeddingMiddleware, EmbedCallOptionsLike, EmbedResultLike } from './embeddings.js';
export { aegislogImageMiddleware } from './images.js';
export type { AegisLogImageMiddleware, ImageCallOptionsLike, ImageFileLike, ImageResultLike } from './images.js';
export { wrapAnthropic } from './anthropic.js';
export { wrapGoogleGenAI } from './google.js';
export { wrapMistral } from './mistral.js';
export { wrapCohere } from './cohere.js';
export { wrapOpenAI } from './openai.js';
export type { WrapOpenAIOptions } from './openai.js';
export { aegislogCallbacks } from './langchain.js';
export type { AegisLogCallbacks, LLMResultLike, SerializedLike } from './langchain.js';
export { wrapBedrock } from './bedrock.js';
export { aegislogSpanProcessor, isModelCallSpan } from './otel.js';
export type { AegisLogSpanProcessor, SpanAttributes, SpanLike } from './otel.js';
export type { DigestKey } from './digest.js';
export { aiDigest, aiFlush, UNREPORTED } from './record.js';
export type { AiCall, AiEvent, AiIntegration, AiLog, AiOptions, PerCall } from './options.js';
export { recordToolApprovals } from './tool-approval.js';
export type { ToolApprovalOptions } from './tool-approval.js';
export { recordAgentApprovals } from './agent-approval.js';
