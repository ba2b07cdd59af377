export * from './rules.js';
export * from './validate.js';
