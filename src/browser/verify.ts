// Self-contained browser build of "aegislog/verify" (dist/browser/aegislog-verify.js),
// for <script type="module"> users: no bundler, no import map.
export * from '../verify/index.js';
