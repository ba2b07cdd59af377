// Entry "aegislog". The client lands here (issue 4); until then it exposes the shared protocol layer.
export * from './protocol/index.js';
export * from './trace/index.js';
