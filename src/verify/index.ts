// Entry "aegislog/verify" (issue 2).
export * from './../protocol/index.js';
