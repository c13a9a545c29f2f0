/**
 * The contract between the server and everything that talks to it: the dock, the diagrams, the
 * guide runner, the bench and the tests. Plain types and constants, no Node imports, so the
 * browser bundles it as it is. ../../../../shared/ARCHITECTURE.md describes the same in words.
 */
export * from './errors.ts';
export * from './session.ts';
export * from './sharing.ts';
export * from './shell-marks.ts';
export * from './terminal.ts';
export * from './views.ts';
