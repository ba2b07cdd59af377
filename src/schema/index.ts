export {
  TENANT_ID, EVENT_ID, TENANT_ID_RULE, EVENT_ID_RULE, POLICY_HASH, EVENT_FIELDS, SERVER_FIELDS, RESERVED_FIELDS, CONTEXT_NAMES, LIMITS, CONTEXT_RULES,
  EVENT_BYTES, MAX_DEPTH, EVENT_TYPE_CHARS, CONTEXT_STRING_CHARS, CONTEXT_LIST_ITEMS,
  type ContextName, type FieldRule,
} from './rules.js';
export { validateEvent, validateRecorded, checkPayloadKeys, validateContext, isPlainObject, invalid, type ValidateOptions } from './validate.js';
