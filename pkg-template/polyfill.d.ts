import { EventSource } from './index.js';
/** Installs EventSource on globalThis where missing (or always, with force). Returns whether it did. */
export declare function install(options?: { force?: boolean }): boolean;
export { EventSource };
